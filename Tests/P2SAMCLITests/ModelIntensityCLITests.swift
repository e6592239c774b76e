import Foundation
import XCTest

/// A model trained with `--window` records it, and `sample --dataset` / `evaluate` apply it again unless told
/// otherwise: before, a user who forgot `--window` got samples of min–max mapped intensities without a word.
final class ModelIntensityCLITests: CheckpointCommandTestCase {
    /// Trains a 1-epoch stage-1 model, then a 1-epoch stage 2 from it without repeating `extra` (it adopts the
    /// stage-1 model's mapping), on 2 synthetic cases with `extra` options; returns the stage-2 model.
    func train(_ name: String, _ extra: [String]) throws -> String {
        let small = ["--max-train-cases", "2", "--max-val-cases", "1"]
        let one = try trainOnSynthetic(["--stage", "1", "--output", path("s1-" + name)] + small + extra)
        XCTAssertEqual(one.status, 0, one.output)
        let two = try trainOnSynthetic(
            [
                "--stage", "2", "--init", path("s1-" + name), "--samples", "2", "--pgn-widths", "16,32,64,128",
                "--output", path(name),
            ] + small)
        XCTAssertEqual(two.status, 0, two.output)
        if !extra.isEmpty {
            XCTAssertTrue(two.output.contains("intensities: \(extra.joined(separator: " "))"), two.output)
        }
        return path(name)
    }

    /// The sample PNGs of a `sample --dataset` output folder, by relative path.
    func samples(_ folder: String) throws -> [String: Data] {
        let root = URL(fileURLWithPath: folder)
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: folder)).compactMap { $0 as? String }
        return try Dictionary(
            uniqueKeysWithValues: files.filter { $0.hasSuffix(".png") }.map {
                ($0, try Data(contentsOf: root.appendingPathComponent($0)))
            })
    }

    func sample(_ model: String, _ extra: [String], output: String) throws -> CLIRunner.Outcome {
        try CLIRunner.run(
            [
                "sample", "--dataset", "synthetic:6:1", "--limit", "2", "--count", "2", "--model", model,
                "--checkpoint", CLIRunner.checkpoint.path, "--output", path(output),
            ] + extra)
    }

    /// A copy of the bundled synthetic model (it draws real masks) whose metadata records `--window 0,128`.
    func windowedDefaultModel() throws -> String {
        let data = try Data(contentsOf: CLIRunner.bundledDefaultModel)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        var header = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        var metadata = header["__metadata__"] as? [String: String] ?? [:]
        metadata["window"] = "0,128"
        header["__metadata__"] = metadata
        var json = try JSONSerialization.data(withJSONObject: header)
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var file = Data((0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) })
        file.append(json)
        file.append(data.subdata(in: (8 + length)..<data.count))
        let url = URL(fileURLWithPath: path("windowed-default.safetensors"))
        try file.write(to: url)
        return url.path
    }

    func testTrainingRecordsTheMappingAndALaterStageAdoptsIt() throws {
        let windowed = try train("windowed.safetensors", ["--window", "0,128"])
        XCTAssertEqual(
            try TrainEvaluateCommandTests.safetensorsMetadata(path("s1-windowed.safetensors"))["window"], "0,128")
        XCTAssertEqual(try TrainEvaluateCommandTests.safetensorsMetadata(windowed)["window"], "0,128")
        let plain = try train("plain.safetensors", [])
        XCTAssertNil(try TrainEvaluateCommandTests.safetensorsMetadata(plain)["window"])
        let zscored = try train("zscored.safetensors", ["--normalize", "zscore"])
        XCTAssertEqual(try TrainEvaluateCommandTests.safetensorsMetadata(zscored)["normalize"], "zscore")

        // Models trained on differently mapped intensities are not mixed.
        let mixed = try sample(windowed, ["--model", zscored], output: "mixed")
        XCTAssertNotEqual(mixed.status, 0, mixed.output)
        XCTAssertTrue(mixed.output.contains("windowed.safetensors: --window 0,128"), mixed.output)
        XCTAssertTrue(mixed.output.contains("zscored.safetensors: --normalize zscore"), mixed.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("mixed/manifest.json")))
    }

    func testSamplingADatasetAppliesTheRecordedWindow() throws {
        let windowed = try windowedDefaultModel()
        let adopted = try sample(windowed, [], output: "adopted")
        XCTAssertEqual(adopted.status, 0, adopted.output)
        XCTAssertTrue(adopted.output.contains("intensities: --window 0,128, as the model was trained"), adopted.output)
        let explicit = try sample(windowed, ["--window", "0,128"], output: "explicit")
        XCTAssertEqual(explicit.status, 0, explicit.output)
        XCTAssertFalse(explicit.output.contains("intensities:"), explicit.output)
        let other = try sample(windowed, ["--window", "300,400"], output: "other")
        XCTAssertEqual(other.status, 0, other.output)
        XCTAssertTrue(
            other.output.contains("the model was trained with --window 0,128; this run uses --window 300,400"),
            other.output)
        let adoptedSamples = try samples(path("adopted"))
        XCTAssertEqual(adoptedSamples.count, 4)
        XCTAssertEqual(adoptedSamples, try samples(path("explicit")), "adopting the window is giving it")
        XCTAssertNotEqual(adoptedSamples, try samples(path("other")), "the window changes what the model sees")
        // The model without the record is sampled as before (no window), without a note.
        let before = try sample(CLIRunner.bundledDefaultModel.path, [], output: "before")
        XCTAssertEqual(before.status, 0, before.output)
        XCTAssertFalse(before.output.contains("intensities:"), before.output)
        XCTAssertNotEqual(adoptedSamples, try samples(path("before")), "the default model's input is not windowed")
    }

    func testEvaluateAppliesTheModelsWindowAndRecordsIt() throws {
        let windowed = try windowedDefaultModel()
        func evaluate(_ extra: [String], json: String) throws -> CLIRunner.Outcome {
            try CLIRunner.run(
                [
                    "evaluate", "--dataset", "synthetic:6:1", "--split", "test", "--method", "p2sam", "--model",
                    windowed, "--count", "2", "--checkpoint", CLIRunner.checkpoint.path, "--json", path(json),
                ] + extra)
        }
        let adopted = try evaluate([], json: "adopted.json")
        XCTAssertEqual(adopted.status, 0, adopted.output)
        XCTAssertTrue(adopted.output.contains("intensities: --window 0,128"), adopted.output)
        let explicit = try evaluate(["--window", "0,128"], json: "explicit.json")
        XCTAssertEqual(explicit.status, 0, explicit.output)
        func scores(_ json: String) throws -> [String: Double] {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(json))))
            let cases = try XCTUnwrap((object as? [String: Any])?["cases"] as? [String: [String: Any]])
            return cases.compactMapValues { $0["ged"] as? Double }
        }
        XCTAssertFalse(try scores("adopted.json").isEmpty)
        XCTAssertEqual(try scores("adopted.json"), try scores("explicit.json"))
        let text = try String(contentsOfFile: path("adopted.json"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"window\" : \"0,128\"") || text.contains("\"window\":\"0,128\""), text)
        // Box-jitter has no model: nothing is adopted.
        let baseline = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:6:1", "--split", "test", "--method", "box-jitter", "--count", "2",
            "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(baseline.status, 0, baseline.output)
        XCTAssertFalse(baseline.output.contains("intensities:"), baseline.output)
    }
}
