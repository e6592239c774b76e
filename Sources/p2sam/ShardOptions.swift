import ArgumentParser
import Foundation
import ShardedRuns
import TorchCheckpoint

/// `--shard i/n`: run only piece i of n of a dataset run (see docs/cluster.md).
struct ShardOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Run only shard i of n (0-based; cases by sorted id, round-robin); merge the shard directories with `p2sam merge`.",
            valueName: "i/n"))
    var shard: String?

    func validate() throws {
        if let shard {
            do { _ = try Shard(parsing: shard) } catch { throw ValidationError("\(error)") }
        }
    }

    /// The chosen shard, or the whole run.
    var value: Shard { shard.flatMap { try? Shard(parsing: $0) } ?? .whole }
}

/// The identity of the model files a run used, for shard manifests.
enum ModelDigest {
    /// "name=sha256" of each file, joined by ", ".
    static func describe(_ files: [URL]) throws -> String {
        try files.map { "\($0.lastPathComponent)=\(try SHA256.hexDigest(ofFileAt: $0.path))" }.joined(separator: ", ")
    }
}

/// The version of the tool: printed by `p2sam --version`, written into every JSON report and into
/// shard manifests (shards of different versions are not merged).
enum ToolVersion {
    static let current = "0.2.0"
}
