import SAMLayers
import SAMTensor

/// `prompt_encoder`: turns boxes and points into sparse tokens, and provides the dense (no-mask)
/// embedding and the image positional encoding the mask decoder needs.
///
/// Conventions (upstream SAM): coordinates are in the 256x256 input frame; `+0.5` moves them to
/// pixel centres before normalising by 256. Box corners get `point_embeddings[2]` (top-left) and
/// `[3]` (bottom-right). Points get `[1]` (positive) or `[0]` (negative); without a box a padding
/// point with zero encoding plus `not_a_point_embed` is appended. Token order: points, then box.
public struct PromptEncoder: Sendable {
    public let embedDim: Int
    public let inputSize: Int
    public let embeddingSide: Int
    let peLayer: RandomFourierEncoding
    /// `point_embeddings.0...3`, each `embedDim` values.
    let pointEmbeddings: [[Float]]
    let notAPointEmbed: [Float]
    /// `no_mask_embed`: the dense embedding of every pixel when no mask prompt is given.
    public let noMaskEmbed: [Float]
    let maskDownscaling: MaskDownscalingWeights
    /// `get_dense_pe()` as `[embeddingSide, embeddingSide, embedDim]`, computed once.
    public let densePositionalEncoding: Tensor

    public init(
        _ store: inout WeightStore, prefix: String = "prompt_encoder", embedDim: Int = 256,
        inputSize: Int = 256, embeddingSide: Int = 64, maskInChannels: Int = 16
    ) throws {
        self.embedDim = embedDim
        self.inputSize = inputSize
        self.embeddingSide = embeddingSide
        let features = embedDim / 2
        peLayer = RandomFourierEncoding(
            gaussianMatrix: try store.take(
                "\(prefix).pe_layer.positional_encoding_gaussian_matrix", shape: [2, features]),
            featureCount: features)
        pointEmbeddings = try (0..<4).map {
            try store.take("\(prefix).point_embeddings.\($0).weight", shape: [1, embedDim])
        }
        notAPointEmbed = try store.take("\(prefix).not_a_point_embed.weight", shape: [1, embedDim])
        noMaskEmbed = try store.take("\(prefix).no_mask_embed.weight", shape: [1, embedDim])
        maskDownscaling = try MaskDownscalingWeights(
            &store, "\(prefix).mask_downscaling", hidden: maskInChannels, embedDim: embedDim)
        densePositionalEncoding = Tensor(
            shape: [embeddingSide, embeddingSide, embedDim],
            storage: peLayer.grid(side: embeddingSide))
    }

    /// Sparse tokens for `prompt`: `[prompt.sparseTokenCount, embedDim]` values, row-major.
    public func sparseEmbedding(for prompt: Prompt) -> [Float] {
        var tokens: [Float] = []
        tokens.reserveCapacity(prompt.sparseTokenCount * embedDim)
        let size = Float(inputSize)
        if !prompt.points.isEmpty {
            for point in prompt.points {
                var row = peLayer.encode(u: (point.x + 0.5) / size, v: (point.y + 0.5) / size)
                let extra = pointEmbeddings[point.label.rawValue]
                for d in 0..<embedDim { row[d] += extra[d] }
                tokens.append(contentsOf: row)
            }
            if prompt.box == nil { tokens.append(contentsOf: notAPointEmbed) }
        }
        if let box = prompt.box {
            let corners = [(box.x0, box.y0, 2), (box.x1, box.y1, 3)]
            for (x, y, slot) in corners {
                var row = peLayer.encode(u: (x + 0.5) / size, v: (y + 0.5) / size)
                let extra = pointEmbeddings[slot]
                for d in 0..<embedDim { row[d] += extra[d] }
                tokens.append(contentsOf: row)
            }
        }
        return tokens
    }
}

/// `prompt_encoder.mask_downscaling` (Conv 1→4 k2s2, LayerNorm2d, GELU, Conv 4→16 k2s2,
/// LayerNorm2d, GELU, Conv 16→256 1x1), used by mask prompts (`MaskDownscaling.swift`).
struct MaskDownscalingWeights: Sendable {
    let tensors: [[Float]]

    init(_ store: inout WeightStore, _ prefix: String, hidden: Int, embedDim: Int) throws {
        let quarter = hidden / 4
        tensors = [
            try store.take("\(prefix).0.weight", shape: [quarter, 1, 2, 2]),
            try store.take("\(prefix).0.bias", shape: [quarter]),
            try store.take("\(prefix).1.weight", shape: [quarter]),
            try store.take("\(prefix).1.bias", shape: [quarter]),
            try store.take("\(prefix).3.weight", shape: [hidden, quarter, 2, 2]),
            try store.take("\(prefix).3.bias", shape: [hidden]),
            try store.take("\(prefix).4.weight", shape: [hidden]), try store.take("\(prefix).4.bias", shape: [hidden]),
            try store.take("\(prefix).6.weight", shape: [embedDim, hidden, 1, 1]),
            try store.take("\(prefix).6.bias", shape: [embedDim]),
        ]
    }
}
