import SAMLayers
import SAMTensor

/// The whole LiteMedSAM network: TinyViT image encoder, SAM prompt encoder and mask decoder,
/// with parameters named as in the PyTorch checkpoint (`image_encoder.*`, `prompt_encoder.*`,
/// `mask_decoder.*`).
public struct LiteMedSAMModel: Sendable {
    public let imageEncoder: TinyViTEncoder
    public let promptEncoder: PromptEncoder
    public var maskDecoder: MaskDecoder

    /// Builds the model from a state dict, strictly: a missing, mis-shaped or unused key is an error.
    public init(weights: WeightStore) throws {
        var store = weights
        imageEncoder = try TinyViTEncoder(&store)
        promptEncoder = try PromptEncoder(&store)
        maskDecoder = try MaskDecoder(&store)
        try store.finish()
    }

    /// Image embedding `[64, 64, 256]` (NHWC) of a preprocessed `[3, 256, 256]` input.
    public func embed(_ input: Tensor) -> Tensor {
        imageEncoder(input)
    }

    /// Decodes prompts against an embedding.
    ///
    /// - Parameters:
    ///   - embedding: the image embedding `[64, 64, 256]` (NHWC).
    ///   - prompts: in the 256x256 model frame; all must have the same token count (same number of
    ///     points, all with or all without a box).
    ///   - maskInputs: empty (no mask prompt: the no-mask dense embedding), or one optional
    ///     ``MaskInput`` per prompt (`nil` entries use the no-mask embedding).
    ///   - selection: which mask tokens to return.
    /// - Returns: logits `[B, K, 256, 256]` and IoU predictions `[B, K]`.
    public func decode(
        _ prompts: [Prompt], embedding: Tensor, maskInputs: [MaskInput?] = [], selection: MaskSelection = .single
    ) -> MaskPrediction {
        precondition(maskInputs.isEmpty || maskInputs.count == prompts.count, "need one mask input per prompt")
        let dense: DenseEmbedding
        if maskInputs.allSatisfy({ $0 == nil }) {
            dense = .constant(promptEncoder.noMaskEmbed)
        } else {
            let noMask = maskInputs.contains { $0 == nil } ? promptEncoder.noMaskDenseMap() : nil
            dense = .perPrompt(maskInputs.map { $0.map(promptEncoder.denseEmbedding(maskInput:)) ?? noMask! })
        }
        return maskDecoder(
            imageEmbedding: embedding, positionalEncoding: promptEncoder.densePositionalEncoding,
            sparseTokens: prompts.map { promptEncoder.sparseEmbedding(for: $0) },
            dense: dense, selection: selection)
    }
}
