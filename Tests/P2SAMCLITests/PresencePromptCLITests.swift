import Foundation
import XCTest

/// `train --presence-only --presence-prompt proposal` as a user runs it (on the bundled LIDC model, which has a box
/// proposal, and synthetic cases).
final class PresencePromptCLITests: CheckpointCommandTestCase {
    /// The refit runs, says so, keeps the proposal and its presence settings in the metadata and records the refit in
    /// the notes.
    func testRefitOnTheProposal() throws {
        let run = try CLIRunner.run([
            "train", "--stage", "2", "--dataset", "synthetic:4:1", "--validation-split", "none", "--cache-dir",
            path("cache"), "--checkpoint", CLIRunner.checkpoint.path, "--quiet", "--init",
            BoxProposalCLITests.lidcModel.path, "--presence-only", "--presence-prompt", "proposal", "--epochs", "2",
            "--output", path("refit.safetensors"),
        ])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("presence head refitted on the model's own box proposal"), run.output)
        let metadata = try TrainEvaluateCommandTests.safetensorsMetadata(path("refit.safetensors"))
        XCTAssertEqual(metadata["box_proposal"], "decoder")
        XCTAssertEqual(metadata["presence"], "head")
        XCTAssertEqual(metadata["box_proposal_presence_draw"], "stratified")
        XCTAssertTrue(metadata["notes"]?.contains("refitted on the model's own box proposal") == true, "\(metadata)")
    }

    /// Proposal prompts outside `--presence-only`, and an unknown source, are refused by name and write nothing.
    func testBadUsesAreRefusedByName() throws {
        let outside = try CLIRunner.run([
            "train", "--stage", "2", "--dataset", "synthetic:4:1", "--init", BoxProposalCLITests.lidcModel.path,
            "--presence-prompt", "proposal", "--output", path("x.safetensors"), "--checkpoint",
            CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(outside.status, 0)
        XCTAssertTrue(outside.output.contains("--presence-prompt proposal applies to --presence-only"), outside.output)
        let unknown = try CLIRunner.run([
            "train", "--stage", "2", "--dataset", "synthetic:4:1", "--init", BoxProposalCLITests.lidcModel.path,
            "--presence-only", "--presence-prompt", "raters", "--output", path("x.safetensors"), "--checkpoint",
            CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("presence-prompt"), unknown.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
    }
}
