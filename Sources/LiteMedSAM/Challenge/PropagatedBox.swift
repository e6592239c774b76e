import MedImageIO

/// The box prompt of the next slice of a 3D case, taken from the previous slice's mask as the
/// reference `inference_3D` does: the mask (holding the object's label) is resized like an image
/// (longest side to 256, cv2 INTER_AREA on `uint8`, so thin parts may vanish), its foreground's
/// bounding box is widened by 3 pixels on each side and clipped to `[0, 256]`.
enum PropagatedBox {
    /// Pixels added on each side of the previous mask's bounding box (`bbox_shift` upstream).
    static let shift = 3

    /// The model-frame box for the next slice, or nil when the resized mask is empty (the caller then
    /// falls back to the middle slice's box).
    ///
    /// - Parameters:
    ///   - mask: the previous slice's binary mask, `height * width` values (non-zero = object).
    ///   - label: the object's id; the mask is resized holding it (as upstream, where the rounding of
    ///     partly covered pixels depends on it), capped at 255 for `uint8`.
    static func box(fromMask mask: [UInt8], label: Int, height: Int, width: Int) -> BoxPrompt? {
        let value = Float(min(label, 255))
        let size = LiteMedSAMPreprocessor.targetSize(height: height, width: width)
        let resized = AreaResize.resize(
            mask.map { $0 != 0 ? value : 0 }, width: width, height: height, channels: 1,
            newWidth: size.width, newHeight: size.height, rounding: .uint8)
        var (x0, y0, x1, y1) = (Int.max, Int.max, -1, -1)
        for y in 0..<size.height {
            for x in 0..<size.width where resized[y * size.width + x] > 0 {
                x0 = min(x0, x)
                x1 = max(x1, x)
                y0 = min(y0, y)
                y1 = max(y1, y)
            }
        }
        guard x1 >= 0 else { return nil }
        let side = PreprocessedImage.side
        return BoxPrompt(
            x0: Float(max(0, x0 - shift)), y0: Float(max(0, y0 - shift)),
            x1: Float(min(side, x1 + shift)), y1: Float(min(side, y1 + shift)))
    }
}
