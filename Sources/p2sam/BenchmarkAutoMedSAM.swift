import AutoMedSAM
import AutoMedSAMTraining
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData

/// AutoMedSAM rows of `p2sam benchmark` (issue 12's budget): one 256x256 slice end to end (encoder once,
/// then the class prompt encoder and the decoder for 3 classes, label map at the image size; target
/// 600 ms), and a 20-slice 256x256 NIfTI volume end to end (read from disk, every slice segmented, the
/// label volume and the per-class mask volumes written, as `autoseg`; target 12 s). Without `--automedsam-model` the model is a randomly initialised
/// class prompt encoder (3 classes, the default configuration) with LiteMedSAM's decoder: the same
/// computation as a trained model, so it times on a fresh machine.
enum BenchmarkAutoMedSAM {
    static let classIDs = [1, 2, 3]
    static let sliceCount = 20

    static func rows(
        modelPath: String?, predictor: LiteMedSAMPredictor, backbone: ModelOptions, runs: Int, slowRuns: Int,
        warmup: Int, peak: Double
    ) throws -> [BenchmarkRow] {
        let model: AutoMedSAMModel
        let label: String
        if let modelPath {
            model = try AutoMedSAMModel(
                file: try AutoMedSAMModelFile(contentsOf: URL(fileURLWithPath: modelPath)), base: predictor.model)
            label = "model file"
        } else {
            let store = try LiteMedSAMCheckpoint.weights(
                at: backbone.checkpointURL, verifyChecksum: !backbone.skipChecksum)
            let configuration = try AutoMedSAMConfiguration(
                classes: [1: "one", 2: "two", 3: "three"], branches: .both, classTokens: true)
            let network = try AutoMedSAMNetwork(configuration: configuration, checkpoint: store, seed: 1)
            let layers = try network.currentLayers()
            model = AutoMedSAMModel(
                configuration: configuration, classPromptEncoder: layers.classPromptEncoder,
                maskDecoder: layers.maskDecoder, base: predictor.model)
            label = "random class prompt encoder"
        }
        let ids = Array(model.configuration.classIDs.prefix(classIDs.count))
        let image = sliceImage(phase: 0)
        let sliceGFLOP = Self.sliceGFLOP(model: model, classCount: ids.count)
        var rows: [BenchmarkRow] = []
        ResidentMemory.resetPeak()
        let slice = try BenchmarkClock.measure(runs: runs, warmup: warmup) {
            _ = try model.segment(try model.base.imageEncoder.embed(image), classIDs: ids)
        }
        rows.append(
            BenchmarkRow(
                name: "AutoMedSAM 1 slice 256x256, \(ids.count) classes (\(label))", ms: slice, perUnit: nil,
                target: 600, gflop: sliceGFLOP, peak: peak, rss: ResidentMemory.peakBytes(), stage: "automedsam_slice"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("p2sam-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("volume.nii")
        try Data(volumeBytes()).write(to: input)
        ResidentMemory.resetPeak()
        let volume = try BenchmarkClock.measure(runs: slowRuns, warmup: min(warmup, 1)) {
            let read = try NIfTIVolume(contentsOf: input)
            try read.checkSegmentable(path: input.path)
            let result = try AutosegCommand.segmentVolume(read, model: model, classIDs: ids)
            try read.writeLabelVolume(result.labels, to: folder.appendingPathComponent("labels.nii"))
            for (k, id) in ids.enumerated() {
                try read.writeLabelVolume(result.masks[k], to: folder.appendingPathComponent("mask_\(id).nii"))
            }
            let overlay = try AutosegCommand.volumeOverlay(
                read, segmentation: result, classIDs: ids, classNames: model.configuration.classes)
            try NIfTIVolume.writeAtomically(overlay, to: folder.appendingPathComponent("overlay.png"))
        }
        rows.append(
            BenchmarkRow(
                name: "AutoMedSAM NIfTI volume \(sliceCount)x256x256, \(ids.count) classes, file to file", ms: volume,
                perUnit: sliceCount, target: 12_000, gflop: Double(sliceCount) * sliceGFLOP, peak: peak,
                rss: ResidentMemory.peakBytes(),
                stage: "automedsam_volume_20"))
        return rows
    }

    /// The arithmetic of one slice (GFLOP, 2 per multiply-accumulate): the image encoder once, then per
    /// class the class prompt encoder (`ClassPromptEncoder.multiplyAccumulatesPerClass`, counted from the
    /// model's layers) and one decoder pass at the decoder rows' per-prompt figure. With the row's time this
    /// gives the slice's GFLOP/s and its share of the SGEMM peak measured in the same run: the target's
    /// distance from what this machine's arithmetic allows.
    static func sliceGFLOP(model: AutoMedSAMModel, classCount: Int) -> Double {
        let promptEncoder = 2 * Double(model.classPromptEncoder.multiplyAccumulatesPerClass) / 1e9
        return BenchmarkCommand.encoderGFLOP + Double(classCount)
            * (promptEncoder + BenchmarkCommand.decoderGFLOPPerPrompt)
    }

    /// A synthetic short-axis-like 256x256 slice: a bright blood pool in a darker ring on a textured
    /// background; `phase` shifts it between slices.
    static func sliceImage(phase: Int) -> MedicalImage {
        try! MedicalImage(width: 256, height: 256, channels: 1, pixels: slicePixels(phase: phase))
    }

    static func slicePixels(phase: Int) -> [Float] {
        var pixels = [Float](repeating: 0, count: 256 * 256)
        let (cx, cy) = (Float(128 + phase % 7), Float(120 + phase % 5))
        for y in 0..<256 {
            for x in 0..<256 {
                let r = hypot(Float(x) - cx, Float(y) - cy)
                let background = 30 + Float((x * 7 + y * 3) % 40)
                pixels[y * 256 + x] = r < 25 + Float(phase % 4) ? 210 : (r < 38 ? 90 : background)
            }
        }
        return pixels
    }

    /// A little-endian NIfTI-1 (`.nii`) volume of `sliceCount` synthetic 256x256 uint8 slices, 1.5 mm
    /// pixels, 8 mm slices (a scanner-like sform).
    static func volumeBytes() -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 348)
        func put32(_ value: UInt32, _ offset: Int) {
            for i in 0..<4 { header[offset + i] = UInt8((value >> (8 * UInt32(i))) & 0xff) }
        }
        func put16(_ value: Int, _ offset: Int) {
            header[offset] = UInt8(value & 0xff)
            header[offset + 1] = UInt8((value >> 8) & 0xff)
        }
        put32(348, 0)
        for (i, v) in [3, 256, 256, sliceCount, 1, 1, 1, 1].enumerated() { put16(v, 40 + 2 * i) }
        put16(2, 70)  // datatype uint8
        put16(8, 72)  // bitpix
        for (i, v) in [Float(1), 1.5, 1.5, 8, 1, 1, 1, 1].enumerated() { put32(v.bitPattern, 76 + 4 * i) }
        put32(Float(352).bitPattern, 108)  // vox_offset
        put16(1, 254)  // sform_code
        for (r, row) in [[Float(1.5), 0, 0, -190], [0, 1.5, 0, -190], [0, 0, 8, -80]].enumerated() {
            for (c, v) in row.enumerated() { put32(v.bitPattern, 280 + 16 * r + 4 * c) }
        }
        header.replaceSubrange(344..<348, with: Array("n+1".utf8) + [0])
        var bytes = header + [0, 0, 0, 0]
        for k in 0..<sliceCount { bytes += slicePixels(phase: k).map { UInt8($0) } }
        return bytes
    }
}
