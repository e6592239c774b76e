import SAMTensor

/// One case ready for training: its cached image embedding, the PGN input and the rater masks, all in
/// the 256x256 model frame. The embedding is held as Float16 (2 MB instead of 4 MB per case).
///
/// For stage 1 with LoRA the case holds the encoder's `layers.0` output instead of the embedding (the
/// encoder runs from there in every step), also as Float16 (`[128, 128, 128]`, 4 MB).
public struct TrainingCase: Sendable {
    public let caseID: String
    /// `[64, 64, 256]` NHWC, Float16; empty for a `layers.0` case.
    let embeddingHalf: [Float16]
    /// The `layers.0` output, Float16, and its shape; empty for an embedding case.
    let layerZeroHalf: [Float16]
    let layerZeroShape: [Int]
    /// PGN input `[128, 128, 1]`.
    public let pgnInput: Tensor
    /// Rater masks in the model frame, 0/1 bytes, 256x256 each.
    public let raters: [[UInt8]]
    /// Size of the image inside the padded model frame.
    public let resizedHeight: Int
    public let resizedWidth: Int

    /// A cached case: its embedding `[64, 64, 256]`, the PGN input, the raters' masks in the 256 frame, and the
    /// resized image size.
    public init(
        caseID: String, embedding: Tensor, pgnInput: Tensor, raters: [[UInt8]], resizedHeight: Int, resizedWidth: Int
    ) {
        precondition(embedding.shape == [64, 64, 256], "embedding shape \(embedding.shape)")
        precondition(pgnInput.shape == [128, 128, 1], "PGN input shape \(pgnInput.shape)")
        precondition(!raters.isEmpty && raters.allSatisfy { $0.count == 256 * 256 }, "raters must be 256x256")
        self.caseID = caseID
        embeddingHalf = embedding.storage.map { Float16($0) }
        layerZeroHalf = []
        layerZeroShape = []
        self.pgnInput = pgnInput
        self.raters = raters
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
    }

    /// A case for LoRA training: the encoder's `layers.0` output `[H, W, C]` (`TinyViTEncoder.layerZeroOutput`)
    /// instead of the embedding.
    public init(
        caseID: String, layerZeroOutput: Tensor, pgnInput: Tensor, raters: [[UInt8]], resizedHeight: Int,
        resizedWidth: Int
    ) {
        precondition(layerZeroOutput.rank == 3, "layers.0 output shape \(layerZeroOutput.shape)")
        precondition(pgnInput.shape == [128, 128, 1], "PGN input shape \(pgnInput.shape)")
        precondition(!raters.isEmpty && raters.allSatisfy { $0.count == 256 * 256 }, "raters must be 256x256")
        self.caseID = caseID
        embeddingHalf = []
        layerZeroHalf = layerZeroOutput.storage.map { Float16($0) }
        layerZeroShape = layerZeroOutput.shape
        self.pgnInput = pgnInput
        self.raters = raters
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
    }

    /// Whether the case holds the frozen encoder's embedding (else the `layers.0` output).
    public var hasEmbedding: Bool { !embeddingHalf.isEmpty }

    /// The image embedding `[64, 64, 256]`.
    public var embedding: Tensor {
        precondition(hasEmbedding, "case \(caseID) holds the layers.0 output, not an embedding")
        return Tensor(shape: [64, 64, 256], storage: embeddingHalf.map { Float($0) })
    }

    /// The encoder's `layers.0` output, or nil for an embedding case.
    public var layerZeroOutput: Tensor? {
        layerZeroHalf.isEmpty ? nil : Tensor(shape: layerZeroShape, storage: layerZeroHalf.map { Float($0) })
    }

    /// Rater `k` as a loss target `[1, 256, 256]` of 0/1 floats.
    public func target(_ k: Int) -> Tensor { Tensor(shape: [1, 256, 256], storage: raters[k].map { Float($0) }) }

    /// All raters as `[M, 65536]` 0/1 floats (the set losses' targets).
    public var raterMatrix: Tensor {
        Tensor(shape: [raters.count, 256 * 256], storage: raters.flatMap { $0.map { Float($0) } })
    }

    /// Indices of the raters with a non-empty mask.
    public var nonEmptyRaters: [Int] { raters.indices.filter { raters[$0].contains(1) } }
}
