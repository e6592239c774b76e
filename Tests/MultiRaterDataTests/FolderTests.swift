import Foundation
import MultiRaterData
import MultiRaterMetrics
import XCTest

final class FolderTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// Export → folder reader round trip keeps every mask and the min–max scaled image.
    func testExportRoundTrip() throws {
        let ds = MultiRaterDataset(
            name: "s", source: "synthetic", cases: try SyntheticCaseGenerator(seed: 3).generate(count: 3))
        try FolderExporter.export(ds, to: root)
        let back = try FolderDatasetReader.read(root: root)
        XCTAssertEqual(back.cases.map(\.metadata.caseID), ds.cases.map(\.metadata.caseID))
        for (a, b) in zip(ds.cases, back.cases) {
            XCTAssertEqual(a.raters, b.raters)
            let expected = a.image!.minMaxNormalized().pixels.map { $0.rounded() }
            XCTAssertEqual(b.image!.pixels, expected)
        }
    }

    func testWindowedExport() throws {
        let image = try CaseImage(width: 3, height: 1, pixels: [-2000, -300, 1000], sourceType: "int16")
        let c = try MultiRaterCase(
            image: image, raters: [BinaryMask(width: 3, height: 1)],
            metadata: CaseMetadata(caseID: "ct", sourceIndex: 0))
        try FolderExporter.export(MultiRaterDataset(name: "ct", source: "t", cases: [c]), to: root, window: .lung)
        let back = try FolderDatasetReader.read(root: root)
        XCTAssertEqual(back.cases[0].image!.pixels, [0, 128, 255])  // (-300 + 1000) / 1400 * 255 = 127.5 → 128
    }

    func testFolderErrors() throws {
        let empty = root.appendingPathComponent("case1")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        assertThrowsNaming("case1") { _ = try FolderDatasetReader.read(root: root) }  // no PNGs
        let ds = MultiRaterDataset(
            name: "s", source: "synthetic", cases: try SyntheticCaseGenerator(seed: 3).generate(count: 1))
        try FileManager.default.removeItem(at: empty)
        try FolderExporter.export(ds, to: root)
        let caseFolder = root.appendingPathComponent(ds.cases[0].metadata.caseID)
        for k in 0..<4 { try FileManager.default.removeItem(at: caseFolder.appendingPathComponent("rater\(k).png")) }
        // No raters.
        assertThrowsNaming(ds.cases[0].metadata.caseID) { _ = try FolderDatasetReader.read(root: root) }
    }

    func testMismatchedMaskSizeIsAnError() throws {
        XCTAssertThrowsError(
            try MultiRaterCase(
                image: nil, raters: [BinaryMask(width: 3, height: 3), BinaryMask(width: 3, height: 4)],
                metadata: CaseMetadata(caseID: "x", sourceIndex: 0))
        ) { error in
            XCTAssertTrue("\(error)".contains("x"))
        }
        XCTAssertThrowsError(
            try MultiRaterCase(image: nil, raters: [], metadata: CaseMetadata(caseID: "y", sourceIndex: 0)))
        XCTAssertThrowsError(try CaseImage(width: 2, height: 1, pixels: [1, .nan]))
    }

    /// Skips when the shared data folder is absent.
    func testSharedQUBIQPickleIfPresent() throws {
        let url = URL(fileURLWithPath: "/work/shared/data/qubiq-brain-growth/brain_growth_alpha.pkl")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "shared QUBIQ pickle not present")
        let ds = try PickleDatasetReader.read(contentsOf: url)
        XCTAssertEqual(ds.cases.count, 39)
        XCTAssertTrue(ds.cases.allSatisfy { $0.raters.count == 7 && $0.width == 128 && $0.height == 128 })
        XCTAssertEqual(ds.cases[0].metadata.caseID, "case01")
        XCTAssertEqual(ds.cases[0].image?.sourceType, "uint8")
        let npz = URL(fileURLWithPath: "/work/shared/data/qubiq-brain-growth/qubiq_brain_growth_128.npz")
        if FileManager.default.fileExists(atPath: npz.path) {
            let other = try NPZDatasetReader.read(contentsOf: npz)
            for (a, b) in zip(ds.cases, other.cases) {
                XCTAssertEqual(a.metadata.caseID, b.metadata.caseID)
                XCTAssertEqual(a.raters, b.raters)
                XCTAssertEqual(a.image?.pixels, b.image?.pixels)
            }
        }
    }
}
