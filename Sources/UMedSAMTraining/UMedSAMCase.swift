import SAMTensor

/// One training or validation example of U-MedSAM fine-tuning: a cached image embedding (or, for
/// encoder-LoRA training, the frozen encoder's `layers.0` output, from which the adapted encoder computes
/// the embedding at every step) and one non-empty ground-truth mask in LiteMedSAM's 256x256 model frame.
public struct UMedSAMCase: Sendable {
    /// The dataset's name (reports group by it).
    public let dataset: String
    public let caseID: String
    /// `[64, 64, 256]` NHWC, Float16 (empty for a `layers.0` case).
    let embeddingHalf: [Float16]
    /// The encoder's `layers.0` output `[128, 128, 128]` NHWC, Float16 (empty for an embedding case).
    let layerZeroHalf: [Float16]
    let layerZeroShape: [Int]
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
        layerZeroHalf = []
        layerZeroShape = []
        self.mask = mask
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
    }

    /// A case for encoder-LoRA training from the frozen encoder's `layers.0` output
    /// (`TinyViTEncoder.layerZeroOutput`, `[128, 128, 128]` NHWC for a 256x256 input): the embedding is
    /// not cached, the adapted encoder computes it from this map.
    ///
    /// - Parameters:
    ///   - dataset: the dataset's name.
    ///   - caseID: the case's id.
    ///   - layerZeroOutput: `[H, W, C]` NHWC, the output of the encoder's `layers.0`.
    ///   - mask: 0/1 bytes, 256x256 row-major, at least one 1.
    ///   - resizedHeight: rows of the image inside the frame (1…256).
    ///   - resizedWidth: columns of the image inside the frame (1…256).
    public init(
        dataset: String, caseID: String, layerZeroOutput: Tensor, mask: [UInt8], resizedHeight: Int,
        resizedWidth: Int
    ) {
        precondition(layerZeroOutput.rank == 3, "layers.0 output shape \(layerZeroOutput.shape)")
        precondition(mask.count == Self.side * Self.side && mask.contains(1), "mask must be a non-empty 256x256")
        self.dataset = dataset
        self.caseID = caseID
        embeddingHalf = []
        layerZeroHalf = layerZeroOutput.storage.map { Float16($0) }
        layerZeroShape = layerZeroOutput.shape
        self.mask = mask
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
    }

    /// The cached image embedding `[64, 64, 256]`, or nil for a `layers.0` case.
    public var cachedEmbedding: Tensor? {
        embeddingHalf.isEmpty ? nil : Tensor(shape: [64, 64, 256], storage: embeddingHalf.map { Float($0) })
    }

    /// The image embedding `[64, 64, 256]` of an embedding case (a `layers.0` case has none: use
    /// `layerZeroOutput` with the adapted encoder).
    public var embedding: Tensor {
        guard let embedding = cachedEmbedding else {
            preconditionFailure("case \(caseID) holds the encoder's layers.0 output, not an embedding")
        }
        return embedding
    }

    /// The encoder's `layers.0` output `[128, 128, 128]` of a LoRA case, or nil.
    public var layerZeroOutput: Tensor? {
        layerZeroHalf.isEmpty ? nil : Tensor(shape: layerZeroShape, storage: layerZeroHalf.map { Float($0) })
    }

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
