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
}
