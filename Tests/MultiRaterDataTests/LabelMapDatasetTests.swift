import Foundation
import MultiRaterData
import MultiRaterMetrics
import XCTest

/// The label-map layout (`labels:ROOT`): reading, per-class masks and summaries, and every bad input.
final class LabelMapDatasetTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("train"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func writeCase(_ name: String, labels: [UInt8], width: Int = 6, height: Int = 4, channels: Int = 1) throws {
        let folder = root.appendingPathComponent("train/\(name)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ImageFiles.writePNG(
            (0..<(width * height)).map { UInt8($0 * 9 % 256) }, width: width, height: height, channels: 1,
            to: folder.appendingPathComponent("image.png"))
        try ImageFiles.writePNG(
            labels, width: labels.count / (height * channels), height: height, channels: channels,
            to: folder.appendingPathComponent("label.png"))
    }

    func writeClasses(_ json: String, in folder: String = "") throws {
        try Data(json.utf8).write(to: root.appendingPathComponent(folder).appendingPathComponent("classes.json"))
    }

    func testReadsCasesClassesFromTheParentAndSummaries() throws {
        try writeClasses(#"{"1": "right ventricle", "2": "myocardium", "3": "left ventricle"}"#)
        try writeCase("b_s2", labels: [0, 0, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        try writeCase("a_s10", labels: [UInt8](repeating: 0, count: 24))
        let dataset = try LabelMapDataset.read(root: root.appendingPathComponent("train"))
        XCTAssertEqual(dataset.cases.map(\.caseID), ["a_s10", "b_s2"])
        XCTAssertEqual(dataset.classes[2], "myocardium")
        XCTAssertEqual(dataset.cases[1].presentClasses, [1, 2])
        XCTAssertEqual(dataset.cases[1].mask(ofClass: 2).foregroundCount, 3)
        XCTAssertTrue(dataset.cases[0].mask(ofClass: 1).isEmpty)
        let summary = dataset.classSummaries
        XCTAssertEqual(summary.map(\.id), [1, 2, 3])
        XCTAssertEqual(summary[0].casesPresent, 1)
        XCTAssertEqual(summary[2].casesEmpty, 2)
        XCTAssertEqual(summary[1].pixelShare, 3.0 / 48, accuracy: 1e-12)
    }

    func testLabelsSpecGivesOneSingleRaterCasePerSliceAndClassPresent() throws {
        try writeClasses(#"{"1": "right ventricle", "2": "myocardium", "3": "left ventricle"}"#)
        try writeCase("b_s2", labels: [0, 0, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        try writeCase("a_s10", labels: [UInt8](repeating: 0, count: 24))
        try writeCase("c_s1", labels: [UInt8](repeating: 0, count: 23) + [3])
        let folder = root.appendingPathComponent("train")
        XCTAssertTrue(LabelMapDataset.looksLike(folder))
        XCTAssertFalse(LabelMapDataset.looksLike(root), "the parent holds no case folders with image.png")
        XCTAssertEqual(try DatasetSpec(parsing: "labels:\(folder.path)"), .labels(folder))
        XCTAssertEqual(try DatasetSpec(parsing: folder.path), .labels(folder), "the layout is recognised unprefixed")
        let dataset = try DatasetSpec.labels(folder).load()
        XCTAssertEqual(
            dataset.cases.map(\.metadata.caseID), ["b_s2_right-ventricle", "b_s2_myocardium", "c_s1_left-ventricle"])
        XCTAssertEqual(dataset.cases.map(\.metadata.groupID), ["b_s2", "b_s2", "c_s1"])
        XCTAssertEqual(dataset.cases.map(\.raters.count), [1, 1, 1])
        XCTAssertEqual(dataset.cases.map { $0.raters[0].foregroundCount }, [2, 3, 1])
        XCTAssertEqual(dataset.cases[0].raters[0][2, 0], true)
        XCTAssertEqual(dataset.cases[0].raters[0][1, 1], false, "a myocardium pixel is not in the RV mask")
        XCTAssertEqual(dataset.cases[1].image?.pixels, dataset.cases[0].image?.pixels)
        XCTAssertThrowsError(try DatasetSpec.labels(folder).load(limits: DatasetLimits(maxCases: 2))) { error in
            XCTAssertTrue("\(error)".contains("limit"), "\(error)")
        }
    }

    func testLabelsSpecWithNoLabelledSliceIsAnError() throws {
        try writeClasses(#"{"1": "lesion"}"#)
        try writeCase("a", labels: [UInt8](repeating: 0, count: 24))
        XCTAssertThrowsError(try DatasetSpec.labels(root.appendingPathComponent("train")).load()) { error in
            XCTAssertTrue("\(error)".contains("no slice has any labelled class"), "\(error)")
        }
    }

    func testBadInputNamesTheProblem() throws {
        func expectError(_ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try LabelMapDataset.read(root: root.appendingPathComponent("train")), line: line) {
                error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error)", line: line)
            }
        }
        try writeCase("c", labels: [UInt8](repeating: 1, count: 24))
        expectError("no classes.json")
        try writeClasses(#"{"x": "rv"}"#)
        expectError("must map an id")
        try writeClasses(#"{"1": "rv"}"#)
        XCTAssertNoThrow(try LabelMapDataset.read(root: root.appendingPathComponent("train")))
        try writeCase("c", labels: [UInt8](repeating: 4, count: 24))
        expectError("class id 4 is not in classes.json")
        try writeCase("c", labels: [UInt8](repeating: 1, count: 72), channels: 3)
        expectError("must be 8-bit grey")
        try writeCase("c", labels: [UInt8](repeating: 1, count: 24))
        try ImageFiles.writePNG(
            [UInt8](repeating: 1, count: 20), width: 5, height: 4, channels: 1,
            to: root.appendingPathComponent("train/c/label.png"))
        expectError("label map is 5x4, image is 6x4")
        try FileManager.default.removeItem(at: root.appendingPathComponent("train/c/label.png"))
        expectError("missing")
    }
}
