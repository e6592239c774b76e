import Foundation
import MedImageIO
import MultiRaterData
import MultiRaterMetrics

/// Case preparation for an evaluation: reference masks and the model picture.
public enum EvaluationCases {
    /// Union of the raters' masks.
    public static func union(_ raters: [BinaryMask]) -> BinaryMask {
        var out = BinaryMask(width: raters[0].width, height: raters[0].height)
        for y in 0..<out.height {
            for x in 0..<out.width where raters.contains(where: { $0[x, y] }) { out[x, y] = true }
        }
        return out
    }

    /// Majority vote: a pixel is foreground when more than half of the K raters mark it (`2·count > K`).
    public static func majority(_ raters: [BinaryMask]) -> BinaryMask {
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
    public static func picture(_ image: CaseImage, window: IntensityWindow?) throws -> MedicalImage {
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
