import Foundation
import TorchCheckpoint
import XCTest

final class NPZTests: XCTestCase {
    private let expectedNames = ["image", "mask", "labels", "case_ids", "big"]

    func testReadsStoredAndCompressedArchives() throws {
        for name in ["stored.npz", "compressed.npz"] {
            let npz = try NPZArchive(contentsOf: TestFiles.fixture(name))
            XCTAssertEqual(npz.names, expectedNames, name)
            let image = try npz.array(named: "image")
            XCTAssertEqual(image.shape, [3, 4])
            XCTAssertEqual(image.floats(), (0..<12).map { Float($0) / 4 })
            let mask = try npz.array(named: "mask")
            XCTAssertEqual(mask.dtype, .bool)
            XCTAssertEqual(try mask.uint8s(), (0..<12).map { $0 % 3 == 0 ? 1 : 0 })
            XCTAssertEqual(try npz.array(named: "labels.npy").doubles(), [3, 1, 2])
            XCTAssertEqual(try npz.array(named: "big").floats(), [1, 2])
            XCTAssertEqual(try npz.strings(named: "case_ids"), ["case01", "case02", "case03"])
            assertThrows(["no array named 'missing'"]) { try npz.array(named: "missing") }
        }
    }

    func testCompressedMembersAreDeflatedAndStoredAreNot() throws {
        let stored = try ZipArchive(path: TestFiles.fixture("stored.npz").path)
        let compressed = try ZipArchive(path: TestFiles.fixture("compressed.npz").path)
        XCTAssertTrue(stored.entries.allSatisfy { $0.method == 0 })
        XCTAssertTrue(compressed.entries.allSatisfy { $0.method == 8 })
        for entry in stored.entries {
            let plain = try stored.contents(of: entry, verifyingCRC: true)
            let inflated = try compressed.contents(ofMemberNamed: entry.name)
            XCTAssertEqual(plain.array, inflated.array, entry.name)
        }
    }
}
