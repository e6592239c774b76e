import Foundation
import TorchCheckpoint

/// The result of one challenge case: a label map with object ids `1...N` (0 = background), where
/// a pixel covered by several objects takes the highest id (the reference writes objects in order,
/// later ones over earlier ones).
public struct ChallengeSegmentation: Sendable, Equatable {
    /// `[H, W]` for a 2D case, `[D, H, W]` for a 3D case.
    public let shape: [Int]
    /// The labels, C order.
    public let labels: [UInt16]

    /// A label map of `shape` (`[H, W]` or `[D, H, W]`) with object ids `labels`, row-major.
    public init(shape: [Int], labels: [UInt16]) {
        precondition(labels.count == shape.reduce(1, *), "labels do not fill shape \(shape)")
        self.shape = shape
        self.labels = labels
    }

    /// The labels as a NumPy `uint16` array.
    public func numpyArray() -> NumpyArray {
        var bytes = [UInt8](repeating: 0, count: 2 * labels.count)
        for (i, v) in labels.enumerated() {
            bytes[2 * i] = UInt8(v & 0xFF)
            bytes[2 * i + 1] = UInt8(v >> 8)
        }
        // The byte count matches the shape by construction.
        return try! NumpyArray(dtype: .uint16, shape: shape, bytes: bytes)
    }

    /// Writes the challenge output: an `.npz` (deflated, as `np.savez_compressed`) with `segs`.
    public func write(to url: URL) throws {
        try NPZWriter.write([(key: "segs", array: numpyArray())], to: url)
    }
}
