// Draw 16 plausible masks for an image with P²SAM and score them against expert masks.
// Usage: sample-and-score IMAGE.png RATER_DIR [MODEL.safetensors]
import Foundation
import P2SAMKit

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: sample-and-score IMAGE.png RATER_DIR [MODEL.safetensors]")
    exit(2)
}
do {
    // No model named: the bundled default, found from any working directory (see `ModelSearch`).
    let modelURL = arguments.count > 3 ? URL(fileURLWithPath: arguments[3]) : nil
    let sampler = P2SAMSampler(model: try P2SAMModel(modelFile: modelURL))
    let prepared = try sampler.prepare(try PNG.read(contentsOf: arguments[1]))
    var samples: [BinaryMask] = []
    _ = try sampler.sample(prepared, count: 16, seed: 42) { _, mask in
        samples.append(try BinaryMask(width: mask.width, height: mask.height, bytes: mask.pixels))
    }
    let raterFiles = try FileManager.default.contentsOfDirectory(atPath: arguments[2])
        .filter { $0.hasPrefix("rater") && $0.hasSuffix(".png") }.sorted()
    let raters = try raterFiles.map { name -> BinaryMask in
        let mask = try PNG.read(contentsOf: arguments[2] + "/" + name)
        return try BinaryMask(width: mask.width, height: mask.height, floats: mask.grey().pixels)
    }
    let score = try MultiRaterScore(samples: samples, raters: raters)
    print(
        String(
            format: "GED %.4f  HM-IoU %.4f  D_max %.4f  D_mean %.4f", score.ged, score.hmIoU, score.dMax, score.dMean))
} catch {
    print("error: \(error)")
    exit(1)
}
