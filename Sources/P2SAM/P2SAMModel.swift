import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor

/// A P²SAM model ready for inference: LiteMedSAM's frozen TinyViT encoder plus the trained prompt
/// encoder, 9-token mask decoder, assembling weights, prompt generation network and (dense
/// injection) latent combiner of a model file. Contract: docs/p2sam-model.md.
public struct P2SAMModel: Sendable {
    public let configuration: P2SAMConfiguration
    /// The model file's metadata (dataset, split, epochs, …).
    public let metadata: [String: String]
    public let imageEncoder: TinyViTEncoder
    /// Every other layer (stage 2: with the PGN), declared once; `layers.parameterDeclarations` are the
    /// model file's tensors apart from encoder LoRA factors.
    public let layers: P2SAMLayers
    /// Rank of the encoder's LoRA (metadata `lora_rank`), merged into `imageEncoder`; nil for the
    /// plain LiteMedSAM encoder.
    public let loraRank: Int?

    /// Builds the model from a model file and a loaded encoder (strict: every tensor must be used).
    ///
    /// A model whose file declares `lora_rank` adapts the encoder: it needs the backbone's weights to
    /// merge into, so it is refused here; use `init(file:backbone:)`.
    public init(file: P2SAMModelFile, imageEncoder: TinyViTEncoder) throws {
        if file.loraRank != nil {
            throw P2SAMModelError.notAP2SAMModel(
                "it adapts the image encoder with LoRA (metadata '\(P2SAMModelFile.loraRankKey)'); load it with the backbone weights so the factors are merged"
            )
        }
        try self.init(checked: file.weightStore, file: file, imageEncoder: imageEncoder)
    }

    /// Builds the model from a model file and the LiteMedSAM state dict `backbone` (strict: every tensor
    /// must be used). When the file declares `lora_rank` r, its tensors must hold exactly the rank-r LoRA
    /// factors of every TinyViT attention block (`TinyViTEncoder.loraLayouts`); the encoder merges them into
    /// the backbone's `qkv` weights (`W + B·A` on the q and v rows) when it is built, so inference runs at
    /// the plain encoder's speed.
    public init(file: P2SAMModelFile, backbone: WeightStore) throws {
        var store = file.weightStore
        var encoderWeights = backbone
        if let rank = file.loraRank {
            do {
                for layout in TinyViTEncoder.loraLayouts() {
                    for factor in layout.factorDeclarations(rank: rank) {
                        let values = try store.take(factor.key, shape: factor.shape)
                        try encoderWeights.insert(factor.key, NamedWeight(shape: factor.shape, values: values))
                    }
                }
            } catch let error as WeightLoadingError {
                throw P2SAMModelError.notAP2SAMModel(
                    "its LoRA factors do not match rank \(rank) on this encoder: \(error.description)")
            }
        }
        let encoder = try TinyViTEncoder(&encoderWeights, loraRank: file.loraRank)
        try self.init(checked: store, file: file, imageEncoder: encoder)
    }

    private init(checked parameters: WeightStore, file: P2SAMModelFile, imageEncoder: TinyViTEncoder) throws {
        try file.checkBackbone(sha256: LiteMedSAMCheckpoint.officialSHA256)
        let configuration = file.configuration
        var store = parameters
        do {
            layers = try P2SAMLayers(&store, configuration: configuration, stage: 2)
            try store.finish()
        } catch let error as WeightLoadingError {
            throw P2SAMModelError.notAP2SAMModel(error.description)
        }
        self.configuration = configuration
        self.metadata = file.metadata
        self.imageEncoder = imageEncoder
        self.loraRank = file.loraRank
    }

    /// Loads a model file (safetensors) and the LiteMedSAM encoder it builds on.
    ///
    /// - Parameters:
    ///   - modelFile: the P²SAM `.safetensors` file; nil loads the bundled default model
    ///     (`P2SAMModelLocation.locate()`).
    ///   - backbone: `lite_medsam.pth`; nil searches for it (`LiteMedSAMCheckpoint.locate()`).
    ///   - verifyBackboneChecksum: require the published checkpoint's sha256.
    public init(modelFile: URL? = nil, backbone: URL? = nil, verifyBackboneChecksum: Bool = true) throws {
        let file = try P2SAMModelFile(contentsOf: modelFile ?? P2SAMModelLocation.locate())
        let backboneStore = try LiteMedSAMCheckpoint.weights(
            at: backbone ?? LiteMedSAMCheckpoint.locate(), verifyChecksum: verifyBackboneChecksum)
        try self.init(file: file, backbone: backboneStore)
    }
}

extension P2SAMModel {
    public var promptEncoder: PromptEncoder { layers.promptEncoder }
    public var maskDecoder: MaskDecoder { layers.maskDecoder }
    /// w_1…w_8 for mask tokens 1…8 (`p2sam.assembling_weights`).
    public var assemblingWeights: [Float] { layers.assemblingWeights.values }
    /// The prompt generation network (always present: the model is read as stage 2).
    public var pgn: PromptGenerationNetwork { layers.pgn! }
    /// Present for `dense` injection.
    public var combiner: LatentCombiner? { layers.combiner }
}
