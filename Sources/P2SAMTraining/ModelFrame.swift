import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics

/// Maps a multi-rater case into LiteMedSAM's 256x256 model frame (`docs/p2sam-model.md`).
public enum ModelFrame {
    /// Side of the model frame.
    public static let side = 256

    /// The image as the 8-bit picture `p2sam data export` writes (windowed with `window` when given,
    /// otherwise per-image min–max to 0…255; rounded), preprocessed as LiteMedSAM (longest side 256,
    /// min–max, zero pad): the `(3, 256, 256)` model input and its geometry.
    public static func preprocess(_ image: CaseImage, window: IntensityWindow? = nil) throws -> PreprocessedImage {
        let mapped = window.map { $0.apply(to: image) } ?? image.minMaxNormalized()
        let picture = try MedicalImage(
            width: mapped.width, height: mapped.height, channels: mapped.channels,
            pixels: mapped.pixels.map { min(max($0.rounded(), 0), 255) })
        return try LiteMedSAMPreprocessor.preprocess(picture)
    }

    /// A rater mask in the model frame: nearest resize of the longest side to 256 (cv2 INTER_NEAREST),
    /// zero padding bottom/right. 0/1 bytes, row-major 256x256.
    public static func mask(_ mask: BinaryMask) -> [UInt8] {
        let size = LiteMedSAMPreprocessor.targetSize(height: mask.height, width: mask.width)
        let resized = NearestResize.resize(
            mask.bytes(foreground: 1), width: mask.width, height: mask.height,
            newWidth: size.width, newHeight: size.height)
        var out = [UInt8](repeating: 0, count: side * side)
        for y in 0..<size.height {
            for x in 0..<size.width { out[y * side + x] = resized[y * size.width + x] }
        }
        return out
    }
}
