import Foundation
import MedImageIO
import P2SAM

/// P²SAM rows of `p2sam benchmark`: one image + N samples end to end (preprocess, encoder, PGN,
/// N decodes, fusion, resize and threshold to the image size; no file writing).
enum BenchmarkP2SAM {
    static func rows(modelURL: URL, backbone: ModelOptions, runs: Int, slowRuns: Int, warmup: Int, peak: Double) throws
        -> [BenchmarkRow]
    {
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            print("P²SAM rows skipped: no model at \(modelURL.path) (pass --p2sam-model)")
            return []
        }
        let model = try P2SAMModel(
            modelFile: modelURL, backbone: backbone.checkpointURL, verifyBackboneChecksum: !backbone.skipChecksum)
        let sampler = P2SAMSampler(model: model)
        let image = BenchmarkCommand.pipelineImage()
        var rows: [BenchmarkRow] = []
        for (count, target) in [(16, 900.0), (100, 3000.0)] {
            let time = try BenchmarkClock.measure(runs: count == 100 ? slowRuns : runs, warmup: warmup) {
                let prepared = try sampler.prepare(image)
                _ = try sampler.sample(prepared, count: count, seed: 1)
            }
            rows.append(
                BenchmarkRow(
                    name: "P²SAM (\(model.configuration.injection.rawValue)) 1 image + \(count) samples", ms: time,
                    perUnit: count,
                    target: target,
                    gflop: BenchmarkCommand.encoderGFLOP + Double(count) * BenchmarkCommand.decoderGFLOPPerPrompt * 1.3,
                    peak: peak, rss: ResidentMemory.peakBytes(), stage: "p2sam_\(count)"))
        }
        return rows
    }
}
