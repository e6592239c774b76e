import Foundation
import MultiRaterData
import NIfTIFixtures
import XCTest

/// 4-D NIfTI volumes (x, y, slice, time): reading frames, writing 4-D label and float volumes with the input's
/// header, the size limits checked from the header alone, and the class volumes over time (ED, ES, EF, CSV).
final class NIfTIVolumeSeriesTests: XCTestCase {
    static let rows: [[Float]] = [[2, 0, 0, -10], [0, 2, 0, 5], [0, 0, 2.5, 2]]

    /// A 4-D file of `frames` uint8 frames `width x height x depth` (sform `rows`, 2 x 2 x 2.5 mm voxels).
    static func series(width: Int, height: Int, depth: Int, frames: [[UInt8]]) -> [UInt8] {
        SyntheticNIfTI.bytes(
            width: width, height: height, depth: depth, spacing: [2, 2, 2.5], sformRows: rows, frames: frames.count,
            payload: frames.flatMap { $0 })
    }

    /// Label frames where class 1 fills the first `volumes[t]` voxels of frame t and class 2 the last 3 voxels.
    static func labelFrames(count: Int, volumes: [Int]) -> [[UInt8]] {
        volumes.map { v in (0..<count).map { $0 < v ? 1 : ($0 >= count - 3 ? 2 : 0) } }
    }

    func testFramesReadAndFourDimensionalVolumesRoundTrip() throws {
        let (width, height, depth) = (5, 4, 3)
        let count = width * height * depth
        let frames = (0..<4).map { t in (0..<count).map { UInt8(($0 * 3 + 17 * t) % 256) } }
        let bytes = Self.series(width: width, height: height, depth: depth, frames: frames)
        let series = try NIfTIVolumeSeries(bytes: bytes, path: "cine.nii")
        XCTAssertEqual(series.frameCount, 4)
        XCTAssertEqual([series.dims.0, series.dims.1, series.dims.2], [width, height, depth])
        for t in 0..<4 {
            let volume = try series.frame(t)
            XCTAssertEqual(volume.values, frames[t].map(Float.init), "frame \(t)")
            XCTAssertEqual([volume.dims.0, volume.dims.1, volume.dims.2], [width, height, depth])
            XCTAssertEqual(volume.voxelMillilitres ?? 0, 0.01, accuracy: 1e-12)  // 2 x 2 x 2.5 mm³
            try volume.checkSegmentable(path: "cine.nii")
        }
        // Frames 3 and 1 written as a 4-D label volume: dim[4] = 2, the rest of the header as read.
        let labels = [frames[3].map { $0 % 4 }, frames[1].map { $0 % 4 }]
        let written = series.labelSeriesBytes(labels)
        let back = try NIfTIVolumeSeries(bytes: written, path: "labels.nii")
        XCTAssertEqual(back.frameCount, 2)
        XCTAssertEqual([back.dims.0, back.dims.1, back.dims.2], [width, height, depth])
        XCTAssertEqual(try back.frame(0).values, labels[0].map(Float.init))
        XCTAssertEqual(try back.frame(1).values, labels[1].map(Float.init))
        XCTAssertEqual(Array(written[40..<48]), Array(bytes[40..<48]))  // dim[0…3]
        XCTAssertEqual(Array(written[48..<50]), [2, 0])  // dim[4]
        XCTAssertEqual(Array(written[50..<70]), Array(bytes[50..<70]))
        XCTAssertEqual(Array(written[70..<74]), [2, 0, 8, 0])  // uint8
        XCTAssertEqual(Array(written[76..<108]), Array(bytes[76..<108]))  // pixdim, including pixdim[4]
        XCTAssertEqual(written[123], bytes[123])  // units
        XCTAssertEqual(Array(written[132..<344]), Array(bytes[132..<344]))  // toffset, description, qform, sform
        XCTAssertEqual(written.count, 352 + 2 * count)
        // Float volumes: values round trip, datatype 16.
        let values = (0..<3).map { t in (0..<count).map { Float($0) / Float(count) - Float(t) } }
        let floats = try NIfTIVolumeSeries(bytes: series.floatSeriesBytes(values), path: "f.nii")
        XCTAssertEqual(floats.frameCount, 3)
        for t in 0..<3 { XCTAssertEqual(try floats.frame(t).values, values[t]) }
        XCTAssertEqual(floats.header[70], 16)
        // A one-frame file is the 3-D reader's volume, header unchanged.
        let plain = SyntheticNIfTI.bytes(
            width: width, height: height, depth: depth, sformRows: Self.rows, payload: frames[0])
        let single = try NIfTIVolumeSeries(bytes: plain, path: "v.nii")
        XCTAssertEqual(single.frameCount, 1)
        XCTAssertEqual(try single.frame(0).header, try NIfTIVolume(bytes: plain, path: "v.nii").header)
        XCTAssertEqual(try single.frame(0).values, frames[0].map(Float.init))
    }

