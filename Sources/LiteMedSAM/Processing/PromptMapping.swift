import MedImageIO

/// Maps prompts from the original image frame to the 256x256 model-input frame, as upstream:
/// each coordinate becomes `Float(Int(coord * (256 / max(H, W))))` (truncation, no +0.5).
/// Padding is bottom/right, so the origin does not move.
///
/// **Validation.** Prompts must lie inside the image; nothing is clipped silently:
/// - boxes need `0 <= x0 < x1 <= W` and `0 <= y0 < y1 <= H` (so inverted, zero-size, partially
///   or entirely outside boxes are all errors; call `BoundingBox.clipped(width:height:)` first
///   to accept partially outside boxes deliberately);
/// - points need `0 <= x < W` and `0 <= y < H`;
/// - non-finite coordinates are errors.
public enum PromptMapping {
    /// `256 / max(H, W)` in `Double`, the factor upstream multiplies prompts by.
    public static func ratio(height: Int, width: Int) -> Double {
        Double(PreprocessedImage.side) / Double(max(height, width))
    }

    /// Checks a box against a `width × height` image.
    ///
    /// - Throws: `MedImageIOError.invalidPrompt(_:)` describing the violated condition.
    public static func validate(_ box: BoundingBox, height: Int, width: Int) throws {
        let values = box.array
        guard values.allSatisfy({ $0.isFinite }) else {
            throw MedImageIOError.invalidPrompt("box \(values) has a non-finite coordinate")
        }
        guard box.x0 < box.x1, box.y0 < box.y1 else {
            throw MedImageIOError.invalidPrompt("box \(values) is inverted or empty (need x0 < x1 and y0 < y1)")
        }
        guard box.x0 >= 0, box.y0 >= 0, box.x1 <= Double(width), box.y1 <= Double(height) else {
            throw MedImageIOError.invalidPrompt(
                "box \(values) is not inside the \(width)x\(height) image (need 0 <= x0 < x1 <= \(width), 0 <= y0 < y1 <= \(height))"
            )
        }
    }

    /// The box in the 256 frame as `[x0, y0, x1, y1]` floats (truncated as upstream).
    ///
    /// - Throws: `MedImageIOError.invalidPrompt(_:)` if the box is not valid for the image.
    public static func modelBox(_ box: BoundingBox, height: Int, width: Int) throws -> [Float] {
        try validate(box, height: height, width: width)
        let r = ratio(height: height, width: width)
        return box.array.map { Float(Int($0 * r)) }
    }

    /// The point in the 256 frame as `[x, y]` floats (truncated as upstream).
    ///
    /// - Throws: `MedImageIOError.invalidPrompt(_:)` if the point is outside the image.
    public static func modelPoint(_ point: PromptPoint, height: Int, width: Int) throws -> [Float] {
        guard point.x.isFinite, point.y.isFinite,
            point.x >= 0, point.y >= 0, point.x < Double(width), point.y < Double(height)
        else {
            throw MedImageIOError.invalidPrompt(
                "point (\(point.x), \(point.y)) is not inside the \(width)x\(height) image (need 0 <= x < \(width), 0 <= y < \(height))"
            )
        }
        let r = ratio(height: height, width: width)
        return [Float(Int(point.x * r)), Float(Int(point.y * r))]
    }
}
