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
            promptEncoder = try PromptEncoder(&store)
            maskDecoder = try MaskDecoder(&store, maskTokenCount: configuration.maskTokenCount)
            assemblingWeights = try store.take("p2sam.assembling_weights", shape: [configuration.outputCount])
            pgn = try PromptGenerationNetwork(
                &store, widths: configuration.pgnWidths, latentDim: configuration.latentDim)
            combiner =
                configuration.injection == .dense ? try LatentCombiner(&store, latentDim: configuration.latentDim) : nil
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
    ///   - modelFile: the P²SAM `.safetensors` file.
    ///   - backbone: `lite_medsam.pth` (default location as for LiteMedSAM).
    public init(modelFile: URL, backbone: URL = LiteMedSAMCheckpoint.defaultURL(), verifyBackboneChecksum: Bool = true)
        throws
    {
        let file = try P2SAMModelFile(contentsOf: modelFile)
        let backboneStore = try LiteMedSAMCheckpoint.weights(at: backbone, verifyChecksum: verifyBackboneChecksum)
        try self.init(file: file, backbone: backboneStore)
    }
}
