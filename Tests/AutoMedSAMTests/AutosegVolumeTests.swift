import AutoMedSAM
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import XCTest

/// `p2sam autoseg` on NIfTI volumes: per-class mask volumes, `--samples` frequency and entropy volumes,
/// gzip outputs for a gzip input, and 4-D inputs with a 4th dimension of 1 (read as 3-D); 5-D refused.
final class AutosegVolumeTests: XCTestCase {
    /// A NIfTI volume's bytes with `dim[0] = 4` and `volumes` copies of `voxels` along the 4th dimension
    /// (`dim[5]` also `volumes`, read only when `dim[0]` is raised to 5).
    static func fourDimensional(width: Int, height: Int, depth: Int, volumes: Int, voxels: [UInt8]) -> [UInt8] {
        var bytes = NIfTILabelVolumeTests.volumeBytes(
            width: width, height: height, depth: depth, rows: NIfTILabelVolumeTests.affine, voxels: [])
        bytes[40] = 4
        bytes[48] = UInt8(volumes)
        bytes[50] = UInt8(volumes)
        for _ in 0..<volumes { bytes += voxels }
        return bytes
    }

    func testFloatVolumesKeepTheHeaderAndRoundTrip() throws {
        let voxels = [UInt8](repeating: 0, count: 6 * 5 * 2)
        let volume = try NIfTIVolume(
            bytes: NIfTILabelVolumeTests.volumeBytes(
                width: 6, height: 5, depth: 2, rows: NIfTILabelVolumeTests.affine, voxels: voxels), path: "v.nii")
        let values = (0..<60).map { Float($0) / 59 - 0.25 }
        let read = try NIfTIVolume(bytes: volume.floatVolumeBytes(values), path: "f.nii")
        XCTAssertEqual(read.values, values)
        XCTAssertEqual(Array(read.header[252..<344]), Array(volume.header[252..<344]))
        XCTAssertEqual(read.header[70], 16)
        XCTAssertEqual(read.header[72], 32)
    }

