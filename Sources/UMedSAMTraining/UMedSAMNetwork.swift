import Foundation
import LiteMedSAM
import SAMAutograd
import SAMLayers
import SAMTensor

/// LiteMedSAM's prompt encoder and mask decoder as trainable parameters over a frozen backbone, plus
/// U-MedSAM's learned loss weights σ.
///
/// The `ParameterSet` holds every `prompt_encoder.*` and `mask_decoder.*` tensor of the backbone (the
/// image encoder stays in the backbone's `WeightStore`: training runs on cached embeddings) and, for a
/// learned weighting, `sigmaKey` `[M]` initialised to 1. The forward is LiteMedSAM's own, written once
/// against `ForwardContext` (`MaskDecoder.features`, `maskLogits`, `iouPredictions`), run `Recording`
/// for training; `predict` runs the same layers tape-free on the current values.
public final class UMedSAMNetwork {
    /// The learned loss weights' key (not a LiteMedSAM key: never written into the model file).
    public static let sigmaKey = "umedsam.loss_sigma"

    public let parameters: ParameterSet
    /// The backbone's full state dict (its prompt encoder and decoder values are those training started from).
    public let backbone: WeightStore
    let promptEncoder: PromptEncoder
    let maskDecoder: MaskDecoder

    /// The network over `backbone` with `lossTermCount` learned σ (nil: fixed weights, no σ).
    ///
    /// - Parameters:
    ///   - backbone: a LiteMedSAM state dict (`LiteMedSAMCheckpoint.weights(at:)`).
    ///   - lossTermCount: the number of learned loss weights, or nil.
    /// - Throws: `UMedSAMError.invalidModel` when `backbone` is not LiteMedSAM.
    public init(backbone: WeightStore, lossTermCount: Int?) throws {
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
        parameters = set
    }

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
        let dim = promptEncoder.embedDim
        let pixels = embedding.shape[0] * embedding.shape[1]
        let flat = w.constant(embedding.reshaped([1, pixels, dim]))
        let sparse = promptEncoder.sparseEmbedding(w, for: prompt).map { $0.reshaped([1, $0.shape[0], dim]) }
        let image = w.sum(flat, promptEncoder.denseEmbedding(w))
        let features = maskDecoder.features(
            w, image: image,
            positionalEncoding: w.constant(promptEncoder.densePositionalEncoding.reshaped([1, pixels, dim])),
            sparseTokens: sparse, batch: 1)
        let logits = maskDecoder.maskLogits(
            w, hypernetworkOutputs: maskDecoder.hypernetworkOutputs(w, features, maskTokenIndices: [0]), features)
        let iou = maskDecoder.iouPredictions(w, features).slice(alongAxis: 2, 0..<1)
        let side = 4 * embedding.shape[0]
        return (logits.reshaped([1, side, side]), iou.reshaped([1]))
    }

    /// The backbone with the current prompt-encoder and decoder values (σ left out): the fine-tuned model.
    public func currentWeights() throws -> WeightStore {
        var store = backbone
        for parameter in parameters.all where parameter.name != Self.sigmaKey {
            try store.replaceValues(of: parameter.name, with: parameter.value.storage)
        }
        return store
    }

    /// The current prompt encoder and decoder, tape-free, for scoring many cases with one copy of the weights.
    public func snapshot() throws -> UMedSAMDecoderSnapshot {
        var store = try currentWeights()
        return UMedSAMDecoderSnapshot(promptEncoder: try PromptEncoder(&store), maskDecoder: try MaskDecoder(&store))
    }
}

/// A tape-free copy of a network's prompt encoder and mask decoder at one moment of training.
public struct UMedSAMDecoderSnapshot: Sendable {
    let promptEncoder: PromptEncoder
    let maskDecoder: MaskDecoder

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
