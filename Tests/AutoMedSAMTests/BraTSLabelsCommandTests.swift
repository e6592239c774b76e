import AutoMedSAM
import Foundation
import MultiRaterData
import XCTest

/// `brats-labels:ROOT` through the real binary: `data info` per class, `evaluate --method automedsam`
/// with BraTS ids 1, 2, 4, and a BraTS label outside {0, 1, 2, 4} refused by `finetune` before any work.
final class BraTSLabelsCommandTests: XCTestCase {
    static let (width, height, depth) = (40, 32, 3)

    /// A BraTS case folder `Case_1` in `root`: slice 0 empty, slice 1 with classes 1 (a block) and 2 (a
    /// block), slice 2 with class 4 (plus `extra` at its first voxel when given).
    static func writeCase(in root: URL, extra: UInt8? = nil) throws {
        let folder = root.appendingPathComponent("Case_1")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let plane = width * height
        var seg = [UInt8](repeating: 0, count: plane * depth)
        for y in 4..<12 { for x in 5..<15 { seg[plane + y * width + x] = 1 } }
        for y in 14..<24 { for x in 20..<34 { seg[plane + y * width + x] = 2 } }
        for y in 10..<20 { for x in 10..<22 { seg[2 * plane + y * width + x] = 4 } }
        if let extra { seg[2 * plane] = extra }
        let image = (0..<(plane * depth)).map { UInt8(($0 * 13) % 251) }
        let affine = NIfTILabelVolumeTests.affine
        try Data(
            NIfTILabelVolumeTests.volumeBytes(width: width, height: height, depth: depth, rows: affine, voxels: image)
        )
        .write(to: folder.appendingPathComponent("Case_1_t1.nii"))
        try Data(
            NIfTILabelVolumeTests.volumeBytes(width: width, height: height, depth: depth, rows: affine, voxels: seg)
        )
        .write(to: folder.appendingPathComponent("Case_1_seg.nii"))
    }

    func testDataInfoAndEvaluateReadBraTSLabelMaps() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = folder.appendingPathComponent("brats")
        try Self.writeCase(in: root)
        let info = try AutosegCommandTests.run(["data", "info", "--dataset", "brats-labels:\(root.path)"])
        XCTAssertEqual(info.status, 0, info.output)
        XCTAssertTrue(info.output.contains("label maps:     2 slices, 3 classes"), info.output)
        XCTAssertTrue(info.output.contains("class   4 enhancing tumour"), info.output)
        XCTAssertTrue(info.output.contains("present in 1 slices, absent from 1"), info.output)

        guard FileManager.default.fileExists(atPath: AutosegCommandTests.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let model = folder.appendingPathComponent("model.safetensors")
        let configuration = try AutoMedSAMConfiguration(
            classes: LabelMapDataset.bratsClasses, branches: .both)
        try AutoMedSAMModelFile.write(
            try ModelFileTests.tensors(classes: 3, branches: .both), metadata: configuration.metadata, to: model)
        let json = folder.appendingPathComponent("eval.json")
        // Embeddings go to a cache inside the temporary folder, not the user's.
        setenv("P2SAM_EMBEDDING_CACHE", folder.appendingPathComponent("cache").path, 1)
        defer { unsetenv("P2SAM_EMBEDDING_CACHE") }
        let evaluation = try AutosegCommandTests.run([
            "evaluate", "--method", "automedsam", "--model", model.path, "--dataset", "brats-labels:\(root.path)",
            "--json", json.path, "--checkpoint", AutosegCommandTests.checkpoint.path,
        ])
        XCTAssertEqual(evaluation.status, 0, evaluation.output)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        let text = String(decoding: try Data(contentsOf: json), as: UTF8.self)
        XCTAssertNotNil(report)
        XCTAssertTrue(text.contains("enhancing tumour"), text)
        XCTAssertTrue(text.contains("Case_1-z002"), text)

        // A label 3 (not a BraTS class): finetune refuses before writing anything.
        let bad = folder.appendingPathComponent("bad")
        try Self.writeCase(in: bad, extra: 3)
        let output = folder.appendingPathComponent("m.safetensors")
        let refused = try AutosegCommandTests.run([
            "finetune", "--recipe", "automedsam", "--dataset", "brats-labels:\(bad.path)", "--output", output.path,
        ])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("is not a BraTS class (want 0, 1, 2 or 4)"), refused.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        let wrongKind = try AutosegCommandTests.run([
            "evaluate", "--method", "automedsam", "--model", model.path, "--dataset", "synthetic:2",
        ])
        XCTAssertNotEqual(wrongKind.status, 0)
        XCTAssertTrue(wrongKind.output.contains("labels:ROOT or brats-labels:ROOT"), wrongKind.output)
    }
}
