import Foundation
import TorchCheckpoint
import XCTest

/// `NPZWriter` writes what `np.load` and this package's own reader read back (deflated members, CRCs).
final class NPZWriterTests: XCTestCase {
    func testRoundTripThroughTheReader() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("npzwriter-\(UUID().uuidString).npz")
        defer { try? FileManager.default.removeItem(at: url) }
        var labels: [UInt8] = []
        for v in [UInt16(0), 1, 2, 513, 65535] { labels += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        let segs = try NumpyArray(dtype: .uint16, shape: [5], bytes: labels)
        let image = try NumpyArray(float32: (0..<12).map { Float($0) / 3 }, shape: [3, 4])
        try NPZWriter.write([("segs", segs), ("image", image)], to: url)

        let archive = try NPZArchive(contentsOf: url)
        XCTAssertEqual(archive.names, ["segs", "image"])
        XCTAssertTrue(archive.zip.entries.allSatisfy { $0.method == 8 }, "members are deflated")
        XCTAssertEqual(try archive.array(named: "segs"), segs)
        XCTAssertEqual(try archive.array(named: "image"), image)
        XCTAssertEqual(try archive.array(named: "segs").int64s(), [0, 1, 2, 513, 65535])
    }

    func testDuplicateOrEmptyNamesAreRefused() throws {
        let a = try NumpyArray(uint8: [1], shape: [1])
        XCTAssertThrowsError(try NPZWriter.encode([("x", a), ("x", a)])) { error in
            XCTAssertTrue("\(error)".contains("duplicate array name 'x'"), "\(error)")
        }
        XCTAssertThrowsError(try NPZWriter.encode([("", a)]))
    }
}
