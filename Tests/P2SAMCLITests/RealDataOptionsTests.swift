import Foundation
import XCTest

/// Issue 13's options as a user runs them: `--model` names and cards, `evaluate --conventions both`,
/// `--normalize`.
final class RealDataOptionsTests: XCTestCase {
    var directory: URL!
    static let root = CLIRunner.repositoryRoot
    static let example = CLIRunner.bundledExample
    static let defaultModel = CLIRunner.bundledDefaultModel

    override func setUpWithError() throws {
        try CLIRunner.requireCheckpoint()
        directory = try CLIRunner.temporaryDirectory()
    }

    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A model whose card states another sha256 is refused before anything is written.
    func testCardMismatchIsRefusedByName() throws {
        let model = directory.appendingPathComponent("mine.safetensors")
        try FileManager.default.createSymbolicLink(at: model, withDestinationURL: Self.defaultModel)
        try "| sha256 | `\(String(repeating: "1", count: 64))` |\n".write(
            toFile: path("mine.md"), atomically: true, encoding: .utf8)
        let outcome = try CLIRunner.run([
            "sample", "--image", Self.example.appendingPathComponent("image.png").path, "--output", path("out"),
            "--model", model.path, "--count", "2", "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("model card mismatch"), outcome.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out/sample_000.png")))
    }

    /// `--model synthetic` names the bundled default, and the output says which model ran on what data.
    func testNamedModelIsReportedWithItsTrainingData() throws {
        let outcome = try CLIRunner.run([
            "sample", "--image", Self.example.appendingPathComponent("image.png").path, "--output", path("out"),
            "--model", "synthetic", "--count", "2", "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("model: synthetic"), outcome.output)
        XCTAssertTrue(outcome.output.contains("trained on the project's synthetic blobs"), outcome.output)
        XCTAssertTrue(outcome.output.contains("sha256 checked"), outcome.output)
    }

    func testConventionsBothWritesBothConventionsKeys() throws {
        let outcome = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:4:1", "--split", "all", "--method", "single", "--count", "2",
            "--limit", "1", "--conventions", "both", "--normalize", "zscore", "--json", path("e.json"),
            "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("both conventions: HM-IoU standard"), outcome.output)
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("e.json"))))
                as? [String: Any])
        let mean = try XCTUnwrap(json["mean"] as? [String: Any])
        for key in [
            "hm_iou_standard", "hm_iou_p2sam", "d_max_per_rater", "d_max_global", "empty_sample_fraction",
            "empty_rater_fraction",
        ] {
            XCTAssertNotNil(mean[key], "mean lacks \(key)")
        }
        let settings = try XCTUnwrap(json["settings"] as? [String: Any])
        XCTAssertEqual(settings["conventions"] as? String, "both")
        XCTAssertEqual(settings["normalize"] as? String, "zscore")
    }

    func testBadNormalizeAndConventionsAreRefusedByName() throws {
        let bad = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:4:1", "--method", "single", "--normalize", "zscores",
        ])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.output.contains("--normalize must be zscore, minmax or window:LO,HI"), bad.output)
        let both = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:4:1", "--method", "single", "--conventions", "all",
        ])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.output.contains("--conventions must be selected or both"), both.output)
        let presence = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:4:1", "--method", "p2sam", "--p2sam-presence", "maybe",
        ])
        XCTAssertNotEqual(presence.status, 0)
        XCTAssertTrue(presence.output.contains("--p2sam-presence must be on or off"), presence.output)
    }
}
