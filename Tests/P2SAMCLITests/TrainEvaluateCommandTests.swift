import Foundation
import XCTest

/// `p2sam train` (both stages) and `p2sam evaluate` on the project's synthetic data, as a user runs
/// them: files appear, the JSON has the contract's keys, and bad options are refused by name.
final class TrainEvaluateCommandTests: CheckpointCommandTestCase {
    func testTwoStagesThenEvaluateWritesModelsAndJSON() throws {
        // Stage 1 with its progress bars: the embedding pre-pass is named, not drawn as "epoch 0/0".
        let one = try CLIRunner.run(
            [
                "train", "--dataset", "synthetic:6:1", "--epochs", "1", "--cache-dir", path("cache"),
                "--checkpoint", CLIRunner.checkpoint.path, "--stage", "1", "--output", path("s1.safetensors"),
            ],
            environment: ["P2SAM_PROGRESS": "always"])
        XCTAssertEqual(one.status, 0, one.output)
        XCTAssertTrue(one.output.contains("embedding pre-pass"), one.output)
        XCTAssertTrue(one.output.contains("cases/s  ETA"), one.output)
        XCTAssertFalse(one.output.contains("epoch 0/0"), one.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("s1.safetensors")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("s1.safetensors.resume.safetensors")))
        XCTAssertTrue(one.output.contains("epoch 1/1"), one.output)

        // No --set-loss: stage 2 defaults to the energy set loss (the paper's loss collapses diversity).
        let two = try trainOnSynthetic([
            "--stage", "2", "--init", path("s1.safetensors"), "--samples", "2",
            "--pgn-widths", "16,32,64,128", "--output", path("s2.safetensors"),
        ])
        XCTAssertEqual(two.status, 0, two.output)
        let notes = try Self.safetensorsMetadata(path("s2.safetensors"))["notes"] ?? ""
        XCTAssertTrue(notes.contains("set loss energy K=2"), notes)

