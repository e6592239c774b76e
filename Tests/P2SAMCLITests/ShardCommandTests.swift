import Foundation
import XCTest

/// `--shard i/n` runs merged with `p2sam merge`, as a user runs them on a cluster: the merged report
/// equals one unsharded run's, bit for bit (apart from `seconds`, the sum of per-case times).
final class ShardCommandTests: CheckpointCommandTestCase {
    static let root = CLIRunner.repositoryRoot
    static let defaultModel = CLIRunner.bundledDefaultModel
    /// Box jitter and a jittered box use both per-case random streams.
    let evaluate = [
        "evaluate", "--dataset", "synthetic:5:3", "--split", "all", "--method", "box-jitter", "--box-quality",
        "jitter:10", "--count", "3", "--seed", "5",
    ]

    func run(_ arguments: [String]) throws -> CLIRunner.Outcome {
        let outcome = try CLIRunner.run(arguments)
        XCTAssertEqual(outcome.status, 0, "\(arguments.joined(separator: " ")): \(outcome.output)")
        return outcome
    }

    /// The report JSON without its one volatile field.
    func report(_ name: String) throws -> NSDictionary {
        let object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(name)))
            as! [String: Any]
        XCTAssertNotNil(object["seconds"])
        return object.filter { $0.key != "seconds" } as NSDictionary
    }

    /// stdout lines of the report (progress goes to stderr, mixed in by CLIRunner: drop it).
    /// The report's lines, without progress lines (`case …`) and without the line naming the model that ran
    /// (`model: …`), which only a run that loads a model prints; `p2sam merge` runs none.
    func reportLines(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter {
            (!$0.hasPrefix("case ") || $0.hasPrefix("case  ")) && !$0.hasPrefix("model: ")
        }
    }

    func testEvaluateShardsMergeToTheUnshardedReportAndCasesKeepTheirMasksInAnySubset() throws {
        let whole = try run(evaluate + ["--json", path("whole.json")])
        for i in 0..<3 { _ = try run(evaluate + ["--shard", "\(i)/3", "--output", path("s\(i)")]) }
        let merged = try run(["merge", path("s2"), path("s0"), path("s1"), "--json", path("merged.json")])
        XCTAssertEqual(try report("merged.json"), try report("whole.json"))
        XCTAssertEqual(reportLines(merged.output), reportLines(whole.output))
        XCTAssertTrue(merged.output.contains("mean (5)"), merged.output)
        // A subset (here --limit 2, the first two ids) scores its cases exactly as the whole run does.
        _ = try run(evaluate + ["--limit", "2", "--json", path("limit.json")])
        let all = try report("whole.json")["cases"] as! [String: Any]
        let some = try report("limit.json")["cases"] as! [String: Any]
        XCTAssertEqual(some.count, 2)
        for (id, value) in some { XCTAssertEqual(value as? NSDictionary, all[id] as? NSDictionary, id) }
        // A different seed changes the numbers (the comparison above can fail).
        _ = try run([
            "evaluate", "--dataset", "synthetic:5:3", "--split", "all", "--method", "box-jitter", "--box-quality",
            "jitter:10", "--count", "3",
            "--seed", "6", "--limit", "2", "--json", path("seed6.json"),
        ])
        XCTAssertNotEqual(
            try report("seed6.json")["mean"] as? NSDictionary, try report("limit.json")["mean"] as? NSDictionary)
    }

    func testARestartedShardRedoesOnlyTheHalfWrittenCase() throws {
        for i in 0..<2 { _ = try run(evaluate + ["--shard", "\(i)/2", "--output", path("s\(i)")]) }
        _ = try run(["merge", path("s0"), path("s1"), "--json", path("before.json")])
        // Preempted while writing its second case: one whole line and half of the next.
        let file = directory.appendingPathComponent("s0/cases.jsonl")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        try (lines[0] + "\n" + lines[1].prefix(40)).write(to: file, atomically: true, encoding: .utf8)
        let merge = try CLIRunner.run(["merge", path("s0"), path("s1")])
        XCTAssertNotEqual(merge.status, 0)
        XCTAssertTrue(merge.output.contains("half-written") && merge.output.contains("shard 0/2"), merge.output)
        let resumed = try run(evaluate + ["--shard", "0/2", "--output", path("s0")])
        XCTAssertTrue(resumed.output.contains("half-written last record"), resumed.output)
        XCTAssertTrue(resumed.output.contains("(1 from an earlier run)"), resumed.output)
        XCTAssertEqual(resumed.output.components(separatedBy: "cases/s").count - 1, 2, resumed.output)
        _ = try run(["merge", path("s0"), path("s1"), "--json", path("after.json")])
        XCTAssertEqual(try report("after.json"), try report("before.json"))
    }

    func testBadShardsAndMismatchedRunsAreNamed() throws {
        for bad in ["3/2", "0/0"] {
            let outcome = try CLIRunner.run(evaluate + ["--shard", bad, "--output", path("x")])
            XCTAssertNotEqual(outcome.status, 0)
            XCTAssertTrue(outcome.output.contains("--shard '\(bad)'"), outcome.output)
        }
        let shardJSON = try CLIRunner.run(
            evaluate + ["--shard", "0/2", "--output", path("x"), "--json", path("x.json")])
        XCTAssertNotEqual(shardJSON.status, 0)
        XCTAssertTrue(shardJSON.output.contains("give --json to `p2sam merge`"), shardJSON.output)
        let noOutput = try CLIRunner.run(evaluate + ["--shard", "0/2"])
        XCTAssertNotEqual(noOutput.status, 0)
        XCTAssertTrue(noOutput.output.contains("--shard needs --output"), noOutput.output)
        let small = ["evaluate", "--dataset", "synthetic:2:3", "--split", "all", "--method", "single", "--count", "1"]
        _ = try run(small + ["--seed", "1", "--shard", "0/2", "--output", path("a0")])
        _ = try run(small + ["--seed", "2", "--shard", "1/2", "--output", path("b1")])
        let mixed = try CLIRunner.run(["merge", path("a0"), path("b1")])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.output.contains("seed is 1 vs 2") && mixed.output.contains(path("b1")), mixed.output)
        let missing = try CLIRunner.run(["merge", path("a0")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("missing shard(s) 1/2"), missing.output)
        let notShard = try CLIRunner.run(["merge", directory.path])
        XCTAssertNotEqual(notShard.status, 0)
        XCTAssertTrue(notShard.output.contains("is not a shard directory"), notShard.output)
        // Resuming into a directory of another run is refused and leaves it as it was.
        let before = try Data(contentsOf: directory.appendingPathComponent("a0/cases.jsonl"))
        let clash = try CLIRunner.run(small + ["--seed", "2", "--shard", "0/2", "--output", path("a0")])
        XCTAssertNotEqual(clash.status, 0)
        XCTAssertTrue(clash.output.contains("holds a shard of another run (seed: 1 there, 2 now)"), clash.output)
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("a0/cases.jsonl")), before)
        // An output path below a regular file cannot be created (even by root): a clear error.
        let blocked = try CLIRunner.run(small + ["--shard", "0/2", "--output", path("a0/cases.jsonl/x")])
        XCTAssertNotEqual(blocked.status, 0)
        XCTAssertTrue(blocked.output.contains("cannot write the shard directory"), blocked.output)
    }

    func testSampleDatasetShardsMergeToTheUnshardedRunWithTheSameMasks() throws {
        guard FileManager.default.fileExists(atPath: Self.defaultModel.path) else {
            throw XCTSkip("no bundled default model")
        }
        let sample = [
            "sample", "--dataset", "synthetic:3:2", "--count", "4", "--seed", "9", "--model", Self.defaultModel.path,
        ]
        let whole = try run(sample + ["--output", path("whole"), "--json", path("whole.json")])
        for i in 0..<2 { _ = try run(sample + ["--shard", "\(i)/2", "--output", path("s\(i)")]) }
        let merged = try run(["merge", path("s0"), path("s1"), "--json", path("merged.json")])
        XCTAssertEqual(try report("merged.json"), try report("whole.json"))
        XCTAssertEqual(reportLines(merged.output), reportLines(whole.output))
        for (id, shard) in [("synthetic-0000", "s0"), ("synthetic-0001", "s1"), ("synthetic-0002", "s0")] {
            for k in 0..<4 {
                let name = "\(id)/sample_\(String(format: "%03d", k)).png"
                XCTAssertEqual(
                    try Data(contentsOf: directory.appendingPathComponent("whole/\(name)")),
                    try Data(contentsOf: directory.appendingPathComponent("\(shard)/\(name)")), name)
            }
        }
    }

    func testEmbedDatasetShardsFillOneCacheThatMergeChecks() throws {
        let embed = ["embed", "--dataset", "synthetic:3:2", "--cache-dir", path("cache")]
        for i in 0..<2 { _ = try run(embed + ["--shard", "\(i)/2", "--output", path("e\(i)")]) }
        let entries = try FileManager.default.contentsOfDirectory(atPath: path("cache")).filter { $0.hasSuffix(".emb") }
        XCTAssertEqual(entries.count, 3)
        let merged = try run(["merge", path("e0"), path("e1")])
        XCTAssertTrue(
            merged.output.contains("3 case embeddings") && merged.output.contains("3 computed"), merged.output)
        let again = try run(embed + ["--output", path("whole")])
        XCTAssertTrue(again.output.contains("0 computed, 3 already cached"), again.output)
    }
}
