import Foundation
import MedImageIO
import MultiRaterData
import NIfTIFixtures
import XCTest

/// `p2sam autoseg` on 4-D NIfTI volumes (x, y, slice, time): every chosen frame segmented as its 3-D volume,
/// 4-D outputs with the input's header, the class volumes over time, `--frames` validation and refused sizes.
final class AutosegSeriesTests: XCTestCase {
    static let rows: [[Float]] = [[1.5, 0, 0, -10], [0, 1.5, 0, 5], [0, 0, 3, 2]]

    /// Frame `t` of a synthetic cine: a bright disc whose radius changes with `t` over a ramp; every frame holds
    /// a 0 and a 255 voxel, so the min–max over one frame equals the min–max over the series.
    static func frame(_ t: Int, width: Int, height: Int, depth: Int) -> [UInt8] {
        (0..<(width * height * depth)).map { i -> UInt8 in
            let (x, y, z) = (i % width, (i / width) % height, i / (width * height))
            if i == 0 { return 0 }
            if i == 1 { return 255 }
            let (dx, dy) = (x - 20, y - 16 + 2 * z)
            let radius = 6 + 3 * t
            return dx * dx + dy * dy < radius * radius ? 240 : UInt8(10 + (x * 3 + y) % 150)
        }
    }

    func testFramesAreSegmentedAsTheirVolumesAndWrittenFourDimensional() throws {
        let (folder, model) = try AutosegCommandTests.scratchFolderWithModel()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (width, height, depth) = (40, 32, 2)
        let frames = (0..<3).map { Self.frame($0, width: width, height: height, depth: depth) }
        let input = folder.appendingPathComponent("cine.nii.gz")
        let plain = SyntheticNIfTI.bytes(
            width: width, height: height, depth: depth, spacing: [1.5, 1.5, 3], sformRows: Self.rows, frames: 3,
            payload: frames.flatMap { $0 })
        try Data(try NIfTIVolume.fileBytes(plain, for: input)).write(to: input)
        let out = folder.appendingPathComponent("out")
        let outcome = try AutosegCommandTests.run([
            "autoseg", "--image", input.path, "--model", model.path, "--output", out.path, "--frames", "2,0",
            "--samples", "2", "--checkpoint", AutosegCommandTests.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("frame 2/2 (t 0), slice 2/2"), outcome.output)
        XCTAssertEqual(
            Set(try FileManager.default.contentsOfDirectory(atPath: out.path)),
            [
                "labels.nii.gz", "mask_1.nii.gz", "mask_3.nii.gz", "volumes.csv", "volumes.json", "volumes.png",
                "overlay_t2.png", "overlay_t0.png", "frequency_1.nii.gz", "frequency_3.nii.gz", "entropy_1.nii.gz",
                "entropy_3.nii.gz",
            ])
        // --samples: 4-D float32 frequency and entropy volumes, one frame per frame written.
        for id in [1, 3] {
            let frequency = try NIfTIVolumeSeries(contentsOf: out.appendingPathComponent("frequency_\(id).nii.gz"))
            let entropy = try NIfTIVolumeSeries(contentsOf: out.appendingPathComponent("entropy_\(id).nii.gz"))
            XCTAssertEqual(frequency.frameCount, 2)
            XCTAssertEqual(frequency.header[70], 16)
            for n in 0..<2 {
                let p = try frequency.frame(n).values
                XCTAssertTrue(Set(p).isSubset(of: [0, 0.5, 1]))
                XCTAssertEqual(try entropy.frame(n).values, p.map { $0 == 0.5 ? 1 : 0 })
            }
        }
        let labels = try NIfTIVolumeSeries(contentsOf: out.appendingPathComponent("labels.nii.gz"))
        XCTAssertEqual(labels.frameCount, 2)
        XCTAssertEqual(Array(labels.header[76..<108]), Array(plain[76..<108]))  // pixdim incl. the frame step
        XCTAssertEqual(Array(labels.header[132..<344]), Array(plain[132..<344]))  // qform, sform, description
        XCTAssertEqual(labels.header[123], plain[123])

        // Each written frame equals `autoseg` of that frame alone as a 3-D volume (same min–max here).
        var labelFrames: [[UInt8]] = []
        for (n, t) in [2, 0].enumerated() {
            let single = folder.appendingPathComponent("frame\(t).nii")
            try Data(
                SyntheticNIfTI.bytes(
                    width: width, height: height, depth: depth, spacing: [1.5, 1.5, 3], sformRows: Self.rows,
                    payload: frames[t])
            ).write(to: single)
            let singleOut = folder.appendingPathComponent("out\(t)")
            let run = try AutosegCommandTests.run([
                "autoseg", "--image", single.path, "--model", model.path, "--output", singleOut.path,
                "--checkpoint", AutosegCommandTests.checkpoint.path,
            ])
            XCTAssertEqual(run.status, 0, run.output)
            let expected = try NIfTIVolume(contentsOf: singleOut.appendingPathComponent("labels.nii")).values
            XCTAssertEqual(try labels.frame(n).values, expected, "frame \(t)")
            let mask = try NIfTIVolumeSeries(contentsOf: out.appendingPathComponent("mask_3.nii.gz"))
            XCTAssertEqual(
                try mask.frame(n).values,
                try NIfTIVolume(contentsOf: singleOut.appendingPathComponent("mask_3.nii")).values)
            labelFrames.append(expected.map { UInt8($0) })
        }

        // volumes.csv and volumes.json count the written label frames (1.5 x 1.5 x 3 mm = 0.00675 mL per voxel).
        let counts = [1, 3].map { id in labelFrames.map { frame in frame.filter { $0 == UInt8(id) }.count } }
        let csv = try String(contentsOf: out.appendingPathComponent("volumes.csv"), encoding: .utf8)
        var expectedCSV = "frame,class_id,class_name,voxels,ml\n"
        for (n, t) in [2, 0].enumerated() {
            for (k, (id, name)) in [(1, "left"), (3, "right")].enumerated() {
                expectedCSV +=
                    "\(t),\(id),\(name),\(counts[k][n]),\(String(format: "%.6f", Double(counts[k][n]) * 0.00675))\n"
            }
        }
        XCTAssertEqual(csv, expectedCSV)
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("volumes.json")))
            as? [String: Any]
        XCTAssertEqual(json?["frames"] as? [Int], [2, 0])
        XCTAssertEqual(json?["frame_count"] as? Int, 3)
        XCTAssertEqual(json?["voxel_ml"] as? Double ?? 0, 0.00675, accuracy: 1e-9)
        let classes = json?["classes"] as? [[String: Any]] ?? []
        XCTAssertEqual(classes.count, 2)
        for (k, entry) in classes.enumerated() {
            let voxels = counts[k]
            XCTAssertEqual(entry["voxels"] as? [Int], voxels)
            let ed = voxels[1] > voxels[0] ? 0 : 2
            let es = voxels[1] < voxels[0] ? 0 : 2
            XCTAssertEqual(entry["end_diastolic_frame"] as? Int, ed)
            XCTAssertEqual(entry["end_systolic_frame"] as? Int, es)
            let (high, low) = (voxels.max()!, voxels.min()!)
            if high > 0 {
                XCTAssertEqual(
                    entry["ejection_fraction"] as? Double ?? -1, Double(high - low) / Double(high), accuracy: 1e-12)
            } else {
                XCTAssertTrue(entry["ejection_fraction"] is NSNull || entry["ejection_fraction"] == nil)
            }
        }
        let plot = try PNG.decode([UInt8](try Data(contentsOf: out.appendingPathComponent("volumes.png"))))
        XCTAssertEqual(plot.channels, 3)
    }

    func testFramesOptionIsValidatedAndAbsurdSizesAreRefused() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Checked before the model is read: a missing model file is never reached.
        let model = folder.appendingPathComponent("missing.safetensors")
        let input = folder.appendingPathComponent("cine.nii")
        let frames = (0..<3).map { Self.frame($0, width: 8, height: 8, depth: 1) }
        try Data(
            SyntheticNIfTI.bytes(
                width: 8, height: 8, depth: 1, sformRows: Self.rows, frames: 3, payload: frames.flatMap { $0 })
        ).write(to: input)
        for (frames, message) in [
            ("0,3", "frame 3 is out of range: the volume has 3 frames (0…2)"), ("1,1", "--frames lists a frame twice"),
            ("0,x", "--frames must be comma-separated"), ("-1", "frame -1 is out of range"),
        ] {
            try AutosegCommandTests.assertAutosegRefused(
                image: input, model: model, output: folder.appendingPathComponent("refused"),
                extra: ["--frames=\(frames)"], mentioning: message)
        }
        let volume = folder.appendingPathComponent("volume.nii")
        try Data(SyntheticNIfTI.bytes(width: 8, height: 8, depth: 1, sformRows: Self.rows, payload: frames[0]))
            .write(to: volume)
        try AutosegCommandTests.assertAutosegRefused(
            image: volume, model: model, output: folder.appendingPathComponent("refused"), extra: ["--frames", "0"],
            mentioning: "--frames applies to 4-D volumes")
        // 2000 frames of 512x512x20 in the header of a 352-byte file: refused by size, not by truncation.
        let huge = folder.appendingPathComponent("huge.nii")
        try Data(
            SyntheticNIfTI.bytes(width: 512, height: 512, depth: 20, sformRows: Self.rows, frames: 2000, payload: [])
        ).write(to: huge)
        try AutosegCommandTests.assertAutosegRefused(
            image: huge, model: model, output: folder.appendingPathComponent("refused"),
            mentioning: "dimensions 512x512x20x2000 are beyond the limits")
    }
}
