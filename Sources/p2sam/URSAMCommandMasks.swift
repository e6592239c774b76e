import MedImageIO
import MultiRaterMetrics

extension BinaryMask {
    /// The mask as a `MaskImage` (0/1 bytes) for PNG writing and overlays.
    func maskImage() -> MaskImage {
        try! MaskImage(width: width, height: height, pixels: bytes())
    }
}
