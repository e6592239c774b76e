import Foundation
import XCTest

/// Shared setup of the CLI tests that need the LiteMedSAM checkpoint and a scratch folder: skips when the
/// checkpoint is missing, gives each test a fresh temporary `directory` and removes it afterwards.
class CheckpointCommandTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        try CLIRunner.requireCheckpoint()
        directory = try CLIRunner.temporaryDirectory()
    }

    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    /// `name` inside the test's temporary folder.
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// `p2sam train` for one epoch on 6 synthetic cases (1 validation case), its embeddings cached in the test's
    /// folder, with `extra` options (stage, output, …).
    func trainOnSynthetic(_ extra: [String]) throws -> CLIRunner.Outcome {
        try CLIRunner.run(
            [
                "train", "--dataset", "synthetic:6:1", "--epochs", "1", "--quiet",
                "--cache-dir", path("cache"), "--checkpoint", CLIRunner.checkpoint.path,
            ] + extra)
    }

    /// Runs `trainOnSynthetic(arguments + ["--output", x])` for each (arguments, message) refusal and checks that
    /// it fails, names the problem (`message` in its output) and writes no model.
    func assertTrainingRefused(
        _ refusals: [([String], String)], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for (arguments, message) in refusals {
            let run = try trainOnSynthetic(arguments + ["--output", path("x.safetensors")])
            XCTAssertNotEqual(run.status, 0, "\(arguments)", file: file, line: line)
            XCTAssertTrue(run.output.contains(message), "\(arguments): \(run.output)", file: file, line: line)
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: path("x.safetensors")), "\(arguments)", file: file, line: line)
        }
    }
}
