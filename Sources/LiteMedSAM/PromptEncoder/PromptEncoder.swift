import SAMLayers
import SAMTensor

/// `prompt_encoder`: turns boxes and points into sparse tokens, and provides the dense (no-mask)
/// embedding and the image positional encoding the mask decoder needs.
///
/// Conventions (upstream SAM): coordinates are in the 256x256 input frame; `+0.5` moves them to
/// pixel centres before normalising by 256. Box corners get `point_embeddings[2]` (top-left) and
/// `[3]` (bottom-right). Points get `[1]` (positive) or `[0]` (negative); without a box a padding
/// point with zero encoding plus `not_a_point_embed` is appended. Token order: points, then box.
///
/// Each layer is declared once at its checkpoint key (`parameterDeclarations`). The sparse and dense
/// embeddings are written once against `ForwardContext` (`sparseEmbedding(_:for:)`, `denseEmbedding(_:)`):
/// tape-free for inference, recorded when training learns the embeddings. The positional encoding
/// (`pe_layer`, a frozen buffer) is always computed tape-free.
public struct PromptEncoder: Sendable, DeclaresParameters {
    /// The key prefix of LiteMedSAM's prompt encoder in its checkpoint.
    public static let defaultKey = "prompt_encoder"
    /// The key prefix (`prompt_encoder`).
    public let key: String
    public let embedDim: Int
    public let inputSize: Int
    public let embeddingSide: Int
    /// `pe_layer`.
    public let positionalEncoding: RandomFourierEncoding
    /// `point_embeddings.0…3` `(1, embedDim)` each: negative point, positive point, box top-left, box
    /// bottom-right.
    public let pointEmbeddings: [EmbeddingTable]
    /// `not_a_point_embed` `(1, embedDim)`: the padding point's token.
    public let notAPointEmbedding: EmbeddingTable
    /// `no_mask_embed` `(1, embedDim)`: the dense embedding of every pixel when no mask prompt is given.
    public let noMaskEmbedding: EmbeddingTable
    let maskDownscaling: MaskDownscaling
    /// `get_dense_pe()` as `[embeddingSide, embeddingSide, embedDim]`, computed once.
    public let densePositionalEncoding: Tensor

    /// The slots of `pointEmbeddings` a box's top-left and bottom-right corners use.
    static let boxCornerSlots = [2, 3]

    /// Reads every `prefix.*` weight from `store`, strictly (missing or mis-shaped keys throw; the caller's
    /// `store.finish()` reports unused ones).
    public init(
        _ store: inout WeightStore, prefix: String = PromptEncoder.defaultKey, embedDim: Int = 256,
        inputSize: Int = 256, embeddingSide: Int = 64, maskInChannels: Int = 16
    ) throws {
        key = prefix
        self.embedDim = embedDim
        self.inputSize = inputSize
        self.embeddingSide = embeddingSide
        positionalEncoding = try RandomFourierEncoding(&store, "\(prefix).pe_layer", featureCount: embedDim / 2)
        pointEmbeddings = try (0..<4).map {
            try EmbeddingTable(&store, Self.pointEmbeddingKey($0, prefix: prefix), rows: 1, dim: embedDim)
        }
        notAPointEmbedding = try EmbeddingTable(&store, Self.notAPointEmbedKey(prefix: prefix), rows: 1, dim: embedDim)
        noMaskEmbedding = try EmbeddingTable(&store, Self.noMaskEmbedKey(prefix: prefix), rows: 1, dim: embedDim)
        maskDownscaling = try MaskDownscaling(
            &store, "\(prefix).mask_downscaling", hidden: maskInChannels, embedDim: embedDim)
        densePositionalEncoding = Tensor(
            shape: [embeddingSide, embeddingSide, embedDim], storage: positionalEncoding.grid(side: embeddingSide))
    }

    static func pointEmbeddingKey(_ slot: Int, prefix: String) -> String { "\(prefix).point_embeddings.\(slot)" }
    static func notAPointEmbedKey(prefix: String) -> String { "\(prefix).not_a_point_embed" }

