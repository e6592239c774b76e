import Foundation
import XCTest

/// Issue 13's options as a user runs them: `--model` names and cards, `evaluate --conventions both`,
/// `--normalize`.
final class RealDataOptionsTests: CheckpointCommandTestCase {
    static let root = CLIRunner.repositoryRoot
    static let example = CLIRunner.bundledExample
    static let defaultModel = CLIRunner.bundledDefaultModel

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

    /// `--latent-temperature` (sample) and `--p2sam-latent-temperature` (evaluate) must be positive and finite;
    /// a bad value is refused before anything is written.
    func testLatentTemperatureOptionsRefuseBadValues() throws {
        for bad in ["0", "-1", "nan", "inf"] {
            let sample = try CLIRunner.run([
                "sample", "--image", Self.example.appendingPathComponent("image.png").path, "--output", path("out"),
                "--latent-temperature=\(bad)", "--count", "2", "--checkpoint", CLIRunner.checkpoint.path,
            ])
            XCTAssertNotEqual(sample.status, 0, bad)
            XCTAssertTrue(sample.output.contains("--latent-temperature"), sample.output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out/sample_000.png")))
            let evaluate = try CLIRunner.run([
                "evaluate", "--dataset", "synthetic:4:1", "--split", "all", "--method", "p2sam", "--count", "2",
                "--p2sam-latent-temperature=\(bad)", "--json", path("e.json"), "--checkpoint",
                CLIRunner.checkpoint.path,
            ])
            XCTAssertNotEqual(evaluate.status, 0, bad)
            XCTAssertTrue(evaluate.output.contains("--p2sam-latent-temperature"), evaluate.output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("e.json")))
        }
    }

    /// `sample --latent-temperature` reaches the sampler: τ = 1 reproduces the default, τ = 0.01 changes the samples.
    func testLatentTemperatureOptionReachesTheSampler() throws {
        func masks(_ extra: [String], into folder: String) throws -> [Data] {
            let outcome = try CLIRunner.run(
                [
                    "sample", "--image", Self.example.appendingPathComponent("image.png").path, "--output",
                    path(folder), "--model", "synthetic", "--count", "4", "--seed", "3",
                    "--checkpoint", CLIRunner.checkpoint.path,
                ] + extra)
            XCTAssertEqual(outcome.status, 0, outcome.output)
            return try (0..<4).map {
                try Data(contentsOf: URL(fileURLWithPath: path("\(folder)/sample_\(String(format: "%03d", $0)).png")))
            }
        }
        let plain = try masks([], into: "plain")
        // The bundled model has no `latent_temperature`: τ = 1 given explicitly is its default, bit for bit.
        XCTAssertEqual(try masks(["--latent-temperature", "1"], into: "one"), plain)
        let cooled = try masks(["--latent-temperature", "0.01"], into: "cooled")
        XCTAssertNotEqual(plain, cooled, "the option had no effect")
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

    /// `train --train-fraction`: trains on ⌈F·n⌉ of the training cases and records the thinned split and
    /// a dataset description without folders; values outside (0, 1] are refused by name.
    func testTrainFractionTrainsOnAShareAndRecordsIt() throws {
        let outcome = try CLIRunner.run([
            "train", "--stage", "1", "--dataset", "synthetic:12:1", "--epochs", "1", "--train-fraction", "0.5",
            "--output", path("half.safetensors"), "--cache-dir", path("cache"), "--checkpoint",
            CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        // sorted-names: 60 % of 12 cases train (7), of which ⌈0.5 · 7⌉ = 4.
        XCTAssertTrue(outcome.output.contains("on 4 cases, validating on"), outcome.output)
        let metadata = try TrainEvaluateCommandTests.safetensorsMetadata(path("half.safetensors"))
        XCTAssertEqual(metadata["split"], "sorted-names:sorted-names-train0.5")
        XCTAssertEqual(metadata["dataset"], "synthetic:12:1")
        for bad in ["0", "1.5", "nan"] {
            let refused = try CLIRunner.run([
                "train", "--stage", "1", "--dataset", "synthetic:12:1", "--train-fraction", bad,
                "--output", path("x.safetensors"), "--checkpoint", CLIRunner.checkpoint.path,
            ])
            XCTAssertNotEqual(refused.status, 0, bad)
            XCTAssertTrue(refused.output.contains("--train-fraction must be in (0, 1]"), refused.output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))
        }
    }

    /// `sample --dataset` and `embed --dataset` take `--normalize` as train and evaluate do (recorded in the
    /// run's settings); it belongs to the dataset form and excludes `--window`.
    func testNormalizeOnSampleAndEmbedDatasets() throws {
        let sampled = try CLIRunner.run([
            "sample", "--dataset", "synthetic:4:1", "--limit", "1", "--count", "2", "--normalize", "zscore",
            "--output", path("samples"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(sampled.status, 0, sampled.output)
        let manifest = try XCTUnwrap(
            JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: path("samples/manifest.json")))) as? [String: Any])
        let settings = try XCTUnwrap(manifest["settings"] as? [String: Any], "\(manifest.keys)")
        XCTAssertEqual(settings["normalize"] as? String, "zscore")
        let embedded = try CLIRunner.run([
            "embed", "--dataset", "synthetic:4:1", "--limit", "1", "--normalize", "minmax",
            "--cache-dir", path("cache"), "--output", path("embedded"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(embedded.status, 0, embedded.output)
        // `sample --image --normalize` is accepted since the twenty-second session (ModelIntensityCLITests).
        let refusals: [([String], String)] = [
            (
                [
                    "sample", "--image", Self.example.appendingPathComponent("image.png").path, "--normalize",
                    "zscores",
                    "--output", path("o"),
                ], "--normalize must be zscore, minmax or window:LO,HI"
            ),
            (
                [
                    "sample", "--dataset", "synthetic:4:1", "--normalize", "zscore", "--window", "lung",
                    "--output", path("o"),
                ], "give --window or --normalize, not both"
            ),
            (
                ["embed", "--dataset", "synthetic:4:1", "--normalize", "zscores", "--output", path("o")],
                "--normalize must be zscore, minmax or window:LO,HI"
            ),
        ]
        for (arguments, expected) in refusals {
            let outcome = try CLIRunner.run(arguments + ["--checkpoint", CLIRunner.checkpoint.path])
            XCTAssertNotEqual(outcome.status, 0, "\(arguments)")
            XCTAssertTrue(outcome.output.contains(expected), outcome.output)
        }
    }
}
