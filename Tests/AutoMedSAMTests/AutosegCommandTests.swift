import AutoMedSAM
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
        guard FileManager.default.fileExists(atPath: Self.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.safetensors")
        let image = folder.appendingPathComponent("image.png")
        try Self.writeModel(to: model)
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
        let refused = folder.appendingPathComponent("refused")
        let unknown = try Self.run([
            "autoseg", "--image", image.path, "--model", model.path, "--output", refused.path, "--classes", "1,2",
            "--checkpoint", Self.checkpoint.path,
        ])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("class 2 is not one of the model's classes"), unknown.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused.path))
    }

    /// A NIfTI volume is segmented slice by slice into labels.nii.gz with the input's geometry; a singular
    /// affine is refused before anything is written.
    func testAutosegSegmentsNIfTIVolumes() throws {
        guard FileManager.default.fileExists(atPath: Self.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.safetensors")
        try Self.writeModel(to: model)
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
        let refusedFolder = folder.appendingPathComponent("refused")
        let refused = try Self.run([
            "autoseg", "--image", singular.path, "--model", model.path, "--output", refusedFolder.path,
            "--checkpoint", Self.checkpoint.path,
        ])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("not invertible"), refused.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refusedFolder.path))
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
