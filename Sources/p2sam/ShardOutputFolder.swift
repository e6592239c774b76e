import Foundation
import ShardedRuns

/// The output folder of a sharded command (`evaluate --output`, `sample --dataset`, `embed`), as the CLI reports it.
enum ShardOutputFolder {
    /// Opens or resumes the folder `output` for `manifest`, saying on stderr when a half-written last record (an
    /// interrupted run) was cut off.
    static func open(_ output: String, manifest: ShardManifest) throws -> ShardDirectory {
        let directory = try ShardDirectory(url: URL(fileURLWithPath: output), manifest: manifest)
        if directory.repairedTail {
            FileHandle.standardError.write(
                Data("\(output): cut off a half-written last record; redoing its case\n".utf8))
        }
        return directory
    }

    /// The line one shard of several prints when its cases are done; nil for an unsharded run (which reports the
    /// whole result instead).
    ///
    /// - Parameters:
    ///   - manifest: the shard's manifest.
    ///   - output: the folder, as given.
    ///   - pendingCount: how many of the shard's cases this run did (the rest came from an earlier run).
    static func shardDoneLine(_ manifest: ShardManifest, output: String, pendingCount: Int) -> String? {
        guard manifest.shard.count > 1 else { return nil }
        return
            "shard \(manifest.shard): \(manifest.caseIDs.count) case(s) in \(output) (\(manifest.caseIDs.count - pendingCount) from an earlier run); merge all \(manifest.shard.count) shards with `p2sam merge`"
    }
}
