import Foundation
import XCTest

/// `evaluate --method p2sam --model A --model B` and `sample --model A --model B` as a user runs them: the samples are
/// pooled from both models (the report names both), a single `--model` reports as before, and mixtures that cannot
/// work are refused by name before a report is written.
final class ModelMixtureCLITests: CheckpointCommandTestCase {
    func evaluate(_ extra: [String], json name: String) throws -> CLIRunner.Outcome {
        try CLIRunner.run(
            [
                "evaluate", "--dataset", "synthetic:3:1", "--split", "all", "--count", "4", "--json", path(name),
                "--checkpoint", CLIRunner.checkpoint.path,
            ] + extra)
    }

    func report(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testTwoModelsArePooledAndNamedInTheReport() throws {
        let single = try evaluate(["--method", "p2sam", "--model", "synthetic"], json: "single.json")
        XCTAssertEqual(single.status, 0, single.output)
        XCTAssertFalse(single.output.contains("mixture"), single.output)
        let pooled = try evaluate(
            ["--method", "p2sam", "--model", "synthetic", "--model", "lidc"], json: "pooled.json")
        XCTAssertEqual(pooled.status, 0, pooled.output)
        // The bundled LIDC model is itself a mixture of three files: four components in all.
        XCTAssertTrue(pooled.output.contains("mixture of 4 models"), pooled.output)
        XCTAssertTrue(pooled.output.contains("model: lidc, a mixture of 3 trainings"), pooled.output)
        let one = try report("single.json")
        let two = try report("pooled.json")
        let settings = try XCTUnwrap(two["settings"] as? [String: Any])
        XCTAssertEqual(settings["model"] as? String, "synthetic,lidc")
        XCTAssertEqual((one["settings"] as? [String: Any])?["model"] as? String, "synthetic")
        XCTAssertTrue("\(two["method"] ?? "")".contains("synthetic + lidc"), "\(two["method"] ?? "")")
        // Three quarters of each case's samples come from the LIDC model, so the scores move.
        XCTAssertNotEqual(
            "\(one["cases"] ?? "")", "\(two["cases"] ?? "")", "the second model had no effect on the samples")
    }

    func testMixturesThatCannotWorkAreRefused() throws {
        let notP2SAM = try evaluate(["--method", "single", "--model", "a", "--model", "b"], json: "a.json")
        XCTAssertNotEqual(notP2SAM.status, 0)
        XCTAssertTrue(notP2SAM.output.contains("only --method p2sam pools several models"), notP2SAM.output)
        let many = try evaluate(
            ["--method", "p2sam"] + Array(repeating: ["--model", "synthetic"], count: 17).flatMap { $0 }, json: "b.json"
        )
        XCTAssertNotEqual(many.status, 0)
        XCTAssertTrue(many.output.contains("at most 16 models"), many.output)
        // The BU-BIL models jitter a given box by 0.1, the synthetic one not at all: the run must say which applies.
        let jitters = try evaluate(
            ["--method", "p2sam", "--p2sam-box", "--model", "bubil", "--model", "synthetic"], json: "c.json")
        XCTAssertNotEqual(jitters.status, 0)
        XCTAssertTrue(
            jitters.output.contains("the models store different box jitters (0.1, 0.1, 0.1, 0.0)"), jitters.output)
        for name in ["a.json", "b.json", "c.json"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: path(name)), name)
        }
        let chosen = try evaluate(
            [
                "--method", "p2sam", "--p2sam-box", "--model", "bubil", "--model", "synthetic", "--p2sam-box-jitter",
                "0",
            ],
            json: "d.json")
        XCTAssertEqual(chosen.status, 0, chosen.output)
    }

    func sampleFiles(_ folder: String, count: Int) throws -> [Data] {
        try (0..<count).map {
            try Data(contentsOf: URL(fileURLWithPath: path("\(folder)/sample_\(String(format: "%03d", $0)).png")))
        }
    }

    /// Of 4 samples, the first model draws 2 with the run's seed (the masks a run of that model alone with
    /// `--count 2` writes) and the second model the other 2; the JSON report names both models.
    func testSampleWritesEachModelsShareAndNamesBothModels() throws {
        let image = CLIRunner.bundledExample.appendingPathComponent("image.png").path
        let common = ["sample", "--image", image, "--seed", "4", "--checkpoint", CLIRunner.checkpoint.path]
        let alone = try CLIRunner.run(common + ["--model", "synthetic", "--count", "2", "--output", path("alone")])
        XCTAssertEqual(alone.status, 0, alone.output)
        let pooled = try CLIRunner.run(
            common + [
                "--model", "synthetic", "--model", CLIRunner.bundledBUBILFile.path, "--count", "4", "--output",
                path("pooled"), "--json",
                path("pooled.json"),
            ])
        XCTAssertEqual(pooled.status, 0, pooled.output)
        XCTAssertTrue(pooled.output.contains("mixture of 2 models: samples 2/2"), pooled.output)
        XCTAssertTrue(pooled.output.contains("model 1: synthetic"), pooled.output)
        XCTAssertTrue(pooled.output.contains("model 2: \(CLIRunner.bundledBUBILFile.path)"), pooled.output)
        let mixed = try sampleFiles("pooled", count: 4)
        XCTAssertTrue(Array(mixed[0..<2]) == (try sampleFiles("alone", count: 2)), "model 1's share is not its own run")
        let report = try self.report("pooled.json")
        let models = try XCTUnwrap(report["models"] as? [String: Any])
        XCTAssertNotNil(models["p2sam"])
        XCTAssertNotNil(models["p2sam_2"])
        let settings = try XCTUnwrap(report["settings"] as? [String: Any])
        XCTAssertEqual((settings["model"] as? String)?.components(separatedBy: ",").count, 2)

        let many = try CLIRunner.run(
            common + ["--output", path("many")] + Array(repeating: ["--model", "synthetic"], count: 17).flatMap { $0 })
        XCTAssertNotEqual(many.status, 0)
        XCTAssertTrue(many.output.contains("at most 16 models"), many.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("many/sample_000.png")))
    }

    func testSampleDatasetFormPoolsTheModels() throws {
        let outcome = try CLIRunner.run([
            "sample", "--dataset", "synthetic:2:1", "--model", "synthetic", "--model", "synthetic", "--count", "3",
            "--output", path("set"), "--json", path("set.json"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let report = try self.report("set.json")
        XCTAssertTrue("\(report)".contains("synthetic + synthetic"), "\(report)")
    }

    /// `--model lidc` is the bundled mixture of three files: the same samples, byte for byte, as naming the three
    /// files, each file named and checked against the shared card, and all three in the JSON report.
    func testTheBundledLIDCMixtureSamplesAsItsThreeFiles() throws {
        let image = CLIRunner.bundledExample.appendingPathComponent("image.png").path
        let common = [
            "sample", "--image", image, "--seed", "5", "--count", "3", "--checkpoint", CLIRunner.checkpoint.path,
        ]
        let named = try CLIRunner.run(
            common + ["--model", "lidc", "--output", path("named"), "--json", path("n.json")])
        XCTAssertEqual(named.status, 0, named.output)
        XCTAssertTrue(named.output.contains("mixture of 3 models: samples 1/1/1"), named.output)
        for k in 1...3 {
            XCTAssertTrue(
                named.output.contains("model \(k): lidc \(k) of 3 (")
                    && named.output.contains("lidc-\(k).safetensors; card lidc.md, sha256 checked"),
                named.output)
        }
        let files = (1...3).flatMap {
            ["--model", CLIRunner.repositoryRoot.appendingPathComponent("Models/p2sam/lidc-\($0).safetensors").path]
        }
        let listed = try CLIRunner.run(common + files + ["--output", path("listed")])
        XCTAssertEqual(listed.status, 0, listed.output)
        XCTAssertTrue(try sampleFiles("named", count: 3) == (try sampleFiles("listed", count: 3)))
        let report = try self.report("n.json")
        let models = try XCTUnwrap(report["models"] as? [String: Any])
        XCTAssertEqual(Set(models.keys.filter { $0.hasPrefix("p2sam") }), ["p2sam", "p2sam_2", "p2sam_3"])
        let settings = try XCTUnwrap(report["settings"] as? [String: Any])
        XCTAssertEqual((settings["model"] as? String)?.components(separatedBy: ",").count, 3)
    }
}
