import Foundation

/// Shards of one run gathered into one: the run's manifest and every case's record, in sorted id order.
public struct MergedRun<Value> {
    /// The manifest of shard 0, standing for the run (its `shard` and `caseIDs` are those of shard 0).
    public var manifest: ShardManifest
    /// One record per case of the run, sorted by case id (the order an unsharded run aggregates in).
    public var records: [ShardRecord<Value>]
}

/// Checks that shard directories make exactly one run and reads their records.
public enum ShardMerge {
    /// Merges `directories` (any order).
    ///
    /// - Throws: `ShardError.missingManifest` for a directory that is not a shard;
    ///   `.mismatchedManifests` naming both directories and the field when two shards come from
    ///   different runs (dataset, split, method, model sha256, seed, conventions, settings, version, n);
    ///   `.incompleteShardSet` for missing or repeated shard indices; `.corruptRecord` for a bad line,
    ///   including a half-written last line; `.unexpectedCase`, `.duplicatedCases`, `.missingCases`.
    public static func merge<Value: Decodable>(_ directories: [URL], as type: Value.Type = Value.self) throws
        -> MergedRun<Value>
    {
        precondition(!directories.isEmpty, "merge of no shards")
        let manifests = try directories.map { try ShardManifest.read(from: $0) }
        for (directory, manifest) in zip(directories, manifests).dropFirst() {
            if let d = manifests[0].firstDifference(from: manifest) {
                throw ShardError.mismatchedManifests(
                    first: directories[0].path, second: directory.path,
                    field: d.field, firstValue: d.mine, secondValue: d.theirs)
            }
        }
        let count = manifests[0].shard.count
        let indices = manifests.map(\.shard.index)
        let missing = (0..<count).filter { !indices.contains($0) }
        let repeated = Set(indices.filter { i in indices.filter { $0 == i }.count > 1 }).sorted()
        guard missing.isEmpty, repeated.isEmpty else {
            throw ShardError.incompleteShardSet(count: count, missing: missing, repeated: repeated)
        }
        var records: [ShardRecord<Value>] = []
        var seen = Set<String>()
        var duplicated: [String] = []
        for (directory, manifest) in zip(directories, manifests).sorted(by: { $0.1.shard.index < $1.1.shard.index }) {
            let path = directory.appendingPathComponent(ShardDirectory.recordsName)
            let lines = try RecordLines(contentsOf: path)
            if lines.hasHalfWrittenTail {
                throw ShardError.corruptRecord(
                    path: path.path, line: lines.complete.count + 1,
                    reason:
                        "half-written last line (the job was interrupted): re-run shard \(manifest.shard) to finish it")
            }
            let assigned = Set(manifest.caseIDs)
            var written = Set<String>()
            for (number, entry) in lines.complete.enumerated() {
                guard assigned.contains(entry.caseID) else {
                    throw ShardError.unexpectedCase(path: path.path, caseID: entry.caseID)
                }
                guard seen.insert(entry.caseID).inserted else {
                    duplicated.append(entry.caseID)
                    continue
                }
                written.insert(entry.caseID)
                do {
                    records.append(try ShardRecord<Value>(line: entry.line))
                } catch {
                    throw ShardError.corruptRecord(path: path.path, line: number + 1, reason: "\(error)")
                }
            }
            let absent = manifest.caseIDs.filter { !written.contains($0) }
            if duplicated.isEmpty && !absent.isEmpty {
                throw ShardError.missingCases(shard: "\(manifest.shard) (\(directory.path))", caseIDs: absent)
            }
        }
        guard duplicated.isEmpty else { throw ShardError.duplicatedCases(duplicated) }
        records.sort { $0.caseID.unicodeScalars.lexicographicallyPrecedes($1.caseID.unicodeScalars) }
        return MergedRun(manifest: manifests[0], records: records)
    }
}
