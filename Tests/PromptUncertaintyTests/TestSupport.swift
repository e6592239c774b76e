import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterMetrics
import PromptUncertainty
import XCTest

/// A segmenter without a model: the probability of a pixel is `inside` within the prompt box (shrunk
/// by `margin` pixels) and `outside` elsewhere. Records the prompts it saw.
final class BoxFillSegmenter: PromptedSegmenter {
    let frame: ImageFrame
    var inside: Float = 0.9
    var outside: Float = 0.05
    var margin: Double = 0
    private(set) var seen: [ImagePrompt] = []

    init(width: Int, height: Int) { frame = ImageFrame(width: width, height: height) }

    func probabilities(for prompts: [ImagePrompt]) throws -> [ProbabilityMap] {
        seen += prompts
        return try prompts.map { prompt in
            let b = prompt.box!
            var values = [Float](repeating: outside, count: frame.pixelCount)
            for y in 0..<frame.height {
                for x in 0..<frame.width
                where Double(x) >= b.x0 + margin && Double(x) < b.x1 - margin
                    && Double(y) >= b.y0 + margin && Double(y) < b.y1 - margin
                {
                    values[y * frame.width + x] = inside
                }
            }
            return try ProbabilityMap(width: frame.width, height: frame.height, values: values)
        }
    }
}

/// A `width x height` mask with the rectangle `[x0, x1) x [y0, y1)` set.
func rectangleMask(width: Int, height: Int, x0: Int, y0: Int, x1: Int, y1: Int) -> BinaryMask {
    var mask = BinaryMask(width: width, height: height)
    for y in y0..<y1 { for x in x0..<x1 { mask[x, y] = true } }
    return mask
}

/// The shared LiteMedSAM predictor, or a skip when the checkpoint is absent.
enum SharedPredictor {
    nonisolated(unsafe) private static var cached: LiteMedSAMPredictor?

    static func get() throws -> LiteMedSAMPredictor {
        if let cached { return cached }
        guard let url = try? LiteMedSAMCheckpoint.locate(), FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let predictor = try LiteMedSAMPredictor(checkpoint: url)
        cached = predictor
        return predictor
    }
}

/// A grey 96x80 test picture: textured background and a bright disc centred at (60, 40), radius 14.
func discImage(uniform: Bool = false) throws -> MedicalImage {
    let (w, h) = (96, 80)
    var pixels = [Float](repeating: 90, count: w * h)
    if !uniform {
        for y in 0..<h {
            for x in 0..<w {
                let texture = 50 + 30 * sin(Float(x) / 9) * cos(Float(y) / 11)
                pixels[y * w + x] = hypot(Float(x) - 60, Float(y) - 40) < 14 ? 210 : texture
            }
        }
    }
    return try MedicalImage(width: w, height: h, channels: 1, pixels: pixels)
}
