import AutoMedSAM
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import SAMTensor
import SeededSampling

/// `p2sam autoseg` on a NIfTI volume: every axial slice segmented, then the label volume, one mask volume
/// per class and (with `--samples`) per-class frequency and entropy volumes, all with the input's header, and an
/// `overlay.png` of the slices with their classes.
extension AutosegCommand {
    /// The volumes computed for one input, before anything is written.
    struct VolumeSegmentation {
        /// Class id per voxel (x fastest, as the input's voxels).
        var labels: [UInt8]
        /// Per class (in the order of the class ids), 0/1 per voxel.
        var masks: [[UInt8]]
        /// Per class, the fraction of the noisy passes marking each voxel (empty without samples).
        var frequencies: [[Float]]
        /// Per class, the voxels marked.
        var counts: [Int] { masks.map { $0.reduce(0) { $0 + Int($1) } } }
    }

    /// Segments every axial slice of `volume` and writes, into `--output`, `labels`, `mask_<id>` and (with
    /// `--samples`) `frequency_<id>` / `entropy_<id>` volumes, `.nii.gz` when the input is gzip-compressed,
    /// else `.nii`, and `overlay.png` (``volumeOverlay(_:segmentation:classIDs:classNames:window:titlePrefix:)``). Every file's bytes are
    /// made before the first is written; each is written atomically.
    func segmentVolume(
        _ volume: NIfTIVolume, model: AutoMedSAMModel, classIDs: [Int], absentRule: AbsentClassRule?,
        presence: ClassPresenceModel?
    ) throws {
        let (width, height, depth) = volume.dims
        let start = Date()
        let result = try Self.segmentVolume(
            volume, model: model, classIDs: classIDs, samples: samples, seed: seed, absentRule: absentRule,
            presence: presence
        ) { k in
            FileHandle.standardError.write(
                Data(String(format: "\rslice %d/%d, %.1f s ", k, depth, Date().timeIntervalSince(start)).utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        var files = AutosegOutputFiles(output: output, input: image)
        try files.addVolume("labels", volume.labelVolumeBytes(result.labels))
        for (k, id) in classIDs.enumerated() {
            try files.addVolume("mask_\(id)", volume.labelVolumeBytes(result.masks[k]))
        }
        for (k, id) in classIDs.enumerated() where !result.frequencies.isEmpty {
            try files.addVolume("frequency_\(id)", volume.floatVolumeBytes(result.frequencies[k]))
            try files.addVolume("entropy_\(id)", volume.floatVolumeBytes(result.frequencies[k].map(Self.binaryEntropy)))
        }
        let overlay = try Self.volumeOverlay(
            volume, segmentation: result, classIDs: classIDs, classNames: model.configuration.classes)
        files.add("overlay.png", overlay)
        try files.write()
        let counts = result.counts
        print(
            "\(classIDs.count) class(es) in \(depth) slice(s) of \(width)x\(height) \(image): "
                + classIDs.enumerated().map { n, id in "\(id) \(model.configuration.classes[id]!) \(counts[n]) voxels" }
                .joined(separator: ", ") + "; \(files.count) files (labels\(files.volumeSuffix), …) in \(output)")
    }

    /// The segmentation of every axial slice of `volume` (intensities min–max scaled over the volume to
    /// 0…255, embedded once per slice): labels and per-class masks, and with `samples` ≥ 2 the per-class
    /// frequencies of `samples` noisy passes (one `SeededRandom(seed:)` drawn slice after slice);
    /// `absentRule` or `presence` filters each slice's masks (not the frequencies); `sliceDone(k)` after
    /// the k-th slice finished (1-based). Without samples the slices run side by side, one per core
    /// (`SideBySide`), with the same results as one after the other. `window` replaces the volume's min–max
    /// as the intensities mapped to 0…255 (a 4-D series scales every frame by the series' min–max).
    static func segmentVolume(
        _ volume: NIfTIVolume, model: AutoMedSAMModel, classIDs: [Int], samples: Int = 0, seed: UInt64 = 1,
        absentRule: AbsentClassRule? = nil, presence: ClassPresenceModel? = nil, window: ClosedRange<Float>? = nil,
        sliceDone: ((Int) -> Void)? = nil
    ) throws -> VolumeSegmentation {
        let (width, height, depth) = volume.dims
        let plane = width * height
        let lower = window?.lowerBound ?? volume.values.min() ?? 0
        let range = max((window?.upperBound ?? volume.values.max() ?? 0) - lower, 1e-6)
        var result = VolumeSegmentation(
            labels: [UInt8](repeating: 0, count: volume.values.count),
            masks: classIDs.map { _ in [UInt8](repeating: 0, count: volume.values.count) },
            frequencies: samples > 0 ? classIDs.map { _ in [Float](repeating: 0, count: volume.values.count) } : [])
        func segmented(_ k: Int) throws -> (segmentation: ClassSegmentation, embedded: EmbeddedImage) {
            let pixels = volume.slice(k).map { (($0 - lower) / range * 255).rounded() }
            let slice = try MedicalImage(width: width, height: height, channels: 1, pixels: pixels)
            let embedded = try model.base.imageEncoder.embed(slice)
            let unfiltered = try model.segment(embedded, classIDs: classIDs)
            let segmentation =
                try presence?.applied(to: unfiltered) ?? absentRule?.applied(to: unfiltered) ?? unfiltered
            return (segmentation, embedded)
        }
        func store(_ segmentation: ClassSegmentation, slice k: Int) {
            let span = (k * plane)..<((k + 1) * plane)
            result.labels.replaceSubrange(span, with: segmentation.labelMap)
            for n in classIDs.indices { result.masks[n].replaceSubrange(span, with: segmentation.masks[n]) }
        }
        if samples == 0 {
            // No random draws, so the slices are independent: side by side, one per core, each single-threaded
            // (the same values as one after the other; keeps both cores busy through each slice's serial steps).
            let segmentations = try SideBySide.map(depth, lanes: Parallel.workerCount, progress: sliceDone) {
                try segmented($0).segmentation
            }
            for (k, segmentation) in segmentations.enumerated() { store(segmentation, slice: k) }
            return result
        }
        let random = SeededRandom(seed: seed)
        for k in 0..<depth {
            let (segmentation, embedded) = try segmented(k)
            store(segmentation, slice: k)
            let span = (k * plane)..<((k + 1) * plane)
            let frequencies = try model.sampleFrequencies(embedded, classIDs: classIDs, count: samples, random: random)
            for n in classIDs.indices { result.frequencies[n].replaceSubrange(span, with: frequencies[n]) }
            sliceDone?(k + 1)
        }
        return result
    }
}
