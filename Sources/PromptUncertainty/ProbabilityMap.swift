import Foundation
import MultiRaterMetrics

/// A per-pixel foreground probability map at the original image size.
///
/// `values` is row-major, `values[y * width + x]`, each in `[0, 1]` (the sigmoid of LiteMedSAM's
/// logits after bilinear resizing to the original size, or a 0/1 mask).
public struct ProbabilityMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    /// - Throws: ``PromptUncertaintyError/sizeMismatch(_:)`` when `values.count != width * height`.
    public init(width: Int, height: Int, values: [Float]) throws {
        guard values.count == width * height else {
            throw PromptUncertaintyError.sizeMismatch("\(values.count) values for a \(width)x\(height) map")
        }
        self.width = width
        self.height = height
        self.values = values
    }

    /// `sigmoid(logits)` per pixel (row-major `width x height` logits).
    public init(logits: [Float], width: Int, height: Int) throws {
        try self.init(width: width, height: height, values: logits.map { 1 / (1 + Float(exp(Double(-$0)))) })
    }

    /// A binary mask as a 0/1 map.
    public init(mask: BinaryMask) {
        width = mask.width
        height = mask.height
        values = mask.bytes().map { Float($0) }
    }

    /// Foreground where the probability is `> threshold` (default 0.5, i.e. logit > 0).
    public func mask(threshold: Float = 0.5) -> BinaryMask {
        // The count always matches, so this cannot throw.
        try! BinaryMask(width: width, height: height, floats: values, threshold: threshold)
    }
}
