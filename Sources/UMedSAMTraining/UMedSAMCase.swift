import SAMTensor

/// One training or validation example of U-MedSAM fine-tuning: a cached image embedding and one
/// non-empty ground-truth mask in LiteMedSAM's 256x256 model frame.
public struct UMedSAMCase: Sendable {
    /// The dataset's name (reports group by it).
    public let dataset: String
    public let caseID: String
    /// `[64, 64, 256]` NHWC, Float16.
    let embeddingHalf: [Float16]
    /// The ground truth, 0/1 bytes, row-major 256x256 (zero padding right and bottom).
    public let mask: [UInt8]
    /// Size of the image inside the padded model frame.
    public let resizedHeight: Int
    public let resizedWidth: Int

    /// Side of the model frame.
    public static let side = 256

    /// A case from its embedding `[64, 64, 256]`, its non-empty 256x256 mask and the resized image size.
    ///
    /// - Parameters:
    ///   - dataset: the dataset's name.
    ///   - caseID: the case's id.
    ///   - embedding: `[64, 64, 256]` NHWC.
    ///   - mask: 0/1 bytes, 256x256 row-major, at least one 1.
    ///   - resizedHeight: rows of the image inside the frame (1…256).
    ///   - resizedWidth: columns of the image inside the frame (1…256).
    public init(
        dataset: String, caseID: String, embedding: Tensor, mask: [UInt8], resizedHeight: Int, resizedWidth: Int
    ) {
        precondition(embedding.shape == [64, 64, 256], "embedding shape \(embedding.shape)")
        precondition(mask.count == Self.side * Self.side && mask.contains(1), "mask must be a non-empty 256x256")
        self.dataset = dataset
        self.caseID = caseID
        embeddingHalf = embedding.storage.map { Float16($0) }
        self.mask = mask
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
    }

    /// The image embedding `[64, 64, 256]`.
    public var embedding: Tensor { Tensor(shape: [64, 64, 256], storage: embeddingHalf.map { Float($0) }) }

    /// The mask as a loss target `[1, 256, 256]` of 0/1 floats.
    public var target: Tensor { Tensor(shape: [1, Self.side, Self.side], storage: mask.map { Float($0) }) }

    /// The tight box `[minX, minY, maxX + 1, maxY + 1]` of the mask in model pixels.
    public var tightBox: [Int] {
        var (x0, y0, x1, y1) = (Self.side, Self.side, -1, -1)
        for y in 0..<Self.side {
            for x in 0..<Self.side where mask[y * Self.side + x] != 0 {
                x0 = min(x0, x)
                y0 = min(y0, y)
                x1 = max(x1, x)
                y1 = max(y1, y)
            }
        }
        return [x0, y0, x1 + 1, y1 + 1]
    }
}
