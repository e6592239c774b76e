import ArgumentParser
import Evaluation
import Foundation
import ShardedRuns

/// `p2sam merge`: the report of a sharded run, from its shard directories.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard directories of a sharded evaluate, sample or embed run into its report.",
        discussion: """
            Checks that the manifests agree (dataset, split, method, model sha256, seed, conventions, \
            settings, tool version, shard count), that every shard 0…n-1 is there once and that every case \
            has exactly one record, then prints and writes the report an unsharded run writes: the same \
            numbers bit for bit (only `seconds`, a sum of per-case times, differs between runs). \
            See docs/cluster.md.
            """)

    @Argument(help: "The shard directories (the --output of each `--shard i/n` run).")
    var shards: [String]

    @Option(help: "Write the report as JSON.")
    var json: String?

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the shard directories to merge") }
    }

    func run() throws {
        try runWithExit {
            let urls = shards.map { URL(fileURLWithPath: $0) }
            let kind = try ShardManifest.read(from: urls[0]).kind
            switch kind {
            case "evaluate":
                let merged = try ShardMerge.merge(urls, as: EvaluationCaseRecord.self)
                try EvaluateCommand.report(
                    EvaluationReport(manifest: merged.manifest, records: merged.records), json: json)
            case "sample":
                let merged = try ShardMerge.merge(urls, as: SampleCaseRecord.self)
                try DatasetSampling.report(
                    SampledDatasetReport(manifest: merged.manifest, records: merged.records), json: json)
            case "embed":
                let merged = try ShardMerge.merge(urls, as: EmbeddingCaseRecord.self)
                try DatasetEmbedding.report(manifest: merged.manifest, records: merged.records, json: json)
            case "lidc-score":
                try ScoreShards.report(try ShardMerge.merge(urls, as: LIDCScoreRecord.self).records, json: json)
            default:
                throw ValidationError("\(shards[0]): unknown shard kind '\(kind)'")
            }
        }
    }
}
