import MedImageIO

/// The LiteMedSAM model input made from one image, with the sizes needed to map prompts in
/// and masks back out.
///
/// - `tensor`: NCHW `(1, 3, 256, 256)` planar `Float`, `tensor[(c * 256 + y) * 256 + x]`.
///   Rows `resizedHeight...` and columns `resizedWidth...` are zero padding (bottom/right).
/// - The image occupies the top-left `resizedHeight × resizedWidth` corner, values in `[0, 1]`.
public struct PreprocessedImage: Sendable {
    /// Side of the square model input: 256.
    public static let side = 256
    /// NCHW `(1, 3, 256, 256)` planar samples.
    public let tensor: [Float]
    /// Rows of the resized image inside the padded input (`newh` upstream).
    public let resizedHeight: Int
    /// Columns of the resized image inside the padded input (`neww` upstream).
    public let resizedWidth: Int
    /// Rows of the original image.
    public let originalHeight: Int
    /// Columns of the original image.
    public let originalWidth: Int

    /// A preprocessed image `[256, 256, 3]` with its size after the resize and its original size.
    public init(tensor: [Float], resizedHeight: Int, resizedWidth: Int, originalHeight: Int, originalWidth: Int) {
        precondition(tensor.count == 3 * Self.side * Self.side)
        self.tensor = tensor
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
        self.originalHeight = originalHeight
        self.originalWidth = originalWidth
    }
}

/// LiteMedSAM preprocessing exactly as upstream (`CVPR24_LiteMedSAM_infer.py`, REFERENCE.md §3):
///
/// 1. grey → 3 channels (replication);
/// 2. resize the longest side to 256 with cv2 INTER_AREA semantics (`AreaResize`):
///    `scale = 256 / max(H, W)`, `newh = Int(Double(H) * scale + 0.5)`, `neww` likewise;
/// 3. global min-max over all pixels and all 3 channels, computed in `Double` and cast to
///    `Float`: `(x - min) / max(max - min, 1e-8)` (no mean/std normalisation);
/// 4. zero-pad bottom/right to 256x256, HWC → NCHW.
///
/// **Bit depth.** 8-bit images follow upstream exactly: the resize has cv2 `uint8` semantics
/// (integer output, OpenCV's rounding) before min-max. 16-bit images (and any image whose
/// `bitDepth` is 16) are resized in `Float` with the same weights but without rounding, then
/// min-maxed; upstream has no 16-bit path (it expects `uint8` after windowing), so this is the
/// natural extension that keeps the full dynamic range.
public enum LiteMedSAMPreprocessor {
    /// The `(height, width)` after resizing the longest side to `longSide` (upstream's `newh, neww`).
    public static func targetSize(height: Int, width: Int, longSide: Int = PreprocessedImage.side)
        -> (height: Int, width: Int)
    {
        let scale = Double(longSide) * 1.0 / Double(max(height, width))
        return (Int(Double(height) * scale + 0.5), Int(Double(width) * scale + 0.5))
    }

    /// The largest accepted ratio of an image's long side to its short side: 512. Beyond it the
    /// short side would be resized to 0 pixels (`Int(short · 256 / long + 0.5) == 0`).
    public static let maxAspectRatio = 2 * PreprocessedImage.side

    /// Checks that a `width × height` image can be preprocessed (its aspect ratio is at most
    /// ``maxAspectRatio``:1); call it before any expensive work. `name` is used in the message.
    ///
    /// - Throws: `MedImageIOError.invalidImage(_:)` naming the size and the limit.
    public static func validate(width: Int, height: Int, name: String = "image") throws {
        guard width > 0, height > 0 else {
            throw MedImageIOError.invalidImage("\(name) is \(width)x\(height) pixels; both sides must be at least 1")
        }
        let size = targetSize(height: height, width: width)
        guard size.height >= 1, size.width >= 1 else {
            throw MedImageIOError.invalidImage(
                "\(name) is \(width)x\(height) pixels; the long side may be at most "
                    + "\(maxAspectRatio) times the short side (LiteMedSAM resizes the long side to "
                    + "\(PreprocessedImage.side), which would leave the short side 0 pixels)")
        }
    }

    /// Builds the model input for `image` (1 or 3 channels, 8 or 16 bit).
    ///
    /// - Throws: `MedImageIOError.invalidImage(_:)` when the aspect ratio exceeds ``maxAspectRatio``.
    public static func preprocess(_ image: MedicalImage) throws -> PreprocessedImage {
        try validate(width: image.width, height: image.height)
        let side = PreprocessedImage.side
        let rgb = image.rgb()
        let size = targetSize(height: image.height, width: image.width)
        let resized = rgb.resizedArea(width: size.width, height: size.height)

        var lo = Double.infinity
        var hi = -Double.infinity
        for v in resized.pixels {
            lo = min(lo, Double(v))
            hi = max(hi, Double(v))
        }
        let range = max(hi - lo, 1e-8)

        var tensor = [Float](repeating: 0, count: 3 * side * side)
        for y in 0..<size.height {
            for x in 0..<size.width {
                for c in 0..<3 {
                    let v = Double(resized.pixels[(y * size.width + x) * 3 + c])
                    tensor[(c * side + y) * side + x] = Float((v - lo) / range)
                }
            }
        }
        return PreprocessedImage(
            tensor: tensor, resizedHeight: size.height, resizedWidth: size.width,
            originalHeight: image.height, originalWidth: image.width)
    }
}
