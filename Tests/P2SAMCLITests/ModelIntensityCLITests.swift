import Foundation
import MedImageIO
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

    /// The sample masks (`sample_NNN.png`) of a `sample` output folder, by relative path.
    func samples(_ folder: String) throws -> [String: Data] {
        let root = URL(fileURLWithPath: folder)
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: folder)).compactMap { $0 as? String }
        return try Dictionary(
            uniqueKeysWithValues: files.filter {
                $0.hasSuffix(".png") && URL(fileURLWithPath: $0).lastPathComponent.hasPrefix("sample_")
            }.map {
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

    /// A copy of the bundled synthetic model (it draws real masks) whose metadata also records `entries`.
    func defaultModel(recording entries: [String: String], as name: String) throws -> String {
        let data = try Data(contentsOf: CLIRunner.bundledDefaultModel)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        var header = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        header["__metadata__"] = (header["__metadata__"] as? [String: String] ?? [:]).merging(entries) { _, new in new }
        var json = try JSONSerialization.data(withJSONObject: header)
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var file = Data((0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) })
        file.append(json)
        file.append(data.subdata(in: (8 + length)..<data.count))
        let url = URL(fileURLWithPath: path(name))
        try file.write(to: url)
        return url.path
    }

    /// The bundled synthetic model recording `--window 0,128`.
    func windowedDefaultModel() throws -> String {
        try defaultModel(recording: ["window": "0,128"], as: "windowed-default.safetensors")
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

    /// `sample --image`: a recorded z-score is applied to the PNG (as training applied it to its images); a recorded
    /// window is not (the PNG is taken as windowed already), and says so.
    func testSamplingAPNGAppliesARecordedZScoreButNotAWindow() throws {
        let png = CLIRunner.bundledExample.appendingPathComponent("image.png").path
        func sample(_ model: String, _ extra: [String], output: String) throws -> CLIRunner.Outcome {
            try CLIRunner.run(
                [
                    "sample", "--image", png, "--count", "3", "--model", model, "--checkpoint",
                    CLIRunner.checkpoint.path, "--output", path(output),
                ] + extra)
        }
        let zscored = try defaultModel(recording: ["normalize": "zscore"], as: "zscored-default.safetensors")
        let adopted = try sample(zscored, ["--json", path("adopted.json")], output: "adopted")
        XCTAssertEqual(adopted.status, 0, adopted.output)
        XCTAssertTrue(
            adopted.output.contains("intensities: --normalize zscore, as the model was trained"), adopted.output)
        let report = try String(contentsOfFile: path("adopted.json"), encoding: .utf8)
        XCTAssertTrue(report.contains("zscore"), report)
        let explicit = try sample(CLIRunner.bundledDefaultModel.path, ["--normalize", "zscore"], output: "explicit")
        XCTAssertEqual(explicit.status, 0, explicit.output)
        let plain = try sample(CLIRunner.bundledDefaultModel.path, [], output: "plain")
        XCTAssertEqual(plain.status, 0, plain.output)
        let adoptedSamples = try samples(path("adopted"))
        XCTAssertEqual(adoptedSamples.count, 3)
        XCTAssertEqual(adoptedSamples, try samples(path("explicit")))
        XCTAssertNotEqual(adoptedSamples, try samples(path("plain")), "z-scoring changes what the model sees")

        let windowed = try sample(try windowedDefaultModel(), [], output: "windowed")
        XCTAssertEqual(windowed.status, 0, windowed.output)
        XCTAssertTrue(
            windowed.output.contains("trained on --window 0,128 images; the PNG is taken as already mapped"),
            windowed.output)
        XCTAssertEqual(try samples(path("windowed")), try samples(path("plain")))
    }

    /// `embed --image --normalize`: a z-score or min-max is applied to the PNG before the encoder; a window is taken
    /// as applied; a constant image cannot be z-scored.
    func testEmbeddingAPNGAppliesAGivenNormalisation() throws {
        let png = CLIRunner.bundledExample.appendingPathComponent("image.png").path
        func embed(_ image: String, _ extra: [String], output: String) throws -> CLIRunner.Outcome {
            try CLIRunner.run(
                ["embed", "--image", image, "--checkpoint", CLIRunner.checkpoint.path, "--output", path(output)]
                    + extra)
        }
        func bytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }
        let plain = try embed(png, [], output: "plain.npy")
        XCTAssertEqual(plain.status, 0, plain.output)
        let zscored = try embed(png, ["--normalize", "zscore"], output: "z.npy")
        XCTAssertEqual(zscored.status, 0, zscored.output)
        XCTAssertTrue(zscored.output.contains("intensities normalised zscore"), zscored.output)
        XCTAssertNotEqual(try bytes("z.npy"), try bytes("plain.npy"), "z-scoring changes what the encoder sees")
        let windowed = try embed(png, ["--normalize", "window:lung"], output: "w.npy")
        XCTAssertEqual(windowed.status, 0, windowed.output)
        XCTAssertTrue(windowed.output.contains("is a window of raw values (HU); the PNG is taken as already mapped"))
        XCTAssertEqual(try bytes("w.npy"), try bytes("plain.npy"))

        let constant = path("constant.png")
        try PNG.write(
            try MedicalImage(width: 32, height: 32, channels: 1, pixels: [Float](repeating: 90, count: 1024)),
            to: constant)
        let refused = try embed(constant, ["--normalize", "zscore"], output: "c.npy")
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.output.contains("the image is constant"), refused.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("c.npy")))
    }
}
