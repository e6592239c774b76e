import Foundation
import MultiRaterData
import NIfTIFixtures
import XCTest

/// BraTS case folders read as multi-class label maps (`brats-labels:`), from synthetic NIfTI volumes built here.
final class BraTSLabelMapTests: XCTestCase {
    /// A little-endian NIfTI-1 volume: uint8 (`float32` false) or float32 voxels, x fastest.
    static func nifti(width: Int, height: Int, depth: Int, values: [Float], float32: Bool = false) -> [UInt8] {
        SyntheticNIfTI.bytes(
            width: width, height: height, depth: depth, float32: float32,
            payload: SyntheticNIfTI.voxels(values, float32: float32))
    }

    static let (width, height, depth) = (8, 6, 4)

    /// The segmentation of the fixture case: slice 0 and 3 empty, slice 1 with classes 1 and 2, slice 2 with 4.
    static func segmentation(extraLabel: Float? = nil) -> [Float] {
        var seg = [Float](repeating: 0, count: width * height * depth)
        let plane = width * height
        seg[plane + 1 * width + 2] = 1
        seg[plane + 1 * width + 3] = 1
        seg[plane + 4 * width + 6] = 2
        seg[2 * plane + 2 * width + 5] = 4
        if let extraLabel { seg[3 * plane + 0] = extraLabel }
        return seg
    }

    /// Writes case `name` with image modality `modality` (e.g. `_t1`) into `root`.
    static func writeCase(
        _ name: String, modality: String = "_t1", in root: URL, segmentation: [Float] = segmentation(),
        imageDepth: Int = depth
    ) throws {
        let folder = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let image = (0..<(width * height * imageDepth)).map { Float($0 % 97) * 1.5 }
        try Data(nifti(width: width, height: height, depth: imageDepth, values: image, float32: true))
            .write(to: folder.appendingPathComponent("\(name)\(modality).nii"))
        try Data(nifti(width: width, height: height, depth: depth, values: segmentation))
            .write(to: folder.appendingPathComponent("\(name)_seg.nii"))
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("brats-labels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testCasesBecomeLabelMapsWithBraTSIds() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.writeCase("Case_A", in: root)
        try Self.writeCase("Case_B", modality: "_flair", in: root.appendingPathComponent("other"))
        let dataset = try LabelMapDataset.readBraTS(root: root)
        XCTAssertEqual(dataset.classes.keys.sorted(), [1, 2, 4])
        XCTAssertEqual(dataset.cases.map(\.caseID), ["Case_A-z001", "Case_A-z002"])
        let (width, height) = (Self.width, Self.height)
        let plane = width * height
        let seg = Self.segmentation()
        for (item, k) in zip(dataset.cases, [1, 2]) {
            XCTAssertEqual([item.width, item.height], [width, height])
            XCTAssertEqual(item.labels.map(Float.init), Array(seg[(k * plane)..<((k + 1) * plane)]))
            XCTAssertEqual(item.image.pixels, (0..<plane).map { Float((k * plane + $0) % 97) * 1.5 })
        }
        XCTAssertEqual(dataset.cases[0].presentClasses, [1, 2])
        XCTAssertEqual(dataset.cases[1].presentClasses, [4])
        XCTAssertEqual(dataset.cases[0].labels[1 * width + 2], 1)

        // The spec: brats-labels: parses, reads the same label maps, and as a multi-rater dataset gives one
        // case per (slice, class present).
        let spec = try DatasetSpec(parsing: "brats-labels:\(root.path)")
        XCTAssertEqual(spec, .bratsLabels(URL(fileURLWithPath: root.path)))
        XCTAssertEqual(try spec.labelMapDataset()?.cases.map(\.caseID), ["Case_A-z001", "Case_A-z002"])
        XCTAssertEqual(try spec.load().cases.count, 3)
        XCTAssertNil(try DatasetSpec(parsing: "synthetic:2").labelMapDataset())
        XCTAssertEqual(spec.portableDescription, "brats-labels:" + root.lastPathComponent)

        // A flair-only case is read with its flair; one modality per dataset.
        let flair = try LabelMapDataset.readBraTS(root: root.appendingPathComponent("other"))
        XCTAssertEqual(flair.cases.count, 2)
        try FileManager.default.moveItem(
            at: root.appendingPathComponent("other/Case_B"), to: root.appendingPathComponent("Case_B"))
        XCTAssertThrowsError(try LabelMapDataset.readBraTS(root: root)) { error in
            XCTAssertTrue("\(error)".contains("earlier cases used *_t1"), "\(error)")
        }
    }

    func testBadInputIsAClearError() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.writeCase("Case_C", in: root, segmentation: Self.segmentation(extraLabel: 3))
        XCTAssertThrowsError(try LabelMapDataset.readBraTS(root: root)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("Case_C_seg.nii"), text)
            XCTAssertTrue(text.contains("label 3.0 at x 0, y 0 of slice 3 is not a BraTS class"), text)
        }
        try Self.writeCase("Case_C", in: root, imageDepth: 3)
        XCTAssertThrowsError(try LabelMapDataset.readBraTS(root: root)) { error in
            XCTAssertTrue("\(error)".contains("differs from the image"), "\(error)")
        }
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try LabelMapDataset.readBraTS(root: empty)) { error in
            XCTAssertTrue("\(error)".contains("no BraTS case"), "\(error)")
        }
        try Self.writeCase("Case_D", in: root.appendingPathComponent("limited"))
        XCTAssertThrowsError(
            try LabelMapDataset.readBraTS(
                root: root.appendingPathComponent("limited"), limits: DatasetLimits(maxCases: 1))
        )
    }
}