    /// The key prefix of the no-mask embedding table (`prefix.no_mask_embed`).
    public static func noMaskEmbedKey(prefix: String = defaultKey) -> String { "\(prefix).no_mask_embed" }

    /// The weight keys of the learned embedding tables (`point_embeddings.0…3`, `not_a_point_embed`,
    /// `no_mask_embed`): the prompt-encoder tensors P²SAM's stage 1 trains.
    public static func learnedEmbeddingWeightKeys(prefix: String = defaultKey) -> [String] {
        ((0..<4).map { pointEmbeddingKey($0, prefix: prefix) }
            + [notAPointEmbedKey(prefix: prefix), noMaskEmbedKey(prefix: prefix)]).map(EmbeddingTable.weightKey(at:))
    }

    /// Every parameter the prompt encoder reads (`prefix.*` keys and shapes), in a fixed order.
    public var parameterDeclarations: [ParameterDeclaration] {
        positionalEncoding.parameterDeclarations + pointEmbeddings.parameterDeclarations
            + notAPointEmbedding.parameterDeclarations + noMaskEmbedding.parameterDeclarations
            + maskDownscaling.parameterDeclarations
    }

    /// `no_mask_embed`'s `embedDim` values.
    public var noMaskEmbed: [Float] { noMaskEmbedding.values }

    /// Sparse tokens for `prompt`: `[prompt.sparseTokenCount, embedDim]` values, row-major (tape-free).
    public func sparseEmbedding(for prompt: Prompt) -> [Float] {
        sparseEmbedding(TapeFree(), for: prompt)?.storage ?? []
    }

    /// Sparse tokens for `prompt` in context `c`: `[prompt.sparseTokenCount, embedDim]`, or nil for a prompt
    /// without box or points. Each token is its positional encoding (a constant) plus its learned embedding
    /// read through `c`; the padding point is `not_a_point_embed` alone.
    public func sparseEmbedding<C: ForwardContext>(_ c: C, for prompt: Prompt) -> C.Value? {
        var parts: [C.Value] = []
        if !prompt.points.isEmpty {
            let learned = c.concatenate(
                prompt.points.map { c.rows(of: pointEmbeddings[$0.label.rawValue]) }, alongAxis: 0)
            parts.append(c.sum(c.constant(positions(of: prompt.points.map { ($0.x, $0.y) })), learned))
            if prompt.box == nil { parts.append(c.rows(of: notAPointEmbedding)) }
        }
        if let box = prompt.box {
            let learned = c.concatenate(Self.boxCornerSlots.map { c.rows(of: pointEmbeddings[$0]) }, alongAxis: 0)
            parts.append(c.sum(c.constant(positions(of: [(box.x0, box.y0), (box.x1, box.y1)])), learned))
        }
        return parts.isEmpty ? nil : c.concatenate(parts, alongAxis: 0)
    }

    /// The dense prompt embedding without a mask prompt in context `c`: `no_mask_embed` as `[1, 1, embedDim]`,
    /// the same vector at every position (add it to an embedding `[B, P, embedDim]`).
    public func denseEmbedding<C: ForwardContext>(_ c: C) -> C.Value {
        c.reshape(c.rows(of: noMaskEmbedding), [1, 1, embedDim])
    }

    /// Positional encodings `[n, embedDim]` of points `(x, y)` in the input frame (pixel centres:
    /// `(x + 0.5) / inputSize`).
    func positions(of points: [(x: Float, y: Float)]) -> Tensor {
        let size = Float(inputSize)
        let width = positionalEncoding.dimension
        return Tensor(shape: [points.count, width]) { out in
            for (i, point) in points.enumerated() {
                positionalEncoding.encode(
                    u: (point.x + 0.5) / size, v: (point.y + 0.5) / size, into: out.baseAddress! + i * width)
            }
        }
    }
}
