import Foundation

/// What can go wrong when splitting a run into shards, writing a shard or merging shards.
/// Every message names the shard, file or case at fault.
public enum ShardError: Error, Equatable, CustomStringConvertible {
    /// `--shard` text that is not `i/n` with 0 <= i < n.
    case invalidShard(String)
    /// The same case id appears twice in one dataset selection.
    case duplicateCaseID(String)
    /// The shard directory cannot be created or written.
    case unwritableDirectory(path: String, reason: String)
    /// A directory given to merge has no readable manifest.
    case missingManifest(path: String, reason: String)
    /// An existing shard directory was written by a different run (resume refused).
    case manifestConflict(path: String, field: String, existing: String, requested: String)
    /// Two shards disagree on a setting that must be the same for all.
    case mismatchedManifests(first: String, second: String, field: String, firstValue: String, secondValue: String)
    /// A line of a JSON Lines file that is not a complete record (other than a half-written last line).
    case corruptRecord(path: String, line: Int, reason: String)
    /// A record for a case that the shard was not assigned.
    case unexpectedCase(path: String, caseID: String)
    /// Shard indices missing from or repeated in the merge.
    case incompleteShardSet(count: Int, missing: [Int], repeated: [Int])
    /// Cases assigned to a shard but with no record.
    case missingCases(shard: String, caseIDs: [String])
    /// Cases with a record in more than one place.
    case duplicatedCases([String])

    public var description: String {
        switch self {
        case .invalidShard(let text):
            return "--shard '\(text)': want i/n with n >= 1 and 0 <= i < n (e.g. 0/4 … 3/4)"
        case .duplicateCaseID(let id):
            return "case id '\(id)' appears more than once in the dataset: shards need unique case ids"
        case .unwritableDirectory(let path, let reason):
            return "cannot write the shard directory \(path): \(reason)"
        case .missingManifest(let path, let reason):
            return "\(path) is not a shard directory (no readable manifest.json: \(reason))"
        case .manifestConflict(let path, let field, let existing, let requested):
            return
                "\(path) holds a shard of another run (\(field): \(existing) there, \(requested) now); use a new directory or remove it"
        case .mismatchedManifests(let first, let second, let field, let a, let b):
            return "shards \(first) and \(second) come from different runs: \(field) is \(a) vs \(b)"
        case .corruptRecord(let path, let line, let reason):
            return "\(path) line \(line) is not a valid record: \(reason)"
        case .unexpectedCase(let path, let id):
            return "\(path) holds case '\(id)', which its shard was not assigned"
        case .incompleteShardSet(let count, let missing, let repeated):
            var parts: [String] = []
            if !missing.isEmpty {
                parts.append("missing shard(s) " + missing.map { "\($0)/\(count)" }.joined(separator: ", "))
            }
            if !repeated.isEmpty {
                parts.append("shard(s) given twice " + repeated.map { "\($0)/\(count)" }.joined(separator: ", "))
            }
            return "the shards do not make one run: " + parts.joined(separator: "; ")
        case .missingCases(let shard, let ids):
            return "shard \(shard) is incomplete: \(ids.count) case(s) not written (re-run it to finish): "
                + Self.list(ids)
        case .duplicatedCases(let ids):
            return "\(ids.count) case(s) written by more than one shard: " + Self.list(ids)
        }
    }

    private static func list(_ ids: [String]) -> String {
        ids.count <= 20
            ? ids.joined(separator: ", ") : ids.prefix(20).joined(separator: ", ") + ", … (\(ids.count - 20) more)"
    }
}
