import Foundation
import SAMLayers
import SAMTensor
import TorchCheckpoint

/// A LiteMedSAM model file: every tensor of the LiteMedSAM state dict (the same keys and shapes as
/// `lite_medsam.pth`) as F32 safetensors, with metadata `format` = `litemedsam-model-v1`. Fine-tuning
/// recipes (`p2sam finetune`) write it; every command taking the backbone reads it (`--backbone`).
///
/// Metadata besides `format`: `base_checkpoint_sha256` (the checkpoint it was made from), `recipe`, and
/// whatever the recipe adds (options, learned loss weights).
public enum LiteMedSAMModelFile {
    /// The `format` metadata value.
    public static let format = "litemedsam-model-v1"

    /// Whether the file at `url` starts like a safetensors file (an 8-byte header length, then the JSON
    /// header's `{`), not like a PyTorch zip.
    public static func looksLikeSafetensors(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 9)) ?? Data())
        return head.count == 9 && head[8] == UInt8(ascii: "{")
    }

    /// Writes `store`'s tensors with `metadata` (plus `format`) atomically (temporary file, then rename).
    ///
    /// - Parameters:
    ///   - store: a complete LiteMedSAM state dict (checked: it must build the model strictly).
    ///   - metadata: extra string metadata.
    ///   - url: the destination.
    /// - Throws: `WeightLoadingError` when `store` is not a LiteMedSAM state dict; write errors.
    public static func write(_ store: WeightStore, metadata: [String: String], to url: URL) throws {
        _ = try LiteMedSAMModel(weights: store)
        var tensors: [(name: String, tensor: Tensor)] = []
        var probe = store
        for key in store.keys {
            let shape = store.shape(of: key)!
            tensors.append((key, Tensor(shape: shape, storage: try probe.take(key, shape: shape))))
        }
        var meta = metadata
        meta["format"] = format
        let bytes = try Safetensors.encode(tensors, metadata: meta)
        try Data(bytes).write(to: url, options: .atomic)
    }

    /// Reads a model file strictly: its `format` must be `litemedsam-model-v1` and its tensors exactly
    /// LiteMedSAM's keys and shapes.
    ///
    /// - Parameter url: the `.safetensors` file.
    /// - Returns: the state dict and the file's metadata.
    /// - Throws: `LiteMedSAMModelFileError` naming the file and the problem.
    public static func read(_ url: URL) throws -> (weights: WeightStore, metadata: [String: String]) {
        guard FileManager.default.fileExists(atPath: url.path) else { throw CheckpointError.notFound(path: url.path) }
        let file: SafetensorsFile
        do { file = try Safetensors.read(contentsOf: url) } catch {
            throw LiteMedSAMModelFileError.notAModel(
                path: url.path, reason: "not a readable safetensors file (\(error))")
        }
        guard file.metadata["format"] == format else {
            let found = file.metadata["format"].map { "format '\($0)'" } ?? "no format metadata"
            throw LiteMedSAMModelFileError.notAModel(
                path: url.path,
                reason:
                    "\(found), not '\(format)' (a model of another architecture, e.g. a P²SAM model, which goes to --model)"
            )
        }
        var weights: [String: NamedWeight] = [:]
        for (name, tensor) in file.tensors { weights[name] = NamedWeight(shape: tensor.shape, values: tensor.storage) }
        let store = WeightStore(weights)
        do { _ = try LiteMedSAMModel(weights: store) } catch let error as WeightLoadingError {
            throw LiteMedSAMModelFileError.notAModel(
                path: url.path, reason: "its tensors are not LiteMedSAM's: \(error.description)")
        }
        return (store, file.metadata)
    }
}

/// A file that is not a LiteMedSAM model file.
public enum LiteMedSAMModelFileError: Error, CustomStringConvertible, Equatable {
    /// The file at `path` cannot be read as a LiteMedSAM model, for `reason`.
    case notAModel(path: String, reason: String)

    public var description: String {
        switch self {
        case .notAModel(let path, let reason): return "\(path) is not a LiteMedSAM model file: \(reason)"
        }
    }
}
