import Foundation
import LiteMedSAM
import P2SAMTraining
import SAMAutograd
import SAMLayers
import SAMTensor

/// LiteMedSAM's prompt encoder and mask decoder as trainable parameters over a frozen backbone, plus
/// U-MedSAM's learned loss weights σ.
///
/// The `ParameterSet` holds every `prompt_encoder.*` and `mask_decoder.*` tensor of the backbone (the
/// image encoder stays in the backbone's `WeightStore`: training runs on cached embeddings) and, for a
/// learned weighting, `sigmaKey` `[M]` initialised to 1; with encoder LoRA also the rank-r factors of every
/// TinyViT attention `qkv` (`LoRAParameters`, B = 0 at the start, so the adapted encoder starts equal to
/// the frozen one). The forward is LiteMedSAM's own, written once against `ForwardContext`
/// (`MaskDecoder.features`, `maskLogits`, `iouPredictions`; with LoRA `RecordedImageEncoder` from the
/// case's `layers.0` output), run `Recording` for training; `snapshot` runs the same layers tape-free on
/// the current values.
public final class UMedSAMNetwork {
    /// The learned loss weights' key (not a LiteMedSAM key: never written into the model file).
    public static let sigmaKey = "umedsam.loss_sigma"

    public let parameters: ParameterSet
    /// The backbone's full state dict (its prompt encoder and decoder values are those training started from).
    public let backbone: WeightStore
    let promptEncoder: PromptEncoder
    let maskDecoder: MaskDecoder
    /// The differentiable image encoder over the frozen backbone and the set's LoRA factors (nil without LoRA).
    let encoder: RecordedImageEncoder?

    /// The network over `backbone` with `lossTermCount` learned σ (nil: fixed weights, no σ) and, with
    /// `loraRank`, encoder LoRA factors of that rank.
    ///
    /// - Parameters:
    ///   - backbone: a LiteMedSAM state dict (`LiteMedSAMCheckpoint.weights(at:)`).
    ///   - lossTermCount: the number of learned loss weights, or nil.
    ///   - loraRank: the rank of the encoder LoRA factors, or nil for none (training on cached embeddings).
    ///   - loraSeed: seeds the LoRA factors' A (`LoRAParameters.add(to:rank:seed:configuration:)`).
    /// - Throws: `UMedSAMError.invalidModel` when `backbone` is not LiteMedSAM.
    public init(backbone: WeightStore, lossTermCount: Int?, loraRank: Int? = nil, loraSeed: UInt64 = 1) throws {
        do { _ = try LiteMedSAMModel(weights: backbone) } catch let error as WeightLoadingError {
            throw UMedSAMError.invalidModel("not a LiteMedSAM state dict: \(error.description)")
        }
        self.backbone = backbone
        var store = backbone
        promptEncoder = try PromptEncoder(&store)
        maskDecoder = try MaskDecoder(&store)
        let set = ParameterSet()
        var probe = backbone
        for key in backbone.keys where Self.isTrainableModelKey(key) {
            let shape = backbone.shape(of: key)!
            set.add(key, Tensor(shape: shape, storage: try probe.take(key, shape: shape)))
        }
        if let count = lossTermCount {
            set.add(Self.sigmaKey, Tensor(shape: [count], storage: [Float](repeating: 1, count: count)))
        }
        if let loraRank {
            guard loraRank >= 1 else { throw UMedSAMError.invalidOptions("the LoRA rank must be >= 1") }
            LoRAParameters.add(to: set, rank: loraRank, seed: loraSeed)
            encoder = try RecordedImageEncoder(backbone: backbone, lora: set)
        } else {
            encoder = nil
        }
        parameters = set
    }

    /// The rank of the encoder LoRA factors, or nil.
    public var loraRank: Int? { encoder?.loraRank }

    /// The names of the encoder LoRA factors in `parameters` (empty without LoRA).
    public var loraFactorNames: [String] { parameters.names.filter(LoRAParameters.isFactor) }

    /// Whether `key` is a prompt-encoder or mask-decoder tensor (the parts fine-tuning may change).
    static func isTrainableModelKey(_ key: String) -> Bool {
        key.hasPrefix(MaskDecoder.defaultKey + ".") || key.hasPrefix(PromptEncoder.defaultKey + ".")
    }

    /// The learned σ, or nil with fixed weights.
    public var sigmas: [Float]? {
        parameters.contains(Self.sigmaKey) ? parameters[Self.sigmaKey].value.storage : nil
    }

    /// The single-mask logits `[1, 256, 256]` and the IoU head's prediction `[1]` for one prompt (model frame).
    ///
    /// - Parameters:
    ///   - w: the recording context over `parameters`.
    ///   - embedding: the image embedding `[64, 64, 256]` NHWC.
    ///   - prompt: a box and/or points in the 256 frame.
    public func forward(_ w: Recording, embedding: Tensor, prompt: Prompt) -> (logits: Variable, iou: Variable) {
        forward(w, embeddingVariable: w.constant(embedding), prompt: prompt)
    }

