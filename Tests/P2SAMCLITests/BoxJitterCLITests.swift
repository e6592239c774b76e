import Foundation
import XCTest

/// `sample --box-jitter F` and `evaluate --p2sam-box-jitter F` as a user runs them: F = 0 writes the masks of a run
/// without the option, F > 0 other masks, the same for the same seed; bad F, or F without a box, is refused by name
/// before anything is written.
final class BoxJitterCLITests: CheckpointCommandTestCase {
    static let example = CLIRunner.bundledExample

    func masks(_ extra: [String], into folder: String) throws -> [Data] {
        let outcome = try CLIRunner.run(
            [
                "sample", "--image", Self.example.appendingPathComponent("image.png").path, "--output", path(folder),
                "--model", "synthetic", "--count", "4", "--seed", "3", "--box", "30,30,100,100",
                "--checkpoint", CLIRunner.checkpoint.path,
            ] + extra)
        XCTAssertEqual(outcome.status, 0, outcome.output)
        return try (0..<4).map {
            try Data(contentsOf: URL(fileURLWithPath: path("\(folder)/sample_\(String(format: "%03d", $0)).png")))
        }
    }

    func testSampleBoxJitterZeroIsTheDefaultAndPositiveIsReproducible() throws {
        let plain = try masks([], into: "plain")
        XCTAssertEqual(try masks(["--box-jitter", "0"], into: "zero"), plain)
        let jittered = try masks(["--box-jitter", "0.1"], into: "a")
        XCTAssertEqual(try masks(["--box-jitter", "0.1"], into: "b"), jittered)
        XCTAssertNotEqual(jittered, plain, "the option had no effect")
    }

    func testBadFractionsAndMissingBoxesAreRefused() throws {
        let image = Self.example.appendingPathComponent("image.png").path
        let checkpoint = ["--checkpoint", CLIRunner.checkpoint.path]
        for bad in ["-0.1", "0.5", "nan", "inf"] {
            let sample = try CLIRunner.run(
                ["sample", "--image", image, "--output", path("out"), "--box", "30,30,100,100", "--box-jitter=\(bad)"]
                    + checkpoint)
            XCTAssertNotEqual(sample.status, 0, bad)
            XCTAssertTrue(sample.output.contains("--box-jitter: box jitter fraction"), sample.output)
            let evaluate = try CLIRunner.run(
                [
                    "evaluate", "--dataset", "synthetic:4:1", "--split", "all", "--method", "p2sam", "--p2sam-box",
                    "--count", "2", "--p2sam-box-jitter=\(bad)", "--json", path("e.json"),
                ] + checkpoint)
            XCTAssertNotEqual(evaluate.status, 0, bad)
            XCTAssertTrue(evaluate.output.contains("--p2sam-box-jitter: box jitter fraction"), evaluate.output)
        }
        let noBox = try CLIRunner.run(
            ["sample", "--image", image, "--output", path("out"), "--box-jitter", "0.1"] + checkpoint)
        XCTAssertNotEqual(noBox.status, 0)
        XCTAssertTrue(noBox.output.contains("--box-jitter needs --box"), noBox.output)
        for method in [["--method", "p2sam"], ["--method", "box-jitter"]] {
            let evaluate = try CLIRunner.run(
                [
                    "evaluate", "--dataset", "synthetic:4:1", "--split", "all", "--count", "2", "--p2sam-box-jitter",
                    "0.1",
                ]
                    + method + ["--json", path("e.json")] + checkpoint)
            XCTAssertNotEqual(evaluate.status, 0, "\(method)")
            XCTAssertTrue(
                evaluate.output.contains("--p2sam-box-jitter needs --method p2sam --p2sam-box"), evaluate.output)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out/sample_000.png")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("e.json")))
    }

    /// `evaluate --p2sam-box-jitter 0` writes the report of a run without the option (settings included).
    func testEvaluateBoxJitterZeroReportsAsBefore() throws {
        func report(_ extra: [String], _ name: String) throws -> [String: Any] {
            let outcome = try CLIRunner.run(
                [
                    "evaluate", "--dataset", "synthetic:4:1", "--split", "all", "--method", "p2sam", "--p2sam-box",
                    "--model", "synthetic", "--count", "3", "--json", path(name), "--checkpoint",
                    CLIRunner.checkpoint.path,
                ] + extra)
            XCTAssertEqual(outcome.status, 0, outcome.output)
            let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let plain = try report([], "plain.json")
        let zero = try report(["--p2sam-box-jitter", "0"], "zero.json")
        XCTAssertEqual(plain["mean"] as? NSDictionary, zero["mean"] as? NSDictionary)
        XCTAssertEqual(plain["settings"] as? NSDictionary, zero["settings"] as? NSDictionary)
        let jittered = try report(["--p2sam-box-jitter", "0.1"], "jittered.json")
        XCTAssertEqual((jittered["settings"] as? [String: Any])?["p2sam_box_jitter"] as? String, "0.1")
        XCTAssertNotEqual(plain["mean"] as? NSDictionary, jittered["mean"] as? NSDictionary)

        // A model that stores box_jitter 0.1 applies it without the option, and the report says so as if it were given;
        // --p2sam-box-jitter 0 turns it off.
        let stored = path("stored.safetensors")
        let set = try CLIRunner.run([
            "set-temperature", "--model", CLIRunner.bundledDefaultModel.path, "--box-jitter", "0.1", "--output", stored,
        ])
        XCTAssertEqual(set.status, 0, set.output)
        func storedReport(_ extra: [String], _ name: String) throws -> [String: Any] {
            let outcome = try CLIRunner.run(
                [
                    "evaluate", "--dataset", "synthetic:4:1", "--split", "all", "--method", "p2sam", "--p2sam-box",
                    "--model", stored, "--count", "3", "--json", path(name), "--checkpoint", CLIRunner.checkpoint.path,
                ] + extra)
            XCTAssertEqual(outcome.status, 0, outcome.output)
            if extra.isEmpty {
                XCTAssertTrue(outcome.output.contains("per-sample box jitter 0.1 (the model's default"), outcome.output)
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let byModel = try storedReport([], "by-model.json")
        XCTAssertEqual((byModel["settings"] as? [String: Any])?["p2sam_box_jitter"] as? String, "0.1")
        XCTAssertTrue(
            (byModel["method"] as? String)?.hasSuffix(", box jitter 0.1)") == true, "\(byModel["method"] ?? "")")
        XCTAssertEqual(byModel["mean"] as? NSDictionary, jittered["mean"] as? NSDictionary)
        let off = try storedReport(["--p2sam-box-jitter", "0"], "off.json")
        XCTAssertNil((off["settings"] as? [String: Any])?["p2sam_box_jitter"])
        XCTAssertEqual(off["mean"] as? NSDictionary, plain["mean"] as? NSDictionary)
    }
}
