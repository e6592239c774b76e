import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import TorchCheckpoint

/// An AutoMedSAM model file: safetensors with the class prompt encoder (`class_prompt_net.*`) and the
/// fine-tuned mask decoder (`mask_decoder.*`) as F32 tensors, and metadata (`AutoMedSAMConfiguration`
/// plus provenance: `base_checkpoint_sha256`, `dataset`, `epochs`, `notes`). The image and prompt
/// encoders come from the LiteMedSAM checkpoint it was trained on.
public struct AutoMedSAMModelFile: Sendable {
    public var configuration: AutoMedSAMConfiguration
    /// All metadata entries.
    public var metadata: [String: String]
    /// Tensors by key.
    public var tensors: [String: Tensor]

    /// A model from tensors and metadata in memory (same checks as reading).
    ///
    /// - Throws: `AutoMedSAMError.notAModel` for bad metadata.
    public init(tensors: [String: Tensor], metadata: [String: String]) throws {
        configuration = try AutoMedSAMConfiguration(metadata: metadata)
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads a model file; non-finite values are refused.
    ///
    /// - Throws: `AutoMedSAMError.notAModel` naming the file and the problem.
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AutoMedSAMError.notAModel("no model file at \(url.path)")
        }
        let file: SafetensorsFile
        do {
            file = try Safetensors.read(contentsOf: url, rejectingNonFinite: true)
        } catch {
            throw AutoMedSAMError.notAModel("\(url.path) is not a readable safetensors file (\(error))")
        }
        do {
            try self.init(tensors: file.tensors, metadata: file.metadata)
        } catch let AutoMedSAMError.notAModel(why) {
            throw AutoMedSAMError.notAModel("\(url.path): \(why)")
        }
    }

    /// The tensors as a strict weight store.
    public var weightStore: WeightStore {
        WeightStore(tensors.mapValues { NamedWeight(shape: $0.shape, values: $0.storage) })
    }

    /// The class prompt encoder and mask decoder it holds, strictly (a missing, mis-shaped or extra key fails).
    ///
    /// - Throws: `AutoMedSAMError.notAModel` naming the key.
    public func layers() throws -> (classPromptEncoder: ClassPromptEncoder, maskDecoder: MaskDecoder) {
        var store = weightStore
        do {
            let encoder = try ClassPromptEncoder(
                &store, classCount: configuration.classes.count, branches: configuration.branches,
                denseAttentionSigmoid: configuration.denseAttentionSigmoid,
                positionalInput: configuration.positionalInput, classTokens: configuration.classTokens,
                classCoding: configuration.classCoding)
            let decoder = try MaskDecoder(&store)
            try store.finish()
            return (encoder, decoder)
        } catch let error as WeightLoadingError {
            throw AutoMedSAMError.notAModel(error.description)
        }
    }

    /// Writes `tensors` with `metadata` atomically (a temporary file renamed into place), creating the folder.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], to url: URL)
        throws
    {
        let bytes = try Safetensors.encode(tensors, metadata: metadata)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }
}
