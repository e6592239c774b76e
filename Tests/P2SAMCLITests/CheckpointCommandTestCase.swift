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
}