    /// As `forward(_:embedding:prompt:)` for a case: its cached embedding, or (encoder LoRA) the adapted
    /// encoder's embedding of its `layers.0` output, recorded so gradients reach the LoRA factors.
    ///
    /// - Parameters:
    ///   - w: the recording context over `parameters`.
    ///   - item: the case (a `layers.0` case needs a network with LoRA).
    ///   - prompt: a box and/or points in the 256 frame.
    public func forward(_ w: Recording, case item: UMedSAMCase, prompt: Prompt) -> (logits: Variable, iou: Variable) {
        if let encoder, let layerZero = item.layerZeroOutput {
            return forward(
                w, embeddingVariable: encoder.embedding(on: w.graph, fromLayerZeroOutput: layerZero), prompt: prompt)
        }
        return forward(w, embedding: item.embedding, prompt: prompt)
    }

    /// The forward from an embedding variable `[64, 64, 256]`.
    func forward(_ w: Recording, embeddingVariable: Variable, prompt: Prompt) -> (logits: Variable, iou: Variable) {
        let dim = promptEncoder.embedDim
        let embeddingShape = embeddingVariable.shape
        let pixels = embeddingShape[0] * embeddingShape[1]
        let flat = embeddingVariable.reshaped([1, pixels, dim])
        let sparse = promptEncoder.sparseEmbedding(w, for: prompt).map { $0.reshaped([1, $0.shape[0], dim]) }
        let image = w.sum(flat, promptEncoder.denseEmbedding(w))
        let features = maskDecoder.features(
            w, image: image,
            positionalEncoding: w.constant(promptEncoder.densePositionalEncoding.reshaped([1, pixels, dim])),
            sparseTokens: sparse, batch: 1)
        let logits = maskDecoder.maskLogits(
            w, hypernetworkOutputs: maskDecoder.hypernetworkOutputs(w, features, maskTokenIndices: [0]), features)
        let iou = maskDecoder.iouPredictions(w, features).slice(alongAxis: 2, 0..<1)
        let side = 4 * embeddingShape[0]
        return (logits.reshaped([1, side, side]), iou.reshaped([1]))
    }

    /// The backbone with the current prompt-encoder and decoder values (σ left out): the fine-tuned model.
    /// With encoder LoRA the update `B A` is merged into each attention's `qkv.weight`
    /// (`LoRALinearLayer.Layout.weightUpdate`, exactly as inference merges it at load), so the result is a
    /// plain LiteMedSAM state dict whose encoder is the adapted one.
    public func currentWeights() throws -> WeightStore {
        var store = backbone
        for parameter in parameters.all
        where parameter.name != Self.sigmaKey && !LoRAParameters.isFactor(parameter.name) {
            try store.replaceValues(of: parameter.name, with: parameter.value.storage)
        }
        if let rank = loraRank {
            for layout in TinyViTEncoder.loraLayouts() {
                let key = layout.key + ".weight"
                var probe = backbone
                let weight = try probe.take(key, shape: [layout.outFeatures, layout.inFeatures])
                let delta = layout.weightUpdate(rank: rank) { parameters[$0].value.storage }
                try store.replaceValues(of: key, with: zip(weight, delta).map { $0 + $1 })
            }
        }
        return store
    }

    /// The current prompt encoder and decoder, tape-free, for scoring many cases with one copy of the weights
    /// (with encoder LoRA also the adapted encoder, for `layers.0` cases).
    public func snapshot() throws -> UMedSAMDecoderSnapshot {
        var store = try currentWeights()
        let encoder = loraRank != nil ? try TinyViTEncoder(&store) : nil
        return UMedSAMDecoderSnapshot(
            promptEncoder: try PromptEncoder(&store), maskDecoder: try MaskDecoder(&store), encoder: encoder)
    }
}

/// A tape-free copy of a network's prompt encoder and mask decoder (and, with encoder LoRA, its adapted
/// image encoder) at one moment of training.
public struct UMedSAMDecoderSnapshot: Sendable {
    let promptEncoder: PromptEncoder
    let maskDecoder: MaskDecoder
    /// The adapted encoder (LoRA merged), or nil when the network has no LoRA.
    let encoder: TinyViTEncoder?

    /// The image embedding `[64, 64, 256]` of `item`: its cached embedding, or the adapted encoder's
    /// embedding of its `layers.0` output.
    public func embedding(of item: UMedSAMCase) -> Tensor {
        if let layerZero = item.layerZeroOutput {
            guard let encoder else {
                preconditionFailure("case \(item.caseID) holds a layers.0 output but the network has no encoder LoRA")
            }
            return encoder.embedding(fromLayerZeroOutput: layerZero)
        }
        return item.embedding
    }

    /// Single-mask logits `[256, 256]` per prompt.
    ///
    /// - Parameters:
    ///   - embedding: the image embedding `[64, 64, 256]`.
    ///   - prompts: prompts in the 256 frame, all with the same token count.
    public func logits(embedding: Tensor, prompts: [Prompt]) -> [Tensor] {
        let prediction = maskDecoder(
            imageEmbedding: embedding, positionalEncoding: promptEncoder.densePositionalEncoding,
            sparseTokens: prompts.map { promptEncoder.sparseEmbedding(for: $0) },
            dense: .constant(promptEncoder.noMaskEmbed), selection: .single)
        let side = prediction.logits.shape[2]
        let size = side * side
        return (0..<prompts.count).map { b in
            Tensor(shape: [side, side], storage: Array(prediction.logits.storage[(b * size)..<((b + 1) * size)]))
        }
    }
}
