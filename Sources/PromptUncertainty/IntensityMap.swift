import MedImageIO

/// The single-channel intensity UR-SAM's rectification compares, at the original image size:
/// grey (BT.601 luma for RGB), min–max normalised to `[0, 1]` over the image. For CT, window the image
/// first (UR-SAM: [-500, 1000] HU). A constant image has zero range and maps to all zeros with
/// ``isUniform`` set (rectification is then a no-op).
public struct IntensityMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major values in `[0, 1]`.
    public let values: [Float]
    /// True when the source image was constant.
    public let isUniform: Bool

    /// The normalised grey intensity of `image`.
    public init(_ image: MedicalImage) {
        let grey = image.grey().pixels
        let lo = grey.min() ?? 0
        let hi = grey.max() ?? 0
        width = image.width
        height = image.height
        isUniform = !(hi > lo)
        values = isUniform ? [Float](repeating: 0, count: grey.count) : grey.map { ($0 - lo) / (hi - lo) }
    }
}
