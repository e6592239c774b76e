import Foundation
import TorchCheckpoint

/// What one shard directory holds (`manifest.json`): the run's identity, which must be the same for
/// every shard of a run, plus the shard's own index and case list.
///
/// JSON keys are snake_case. `settings` carries the command's remaining options as text (box quality,
/// count, window, …) so that any difference between shards is found and named at merge time.
public struct ShardManifest: Codable, Equatable, Sendable {
    /// The command: "evaluate", "sample" or "embed".
    public var kind: String
    /// The dataset spec as loaded (e.g. `npz:/data/lidc.npz`).
    public var dataset: String
    /// The split part, e.g. "all" or "grouped fold 0 test".
    public var split: String
    /// The method and its main options.
    public var method: String
    /// sha256 of every model file used (LiteMedSAM checkpoint, P²SAM model), "name=digest" joined by ", ".
    public var modelSHA256: String
    /// The run's seed (each case's streams are derived from it and the case id).
    public var seed: UInt64
    /// Metric conventions, e.g. "hm-iou standard, dmax per-rater".
    public var conventions: String
    /// The remaining options that change results.
    public var settings: [String: String]
    /// The version of the tool that wrote the shard.
    public var toolVersion: String
    /// Number of cases in the whole run and sha256 of their sorted ids joined by newlines.
    public var totalCases: Int
    public var caseListSHA256: String
    /// This shard.
    public var shard: Shard
    /// The cases this shard is assigned, sorted.
    public var caseIDs: [String]

    enum CodingKeys: String, CodingKey {
        case kind, dataset, split, method
        case modelSHA256 = "model_sha256"
        case seed, conventions, settings
        case toolVersion = "tool_version"
        case totalCases = "total_cases"
        case caseListSHA256 = "case_list_sha256"
        case shard
        case caseIDs = "case_ids"
    }

    /// A manifest for `shard` of a run over `allCaseIDs` (any order).
    /// - Throws: `ShardError.duplicateCaseID`.
    public init(
        kind: String, dataset: String, split: String, method: String, modelSHA256: String, seed: UInt64,
        conventions: String, settings: [String: String], toolVersion: String, allCaseIDs: [String], shard: Shard
    ) throws {
        let sorted = try Shard.sortedCaseIDs(allCaseIDs)
        self.kind = kind
        self.dataset = dataset
        self.split = split
        self.method = method
        self.modelSHA256 = modelSHA256
        self.seed = seed
        self.conventions = conventions
        self.settings = settings
        self.toolVersion = toolVersion
        self.shard = shard
        self.totalCases = sorted.count
        self.caseListSHA256 = SHA256.hex(SHA256.hash(Array(sorted.joined(separator: "\n").utf8)))
        self.caseIDs = sorted.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
    }

    /// The fields that must agree between shards of one run, as (name, value) text pairs.
    public var runIdentity: [(field: String, value: String)] {
        [
            ("kind", kind), ("dataset", dataset), ("split", split), ("method", method), ("model_sha256", modelSHA256),
            ("seed", String(seed)), ("conventions", conventions), ("tool_version", toolVersion),
            ("shard count", String(shard.count)), ("total_cases", String(totalCases)),
            ("case_list_sha256", caseListSHA256),
        ]
            + settings.keys.sorted().map { ("settings.\($0)", settings[$0]!) }
    }

    /// The first field on which `other` belongs to a different run, or nil when both are shards of one run.
    public func firstDifference(from other: ShardManifest) -> (field: String, mine: String, theirs: String)? {
        let mine = runIdentity
        let theirs = other.runIdentity
        let theirsByField = Dictionary(theirs.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
        let mineByField = Dictionary(mine.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (field, value) in mine where theirsByField[field] != value {
            return (field, value, theirsByField[field] ?? "(absent)")
        }
        for (field, value) in theirs where mineByField[field] == nil { return (field, "(absent)", value) }
        return nil
    }

    /// Reads `directory/manifest.json`.
    /// - Throws: `ShardError.missingManifest`.
    public static func read(from directory: URL) throws -> ShardManifest {
        let url = directory.appendingPathComponent(ShardDirectory.manifestName)
        do {
            return try JSONDecoder().decode(ShardManifest.self, from: Data(contentsOf: url))
        } catch {
            throw ShardError.missingManifest(path: directory.path, reason: "\(error)")
        }
    }

    /// The manifest as pretty-printed JSON with sorted keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
