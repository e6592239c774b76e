import Foundation
import MultiRaterData
import MultiRaterMetrics
import XCTest

final class SplitAndSyntheticTests: XCTestCase {
    func testSyntheticIsDeterministicPerSeed() throws {
        let a = try SyntheticCaseGenerator(seed: 42).generate(count: 4)
        let b = try SyntheticCaseGenerator(seed: 42).generate(count: 6)
        let c = try SyntheticCaseGenerator(seed: 43).generate(count: 4)
        for i in 0..<4 {
            XCTAssertEqual(a[i].raters, b[i].raters)
            XCTAssertEqual(a[i].image, b[i].image)
        }
        XCTAssertNotEqual(a.map(\.raters), c.map(\.raters))
        XCTAssertTrue(a.allSatisfy { $0.raters.count == 4 && $0.width == 128 })
    }

    func testSyntheticRatersDisagreeButOverlap() throws {
        let cases = try SyntheticCaseGenerator(seed: 7).generate(count: 30)
        let summary = try DatasetSummary(MultiRaterDataset(name: "s", source: "s", cases: cases))
        let r = try XCTUnwrap(summary.interRater)
        XCTAssertGreaterThan(r.dMean, 0.4)  // raters mostly agree...
        XCTAssertLessThan(r.dMean, 0.98)  // ...but not exactly
        XCTAssertGreaterThan(summary.emptyMaskFraction, 0)  // some raters miss faint lesions
    }

    func testIndexSplit() {
        let f = DatasetSplitter.indexOrder(count: 39)
        XCTAssertEqual(f.train, Array(0..<23))
        XCTAssertEqual(f.validation, Array(23..<31))
        XCTAssertEqual(f.test, Array(31..<39))
        let bubil = DatasetSplitter.indexOrder(count: 35)
        XCTAssertEqual([bubil.train.count, bubil.validation.count, bubil.test.count], [21, 7, 7])
    }

    /// LIDC-real's three patients (9, 28 and 30 slices, in this order): seed 1 used to put all 67
    /// slices into train. Now each part gets one whole patient, the largest one training.
    func testGroupedSplitOfThreePatientsLeavesNoPartEmpty() {
        let groups: [String?] =
            Array(repeating: "0001", count: 9) + Array(repeating: "0002", count: 28)
            + Array(repeating: "0003", count: 30)
        let fold = DatasetSplitter.grouped(groups: groups, seed: 1)
        XCTAssertEqual(fold.emptyParts, [])
        XCTAssertEqual(Set(fold.train.map { groups[$0]! }), ["0003"])
        XCTAssertEqual([fold.train.count, fold.validation.count, fold.test.count], [30, 28, 9])
        XCTAssertEqual(DatasetSplitter.groupCount(groups: groups), 3)
        // Two groups cannot fill three parts: the empty part is reported, not hidden.
        let two = DatasetSplitter.grouped(groups: Array(groups.prefix(37)), seed: 1)
        XCTAssertEqual(two.emptyParts.count, 1)
    }

