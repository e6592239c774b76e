import MedImageIO
import MultiRaterMetrics

/// Geometry on image-frame boxes.
///
/// Convention: a box `[x0, y0, x1, y1]` covers the pixels whose centres-as-indices satisfy
/// `x0 <= x < x1`, `y0 <= y < y1` (end-exclusive, in pixels of the original image); the tight box of a
/// mask is therefore `[minX, minY, maxX + 1, maxY + 1]`, so a one-pixel mask has a 1x1 box.
extension BoundingBox {
    /// `x1 - x0`.
    public var width: Double { x1 - x0 }
    /// `y1 - y0`.
    public var height: Double { y1 - y0 }
    /// `width * height` (0 when inverted).
    public var area: Double { max(width, 0) * max(height, 0) }
    /// Centre `(x, y)`.
    public var center: (x: Double, y: Double) { ((x0 + x1) / 2, (y0 + y1) / 2) }

    /// Intersection over union of two boxes (0 when both are empty).
    public func intersectionOverUnion(with other: BoundingBox) -> Double {
        let iw = max(0, min(x1, other.x1) - max(x0, other.x0))
        let ih = max(0, min(y1, other.y1) - max(y0, other.y0))
        let inter = iw * ih
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The tight end-exclusive box of the foreground of `mask`, or `nil` if it is empty.
    public init?(tightAround mask: BinaryMask) {
        var minX = Int.max
        var minY = Int.max
        var maxX = -1
        var maxY = -1
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask[x, y] {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return nil }
        self.init(x0: Double(minX), y0: Double(minY), x1: Double(maxX + 1), y1: Double(maxY + 1))
    }

    /// The box with integer pixel-edge coordinates: `x0, y0` rounded down, `x1, y1` rounded up.
    public var pixelAligned: BoundingBox {
        BoundingBox(x0: x0.rounded(.down), y0: y0.rounded(.down), x1: x1.rounded(.up), y1: y1.rounded(.up))
    }
}

/// How an input box relates to the image it prompts (see ``PromptBoxCheck/check(_:width:height:)``).
public struct PromptBoxCheck: Sendable, Equatable {
    /// The box to use: the input, clipped to the image when it was partly outside.
    public var box: BoundingBox
    /// True when the input box was partly outside and has been clipped.
    public var wasClipped: Bool

    /// Validates a user box against a `width x height` image.
    ///
    /// - Non-finite coordinates: error. Zero or negative width/height: ``PromptUncertaintyError/degenerateBox(_:)``
    ///   naming the zero side. Entirely outside the image: ``PromptUncertaintyError/boxOutsideImage(box:width:height:)``.
    /// - Partly outside: clipped to the image (`wasClipped == true`); callers should say so.
    public static func check(_ box: BoundingBox, width: Int, height: Int) throws -> PromptBoxCheck {
        guard box.array.allSatisfy({ $0.isFinite }) else { throw PromptUncertaintyError.nonFiniteBox(box.array) }
        if box.width <= 0 {
            throw PromptUncertaintyError.degenerateBox("box \(box.array) has zero width (x1 <= x0)")
        }
        if box.height <= 0 {
            throw PromptUncertaintyError.degenerateBox("box \(box.array) has zero height (y1 <= y0)")
        }
        guard let clipped = box.clipped(width: width, height: height) else {
            throw PromptUncertaintyError.boxOutsideImage(box: box.array, width: width, height: height)
        }
        return PromptBoxCheck(box: clipped, wasClipped: clipped != box)
    }
}
