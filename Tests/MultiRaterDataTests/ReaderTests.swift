import Foundation
import MultiRaterData
import MultiRaterMetrics
import XCTest

/// Fixture paths and the expectations written by Fixtures/make_fixtures.py.
enum Fixture {
    static func url(_ name: String) throws -> URL {
        let base = try XCTUnwrap(Bundle.module.resourceURL).appendingPathComponent("Fixtures")
        return base.appendingPathComponent(name)
    }
    static func expected() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url("expected.json"))) as! [String: Any]
    }
    static func bits(_ m: BinaryMask) -> String { String(m.bytes().map { $0 == 0 ? "0" : "1" }) }
}

func assertThrowsNaming(
    _ path: String, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line
) {
    do {
        try body()
        XCTFail("no error for \(path)", file: file, line: line)
    } catch {
        XCTAssertTrue("\(error)".contains(path), "error '\(error)' does not name \(path)", file: file, line: line)
    }
}

final class ReaderTests: XCTestCase {
    func testPickleLayout() throws {
        let ds = try PickleDatasetReader.read(contentsOf: Fixture.url("tiny_lidc.pickle"))
        let exp = try Fixture.expected()["pickle"] as! [String: [String: Any]]
        XCTAssertEqual(ds.cases.map(\.metadata.caseID), ["case_b", "case_a", "case_c"])  // dict order kept
        for c in ds.cases {
            let e = exp[c.metadata.caseID]!
            XCTAssertEqual(c.raters.map(Fixture.bits), e["masks"] as! [String])
            XCTAssertEqual(c.image!.pixels, (e["image"] as! [Double]).map { Float($0) })
            XCTAssertEqual(c.metadata.groupID, e["series_uid"] as? String)
        }
        XCTAssertEqual(ds.cases.map { $0.raters.count }, [2, 3, 4])
        XCTAssertTrue(ds.cases[2].raters[0].isEmpty)
    }

    func testPickleRejectsNonArrays() throws {
        assertThrowsNaming("bad_not_arrays.pickle") {
            _ = try PickleDatasetReader.read(contentsOf: Fixture.url("bad_not_arrays.pickle"))
        }
        assertThrowsNaming("bad_no_raters.pickle") {
            _ = try PickleDatasetReader.read(contentsOf: Fixture.url("bad_no_raters.pickle"))
        }
    }

    func testNPZLayout() throws {
        let ds = try NPZDatasetReader.read(contentsOf: Fixture.url("tiny.npz"))
        let exp = try Fixture.expected()["npz"] as! [String: Any]
        XCTAssertEqual(ds.cases.map(\.metadata.caseID), ["c0", "c1", "c2", "c3"])
        XCTAssertEqual(ds.cases.map(\.metadata.groupID), ["p0", "p0", "p1", "p2"])
        XCTAssertEqual(ds.cases.flatMap { $0.raters.map(Fixture.bits) }, (exp["masks"] as! [[String]]).flatMap { $0 })
        XCTAssertEqual(ds.cases.flatMap { $0.image!.pixels.map(Double.init) }, exp["images"] as! [Double])
        XCTAssertEqual(ds.cases[0].image?.sourceType, "int16")
        XCTAssertTrue(ds.cases[1].raters[2].isEmpty)
    }

    func testPackedNPZ() throws {
        let exp = try Fixture.expected()
        for name in ["packed12", "packed16"] {
            let ds = try NPZDatasetReader.read(contentsOf: Fixture.url("\(name).npz"))
            XCTAssertEqual(ds.cases.map { $0.raters.map(Fixture.bits) }, exp[name] as! [[String]], name)
            XCTAssertNil(ds.cases[0].image)
        }
    }

    func testBadNPZFilesNameTheFile() throws {
        for name in ["nonbinary.npz", "nan_image.npz", "mismatched.npz", "truncated.npz"] {
            assertThrowsNaming(name) { _ = try NPZDatasetReader.read(contentsOf: Fixture.url(name)) }
        }
    }

    func testBraTSNestedLabels() throws {
        let exp = (try Fixture.expected()["brats"] as! [String: Any])["slices"] as! [String: [String: Any]]
        let all = try BraTSReader.read(root: Fixture.url("brats"), size: nil)
        XCTAssertEqual(all.cases.map(\.metadata.caseID), ["Case_001-z001", "Case_001-z002"])  // empty slices dropped
        for c in all.cases {
            let z = String(Int(c.metadata.caseID.suffix(3))!)
            XCTAssertEqual(c.raters.map(Fixture.bits), exp[z]!["raters"] as! [String])
            XCTAssertEqual(c.image!.pixels.map(Double.init), exp[z]!["t1"] as! [Double])
            XCTAssertEqual(c.width, 8)
            XCTAssertEqual(c.height, 6)
        }
        // Nested: NET ⊆ NET+OD ⊆ all.
        let s = all.cases[0].raters
        XCTAssertEqual(try s[0].intersectionCount(with: s[1]), s[0].foregroundCount)
        XCTAssertEqual(try s[1].intersectionCount(with: s[2]), s[1].foregroundCount)
        // The paper's rule drops the slice whose NET mask is empty.
        let strict = try BraTSReader.read(root: Fixture.url("brats"), size: nil, dropRule: .anyEmpty)
        XCTAssertEqual(strict.cases.map(\.metadata.caseID), ["Case_001-z001"])
        let resized = try BraTSReader.read(root: Fixture.url("brats"))
        XCTAssertEqual(resized.cases[0].width, 128)
        XCTAssertEqual(resized.cases[0].raters.count, 3)
    }

    func testTruncatedNIfTI() throws {
        assertThrowsNaming("truncated.nii.gz") { _ = try NIfTIVolume(contentsOf: Fixture.url("truncated.nii.gz")) }
        // Header only, data cut: written here.
        let full = try Data(contentsOf: Fixture.url("brats/Case_001/Case_001_seg.nii"))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).nii")
        try full.prefix(full.count - 10).write(to: cut)
        assertThrowsNaming(cut.lastPathComponent) { _ = try NIfTIVolume(contentsOf: cut) }
        try full.prefix(100).write(to: cut)
        assertThrowsNaming(cut.lastPathComponent) { _ = try NIfTIVolume(contentsOf: cut) }
    }

    func testSpecParsingAndDetection() throws {
        XCTAssertEqual(try DatasetSpec(parsing: "synthetic:5:9"), .synthetic(count: 5, seed: 9))
        XCTAssertEqual(try DatasetSpec(parsing: "synthetic:5"), .synthetic(count: 5, seed: 1))
        XCTAssertThrowsError(try DatasetSpec(parsing: "synthetic:zero"))
        XCTAssertEqual(try DatasetSpec(parsing: Fixture.url("tiny.npz").path), .npz(try Fixture.url("tiny.npz")))
        XCTAssertEqual(
            try DatasetSpec(parsing: Fixture.url("tiny_lidc.pickle").path), .pickle(try Fixture.url("tiny_lidc.pickle"))
        )
        XCTAssertEqual(try DatasetSpec(parsing: Fixture.url("brats").path), .brats(try Fixture.url("brats")))
        XCTAssertThrowsError(try DatasetSpec(parsing: "/no/such/file.npz"))
    }
}
