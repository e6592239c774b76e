import AutoMedSAM
import AutoMedSAMTraining
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import SAMLayers
import SAMTensor
import XCTest

/// `p2sam autoseg` and the AutoMedSAM commands' bad-input errors through the real binary.
final class AutosegCommandTests: XCTestCase {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
    static var executable: URL { root.appendingPathComponent(".build/release/p2sam") }
    static var checkpoint: URL { root.appendingPathComponent("Models/lite_medsam.pth") }

    /// Skips the calling test when `Models/lite_medsam.pth` is missing.
    static func requireCheckpoint() throws {
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
    }

    /// Runs `p2sam arguments…`: exit status and stdout + stderr.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw XCTSkip("p2sam is not built (run `swift build -c release` first)")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs `p2sam autoseg --image image --model model --output output --checkpoint … extra…` and asserts
    /// that it fails with a message containing `message` and leaves no `output` folder behind.
    static func assertAutosegRefused(
        image: URL, model: URL, output: URL, extra: [String] = [], mentioning message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let outcome = try run(
            [
                "autoseg", "--image", image.path, "--model", model.path, "--output", output.path,
                "--checkpoint", checkpoint.path,
            ] + extra)
        XCTAssertNotEqual(outcome.status, 0, file: file, line: line)
        XCTAssertTrue(outcome.output.contains(message), outcome.output, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), file: file, line: line)
    }

    /// A scratch folder holding the fixture model (`writeModel`) as `model.safetensors`, after checking that the
    /// checkpoint is present; the caller removes the folder.
    static func scratchFolderWithModel() throws -> (folder: URL, model: URL) {
        try requireCheckpoint()
        let folder = try Fixtures.temporaryDirectory()
        let model = folder.appendingPathComponent("model.safetensors")
        do { try writeModel(to: model) } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        return (folder, model)
    }

    /// A fixture model with random weights: classes 1 and 3, both branches.
    static func writeModel(to url: URL) throws {
        let configuration = try AutoMedSAMConfiguration(classes: [1: "left", 3: "right"], branches: .both)
        try AutoMedSAMModelFile.write(
            try ModelFileTests.tensors(classes: 2, branches: .both), metadata: configuration.metadata, to: url)
    }

    /// A 96x80 grey picture with two bright blobs.
    static func writeImage(to url: URL) throws {
        var pixels = [Float](repeating: 20, count: 96 * 80)
        for y in 10..<40 { for x in 10..<40 { pixels[y * 96 + x] = 200 } }
        for y in 45..<70 { for x in 50..<90 { pixels[y * 96 + x] = 140 } }
        try PNG.write(try MedicalImage(width: 96, height: 80, channels: 1, pixels: pixels), to: url.path)
    }

    func testAutosegWritesLabelMapMasksOverlayAndSampleMaps() throws {
        let (folder, model) = try AutosegCommandTests.scratchFolderWithModel()
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = folder.appendingPathComponent("image.png")
        try Self.writeImage(to: image)
        let out = folder.appendingPathComponent("out")
        let outcome = try Self.run([
            "autoseg", "--image", image.path, "--model", model.path, "--output", out.path, "--samples", "2",
            "--checkpoint", Self.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        for name in [
            "labels.png", "mask_1.png", "mask_3.png", "overlay.png", "frequency_1.png", "entropy_3.png",
            "frequency_3.npy", "entropy_1.npy",
        ] {
            XCTAssertTrue(names.contains(name), "\(name) missing in \(names.sorted())")
        }
        let labels = try PNG.read(contentsOf: out.appendingPathComponent("labels.png").path)
        XCTAssertEqual([labels.width, labels.height, labels.channels], [96, 80, 1])
        XCTAssertTrue(Set(labels.pixels).isSubset(of: [0, 1, 3]))

        // An unknown class: a clear error and nothing written.
        try Self.assertAutosegRefused(
            image: image, model: model, output: folder.appendingPathComponent("refused"), extra: ["--classes", "1,2"],
            mentioning: "class 2 is not one of the model's classes")
    }

    /// `--absent-rule` empties the masks below a class's minimum area and recomputes the label map from the
    /// kept classes; a rule naming a class the model does not have is refused before anything is written.
    /// `--presence-model` drops the masks its presence model judges absent, the same way.
    func testAutosegAppliesAnAbsentClassRule() throws {
        try Self.requireCheckpoint()
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.safetensors")
        let image = folder.appendingPathComponent("image.png")
        // LiteMedSAM's decoder with each class's tokens set to the box tokens of one blob of the image (in the
        // 256x256 model frame, scale 256/96): an untrained model that draws partial masks (the random
        // fixture's decoder draws nothing).
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "left", 3: "right"], branches: .both, classTokens: true)
        let network = try AutoMedSAMNetwork(
            configuration: configuration,
            checkpoint: try LiteMedSAMCheckpoint.weights(at: Self.checkpoint, verifyChecksum: false), seed: 1)
        let blobs = [(row: 0, id: 1, x: 27..<107, y: 27..<107), (row: 1, id: 3, x: 133..<240, y: 120..<187)]
        network.initialiseClassTokens(
            from: blobs.map { blob in
                var mask = [UInt8](repeating: 0, count: 256 * 256)
                for y in blob.y { for x in blob.x { mask[y * 256 + x] = 1 } }
                return AutoMedSAMExample(
                    caseID: "blob", classID: blob.id, classRow: blob.row,
                    embedding: Tensor(shape: [64, 64, 256], repeating: 0), mask: mask)
            })
        try AutoMedSAMModelFile.write(network.modelTensors, metadata: configuration.metadata, to: model)
        try Self.writeImage(to: image)
        func segment(_ extra: [String], into name: String) throws -> (status: Int32, output: String, out: URL) {
            let out = folder.appendingPathComponent(name)
            let outcome = try Self.run(
                [
                    "autoseg", "--image", image.path, "--model", model.path, "--output", out.path,
                    "--checkpoint", Self.checkpoint.path,
                ] + extra)
            return (outcome.status, outcome.output, out)
        }
        func pixels(_ out: URL, _ name: String) throws -> [Float] {
            try PNG.read(contentsOf: out.appendingPathComponent(name).path).pixels
        }
        let plain = try segment([], into: "plain")
        XCTAssertEqual(plain.status, 0, plain.output)
        // The rule drops a class whose mask is non-empty but smaller than the image (minimum area 1) and keeps
        // the other one's (minimum 0).
        let masks = [1: try pixels(plain.out, "mask_1.png"), 3: try pixels(plain.out, "mask_3.png")]
        guard let dropped = [1, 3].first(where: { masks[$0]!.contains(255) && masks[$0]!.contains(0) }) else {
            return XCTFail(
                "the fixture model draws no partial mask: the rule would have nothing to drop. \(plain.output)")
        }
        let kept = dropped == 1 ? 3 : 1
        let rule = folder.appendingPathComponent("rule.json")
        try Data(#"{"minimum_area_fraction": {"\#(dropped)": 1, "\#(kept)": 0}}"#.utf8).write(to: rule)
        let filtered = try segment(["--absent-rule", rule.path], into: "filtered")
        XCTAssertEqual(filtered.status, 0, filtered.output)
        func differing(_ a: [Float], _ b: [Float]) -> Int {
            a.count == b.count ? zip(a, b).filter { $0 != $1 }.count : -1
        }
        XCTAssertEqual(try pixels(filtered.out, "mask_\(dropped).png").filter { $0 != 0 }.count, 0, "dropped mask")
        XCTAssertEqual(differing(try pixels(filtered.out, "mask_\(kept).png"), masks[kept]!), 0, "kept mask")
        let before = try pixels(plain.out, "labels.png")
        let expected = before.indices.map { i in
            before[i] == Float(dropped) ? (masks[kept]![i] > 0 ? Float(kept) : 0) : before[i]
        }
        XCTAssertEqual(differing(try pixels(filtered.out, "labels.png"), expected), 0, "label map")

        // --presence-model: a presence model judging `dropped` absent (p = σ(−10)) and `kept` present (σ(10))
        // gives the same files as the rule.
        func classModel(bias: Int) -> String {
            #"{"features": ["a", "b", "c", "d"], "mean": [0, 0, 0, 0], "scale": [1, 1, 1, 1], "#
                + #""weights": [0, 0, 0, 0], "bias": \#(bias), "threshold": 0.5}"#
        }
        let presence = folder.appendingPathComponent("presence.json")
        try Data(
            (#"{"format": "automedsam-presence-v1", "class_ids": [1, 3], "classes": {"\#(dropped)": "#
                + classModel(bias: -10) + #", "\#(kept)": "# + classModel(bias: 10) + "}}").utf8
        ).write(to: presence)
        let judged = try segment(["--presence-model", presence.path], into: "judged")
        XCTAssertEqual(judged.status, 0, judged.output)
        for name in ["mask_1.png", "mask_3.png", "labels.png"] {
            XCTAssertEqual(
                differing(try pixels(judged.out, name), try pixels(filtered.out, name)), 0, "presence model: \(name)")
        }
        let presenceForeign = folder.appendingPathComponent("presence-foreign.json")
        try Data(#"{"format": "automedsam-presence-v1", "class_ids": [1, 2], "classes": {}}"#.utf8)
            .write(to: presenceForeign)
        try Self.assertAutosegRefused(
            image: image, model: model, output: folder.appendingPathComponent("refused-presence"),
            extra: ["--presence-model", presenceForeign.path], mentioning: "class(es) [2] are not among")

        let foreign = folder.appendingPathComponent("foreign.json")
        try Data(#"{"minimum_area_fraction": {"2": 0.01}}"#.utf8).write(to: foreign)
        try Self.assertAutosegRefused(
            image: image, model: model, output: folder.appendingPathComponent("refused"),
            extra: ["--absent-rule", foreign.path], mentioning: "class(es) [2], which the model does not have")
    }

    /// A NIfTI volume is segmented slice by slice into labels.nii.gz with the input's geometry; a singular
    /// affine is refused before anything is written.
    func testAutosegSegmentsNIfTIVolumes() throws {
        let (folder, model) = try AutosegCommandTests.scratchFolderWithModel()
        defer { try? FileManager.default.removeItem(at: folder) }
        let voxels = (0..<(40 * 32 * 2)).map { UInt8(($0 * 7) % 251) }
        let input = folder.appendingPathComponent("vol.nii")
        try Data(
            NIfTILabelVolumeTests.volumeBytes(
                width: 40, height: 32, depth: 2, rows: NIfTILabelVolumeTests.affine, voxels: voxels)
        ).write(to: input)
        let out = folder.appendingPathComponent("out")
        let outcome = try Self.run([
            "autoseg", "--image", input.path, "--model", model.path, "--output", out.path,
            "--checkpoint", Self.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let labels = try NIfTIVolume(contentsOf: out.appendingPathComponent("labels.nii"))
        XCTAssertEqual([labels.dims.0, labels.dims.1, labels.dims.2], [40, 32, 2])
        XCTAssertTrue(Set(labels.values).isSubset(of: [0, 1, 3]))
        let original = try NIfTIVolume(contentsOf: input)
        XCTAssertEqual(Array(labels.header[252..<344]), Array(original.header[252..<344]))

        let singular = folder.appendingPathComponent("singular.nii")
        try Data(
            NIfTILabelVolumeTests.volumeBytes(
                width: 40, height: 32, depth: 2, rows: [[1, 0, 0, 0], [2, 0, 0, 0], [0, 0, 1, 0]], voxels: voxels)
        ).write(to: singular)
        try Self.assertAutosegRefused(
            image: singular, model: model, output: folder.appendingPathComponent("refused"),
            mentioning: "not invertible")
    }

    /// Label maps that are RGB or hold ids missing from classes.json are refused before anything is written.
    func testFinetuneRefusesBadLabelMaps() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"1": "a", "2": "b"}"#.utf8).write(to: folder.appendingPathComponent("classes.json"))
        let caseFolder = folder.appendingPathComponent("case01")
        try FileManager.default.createDirectory(at: caseFolder, withIntermediateDirectories: true)
        try Self.writeImage(to: caseFolder.appendingPathComponent("image.png"))
        var ids = [Float](repeating: 0, count: 96 * 80)
        ids[5] = 7
        try PNG.write(
            try MedicalImage(width: 96, height: 80, channels: 1, pixels: ids),
            to: caseFolder.appendingPathComponent("label.png").path)
        let output = folder.appendingPathComponent("m.safetensors")
        let unknown = try Self.run([
            "finetune", "--recipe", "automedsam", "--dataset", "labels:\(folder.path)", "--output", output.path,
        ])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("class id 7 is not in classes.json"), unknown.output)
        try PNG.write(
            try MedicalImage(width: 96, height: 80, channels: 3, pixels: [Float](repeating: 1, count: 96 * 80 * 3)),
            to: caseFolder.appendingPathComponent("label.png").path)
        let rgb = try Self.run([
            "finetune", "--recipe", "automedsam", "--dataset", "labels:\(folder.path)", "--output", output.path,
        ])
        XCTAssertNotEqual(rgb.status, 0)
        XCTAssertTrue(rgb.output.contains("8-bit grey"), rgb.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        let recipe = try Self.run(["finetune", "--recipe", "nope", "--dataset", "labels:\(folder.path)"])
        XCTAssertNotEqual(recipe.status, 0)
        XCTAssertTrue(recipe.output.contains("'nope' is invalid for '--recipe"), recipe.output)
    }
}
