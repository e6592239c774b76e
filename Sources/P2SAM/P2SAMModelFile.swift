import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import TorchCheckpoint

/// A P²SAM model file (safetensors, F32 tensors under PyTorch-style keys, metadata of docs/p2sam-model.md):
/// the one reader and writer that inference (`P2SAMModel`) and training both use.
public struct P2SAMModelFile: Sendable {
    /// The architecture recorded in the metadata.
    public var configuration: P2SAMConfiguration
    /// All metadata entries (architecture, provenance, training settings).
    public var metadata: [String: String]
    /// Tensors by key.
    public var tensors: [String: Tensor]
    /// Metadata `stage` (1: decoder only, 2: with the PGN), nil when absent.
    public var stage: Int?
    /// Metadata `lora_rank`: the rank of the encoder's LoRA factors in `tensors`, nil for none.
    public var loraRank: Int?

    /// Metadata key holding the rank of the encoder's LoRA factors.
    public static let loraRankKey = "lora_rank"

    /// Reads a model file, checking its metadata: a `p2sam-v1` architecture, a valid stage and LoRA rank,
    /// and LoRA factor tensors only when `lora_rank` declares them. Non-finite values are refused.
    ///
    /// - Throws: `P2SAMModelError.notAP2SAMModel`, the message naming the file and the problem.
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw P2SAMModelError.notAP2SAMModel("no model file at \(url.path)")
        }
        let file: SafetensorsFile
        do {
            file = try Safetensors.read(contentsOf: url, rejectingNonFinite: true)
        } catch {
            throw P2SAMModelError.notAP2SAMModel("\(url.path) is not a readable safetensors model file (\(error))")
        }
        do {
            try self.init(tensors: file.tensors, metadata: file.metadata)
        } catch let P2SAMModelError.notAP2SAMModel(why) {
            throw P2SAMModelError.notAP2SAMModel("\(url.path): \(why)")
        }
    }

    /// A model from tensors and metadata already in memory (same checks as reading a file).
    public init(tensors: [String: Tensor], metadata: [String: String]) throws {
        configuration = try P2SAMConfiguration(metadata: metadata)
        if let text = metadata["stage"] {
            guard let stage = Int(text), stage == 1 || stage == 2 else {
                throw P2SAMModelError.notAP2SAMModel("metadata 'stage' must be 1 or 2, found '\(text)'")
            }
            self.stage = stage
        }
        if let text = metadata[Self.loraRankKey] {
            guard let rank = Int(text), rank >= 1 else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.loraRankKey)' must be a positive integer, found '\(text)'")
            }
            loraRank = rank
        } else if let key = tensors.keys.sorted().first(where: LoRALinearLayer.isFactorKey) {
            throw P2SAMModelError.notAP2SAMModel(
                "it has LoRA tensors (e.g. '\(key)') but no '\(Self.loraRankKey)' metadata")
        }
        self.metadata = metadata
        self.tensors = tensors
    }

    /// Checks that the file was trained on the backbone with `sha256`.
    ///
    /// - Throws: `P2SAMModelError.notAP2SAMModel` when the metadata names another backbone.
    public func checkBackbone(sha256: String) throws {
        if let base = metadata["base_checkpoint_sha256"], base != sha256 {
            throw P2SAMModelError.notAP2SAMModel(
                "it was trained on backbone sha256 \(base), not lite_medsam.pth \(sha256)")
        }
    }

    /// The tensors as a strict weight store (every key must be taken by the model that loads it).
    public var weightStore: WeightStore {
        WeightStore(tensors.mapValues { NamedWeight(shape: $0.shape, values: $0.storage) })
    }

    /// The metadata of the model file at `url`, read from its header alone (for a caller that needs a setting or the
    /// provenance, not the weights): no tensor is read or checked, so load the file before sampling from it.
    ///
    /// - Throws: `P2SAMModelError.notAP2SAMModel` naming the file when it is missing or its header is not a valid
    ///   safetensors header.
    public static func readMetadata(contentsOf url: URL) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw P2SAMModelError.notAP2SAMModel("no model file at \(url.path)")
        }
        do { return try Safetensors.readMetadata(contentsOf: url) } catch {
            throw P2SAMModelError.notAP2SAMModel("\(url.path) is not a readable safetensors model file (\(error))")
        }
    }

    /// The metadata of a trained model: the architecture plus provenance.
    public static func metadata(
        configuration: P2SAMConfiguration, stage: Int, baseCheckpointSHA256: String,
        dataset: String, split: String, epochs: Int, seed: UInt64, notes: String
    ) -> [String: String] {
        configuration.metadata.merging([
            "base_checkpoint_sha256": baseCheckpointSHA256,
            "stage": String(stage),
            "dataset": dataset,
            "split": split,
            "epochs": String(epochs),
            "seed": String(seed),
            "notes": notes,
        ]) { _, provenance in provenance }
    }

    /// Writes tensors and metadata atomically (a temporary file renamed into place).
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], to url: URL)
        throws
    {
        let bytes = try Safetensors.encode(tensors, metadata: metadata)
        try Data(bytes).write(to: url, options: .atomic)
    }
}
