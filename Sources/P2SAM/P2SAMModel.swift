import Foundation
import LiteMedSAM
import SAMAutograd
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

    /// Builds the model from named parameters (strict: every key must be used) and a loaded encoder.
    public init(parameters: WeightStore, metadata: [String: String], imageEncoder: TinyViTEncoder) throws {
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
        var backboneStore = try LiteMedSAMCheckpoint.weights(at: backbone, verifyChecksum: verifyBackboneChecksum)
        let encoder = try TinyViTEncoder(&backboneStore)
        try self.init(parameters: WeightStore(weights), metadata: file.metadata, imageEncoder: encoder)
    }
}
