/// The size of the original image and its relation to LiteMedSAM's 256x256 model frame.
///
/// Pixel amounts that the papers state at model scale (e.g. MedSAM's 0–5 px outward jitter at 256, the
/// 10 px dilation of UR-SAM's background region) are converted to image pixels with ``pixelsPerModelPixel``
/// = `max(H, W) / 256`, the inverse of LiteMedSAM's prompt mapping. All boxes and points in this module
/// are in image pixels.
public struct ImageFrame: Sendable, Equatable {
    public let width: Int
    public let height: Int

    /// The frame of a `width x height` image (both positive).
    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "image size must be positive")
        self.width = width
        self.height = height
    }

    /// Image pixels per model-frame pixel: `max(H, W) / 256`.
    public var pixelsPerModelPixel: Double { Double(max(width, height)) / 256 }

    /// The model-input side in image pixels: `max(H, W)` (UR-SAM's reference length L).
    public var longSide: Double { Double(max(width, height)) }

    /// Number of pixels, `width * height`.
    public var pixelCount: Int { width * height }
}
