import Foundation
import XCTest

/// `train --box-proposal-only` / `--presence-evidence-only`, `sample --box-proposal` and
/// `evaluate --p2sam-box-proposal` as a user runs them (on the bundled LIDC model and synthetic cases).
final class BoxProposalCLITests: CheckpointCommandTestCase {
    static let lidcModel = CLIRunner.repositoryRoot.appendingPathComponent("Models/p2sam/lidc.safetensors")

    /// Fits the proposal, then the evidence on top, and samples with the result: the metadata records both and
    /// the sample report records the mode.
    func testFitProposalAndEvidenceThenSample() throws {
        let common = [
            "--stage", "2", "--dataset", "synthetic:5:1", "--validation-split", "none", "--cache-dir", path("cache"),
            "--checkpoint", CLIRunner.checkpoint.path, "--quiet",
        ]
        let proposal = try CLIRunner.run(
            ["train"] + common + [
                "--init", Self.lidcModel.path, "--box-proposal-only", "--output", path("proposal.safetensors"),
            ])
        XCTAssertEqual(proposal.status, 0, proposal.output)
        XCTAssertTrue(proposal.output.contains("box proposal:"), proposal.output)
        var metadata = try TrainEvaluateCommandTests.safetensorsMetadata(path("proposal.safetensors"))
        XCTAssertEqual(metadata["box_proposal"], "decoder")
        XCTAssertTrue(metadata["notes"]?.contains("box proposal fitted on") == true)
        XCTAssertNil(metadata["box_proposal_refinement"], "a fit without --box-proposal-refinement stores none")
        let evidence = try CLIRunner.run(
            ["train"] + common + [
                "--init", path("proposal.safetensors"), "--presence-evidence-only", "--output",
                path("evidence.safetensors"),
            ])
        XCTAssertEqual(evidence.status, 0, evidence.output)
        XCTAssertTrue(evidence.output.contains("presence evidence:"), evidence.output)
        metadata = try TrainEvaluateCommandTests.safetensorsMetadata(path("evidence.safetensors"))
        XCTAssertEqual(metadata["box_proposal"], "decoder")
        XCTAssertEqual(metadata["presence_evidence"], "mask-statistics")
        let sampled = try CLIRunner.run([
            "sample", "--image", CLIRunner.bundledExample.appendingPathComponent("image.png").path, "--output",
            path("out"), "--model", path("evidence.safetensors"), "--count", "2", "--box-proposal", "sampled",
            "--json", path("s.json"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(sampled.status, 0, sampled.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/sample_001.png")))
        XCTAssertTrue(sampled.output.contains("box proposal"), sampled.output)
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("s.json"))))
                as? [String: Any])
        let settings = try XCTUnwrap(json["settings"] as? [String: Any])
        XCTAssertEqual(settings["box_proposal"] as? String, "sampled")
    }

    /// `--box-proposal-refinement K` stores K in the model (`box_proposal_refinement`) and names it in the notes;
    /// without it nothing is stored (`testFitProposalAndEvidenceThenSample`); out-of-range K or K without `--box-proposal-only` is refused and writes nothing.
    func testRefinementIsStoredAndCheckedByName() throws {
        let common = [
            "train", "--stage", "2", "--dataset", "synthetic:5:1", "--validation-split", "none", "--cache-dir",
            path("cache"), "--checkpoint", CLIRunner.checkpoint.path, "--quiet", "--init", Self.lidcModel.path,
        ]
        let refined = try CLIRunner.run(
            common + ["--box-proposal-only", "--box-proposal-refinement", "2", "--output", path("r.safetensors")])
        XCTAssertEqual(refined.status, 0, refined.output)
        let metadata = try TrainEvaluateCommandTests.safetensorsMetadata(path("r.safetensors"))
        XCTAssertEqual(metadata["box_proposal_refinement"], "2")
        XCTAssertTrue(metadata["notes"]?.contains("refined by up to 2 passes") == true)
        for (arguments, message) in [
            (["--box-proposal-only", "--box-proposal-refinement", "11"], "--box-proposal-refinement must be"),
            (["--box-proposal-only", "--box-proposal-refinement=-1"], "--box-proposal-refinement must be"),
            (
                ["--presence-only", "--box-proposal-refinement", "1"],
                "--box-proposal-refinement needs --box-proposal-only"
            ),
        ] {
            let run = try CLIRunner.run(common + arguments + ["--output", path("x.safetensors")])
            XCTAssertNotEqual(run.status, 0)
            XCTAssertTrue(run.output.contains(message), run.output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
        }
    }

    /// Wrong uses are refused by name and write nothing.
    func testBadUsesAreRefusedByName() throws {
        let stageOne = try CLIRunner.run([
            "train", "--stage", "1", "--dataset", "synthetic:4:1", "--box-proposal-only", "--output",
            path("x.safetensors"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(stageOne.status, 0)
        XCTAssertTrue(stageOne.output.contains("--box-proposal-only needs --stage 2"), stageOne.output)
        let both = try CLIRunner.run([
            "train", "--stage", "2", "--dataset", "synthetic:4:1", "--init", Self.lidcModel.path,
            "--box-proposal-only", "--presence-only", "--output", path("x.safetensors"), "--checkpoint",
            CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.output.contains("exclude each other"), both.output)
        // The synthetic default model has no presence head.
        let noHead = try CLIRunner.run([
            "train", "--stage", "2", "--dataset", "synthetic:4:1", "--init", CLIRunner.bundledDefaultModel.path,
            "--presence-evidence-only", "--validation-split", "none", "--output", path("x.safetensors"),
            "--cache-dir", path("cache"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(noHead.status, 0)
        XCTAssertTrue(noHead.output.contains("needs a stage-2 model with a presence head"), noHead.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
        let mode = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:4:1", "--method", "p2sam", "--p2sam-box-proposal", "maybe",
        ])
        XCTAssertNotEqual(mode.status, 0)
        XCTAssertTrue(mode.output.contains("p2sam-box-proposal"), mode.output)
    }
}
