import Foundation
import LiteMedSAM
import SAMTensor
import TorchCheckpoint

/// A P²SAM model ready for inference: LiteMedSAM's frozen TinyViT encoder plus the trained prompt
/// encoder, 9-token mask decoder, assembling weights, prompt generation network and (dense
/// injection) latent combiner of a model file. Contract: docs/p2sam-model.md.
public struct P2SAMModel: Sendable {
    public let configuration: P2SAMConfiguration
    /// The model file's metadata (dataset, split, epochs, …).
    public let metadata: [String: String]
    public let imageEncoder: TinyViTEncoder
    public let promptEncoder: PromptEncoder
    public let maskDecoder: MaskDecoder
    /// `p2sam.assembling_weights`: w_1…w_8 for mask tokens 1…8.
    public let assemblingWeights: [Float]
    public let pgn: PromptGenerationNetwork
    /// Present for `dense` injection.
    public let combiner: LatentCombiner?
    /// Rank of the encoder's LoRA (metadata `lora_rank`), merged into `imageEncoder`; nil for the
    /// plain LiteMedSAM encoder.
    public let loraRank: Int?

    /// Builds the model from named parameters (strict: every key must be used) and a loaded encoder.
    ///
    /// A model whose metadata declares `lora_rank` adapts the encoder: it needs the backbone's weights to
    /// merge into, so it is refused here; use `init(parameters:metadata:backbone:)`.
    public init(parameters: WeightStore, metadata: [String: String], imageEncoder: TinyViTEncoder) throws {
        if metadata[TinyViTLoRA.metadataKey] != nil {
            throw P2SAMModelError.notAP2SAMModel("it adapts the image encoder with LoRA (metadata '\(TinyViTLoRA.metadataKey)'); load it with the backbone weights so the factors are merged")
        }
        try Self.rejectUndeclaredLoRA(parameters)
        try self.init(checked: parameters, metadata: metadata, imageEncoder: imageEncoder, loraRank: nil)
    }

    /// Builds the model from named parameters and the LiteMedSAM state dict `backbone` (strict: every
    /// parameter key must be used). When the metadata declares `lora_rank` r, the parameters must hold
    /// exactly the rank-r LoRA factors of every TinyViT attention block (`TinyViTLoRA`); they are merged
    /// into the backbone's `qkv` weights (`W + B·A` on the q and v rows) before the encoder is built, so
    /// inference runs at the plain encoder's speed. LoRA keys without that metadata are an error.
    public init(parameters: WeightStore, metadata: [String: String], backbone: WeightStore) throws {
        var store = parameters
        var encoderWeights = backbone
        var rank: Int?
        if let text = metadata[TinyViTLoRA.metadataKey] {
            guard let r = Int(text), r >= 1 else {
                throw P2SAMModelError.notAP2SAMModel("metadata '\(TinyViTLoRA.metadataKey)' must be a positive integer, found '\(text)'")
            }
            do {
                let lora = try TinyViTLoRA(rank: r, taking: &store)
                encoderWeights = try lora.merged(into: backbone)
            } catch let error as WeightLoadingError {
                throw P2SAMModelError.notAP2SAMModel("its LoRA factors do not match rank \(r) on this encoder: \(error.description)")
            }
            rank = r
        } else {
            try Self.rejectUndeclaredLoRA(parameters)
        }
        let encoder = try TinyViTEncoder(&encoderWeights)
        try self.init(checked: store, metadata: metadata, imageEncoder: encoder, loraRank: rank)
    }

    /// LoRA factor keys in a file without `lora_rank` metadata are an error naming one of them.
    static func rejectUndeclaredLoRA(_ parameters: WeightStore) throws {
        if let key = parameters.keys.first(where: TinyViTLoRA.isFactorKey) {
            throw P2SAMModelError.notAP2SAMModel("it has LoRA tensors (e.g. '\(key)') but no '\(TinyViTLoRA.metadataKey)' metadata")
        }
    }

    private init(checked parameters: WeightStore, metadata: [String: String], imageEncoder: TinyViTEncoder, loraRank: Int?) throws {
        let configuration = try P2SAMConfiguration(metadata: metadata)
        if let base = metadata["base_checkpoint_sha256"], base != LiteMedSAMCheckpoint.officialSHA256 {
            throw P2SAMModelError.notAP2SAMModel("it was trained on backbone sha256 \(base), not lite_medsam.pth \(LiteMedSAMCheckpoint.officialSHA256)")
        }
        var store = parameters
        do {
            promptEncoder = try PromptEncoder(&store)
            maskDecoder = try MaskDecoder(&store, maskTokenCount: configuration.maskTokenCount)
            assemblingWeights = try store.take("p2sam.assembling_weights", shape: [configuration.outputCount])
            pgn = try PromptGenerationNetwork(&store, widths: configuration.pgnWidths, latentDim: configuration.latentDim)
            combiner = configuration.injection == .dense ? try LatentCombiner(&store, latentDim: configuration.latentDim) : nil
            try store.finish()
        } catch let error as WeightLoadingError {
            throw P2SAMModelError.notAP2SAMModel(error.description)
        }
        self.configuration = configuration
        self.metadata = metadata
        self.imageEncoder = imageEncoder
        self.loraRank = loraRank
    }

    /// Loads a model file (safetensors) and the LiteMedSAM encoder it builds on.
    ///
    /// - Parameters:
    ///   - modelFile: the P²SAM `.safetensors` file.
    ///   - backbone: `lite_medsam.pth` (default location as for LiteMedSAM).
    public init(modelFile: URL, backbone: URL = LiteMedSAMCheckpoint.defaultURL(), verifyBackboneChecksum: Bool = true) throws {
        guard FileManager.default.fileExists(atPath: modelFile.path) else {
            throw P2SAMModelError.notAP2SAMModel("no model file at \(modelFile.path)")
        }
        let file: SafetensorsFile
        do {
            file = try Safetensors.read(contentsOf: modelFile, rejectingNonFinite: true)
        } catch {
            throw P2SAMModelError.notAP2SAMModel("\(modelFile.path) is not a readable safetensors model file (\(error))")
        }
        var weights: [String: NamedWeight] = [:]
        for (name, tensor) in file.tensors { weights[name] = NamedWeight(shape: tensor.shape, values: tensor.storage) }
        let backboneStore = try LiteMedSAMCheckpoint.weights(at: backbone, verifyChecksum: verifyBackboneChecksum)
        try self.init(parameters: WeightStore(weights), metadata: file.metadata, backbone: backboneStore)
    }
}