    func testAbsurdDimensionsAreRefusedBeforeReadingVoxels() throws {
        // Headers only: a size check after the data check would report truncation instead.
        for (dims, frames) in [((256, 256, 10), 5000), ((9000, 8, 1), 2), ((8, 8, 5000), 2), ((8192, 8192, 8), 2)] {
            let header = SyntheticNIfTI.bytes(
                width: dims.0, height: dims.1, depth: dims.2, sformRows: Self.rows, frames: frames, payload: [])
            XCTAssertThrowsError(try NIfTIVolumeSeries(bytes: header, path: "big.nii")) { error in
                XCTAssertTrue("\(error)".contains("beyond the limits"), "\(error)")
                XCTAssertTrue("\(error)".contains("big.nii"), "\(error)")
            }
        }
        // Truncated data of a plausible size, 5-D, and a NaN in frame 1 (named).
        let truncated = Array(Self.series(width: 4, height: 4, depth: 2, frames: [[UInt8]](repeating: [], count: 3)))
        XCTAssertThrowsError(try NIfTIVolumeSeries(bytes: truncated, path: "t.nii")) { error in
            XCTAssertTrue("\(error)".contains("truncated NIfTI data"), "\(error)")
        }
        var five = Self.series(width: 2, height: 2, depth: 1, frames: [[UInt8]](repeating: [0, 0, 0, 0], count: 2))
        five[40] = 5
        five[50] = 2
        five += [UInt8](repeating: 0, count: 8)
        XCTAssertThrowsError(try NIfTIVolumeSeries(bytes: five, path: "five.nii")) { error in
            XCTAssertTrue("\(error)".contains("only 3-D and 4-D volumes"), "\(error)")
        }
        let nan = SyntheticNIfTI.voxels([1, 2, 3, 4, 5, 6, 7, .nan], float32: true)
        let floats = SyntheticNIfTI.bytes(
            width: 2, height: 2, depth: 1, float32: true, sformRows: Self.rows, frames: 2, payload: nan)
        let series = try NIfTIVolumeSeries(bytes: floats, path: "n.nii")
        XCTAssertNoThrow(try series.frame(0))
        XCTAssertThrowsError(try series.frame(1)) { error in
            XCTAssertTrue("\(error)".contains("frame 1"), "\(error)")
            XCTAssertTrue("\(error)".contains("NaN"), "\(error)")
        }
    }

    func testClassVolumesOverTimeGiveEndDiastoleEndSystoleAndEjectionFraction() throws {
        let count = 200
        // Class 1 volumes per frame: largest in frame 2 (150 voxels), smallest in frame 5 (60 voxels).
        let volumes = [120, 140, 150, 110, 75, 60, 90]
        let labels = Self.labelFrames(count: count, volumes: volumes)
        let frames = Array(0..<7)
        let curve = ClassVolumeCurve(
            classID: 1, name: "left ventricle", frames: frames, labelFrames: labels, voxelMillilitres: 0.01)
        XCTAssertEqual(curve.voxels, volumes)
        XCTAssertEqual(curve.endDiastolicFrame, 2)
        XCTAssertEqual(curve.endSystolicFrame, 5)
        XCTAssertEqual(curve.ejectionFraction ?? -1, (150.0 - 60.0) / 150.0, accuracy: 1e-12)
        XCTAssertEqual(curve.millilitres?[2] ?? 0, 1.5, accuracy: 1e-12)
        // A constant class: ED = ES = the first frame, EF 0; an absent class: no EF.
        let constant = ClassVolumeCurve(
            classID: 2, name: "myo, wall", frames: frames, labelFrames: labels, voxelMillilitres: nil)
        XCTAssertEqual(constant.voxels, [Int](repeating: 3, count: 7))
        XCTAssertEqual(constant.endDiastolicFrame, 0)
        XCTAssertEqual(constant.endSystolicFrame, 0)
        XCTAssertEqual(constant.ejectionFraction, 0)
        XCTAssertNil(constant.millilitres)
        let absent = ClassVolumeCurve(
            classID: 3, name: "rv", frames: frames, labelFrames: labels, voxelMillilitres: nil)
        XCTAssertNil(absent.ejectionFraction)
        // A subset in a chosen order keeps the frame indices.
        let subset = ClassVolumeCurve(
            classID: 1, name: "lv", frames: [5, 2], labelFrames: [labels[5], labels[2]], voxelMillilitres: nil)
        XCTAssertEqual(subset.endDiastolicFrame, 2)
        XCTAssertEqual(subset.endSystolicFrame, 5)
        let one = ClassVolumeCurve(classID: 1, name: "lv", frames: [4], labelFrames: [labels[4]], voxelMillilitres: nil)
        XCTAssertEqual(one.voxels, [75])
        XCTAssertNil(one.ejectionFraction)

        let csv = ClassVolumeCurve.csv([curve, constant])
        let lines = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 1 + 2 * 7)
        XCTAssertEqual(lines[0], "frame,class_id,class_name,voxels,ml")
        XCTAssertEqual(lines[1], "0,1,left ventricle,120,1.200000")
        XCTAssertEqual(lines[2], "0,2,\"myo, wall\",3,")
        XCTAssertEqual(lines[11], "5,1,left ventricle,60,0.600000")
        XCTAssertTrue(csv.hasSuffix("\n"))
    }
}
