import MedImageIO

/// LiteMedSAM postprocessing exactly as upstream (REFERENCE.md §3):
/// decoder logits `(K, 256, 256)` → crop to `[:resizedHeight, :resizedWidth]` → bilinear resize
/// to the original `(H, W)` with PyTorch `align_corners=False` semantics (`BilinearResize`)
/// → threshold: a pixel is foreground when its logit is `> 0` (i.e. `sigmoid > 0.5`).
public enum LiteMedSAMPostprocessor {
    /// Logits resized back to the original image.
    ///
    /// - Parameters:
    ///   - logits: `(count, 256, 256)` planar decoder logits (one `(1, K, 256, 256)` batch item).
    ///   - count: the number of planes in `logits`.
    ///   - image: the ``PreprocessedImage`` the logits were computed from (supplies the sizes).
    /// - Returns: `(count, originalHeight, originalWidth)` planar logits.
    public static func upscaledLogits(_ logits: [Float], count: Int, for image: PreprocessedImage) -> [Float] {
        upscaledLogits(
            logits, count: count, resizedHeight: image.resizedHeight, resizedWidth: image.resizedWidth,
            originalHeight: image.originalHeight, originalWidth: image.originalWidth)
    }

    /// Logits resized back to the original image, from explicit sizes (see the overload above).
    public static func upscaledLogits(
        _ logits: [Float], count: Int, resizedHeight: Int, resizedWidth: Int,
        originalHeight: Int, originalWidth: Int
    ) -> [Float] {
        let side = PreprocessedImage.side
        return BilinearResize.resize(
            logits, count: count, height: side, width: side,
            cropHeight: resizedHeight, cropWidth: resizedWidth,
            newHeight: originalHeight, newWidth: originalWidth)
    }

    /// Binary masks in the original frame: `upscaledLogits > 0`.
    ///
    /// - Returns: `count` masks of `originalWidth × originalHeight`.
    public static func masks(fromLogits logits: [Float], count: Int, for image: PreprocessedImage) -> [MaskImage] {
        let up = upscaledLogits(logits, count: count, for: image)
        return threshold(up, count: count, height: image.originalHeight, width: image.originalWidth)
    }

    /// Splits `(count, height, width)` planar logits into masks, foreground where the logit is `> 0`.
    public static func threshold(_ maps: [Float], count: Int, height: Int, width: Int, at level: Float = 0)
        -> [MaskImage]
    {
        precondition(maps.count == count * height * width)
        let n = height * width
        return (0..<count).map { k in
            MaskImage(
                uncheckedWidth: width, height: height,
                pixels: maps[(k * n)..<((k + 1) * n)].map { $0 > level ? 1 : 0 })
        }
    }
}