    func testAutosegWritesPerClassVolumesAndReads4DWithOneVolume() throws {
        let (folder, model) = try AutosegCommandTests.scratchFolderWithModel()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (width, height, depth) = (40, 32, 2)
        let voxels = (0..<(width * height * depth)).map { UInt8(($0 * 7) % 251) }
        let input = folder.appendingPathComponent("vol.nii.gz")
        let plain = NIfTILabelVolumeTests.volumeBytes(
            width: width, height: height, depth: depth, rows: NIfTILabelVolumeTests.affine, voxels: voxels)
        try Data(try NIfTIVolume.fileBytes(plain, for: input)).write(to: input)
        let out = folder.appendingPathComponent("out")
        let outcome = try AutosegCommandTests.run([
            "autoseg", "--image", input.path, "--model", model.path, "--output", out.path, "--samples", "2",
            "--checkpoint", AutosegCommandTests.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        XCTAssertEqual(
            names,
            [
                "labels.nii.gz", "mask_1.nii.gz", "mask_3.nii.gz", "frequency_1.nii.gz", "frequency_3.nii.gz",
                "entropy_1.nii.gz", "entropy_3.nii.gz", "overlay.png",
            ])
        // The overlay figure: both 40x32 slices enlarged by the same integer factor side by side, RGB.
        let overlay = try PNG.decode([UInt8](try Data(contentsOf: out.appendingPathComponent("overlay.png"))))
        XCTAssertEqual(overlay.channels, 3)
        XCTAssertGreaterThan(overlay.width, 2 * width * (Visualization.defaultTileSide / width))
        let original = try NIfTIVolume(contentsOf: input)
        let labels = try NIfTIVolume(contentsOf: out.appendingPathComponent("labels.nii.gz"))
        for id in [1, 3] {
            let mask = try NIfTIVolume(contentsOf: out.appendingPathComponent("mask_\(id).nii.gz"))
            XCTAssertEqual(Array(mask.header[252..<344]), Array(original.header[252..<344]))
            XCTAssertEqual(mask.header[70], 2)
            XCTAssertEqual([mask.dims.0, mask.dims.1, mask.dims.2], [width, height, depth])
            XCTAssertTrue(Set(mask.values).isSubset(of: [0, 1]))
            // A voxel labelled `id` has the class's mask set (the label is the best positive logit).
            for i in labels.values.indices where labels.values[i] == Float(id) { XCTAssertEqual(mask.values[i], 1) }
            let frequency = try NIfTIVolume(contentsOf: out.appendingPathComponent("frequency_\(id).nii.gz"))
            let entropy = try NIfTIVolume(contentsOf: out.appendingPathComponent("entropy_\(id).nii.gz"))
            XCTAssertEqual(frequency.header[70], 16)
            XCTAssertTrue(Set(frequency.values).isSubset(of: [0, 0.5, 1]))
            for i in frequency.values.indices {
                XCTAssertEqual(entropy.values[i], frequency.values[i] == 0.5 ? 1 : 0, accuracy: 1e-6)
            }
        }

        // 4-D with one volume (and --precision auto): read as 3-D, outputs keep its header.
        let single = folder.appendingPathComponent("single.nii")
        try Data(Self.fourDimensional(width: width, height: height, depth: depth, volumes: 1, voxels: voxels))
            .write(to: single)
        let out4 = folder.appendingPathComponent("out4")
        let four = try AutosegCommandTests.run([
            "autoseg", "--image", single.path, "--model", model.path, "--output", out4.path, "--classes", "3",
            "--precision", "auto", "--checkpoint", AutosegCommandTests.checkpoint.path,
        ])
        XCTAssertEqual(four.status, 0, four.output)
        let mask = try NIfTIVolume(contentsOf: out4.appendingPathComponent("mask_3.nii"))
        XCTAssertEqual([mask.dims.0, mask.dims.1, mask.dims.2], [width, height, depth])
        XCTAssertEqual(mask.header[40], 4)
        XCTAssertEqual(
            Set(try FileManager.default.contentsOfDirectory(atPath: out4.path)),
            ["labels.nii", "mask_3.nii", "overlay.png"])
        // 5-D (two volumes along the 5th dimension): refused, nothing written (4-D series: AutosegSeriesTests).
        var five = Self.fourDimensional(width: width, height: height, depth: depth, volumes: 2, voxels: voxels)
        five[40] = 5
        five[48] = 1
        let double = folder.appendingPathComponent("double.nii")
        try Data(five).write(to: double)
        try AutosegCommandTests.assertAutosegRefused(
            image: double, model: model, output: folder.appendingPathComponent("refused"),
            mentioning: "only 3-D and 4-D volumes are supported (dims 40x32x2x1x2)")
    }

    /// Without `--samples` the slices run side by side (one per core, each single-threaded): the label and mask
    /// volumes equal the library's slice-by-slice segmentation (the CLI's scaling: min–max over the volume to
    /// 0…255), every slice in its place.
    func testSlicesSideBySideEqualSliceBySliceSegmentation() throws {
        let (folder, modelURL) = try AutosegCommandTests.scratchFolderWithModel()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (width, height, depth) = (48, 40, 3)
        // Different content per slice: a bright disc moving across a ramp.
        let voxels = (0..<(width * height * depth)).map { i -> UInt8 in
            let (x, y, z) = (i % width, (i / width) % height, i / (width * height))
            let (dx, dy) = (x - 10 - 12 * z, y - 20)
            return dx * dx + dy * dy < 64 ? 250 : UInt8((x * 3 + y + 40 * z) % 200)
        }
        let input = folder.appendingPathComponent("vol.nii")
        try Data(
            NIfTILabelVolumeTests.volumeBytes(
                width: width, height: height, depth: depth, rows: NIfTILabelVolumeTests.affine, voxels: voxels)
        ).write(to: input)
        let out = folder.appendingPathComponent("out")
        let outcome = try AutosegCommandTests.run([
            "autoseg", "--image", input.path, "--model", modelURL.path, "--output", out.path,
            "--checkpoint", AutosegCommandTests.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)

        let file = try AutoMedSAMModelFile(contentsOf: modelURL)
        let layers = try file.layers()
        let model = AutoMedSAMModel(
            configuration: file.configuration, classPromptEncoder: layers.classPromptEncoder,
            maskDecoder: layers.maskDecoder,
            base: try LiteMedSAMModel(checkpoint: AutosegCommandTests.checkpoint, verifyChecksum: false))
        let ids = file.configuration.classIDs
        let values = voxels.map(Float.init)
        let (lower, upper) = (values.min()!, values.max()!)
        var labels: [Float] = []
        var masks = ids.map { _ in [Float]() }
        for z in 0..<depth {
            let pixels = values[(z * width * height)..<((z + 1) * width * height)].map {
                (($0 - lower) / (upper - lower) * 255).rounded()
            }
            let image = try MedicalImage(width: width, height: height, channels: 1, pixels: pixels)
            let segmentation = try model.segment(try model.base.imageEncoder.embed(image), classIDs: ids)
            labels += segmentation.labelMap.map(Float.init)
            for n in ids.indices { masks[n] += segmentation.masks[n].map(Float.init) }
        }
        XCTAssertEqual(try NIfTIVolume(contentsOf: out.appendingPathComponent("labels.nii")).values, labels)
        for (n, id) in ids.enumerated() {
            XCTAssertEqual(try NIfTIVolume(contentsOf: out.appendingPathComponent("mask_\(id).nii")).values, masks[n])
        }
    }
}
