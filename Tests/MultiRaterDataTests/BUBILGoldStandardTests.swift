import Foundation
import MultiRaterData
import MultiRaterMetrics
import XCTest

/// BU-BIL's fused gold standard as the one rater (`BUBILReader.readGoldStandard`): same cases and ids as the
/// expert reader, the cell black (0) as in the expert masks, clear errors for a missing or mis-sized mask; the
/// case cap of both readers is checked on the listing, before any image is read.
final class BUBILGoldStandardTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("bubil-\(UUID().uuidString)")
        for folder in [
            "RawImages", "ExpertsAnnotations/Person1_ImageJ", "ExpertsAnnotations/Person2_Amira", "GoldStandard",
        ] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // 6x4 images; the cell (black in every mask) is a block whose width depends on the mask.
        for name in ["B02", "B01"] {
            try ImageFiles.writePNG(
                (0..<24).map { UInt8($0 * 10) }, width: 6, height: 4, channels: 1,
                to: root.appendingPathComponent("RawImages/\(name).png"))
            for (folder, cellWidth) in [
                ("ExpertsAnnotations/Person1_ImageJ", 1), ("ExpertsAnnotations/Person2_Amira", 2), ("GoldStandard", 3),
            ] {
                try ImageFiles.writePNG(
                    (0..<24).map { $0 % 6 < cellWidth && $0 / 6 < 2 ? 0 : 255 }, width: 6, height: 4, channels: 1,
                    to: root.appendingPathComponent("\(folder)/seg_\(name).png"))
            }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testGoldStandardIsTheOneRaterWithTheExpertsCases() throws {
        let experts = try BUBILReader.read(root: root)
        let gold = try BUBILReader.readGoldStandard(root: root)
        XCTAssertEqual(gold.cases.map(\.metadata.caseID), ["B01", "B02"])
        XCTAssertEqual(gold.cases.map(\.metadata.caseID), experts.cases.map(\.metadata.caseID))
        XCTAssertEqual(gold.source, experts.source, "the same images: embeddings cached under the same keys")
        XCTAssertEqual(experts.cases[0].raters.count, 2)
        XCTAssertEqual(gold.cases[0].raters.count, 1)
        XCTAssertEqual(gold.cases[0].raters[0].foregroundCount, 3 * 2)  // the 3-wide black block, 2 rows
        XCTAssertEqual(experts.cases[0].raters.map(\.foregroundCount), [2, 4])
    }

    func testCaseCapIsCheckedBeforeAnyImageIsRead() throws {
        // An unreadable first image: a cap checked after reading would report it instead of the cap.
        try Data("not a png".utf8).write(to: root.appendingPathComponent("RawImages/B01.png"))
        let capped = DatasetLimits(maxCases: 1)
        for read in [
            { try BUBILReader.read(root: self.root, limits: capped) },
            { try BUBILReader.readGoldStandard(root: self.root, limits: capped) },
        ] {
            XCTAssertThrowsError(try read()) {
                XCTAssertTrue("\($0)".contains("2 cases exceed the limit of 1"), "\($0)")
            }
        }
        XCTAssertThrowsError(try BUBILReader.read(root: root, limits: DatasetLimits(maxCases: 2))) {
            XCTAssertTrue("\($0)".contains("B01"), "within the cap the reader reaches the bad image: \($0)")
        }
    }

    func testMissingOrMisSizedGoldMasksAreClearErrors() throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent("GoldStandard/seg_B02.png"))
        XCTAssertThrowsError(try BUBILReader.readGoldStandard(root: root)) {
            XCTAssertTrue("\($0)".contains("no seg_B02.png"), "\($0)")
        }
        try ImageFiles.writePNG(
            [UInt8](repeating: 0, count: 20), width: 5, height: 4, channels: 1,
            to: root.appendingPathComponent("GoldStandard/seg_B02.png"))
        XCTAssertThrowsError(try BUBILReader.readGoldStandard(root: root)) {
            XCTAssertTrue("\($0)".contains("5x4"), "\($0)")
        }
        try FileManager.default.removeItem(at: root.appendingPathComponent("GoldStandard"))
        XCTAssertThrowsError(try BUBILReader.readGoldStandard(root: root)) {
            XCTAssertTrue("\($0)".contains("GoldStandard"), "\($0)")
        }
    }
}
