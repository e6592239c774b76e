import Foundation
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling

/// How the simulated box is made from the raters' mask.
enum BoxQuality: Equatable, CustomStringConvertible {
    case tight
    /// MedSAM's outward jitter U{0..PX} per side, PX at model (256) scale.
    case jitter(Int)
    /// A random box with this IoU (± 0.05) to the tight box.
    case iou(Double)

    init?(_ text: String) {
        if text == "tight" {
            self = .tight
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        if parts[0] == "jitter", let px = Int(parts[1]), px >= 0 {
            self = .jitter(px)
            return
        }
        if parts[0] == "iou", let r = Double(parts[1]), r > 0, r <= 1 {
            self = .iou(r)
            return
        }
        return nil
    }

    var description: String {
        switch self {
        case .tight: return "tight"
        case .jitter(let px): return "jitter:\(px)"
        case .iou(let r): return "iou:\(r)"
        }
    }

    /// The simulated box for a tight box (image pixels).
    func box(around tight: BoundingBox, frame: ImageFrame, random: SeededRandom) throws -> BoundingBox {
        let augmenter = BoxAugmenter(frame: frame)
        switch self {
        case .tight: return tight
        case .jitter(let px): return augmenter.outwardJitter(tight, maxModelPixels: px, random: random)
        case .iou(let r): return try augmenter.randomBox(iou: r, around: tight, random: random).box
        }
    }
}

/// Case preparation for `evaluate`: reference masks and the model picture.
enum EvaluateCommandCases {
    /// Union of the raters' masks.
    static func union(_ raters: [BinaryMask]) -> BinaryMask {
        var out = BinaryMask(width: raters[0].width, height: raters[0].height)
        for y in 0..<out.height {
            for x in 0..<out.width where raters.contains(where: { $0[x, y] }) { out[x, y] = true }
        }
        return out
    }

    /// Majority vote: a pixel is foreground when more than half of the K raters mark it (`2·count > K`).
    static func majority(_ raters: [BinaryMask]) -> BinaryMask {
        var out = BinaryMask(width: raters[0].width, height: raters[0].height)
        for y in 0..<out.height {
            for x in 0..<out.width where 2 * raters.reduce(0, { $0 + ($1[x, y] ? 1 : 0) }) > raters.count {
                out[x, y] = true
            }
        }
        return out
    }

    /// The case image as the model sees it: windowed (when a window is given) to 0...255; otherwise kept
    /// when already within 0...255, else min-max scaled to 0...255.
    static func picture(_ image: CaseImage, window: IntensityWindow?) throws -> MedicalImage {
        var scaled = image
        if let window {
            scaled = window.apply(to: image)
        } else if image.valueRange.lowerBound < 0 || image.valueRange.upperBound > 255 {
            scaled = image.minMaxNormalized()
        }
        return try MedicalImage(
            width: scaled.width, height: scaled.height, channels: scaled.channels, bitDepth: 8, pixels: scaled.pixels)
    }
}
