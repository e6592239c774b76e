import Foundation
import LiteMedSAM
import ShardedRuns
import TorchCheckpoint

/// What every JSON report of the tool carries besides its numbers: the tool version, the command,
/// its full settings (every option, defaults included; unset options are null) and the sha256 of each
/// model file it read. Encoded as top-level keys `tool_version`, `command`, `settings`, `models`
/// (schemas in `docs/schemas/`).
struct ReportProvenance: Encodable {
    /// One model file that the run read.
    struct ModelFile: Encodable {
        var path: String
        var sha256: String
    }

    var toolVersion = ToolVersion.current
    var command: String
    var settings: [String: String?]
    var models: [String: ModelFile] = [:]

    enum CodingKeys: String, CodingKey {
        case toolVersion = "tool_version"
        case command, settings, models
    }

    init(
        toolVersion: String = ToolVersion.current, command: String, settings: [String: String?],
        models: [String: ModelFile] = [:]
    ) {
        self.toolVersion = toolVersion
        self.command = command
        self.settings = settings
        self.models = models
    }

    /// The provenance a shard manifest records (sharded and unsharded dataset runs, and `p2sam merge`):
    /// its version, kind and settings; its model digests (`name=sha256, …`: the LiteMedSAM checkpoint
    /// first, then the P²SAM model) as roles `checkpoint` and `p2sam`, each with the file's name.
    init(manifest: ShardManifest) {
        var models: [String: ModelFile] = [:]
        let entries = manifest.modelSHA256.components(separatedBy: ", ").compactMap { entry -> ModelFile? in
            guard let eq = entry.lastIndex(of: "=") else { return nil }
            return ModelFile(path: String(entry[..<eq]), sha256: String(entry[entry.index(after: eq)...]))
        }
        for (role, file) in zip(["checkpoint", "p2sam"], entries) { models[role] = file }
        self.init(
            toolVersion: manifest.toolVersion, command: manifest.kind,
            settings: manifest.settings.mapValues { Optional($0) }, models: models)
    }

    /// Adds the LiteMedSAM checkpoint of `options` (its sha256 is the published one when it was verified).
    mutating func addCheckpoint(_ options: ModelOptions) throws {
        let url = try options.checkpointURL
        let sha = options.skipChecksum ? try SHA256.hexDigest(ofFileAt: url.path) : LiteMedSAMCheckpoint.officialSHA256
        models["checkpoint"] = ModelFile(path: url.path, sha256: sha)
    }

    /// Adds a model file under `role`, hashing it.
    mutating func addModel(_ role: String, at url: URL) throws {
        models[role] = ModelFile(path: url.path, sha256: try SHA256.hexDigest(ofFileAt: url.path))
    }
}

extension BoxArgument {
    /// `x0,y0,x1,y1` as given.
    var text: String { [box.x0, box.y0, box.x1, box.y1].map { String($0) }.joined(separator: ",") }
}

extension PointArgument {
    /// `x,y,label` as given.
    var text: String { "\(point.x),\(point.y),\(point.isPositive ? 1 : 0)" }
}
