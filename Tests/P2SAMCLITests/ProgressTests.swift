import Foundation
import XCTest

/// Commands that can run long draw a progress bar with rate and ETA on stderr
/// (`P2SAM_PROGRESS=always` draws it from the start, as for a long run).
final class ProgressTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testDataInfoOnAFolderShowsItsProgress() throws {
        for c in 0..<3 {
            for k in 0..<2 {
                try TestPictures.writeMask(directory.appendingPathComponent("case\(c)/rater\(k).png")) { x, _ in
                    x < 5 + k + c
                }
            }
        }
        let outcome = try CLIRunner.run(
            ["data", "info", "--dataset", "folder:" + directory.path], environment: ["P2SAM_PROGRESS": "always"])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("reading cases"), outcome.output)
        XCTAssertTrue(outcome.output.contains("3/3  "), outcome.output)
        XCTAssertTrue(outcome.output.contains("cases/s  ETA 00:00"), outcome.output)
        let quiet = try CLIRunner.run(
            ["data", "info", "--dataset", "folder:" + directory.path], environment: ["P2SAM_PROGRESS": "never"])
        XCTAssertFalse(quiet.output.contains("reading cases"), quiet.output)
    }

    func testSampleShowsItsProgress() throws {
        try CLIRunner.requireCheckpoint()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let model = root.appendingPathComponent("Models/p2sam/default.safetensors")
        guard FileManager.default.fileExists(atPath: model.path) else { throw XCTSkip("no bundled default model") }
        let outcome = try CLIRunner.run(
            [
                "sample", "--image", root.appendingPathComponent("Examples/data/synthetic-0000/image.png").path,
                "--count", "4", "--output", directory.appendingPathComponent("s").path,
            ],
            environment: ["P2SAM_PROGRESS": "always"])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("sampling"), outcome.output)
        XCTAssertTrue(outcome.output.contains("4/4  ") && outcome.output.contains("samples/s  ETA"), outcome.output)
    }

    func testQuietTrainingDrawsNoReadingBar() throws {
        try CLIRunner.requireCheckpoint()
        for c in 0..<3 {
            let folder = directory.appendingPathComponent("data/case\(c)")
            try TestPictures.writeGradient(folder.appendingPathComponent("image.png"), width: 32, height: 32)
            for k in 0..<2 {
                try TestPictures.writeMask(folder.appendingPathComponent("rater\(k).png"), width: 32, height: 32) {
                    x, y in x > 8 && x < 20 + c && y > 8 && y < 20 + k
                }
            }
        }
        func train(_ model: String, _ extra: [String]) throws -> CLIRunner.Outcome {
            try CLIRunner.run(
                [
                    "train", "--stage", "1", "--dataset", "folder:" + directory.appendingPathComponent("data").path,
                    "--epochs", "1", "--checkpoint", CLIRunner.checkpoint.path, "--cache-dir",
                    directory.appendingPathComponent("cache").path, "--output",
                    directory.appendingPathComponent(model).path,
                ] + extra, environment: ["P2SAM_PROGRESS": "always"])
        }
        let shown = try train("shown.safetensors", [])
        XCTAssertEqual(shown.status, 0, shown.output)
        XCTAssertTrue(shown.output.contains("reading cases"), shown.output)
        let quiet = try train("quiet.safetensors", ["--quiet"])
        XCTAssertEqual(quiet.status, 0, quiet.output)
        XCTAssertFalse(quiet.output.contains("reading cases"), quiet.output)
        XCTAssertFalse(quiet.output.contains("embedding pre-pass"), quiet.output)
        XCTAssertTrue(quiet.output.contains("epoch 1/1"), quiet.output)
    }
}