        let evaluated = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:6:1", "--split", "test", "--method", "p2sam",
            "--model", path("s2.safetensors"), "--count", "3", "--json", path("eval.json"),
            "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(evaluated.status, 0, evaluated.output)
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("eval.json"))))
                as? [String: Any])
        XCTAssertTrue((json["method"] as? String)?.hasPrefix("p2sam") ?? false, "\(json["method"] ?? "nil")")
        let mean = try XCTUnwrap(json["mean"] as? [String: Any])
        for key in ["ged", "hm_iou", "d_max", "d_mean", "sample_diversity", "n"] {
            XCTAssertNotNil(mean[key], "mean lacks \(key)")
        }
        XCTAssertEqual(mean["n"] as? Int, 3)
        let cases = try XCTUnwrap(json["cases"] as? [String: [String: Any]])
        XCTAssertFalse(cases.isEmpty)
        for (id, c) in cases {
            XCTAssertTrue((c["ged"] as? Double).map { $0.isFinite && $0 >= 0 } ?? false, "\(id): \(c)")
        }
    }

    /// The `__metadata__` of a safetensors file.
    static func safetensorsMetadata(_ path: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any]
        return header?["__metadata__"] as? [String: String] ?? [:]
    }

    func testStageTwoHelpNamesTheEnergyDefaultAndThePaperLossFlag() throws {
        let help = try CLIRunner.run(["train", "--help"]).output
        XCTAssertTrue(help.contains("energy (default"), help)
        XCTAssertTrue(help.contains("paper (the paper's loss"), help)
        let paper = try trainOnSynthetic([
            "--stage", "1", "--set-loss", "paper", "--output", path("x.safetensors"), "--epochs", "0",
        ])
        XCTAssertFalse(paper.output.contains("--set-loss must be"), paper.output)
    }

    func testBadTrainingOptionsAreRefusedByName() throws {
        let cases: [([String], String)] = [
            (["--stage", "3", "--output", path("x.safetensors")], "--stage"),
            (["--stage", "2", "--output", path("x.safetensors")], "--init"),
            (["--stage", "1", "--output", path("x.safetensors"), "--set-loss", "magic"], "--set-loss"),
            (["--stage", "1", "--output", path("x.safetensors"), "--select-by", "luck"], "--select-by"),
            (["--stage", "1", "--output", path("x.safetensors"), "--resume"], "resume"),
            (["--stage", "1", "--output", path("x.safetensors"), "--assembling", "vote"], "--assembling"),
        ]
        for (arguments, expected) in cases {
            let outcome = try trainOnSynthetic(arguments)
            XCTAssertNotEqual(outcome.status, 0, "\(arguments) was accepted")
            XCTAssertTrue(outcome.output.contains(expected), "\(arguments): \(outcome.output)")
            XCTAssertFalse(outcome.output.contains("Fatal error"), outcome.output)
        }
        let missing = try CLIRunner.run([
            "train", "--stage", "1", "--dataset", "npz:\(path("missing.npz"))", "--output", path("x.safetensors"),
            "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("missing.npz"), missing.output)
    }

    /// `train --max-cases` was spelled twice (the dataset's size cap and the training subset), so the subset was
    /// unreachable and `--max-cases 3` refused the data. The subset options now have their own names.
    func testTrainingSubsetAndDatasetCapAreSeparateOptions() throws {
        let capped = try trainOnSynthetic(["--stage", "1", "--max-cases", "3", "--output", path("x.safetensors")])
        XCTAssertNotEqual(capped.status, 0, capped.output)
        XCTAssertTrue(capped.output.contains("6 cases exceed the limit of 3"), capped.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))

        let subset = try CLIRunner.run([
            "train", "--dataset", "synthetic:6:1", "--epochs", "1", "--cache-dir", path("cache"),
            "--checkpoint", CLIRunner.checkpoint.path, "--stage", "1", "--output", path("s1.safetensors"),
            "--max-train-cases", "2", "--max-val-cases", "1",
        ])
        XCTAssertEqual(subset.status, 0, subset.output)
        XCTAssertTrue(subset.output.contains("on 2 cases, validating on 1"), subset.output)

        try assertTrainingRefused([
            (["--stage", "1", "--max-train-cases", "0"], "--max-train-cases must be at least 1"),
            (["--stage", "1", "--max-val-cases", "0"], "--max-val-cases must be at least 1"),
        ])
    }

    /// `--augment flips`: each training case is trained in 4 views, each with its own cached embedding; validation
    /// stays as it is; the model records the augmentation; an unknown augmentation is refused by name.
    func testAugmentedTrainingSeesEachCaseInFourViews() throws {
        let arguments = [
            "train", "--dataset", "synthetic:6:1", "--epochs", "1", "--cache-dir", path("cache"),
            "--checkpoint", CLIRunner.checkpoint.path, "--stage", "1", "--output", path("s1.safetensors"),
            "--max-train-cases", "2", "--max-val-cases", "1", "--augment", "flips",
        ]
        let first = try CLIRunner.run(arguments)
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("2 training cases seen in 4 views each, 8 training cases"), first.output)
        XCTAssertTrue(first.output.contains("on 8 cases, validating on 1"), first.output)
        XCTAssertTrue(first.output.contains("9 cases in"), first.output)
        XCTAssertTrue(first.output.contains("(0 cached, 9 computed)"), first.output)
        let metadata = try Self.safetensorsMetadata(path("s1.safetensors"))
        XCTAssertEqual(metadata["augmentation"], "flips")
        XCTAssertTrue(metadata["notes"]?.contains("training views: flips (4 per case)") ?? false, "\(metadata)")
        // The views' embeddings were cached under their own keys: a second run computes none.
        let again = try CLIRunner.run(arguments.map { $0 == path("s1.safetensors") ? path("s1b.safetensors") : $0 })
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(again.output.contains("(9 cached, 0 computed)"), again.output)
        // Without --augment nothing changes: no views, no metadata key.
        let plain = try trainOnSynthetic([
            "--stage", "1", "--max-train-cases", "2", "--max-val-cases", "1", "--output", path("plain.safetensors"),
        ])
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertTrue(plain.output.contains("on 2 cases, validating on 1"), plain.output)
        XCTAssertNil(try Self.safetensorsMetadata(path("plain.safetensors"))["augmentation"])
        try assertTrainingRefused([(["--stage", "1", "--augment", "mirror"], "--augment")])
    }

    /// A resumed run must train on the same data: another intensity mapping or augmentation is refused, naming
    /// both; the same settings with more epochs continue.
    func testResumeRefusesOtherDataSettings() throws {
        func train(_ extra: [String], epochs: Int, resume: Bool) throws -> CLIRunner.Outcome {
            try trainOnSynthetic(
                ["--stage", "1", "--max-train-cases", "2", "--max-val-cases", "1", "--output", path("r.safetensors")]
                    + extra + ["--epochs", String(epochs)] + (resume ? ["--resume"] : []))
        }
        let first = try train(["--window", "0,128", "--augment", "flips"], epochs: 1, resume: false)
        XCTAssertEqual(first.status, 0, first.output)
        let unwindowed = try train(["--augment", "flips"], epochs: 2, resume: true)
        XCTAssertNotEqual(unwindowed.status, 0, unwindowed.output)
        XCTAssertTrue(unwindowed.output.contains("the run's data differ from the saved run's"), unwindowed.output)
        XCTAssertTrue(unwindowed.output.contains("window=0,128; augmentation=flips"), unwindowed.output)
        let unaugmented = try train(["--window", "0,128"], epochs: 2, resume: true)
        XCTAssertNotEqual(unaugmented.status, 0, unaugmented.output)
        XCTAssertTrue(unaugmented.output.contains("now: dataset=synthetic:6:1"), unaugmented.output)
        let same = try train(["--window", "0,128", "--augment", "flips"], epochs: 2, resume: true)
        XCTAssertEqual(same.status, 0, same.output)
        XCTAssertEqual(try Self.safetensorsMetadata(path("r.safetensors"))["window"], "0,128")
    }

    func testEnergyWithOneSampleIsRefused() throws {
        let outcome = try trainOnSynthetic([
            "--stage", "2", "--init", path("none.safetensors"), "--set-loss", "energy", "--samples", "1",
            "--output", path("x.safetensors"),
        ])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("--samples >= 2"), outcome.output)
    }
}
