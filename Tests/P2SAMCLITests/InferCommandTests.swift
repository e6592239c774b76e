import Foundation
import TorchCheckpoint
import XCTest

/// `p2sam infer` on challenge `.npz` cases through the real binary: outputs in the challenge format,
/// and bad cases reported by name and key while the rest of the folder is still processed.
final class InferCommandTests: XCTestCase {
    var directory: URL!
    var input: URL { directory.appendingPathComponent("cases") }
    var output: URL { directory.appendingPathComponent("segs") }

    override func setUpWithError() throws {
        directory = try CLIRunner.temporaryDirectory()
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Case files

    static func int64Array(_ values: [Int], shape: [Int]) throws -> NumpyArray {
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { bytes += $0 } }
        return try NumpyArray(dtype: .int64, shape: shape, bytes: bytes)
    }

    static func float64Array(_ values: [Double]) throws -> NumpyArray {
        var bytes: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        return try NumpyArray(dtype: .float64, shape: [values.count], bytes: bytes)
    }

    /// A grey plane with bright disks at the given centres (radius r), `height x width` bytes.
    static func plane(height: Int, width: Int, disks: [(x: Int, y: Int, r: Double)]) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: height * width)
        for y in 0..<height {
            for x in 0..<width {
                var v = 60 + 30 * sin(Double(x) / 13) * cos(Double(y) / 17)
                for d in disks where Double((x - d.x) * (x - d.x) + (y - d.y) * (y - d.y)).squareRoot() < d.r {
                    v += 130
                }
                pixels[y * width + x] = UInt8(max(0, min(255, v)))
            }
        }
        return pixels
    }

    func write(_ name: String, _ arrays: [(key: String, array: NumpyArray)]) throws {
        try NPZWriter.write(arrays, to: input.appendingPathComponent(name))
    }

    /// 2D: 120x160 RGB with two disks; boxes around each.
    func write2D(_ name: String, boxes: [Int]? = [70, 20, 130, 80, 10, 60, 60, 110], columns: Int = 4) throws {
        let grey = Self.plane(height: 120, width: 160, disks: [(100, 50, 22), (35, 85, 18)])
        var arrays: [(key: String, array: NumpyArray)] = [
            ("imgs", try NumpyArray(uint8: grey.flatMap { [$0, $0, $0] }, shape: [120, 160, 3]))
        ]
        if let boxes {
            arrays.append(("boxes", try Self.int64Array(boxes, shape: [boxes.count / columns, columns])))
        }
        try write(name, arrays)
    }

    /// 3D: 10 slices of 96x128 with a ball centred on slice 4; one box over slices 1...7.
    func write3D(_ name: String, box: [Int] = [40, 20, 1, 100, 80, 7], spacing: Bool = true) throws {
        var voxels: [UInt8] = []
        for z in 0..<10 {
            let r = max(0, 30 - 6 * Double(abs(z - 4)))
            voxels += Self.plane(height: 96, width: 128, disks: [(70, 50, r)])
        }
        var arrays: [(key: String, array: NumpyArray)] = [
            ("imgs", try NumpyArray(uint8: voxels, shape: [10, 96, 128])),
            ("boxes", try Self.int64Array(box, shape: [1, 6])),
        ]
        if spacing { arrays.append(("spacing", try Self.float64Array([2.5, 0.8, 0.8]))) }
        try write(name, arrays)
    }

    func segs(_ name: String) throws -> (shape: [Int], labels: [Int]) {
        let archive = try NPZArchive(contentsOf: output.appendingPathComponent(name))
        let segs = try archive.array(named: "segs")
        XCTAssertEqual(segs.dtype, .uint16)
        return (segs.shape, try segs.int64s().map { Int($0) })
    }

    // MARK: - Tests

    func testInferWritesChallengeOutputsFor2DAnd3DCases() throws {
        try CLIRunner.requireCheckpoint()
        try write2D("2D_disks.npz")
        try write3D("3D_ball.npz")
        let outcome = try CLIRunner.run(["infer", "--input", input.path, "--output", output.path])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("2 of 2 cases segmented"), outcome.output)

        let flat = try segs("2D_disks.npz")
        XCTAssertEqual(flat.shape, [120, 160])
        XCTAssertEqual(Set(flat.labels), [0, 1, 2])
        XCTAssertEqual(flat.labels[50 * 160 + 100], 1, "centre of the first disk")
        XCTAssertEqual(flat.labels[85 * 160 + 35], 2, "centre of the second disk")

        let volume = try segs("3D_ball.npz")
        XCTAssertEqual(volume.shape, [10, 96, 128])
        let plane = 96 * 128
        let perSlice = (0..<10).map { z in volume.labels[(z * plane)..<((z + 1) * plane)].filter { $0 == 1 }.count }
        // Slices z_min ... z_max (1...7) are segmented, from the middle (slice 4) outwards; the ball also
        // crosses slices 0 and 8, which lie outside the box.
        XCTAssertEqual(perSlice[0], 0, "\(perSlice)")
        XCTAssertEqual(perSlice[8], 0, "\(perSlice)")
        XCTAssertGreaterThan(perSlice[4], 1500, "\(perSlice)")
        for z in 1...7 { XCTAssertGreaterThan(perSlice[z], 0, "slice \(z): \(perSlice)") }
        XCTAssertEqual(Set(volume.labels), [0, 1])
    }

    func testBadCasesAreNamedAndTheRestStillProcessed() throws {
        try CLIRunner.requireCheckpoint()
        try write2D("2D_good.npz")
        try write2D("2D_no_boxes.npz", boxes: nil)
        try write2D("2D_outside.npz", boxes: [70, 20, 200, 80])
        try write2D("2D_six_values.npz", boxes: [70, 20, 1, 130, 80, 3], columns: 6)
        try write3D("3D_no_spacing.npz", spacing: false)
        try write3D("3D_z_outside.npz", box: [40, 20, 2, 100, 80, 12])
        try Data("not a zip".utf8).write(to: input.appendingPathComponent("2D_garbage.npz"))
        let outcome = try CLIRunner.run(["infer", "--input", input.path, "--output", output.path])
        XCTAssertEqual(outcome.status, 1, outcome.output)
        XCTAssertTrue(outcome.output.contains("1 of 7 cases segmented"), outcome.output)
        XCTAssertTrue(outcome.output.contains("6 failed:"), outcome.output)
        for expected in [
            "2D_no_boxes.npz: missing key 'boxes' (keys present: imgs)",
            "2D_outside.npz: key 'boxes': box 0: ",
            "is not inside the 160x120 image",
            "2D_six_values.npz: key 'boxes': shape [1, 6], expected N x 4 for a 2D case",
            "6-value boxes are for 3D cases",
            "3D_no_spacing.npz: missing key 'spacing'",
            "3D_z_outside.npz: key 'boxes': box 0:",
            "z range is not inside the 10-slice volume (need 0 <= z_min < z_max <= 9)",
            "2D_garbage.npz: cannot read the case",
        ] {
            XCTAssertTrue(outcome.output.contains(expected), "missing '\(expected)' in:\n\(outcome.output)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("2D_good.npz").path))
        let written = try FileManager.default.contentsOfDirectory(atPath: output.path)
        XCTAssertEqual(written, ["2D_good.npz"])
    }

    func testArraysOverTheSizeLimitAreRefusedByName() throws {
        try CLIRunner.requireCheckpoint()
        let side = 700
        try write(
            "2D_large.npz",
            [
                ("imgs", try NumpyArray(uint8: [UInt8](repeating: 9, count: side * side * 3), shape: [side, side, 3])),
                ("boxes", try Self.int64Array([10, 10, 100, 100], shape: [1, 4])),
            ])
        let outcome = try CLIRunner.run([
            "infer", "--input", input.path, "--output", output.path, "--max-decompressed-mib", "1",
        ])
        XCTAssertEqual(outcome.status, 1, outcome.output)
        XCTAssertTrue(
            outcome.output.contains("2D_large.npz: key 'imgs': 1470128 bytes, over the limit of 1048576 bytes"),
            outcome.output)
    }

    func testInferRefusesAMissingOrEmptyInputFolder() throws {
        let missing = try CLIRunner.run([
            "infer", "--input", directory.appendingPathComponent("nope").path, "--output", output.path,
        ])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("is not a folder"), missing.output)
        let empty = try CLIRunner.run(["infer", "--input", input.path, "--output", output.path])
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.output.contains("holds no .npz files"), empty.output)
    }
}
