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
}
