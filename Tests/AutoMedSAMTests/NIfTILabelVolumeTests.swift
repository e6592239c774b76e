import Foundation
import MultiRaterData
import NIfTIFixtures
import XCTest

/// Label volumes keep the input's geometry; volumes that cannot be placed or are absurd are refused.
final class NIfTILabelVolumeTests: XCTestCase {
    /// A little-endian uint8 NIfTI-1 volume with sform rows `rows` (x, y, z; 4 values each).
    static func volumeBytes(width: Int, height: Int, depth: Int, rows: [[Float]], voxels: [UInt8]) -> [UInt8] {
        SyntheticNIfTI.bytes(
            width: width, height: height, depth: depth, spacing: [1.5, 1.5, 3], sformRows: rows, payload: voxels)
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

    func testVoxelVolumeFollowsTheAffineAndTheStatedUnit() throws {
        var bytes = Self.volumeBytes(
            width: 2, height: 2, depth: 1, rows: [[-1.5, 0, 0, 0], [0, 1.5, 0, 0], [0, 0, 3, 0]],
            voxels: [UInt8](repeating: 0, count: 4))
        // Unit unknown (xyzt_units 0): no volume in a unit the file does not state.
        XCTAssertNil(try NIfTIVolume(bytes: bytes, path: "v.nii").voxelMillilitres)
        XCTAssertEqual(try NIfTIVolume(bytes: bytes, path: "v.nii").spatialDeterminant, -6.75, accuracy: 1e-9)
        // Millimetres (2, with seconds 8 in the time bits): 1.5 x 1.5 x 3 mm³ = 0.00675 mL.
        bytes[123] = 2 | 8
        XCTAssertEqual(try NIfTIVolume(bytes: bytes, path: "v.nii").voxelMillilitres ?? 0, 0.00675, accuracy: 1e-12)
        // Metres (1): 6.75 m³ = 6.75e6 mL; micrometres (3): 6.75e-12 mL.
        bytes[123] = 1
        XCTAssertEqual(try NIfTIVolume(bytes: bytes, path: "v.nii").voxelMillilitres ?? 0, 6.75e6, accuracy: 1e-3)
        bytes[123] = 3
        XCTAssertEqual(
            try NIfTIVolume(bytes: bytes, path: "v.nii").voxelMillilitres ?? 0, 6.75e-12, accuracy: 1e-18)
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
