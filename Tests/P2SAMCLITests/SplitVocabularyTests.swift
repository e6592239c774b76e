import Foundation
import XCTest

/// `train`, `evaluate` and `data split` speak one split vocabulary with the same defaults, and an empty
/// part of a split is an error naming the protocol and the group count (never a silent empty run).
final class SplitVocabularyTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// `--help` of a command with its line wrapping undone.
    static func helpText(_ command: [String]) throws -> String {
        try CLIRunner.run(command + ["--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    func testAnEmptySplitPartIsAnErrorNamingTheProtocolAndGroupCount() throws {
        let split = try CLIRunner.run([
            "data", "split", "--dataset", "synthetic:3", "--split-protocol", "index", "--output", path("m.json"),
        ])
        XCTAssertNotEqual(split.status, 0, split.output)
        XCTAssertTrue(split.output.contains("'index'") && split.output.contains("3 group"), split.output)

        try CLIRunner.requireCheckpoint()
        let evaluated = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:3", "--split-protocol", "index", "--split", "test",
            "--method", "single", "--count", "1", "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(evaluated.status, 0, evaluated.output)
        XCTAssertTrue(evaluated.output.contains("error: the test part of split protocol 'index'"), evaluated.output)
        XCTAssertTrue(evaluated.output.contains("3 cases in 3 group(s)"), evaluated.output)
    }

    func testDataSplitTrainAndEvaluateShareOptionNamesAndDefaults() throws {
        for command in [["train"], ["evaluate"], ["data", "split"]] {
            let help = try Self.helpText(command)
            XCTAssertTrue(help.contains("--split-protocol <split-protocol>"), "\(command): \(help)")
            XCTAssertTrue(help.contains("default: sorted-names"), "\(command): \(help)")
            XCTAssertFalse(help.contains("--protocol <"), "\(command) still shows --protocol")
        }
        let evaluateHelp = try Self.helpText(["evaluate"])
        XCTAssertTrue(evaluateHelp.contains("values: all, train, validation, test; default: test"), evaluateHelp)

        // data split with defaults writes the protocol that train and evaluate use by default.
        let split = try CLIRunner.run(["data", "split", "--dataset", "synthetic:10", "--output", path("m.json")])
        XCTAssertEqual(split.status, 0, split.output)
        let manifest = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("m.json")))) as? [String: Any]
        )
        XCTAssertEqual(manifest["protocol"] as? String, "sorted-names")
        // --fold writes the one fold it names.
        let one = try CLIRunner.run([
            "data", "split", "--dataset", "synthetic:10", "--split-protocol", "leave-one-group-out",
            "--fold", "2", "--output", path("f.json"),
        ])
        XCTAssertEqual(one.status, 0, one.output)
        let folds =
            try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("f.json"))))
                    as? [String: Any])["folds"] as? [Any]
        XCTAssertEqual(folds?.count, 1)
        // The old spellings still work.
        let old = try CLIRunner.run([
            "data", "split", "--dataset", "synthetic:10", "--protocol", "index", "--output", path("i.json"),
        ])
        XCTAssertEqual(old.status, 0, old.output)
    }

    func testEvaluateWithDefaultsScoresTheTestPartThatTrainNeverSees() throws {
        try CLIRunner.requireCheckpoint()
        let run = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:5", "--method", "single", "--count", "1",
            "--json", path("e.json"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(run.status, 0, run.output)
        let report = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("e.json")))) as? [String: Any]
        )
        XCTAssertEqual(report["split"] as? String, "sorted-names fold 0 test")
        XCTAssertEqual((report["cases"] as? [String: Any])?.count, 1)  // 5 cases: 3 / 1 / 1
        let old = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:5", "--method", "single", "--count", "1",
            "--protocol", "sorted-names", "--split", "val", "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(old.status, 0, old.output)
    }
}
