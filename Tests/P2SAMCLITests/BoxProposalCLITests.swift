import Foundation
import XCTest

/// `train --box-proposal-only` / `--presence-evidence-only`, `sample --box-proposal` and
/// `evaluate --p2sam-box-proposal` as a user runs them (on the bundled LIDC model and synthetic cases).
final class BoxProposalCLITests: CheckpointCommandTestCase {
    static let lidcModel = CLIRunner.repositoryRoot.appendingPathComponent("Models/p2sam/lidc-1.safetensors")

    /// Runs `arguments` with `--output x.safetensors`: the run fails, its output contains `message`, and no file is
    /// written.
    func assertRefusedWritingNothing(_ arguments: [String], naming message: String) throws {
        let run = try CLIRunner.run(arguments + ["--output", path("x.safetensors")])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains(message), run.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
    }

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
            try assertRefusedWritingNothing(common + arguments, naming: message)
        }
    }

    /// `--box-proposal-region largest` fits the proposal around the largest region of the model's own mask, stores
    /// it (`box_proposal_region`) and names it in the notes; a model fitted without it stores nothing; the option
    /// needs `--box-proposal-only`, and an unknown region is refused by name; neither writes a file.
    func testRegionIsStoredAndCheckedByName() throws {
        let common = [
            "train", "--stage", "2", "--dataset", "synthetic:5:1", "--validation-split", "none", "--cache-dir",
            path("cache"), "--checkpoint", CLIRunner.checkpoint.path, "--quiet", "--init", Self.lidcModel.path,
        ]
        let largest = try CLIRunner.run(
            common + ["--box-proposal-only", "--box-proposal-region", "largest", "--output", path("l.safetensors")])
        XCTAssertEqual(largest.status, 0, largest.output)
        let metadata = try TrainEvaluateCommandTests.safetensorsMetadata(path("l.safetensors"))
        XCTAssertEqual(metadata["box_proposal_region"], "largest")
        XCTAssertTrue(metadata["notes"]?.contains("raw box of the largest region") == true)
        let all = try CLIRunner.run(common + ["--box-proposal-only", "--output", path("a.safetensors")])
        XCTAssertEqual(all.status, 0, all.output)
        XCTAssertNil(try TrainEvaluateCommandTests.safetensorsMetadata(path("a.safetensors"))["box_proposal_region"])
        // The written model samples without a box (its region read back).
        let sampled = try CLIRunner.run([
            "sample", "--model", path("l.safetensors"), "--image",
            CLIRunner.bundledExample.appendingPathComponent("image.png").path, "--count", "2",
            "--output", path("samples"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(sampled.status, 0, sampled.output)
        for (arguments, message) in [
            (
                ["--presence-only", "--box-proposal-region", "largest"],
                "--box-proposal-region needs --box-proposal-only"
            ),
            (["--box-proposal-only", "--box-proposal-region", "biggest"], "box-proposal-region"),
        ] {
            try assertRefusedWritingNothing(common + arguments, naming: message)
        }
    }

    /// A model whose own mask is empty on every case (here: the bundled LIDC file with its assembling weights set to
    /// 0, so no fused logit is positive) proposes no box: the fit is refused with a message that says why, and
    /// nothing is written.
    func testAModelThatSegmentsNothingIsRefusedWithTheReason() throws {
        var data = try Data(contentsOf: Self.lidcModel)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let header = try XCTUnwrap(
            JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let entry = try XCTUnwrap(header["p2sam.assembling_weights"] as? [String: Any])
        let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
        let start = 8 + headerLength + offsets[0]
        data.replaceSubrange(start..<(8 + headerLength + offsets[1]), with: Data(count: offsets[1] - offsets[0]))
        let silent = URL(fileURLWithPath: path("silent.safetensors"))
        try data.write(to: silent)
        let run = try CLIRunner.run([
            "train", "--stage", "2", "--dataset", "synthetic:5:1", "--validation-split", "none", "--cache-dir",
            path("cache"), "--checkpoint", CLIRunner.checkpoint.path, "--quiet", "--init", silent.path,
            "--box-proposal-only", "--output", path("x.safetensors"),
        ])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.output.contains("the model's own mask (default prompt, z = μ) is empty on all"), run.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
    }

    /// `--box-proposal-cases validation` fits on the cases of `--validation-split` (here the test part), says so in
    /// the output and the notes, and gives another fit than the training cases; it needs `--box-proposal-only` and a
    /// split to fit on, and otherwise is refused by name and writes nothing.
    func testProposalFitsOnTheValidationSplitsCases() throws {
        let common = [
            "train", "--stage", "2", "--dataset", "synthetic:12:1", "--cache-dir", path("cache"), "--checkpoint",
            CLIRunner.checkpoint.path, "--quiet", "--init", Self.lidcModel.path,
        ]
        func fittedOffsetAndSpread(_ notes: String?) throws -> String {
            let text = try XCTUnwrap(notes)
            let start = try XCTUnwrap(text.range(of: "offset "), text)
            return String(text[start.lowerBound...])
        }
        let training = try CLIRunner.run(
            common + ["--validation-split", "test", "--box-proposal-only", "--output", path("t.safetensors")])
        XCTAssertEqual(training.status, 0, training.output)
        let held = try CLIRunner.run(
            common + [
                "--validation-split", "test", "--box-proposal-only", "--box-proposal-cases", "validation", "--output",
                path("v.safetensors"),
            ])
        XCTAssertEqual(held.status, 0, held.output)
        let line = try XCTUnwrap(
            held.output.split(separator: "\n").first { $0.hasPrefix("box proposal:") }, held.output)
        XCTAssertTrue(line.contains(" test cases"), String(line))
        XCTAssertTrue(training.output.contains(" training cases"), training.output)
        let heldNotes = try TrainEvaluateCommandTests.safetensorsMetadata(path("v.safetensors"))["notes"]
        let trainingNotes = try TrainEvaluateCommandTests.safetensorsMetadata(path("t.safetensors"))["notes"]
        XCTAssertTrue(heldNotes?.contains(" test cases of ") == true, heldNotes ?? "")
        XCTAssertTrue(trainingNotes?.contains(" training cases of ") == true, trainingNotes ?? "")
        XCTAssertNotEqual(try fittedOffsetAndSpread(heldNotes), try fittedOffsetAndSpread(trainingNotes))
        for (arguments, message) in [
            (
                ["--validation-split", "none", "--box-proposal-only", "--box-proposal-cases", "validation"],
                "--box-proposal-cases validation fits on the cases of --validation-split"
            ),
            (
                ["--presence-only", "--box-proposal-cases", "validation"],
                "--box-proposal-cases needs --box-proposal-only"
            ),
            (["--box-proposal-only", "--box-proposal-cases", "test"], "box-proposal-cases"),
        ] {
            try assertRefusedWritingNothing(common + arguments, naming: message)
        }
    }

    /// `evaluate --method p2sam --model bubil` without a box says that the model's stored largest-component default
    /// applies; `--p2sam-largest-component off|on` is recorded in the report's method and settings, and a run without
    /// it records neither (reports as before).
    func testEvaluateNamesTheLargestComponentSetting() throws {
        func run(_ extra: [String], _ name: String) throws -> (output: String, report: [String: Any]) {
            let outcome = try CLIRunner.run(
                [
                    "evaluate", "--dataset", "synthetic:3:1", "--split", "all", "--method", "p2sam", "--model", "bubil",
                    "--count", "2", "--json", path(name), "--checkpoint", CLIRunner.checkpoint.path,
                ] + extra)
            XCTAssertEqual(outcome.status, 0, outcome.output)
            let report = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(name))))
                    as? [String: Any])
            return (outcome.output, report)
        }
        let byModel = try run([], "model.json")
        XCTAssertTrue(
            byModel.output.contains("keep their largest connected region (the model's default"), byModel.output)
        let settings = try XCTUnwrap(byModel.report["settings"] as? [String: Any])
        XCTAssertNil(settings["p2sam_largest_component"])
        XCTAssertFalse((byModel.report["method"] as? String ?? "").contains("largest component"))
        let off = try run(["--p2sam-largest-component", "off"], "off.json")
        XCTAssertFalse(off.output.contains("keep their largest connected region"), off.output)
        XCTAssertEqual((off.report["settings"] as? [String: Any])?["p2sam_largest_component"] as? String, "off")
        XCTAssertTrue((off.report["method"] as? String ?? "").contains("largest component off"), "\(off.report)")
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
        let component = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:4:1", "--method", "p2sam", "--p2sam-largest-component", "maybe",
        ])
        XCTAssertNotEqual(component.status, 0)
        XCTAssertTrue(component.output.contains("p2sam-largest-component"), component.output)
    }
}