    func testSeededSplitsAreReproducibleAndPartition() {
        let a = DatasetSplitter.indexOrder(count: 100, seed: 5)
        let b = DatasetSplitter.indexOrder(count: 100, seed: 5)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, DatasetSplitter.indexOrder(count: 100, seed: 6))
        XCTAssertEqual(Set(a.train + a.validation + a.test), Set(0..<100))
        let groups: [String?] = (0..<100).map { "p\($0 / 7)" }
        let g = DatasetSplitter.grouped(groups: groups, seed: 3)
        XCTAssertEqual(g, DatasetSplitter.grouped(groups: groups, seed: 3))
        XCTAssertEqual((g.train + g.validation + g.test).sorted(), Array(0..<100))
        let parts = [g.train, g.validation, g.test].map { Set($0.map { groups[$0]! }) }
        XCTAssertTrue(
            parts[0].isDisjoint(with: parts[1]) && parts[0].isDisjoint(with: parts[2])
                && parts[1].isDisjoint(with: parts[2]))
        XCTAssertFalse(g.test.isEmpty)
        let small = DatasetSplitter.firstTraining(DatasetSplitter.indexOrder(count: 1000))
        XCTAssertEqual(small.train, Array(0..<500))
    }

    func testCanonicalSplits() throws {
        let ids = (1...39).map { String(format: "case%02d", $0) }.reversed().map { $0 }
        let f = DatasetSplitter.sortedNames(ids, name: "qubiq")
        XCTAssertEqual(Set(f.train.map { ids[$0] }), Set((1...23).map { String(format: "case%02d", $0) }))
        XCTAssertEqual(Set(f.test.map { ids[$0] }), Set((32...39).map { String(format: "case%02d", $0) }))
        let groups: [String?] =
            Array(repeating: "A", count: 9) + Array(repeating: "B", count: 28) + Array(repeating: "C", count: 30)
        let folds = DatasetSplitter.leaveOneGroupOut(groups: groups)
        XCTAssertEqual(folds.count, 3)
        XCTAssertEqual(folds[0].test, Array(0..<9))
        XCTAssertEqual(folds[0].validation, Array(55..<67))  // last round(0.2 * 58) = 12 of the training slices
        XCTAssertEqual(folds[0].train, Array(9..<55))
    }

    /// `--train-fraction`: ⌈F·n⌉ training indices spread over the whole part, the same on every call;
    /// validation and test untouched; F = 1 keeps the fold.
    func testTrainingFractionKeepsAnEvenlySpreadShare() {
        let fold = SplitFold(name: "f", train: Array(100..<123), validation: [1, 2], test: [3])
        let quarter = DatasetSplitter.trainingFraction(fold, 0.25)
        XCTAssertEqual(quarter.train.count, 6)  // ⌈0.25 · 23⌉
        XCTAssertEqual(quarter.train, [100, 103, 107, 111, 115, 119])  // ⌊j · 23 / 6⌋, j = 0…5
        XCTAssertEqual(quarter, DatasetSplitter.trainingFraction(fold, 0.25))
        XCTAssertEqual(quarter.validation, fold.validation)
        XCTAssertEqual(quarter.test, fold.test)
        XCTAssertEqual(quarter.name, "f-train0.25")
        XCTAssertEqual(DatasetSplitter.trainingFraction(fold, 0.5).train.count, 12)
        XCTAssertEqual(DatasetSplitter.trainingFraction(fold, 1), fold)
        XCTAssertEqual(DatasetSplitter.trainingFraction(fold, 0.001).train, [100])
        let thirty = SplitFold(name: "g", train: Array(0..<30), validation: [], test: [])
        XCTAssertEqual(DatasetSplitter.trainingFraction(thirty, 0.1).train, [0, 10, 20])  // 0.1 · 30 is 3
        // Over a grouped training part, a quarter still draws from every group.
        let groups =
            Array(repeating: "A", count: 9) + Array(repeating: "B", count: 28) + Array(repeating: "C", count: 30)
        let lopo = DatasetSplitter.leaveOneGroupOut(groups: groups)[0]
        let picked = Set(DatasetSplitter.trainingFraction(lopo, 0.25).train.map { groups[$0] })
        XCTAssertEqual(picked, ["B", "C"])
    }

    /// Model files record the dataset without this machine's folders.
    func testPortableDescriptionDropsTheFolders() throws {
        XCTAssertEqual(
            try DatasetSpec(parsing: "npz:/work/data/lidc-real/lidc_crops_128.npz").portableDescription,
            "npz:lidc_crops_128.npz")
        XCTAssertEqual(try DatasetSpec(parsing: "bubil:/srv/x/bu-bil-d1/").portableDescription, "bubil:bu-bil-d1")
        XCTAssertEqual(try DatasetSpec(parsing: "synthetic:12").portableDescription, "synthetic:12:1")
    }

    func testManifestRoundTrip() throws {
        let ds = MultiRaterDataset(
            name: "s", source: "synthetic:10:1", cases: try SyntheticCaseGenerator(seed: 1).generate(count: 10))
        let m = SplitProtocol.grouped.manifest(for: ds, seed: 9)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString).json")
        try m.write(to: url)
        XCTAssertEqual(try SplitManifest.read(from: url), m)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\"protocol\" : \"grouped\""))
    }

    func testWindow() {
        XCTAssertEqual(IntensityWindow.lung.apply(-1000), 0)
        XCTAssertEqual(IntensityWindow.lung.apply(400), 255)
        XCTAssertEqual(IntensityWindow.lung.apply(-300), 127.5)
        XCTAssertEqual(IntensityWindow(parsing: "-100,100"), IntensityWindow(lower: -100, upper: 100))
        XCTAssertNil(IntensityWindow(parsing: "5,1"))
    }
}
