import Foundation
import MultiRaterData
import XCTest

/// Label volumes keep the input's geometry; volumes that cannot be placed or are absurd are refused.
final class NIfTILabelVolumeTests: XCTestCase {
    /// A little-endian uint8 NIfTI-1 volume with sform rows `rows` (x, y, z; 4 values each).
    static func volumeBytes(width: Int, height: Int, depth: Int, rows: [[Float]], voxels: [UInt8]) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 348)
        func put32(_ v: UInt32, _ at: Int) { for i in 0..<4 { h[at + i] = UInt8((v >> (8 * UInt32(i))) & 0xff) } }
        func put16(_ v: Int, _ at: Int) {
            h[at] = UInt8(v & 0xff)
            h[at + 1] = UInt8((v >> 8) & 0xff)
        }
        put32(348, 0)
        for (i, v) in [3, width, height, depth, 1, 1, 1, 1].enumerated() { put16(v, 40 + 2 * i) }
        put16(2, 70)
        put16(8, 72)
        for (i, v) in [Float(1), 1.5, 1.5, 3, 1, 1, 1, 1].enumerated() { put32(v.bitPattern, 76 + 4 * i) }
        put32(Float(352).bitPattern, 108)
        put16(1, 254)
        for (r, row) in rows.enumerated() {
            for (c, v) in row.enumerated() { put32(v.bitPattern, 280 + 16 * r + 4 * c) }
        }
        h.replaceSubrange(344..<348, with: Array("n+1".utf8) + [0])
        return h + [0, 0, 0, 0] + voxels
    }

    static let affine: [[Float]] = [[1.5, 0, 0, -10], [0, 1.5, 0, 5], [0, 0, 3, 2]]

    func testLabelVolumeKeepsTheHeader() throws {
        let voxels = (0..<(6 * 5 * 2)).map { UInt8($0 % 200) }
        let volume = try NIfTIVolume(
            bytes: Self.volumeBytes(width: 6, height: 5, depth: 2, rows: Self.affine, voxels: voxels), path: "v.nii")
        try volume.checkSegmentable(path: "v.nii")
        XCTAssertEqual(volume.spatialMatrix[0], [1.5, 0, 0])
        let labels = (0..<60).map { UInt8($0 % 4) }
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("labels.nii.gz")
        try volume.writeLabelVolume(labels, to: url)
        let back = try NIfTIVolume(contentsOf: url)
        XCTAssertEqual([back.dims.0, back.dims.1, back.dims.2], [6, 5, 2])
        XCTAssertEqual(back.values, labels.map(Float.init))
        // Geometry bytes (pixdim, qform/sform, srows) are the input's.
        XCTAssertEqual(Array(back.header[76..<108]), Array(volume.header[76..<108]))
        XCTAssertEqual(Array(back.header[252..<344]), Array(volume.header[252..<344]))
    }

    func testSingularAffineAndAbsurdDimensionsAreRefused() throws {
        let singular = try NIfTIVolume(
            bytes: Self.volumeBytes(
                width: 4, height: 4, depth: 1, rows: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]],
                voxels: [UInt8](repeating: 1, count: 16)), path: "s.nii")
        XCTAssertThrowsError(try singular.checkSegmentable(path: "s.nii")) { error in
            XCTAssertTrue("\(error)".contains("not invertible"), "\(error)")
        }
        let tall = try NIfTIVolume(
            bytes: Self.volumeBytes(
                width: 1, height: 1, depth: 5000, rows: Self.affine, voxels: [UInt8](repeating: 0, count: 5000)),
            path: "t.nii")
        XCTAssertThrowsError(try tall.checkSegmentable(path: "t.nii")) { error in
            XCTAssertTrue("\(error)".contains("beyond the limits"), "\(error)")
        }
    }
}
