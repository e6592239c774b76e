import ArgumentParser
import AutoMedSAM
import Foundation
import MedImageIO
import MultiRaterData

/// `p2sam autoseg` on a 4-D NIfTI volume (x, y, slice, time; cine MR): every chosen frame segmented as a 3-D
/// volume, then 4-D label / mask / frequency / entropy volumes with the input's header, the class volumes over
/// time (`volumes.csv`, `volumes.json` with end-diastolic / end-systolic frames and ejection fractions,
/// `volumes.png`) and overlay montages of chosen frames.
extension AutosegCommand {
    /// Frames whose overlay montages are written when at most this many frames are chosen; with more, only the
    /// end-diastolic and end-systolic frames of the classes.
    static let overlayFrameLimit = 4

    /// The 0-based frame indices `text` lists (`"0,12"`), or every frame when `text` is nil.
    ///
    /// - Throws: `ValidationError` for a malformed list, an index outside `0..<frameCount` or a repeated index.
    static func frameIndices(_ text: String?, frameCount: Int) throws -> [Int] {
        guard let text else { return Array(0..<frameCount) }
        let parsed = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--frames must be comma-separated 0-based frame indices, e.g. 0,12")
        }
        let frames = parsed.map { $0! }
        if let bad = frames.first(where: { !(0..<frameCount).contains($0) }) {
            throw ValidationError(
                "--frames: frame \(bad) is out of range: the volume has \(frameCount) frames (0…\(frameCount - 1))")
        }
        guard Set(frames).count == frames.count else { throw ValidationError("--frames lists a frame twice") }
        return frames
    }

    /// The JSON summary of the class volumes over time (`volumes.json`, schema `docs/schemas/autoseg-volumes.schema.json`).
    struct SeriesSummary: Encodable {
        struct ClassSummary: Encodable {
            var id: Int
            var name: String
            var voxels: [Int]
            var millilitres: [Double]?
            var endDiastolicFrame: Int
            var endSystolicFrame: Int
            var endDiastolicVoxels: Int
            var endSystolicVoxels: Int
            var ejectionFraction: Double?
            enum CodingKeys: String, CodingKey {
                case id, name, voxels
                case millilitres = "ml"
                case endDiastolicFrame = "end_diastolic_frame"
                case endSystolicFrame = "end_systolic_frame"
                case endDiastolicVoxels = "end_diastolic_voxels"
                case endSystolicVoxels = "end_systolic_voxels"
                case ejectionFraction = "ejection_fraction"
            }
        }
        var input: String
        var frameCount: Int
        var frames: [Int]
        var voxelMillilitres: Double?
        var convention: String
        var classes: [ClassSummary]
        enum CodingKeys: String, CodingKey {
            case input, frames, convention, classes
            case frameCount = "frame_count"
            case voxelMillilitres = "voxel_ml"
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(input, forKey: .input)
            try container.encode(frameCount, forKey: .frameCount)
            try container.encode(frames, forKey: .frames)
            try container.encode(voxelMillilitres, forKey: .voxelMillilitres)
            try container.encode(convention, forKey: .convention)
            try container.encode(classes, forKey: .classes)
        }
    }

    /// What `volumes.json` says of its numbers.
    static let volumeConvention =
        "voxels = voxels labelled with the class id in labels.nii(.gz) per frame; end_diastolic_frame = frame of largest volume, end_systolic_frame = frame of smallest (first on ties), over the frames segmented; ejection_fraction = (EDV - ESV) / EDV, absent when the class is empty in every frame or one frame was segmented; meaningful for ventricular cavities only (computed for every class)"

    /// Segments the chosen frames of a 4-D `series` and writes, into `--output`: 4-D `labels`, `mask_<id>` and
    /// (with `--samples`) `frequency_<id>` / `entropy_<id>` volumes (`dim[4]` = frames written), `volumes.csv`,
    /// `volumes.json`, `volumes.png` and `overlay_t<k>.png` montages. Every frame is decoded and checked before
    /// the first is segmented, every file's bytes made before the first is written, each written atomically.
    /// Progress per frame and slice on stderr.
    func segmentSeries(
        _ series: NIfTIVolumeSeries, frames: [Int], model: AutoMedSAMModel, classIDs: [Int],
        absentRule: AbsentClassRule?, presence: ClassPresenceModel?
    ) throws {
        // Decode every frame first (NaN, scaling): the window is the min–max over all frames of the file,
        // so a frame's result does not depend on which frames are chosen.
        var lower = Float.infinity
        var upper = -Float.infinity
        var volumes: [Int: NIfTIVolume] = [:]
        for t in 0..<series.frameCount {
            let volume = try series.frame(t)
            if t == 0 { try volume.checkSegmentable(path: image) }
            lower = min(lower, volume.values.min() ?? 0)
            upper = max(upper, volume.values.max() ?? 0)
            if frames.contains(t) { volumes[t] = volume }
        }
        let window = lower...max(upper, lower)
        let depth = series.dims.2
        let start = Date()
        var results: [VolumeSegmentation] = []
        for (n, t) in frames.enumerated() {
            results.append(
                try Self.segmentVolume(
                    volumes[t]!, model: model, classIDs: classIDs, samples: samples, seed: seed,
                    absentRule: absentRule, presence: presence, window: window
                ) { k in
                    FileHandle.standardError.write(
                        Data(
                            String(
                                format: "\rframe %d/%d (t %d), slice %d/%d, %.1f s ", n + 1, frames.count, t, k, depth,
                                Date().timeIntervalSince(start)
                            ).utf8))
                })
        }
        FileHandle.standardError.write(Data("\n".utf8))

        var files = AutosegOutputFiles(output: output, input: image)
        try files.addVolume("labels", series.labelSeriesBytes(results.map(\.labels)))
        for (k, id) in classIDs.enumerated() {
            try files.addVolume("mask_\(id)", series.labelSeriesBytes(results.map { $0.masks[k] }))
        }
        for (k, id) in classIDs.enumerated() where samples > 0 {
            try files.addVolume("frequency_\(id)", series.floatSeriesBytes(results.map { $0.frequencies[k] }))
            try files.addVolume(
                "entropy_\(id)", series.floatSeriesBytes(results.map { $0.frequencies[k].map(Self.binaryEntropy) }))
        }

        let first = volumes[frames[0]]!
        let names = model.configuration.classes
        let curves = classIDs.map { id in
            ClassVolumeCurve(
                classID: id, name: names[id] ?? "class \(id)", frames: frames, labelFrames: results.map(\.labels),
                voxelMillilitres: first.voxelMillilitres)
        }
        files.add("volumes.csv", Array(ClassVolumeCurve.csv(curves).utf8))
        let summary = SeriesSummary(
            input: image, frameCount: series.frameCount, frames: frames, voxelMillilitres: first.voxelMillilitres,
            convention: Self.volumeConvention,
            classes: curves.map { curve in
                SeriesSummary.ClassSummary(
                    id: curve.classID, name: curve.name, voxels: curve.voxels, millilitres: curve.millilitres,
                    endDiastolicFrame: curve.endDiastolicFrame, endSystolicFrame: curve.endSystolicFrame,
                    endDiastolicVoxels: curve.voxels.max()!, endSystolicVoxels: curve.voxels.min()!,
                    ejectionFraction: curve.ejectionFraction)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        files.add("volumes.json", Array(try encoder.encode(summary)) + [10])
        let plot = Visualization.linePlot(
            title: "CLASS VOLUME PER FRAME", xLabels: frames.map(String.init),
            yLabel: first.voxelMillilitres == nil ? "VOXELS" : "ML",
            series: curves.enumerated().map { n, curve in
                let values = curve.millilitres ?? curve.voxels.map(Double.init)
                let ef = curve.ejectionFraction.map { String(format: ", EF %.0f%%", 100 * $0) } ?? ""
                return Visualization.PlotSeries(
                    label:
                        "\(curve.classID) \(curve.name.uppercased()): ED \(curve.endDiastolicFrame), ES \(curve.endSystolicFrame)\(ef)",
                    color: Self.palette[n % Self.palette.count], values: values)
            })
        files.add("volumes.png", try PNG.encode(plot))
        let shown =
            frames.count <= Self.overlayFrameLimit
            ? frames : frames.filter { t in curves.contains { $0.endDiastolicFrame == t || $0.endSystolicFrame == t } }
        for t in shown {
            let n = frames.firstIndex(of: t)!
            let overlay = try Self.volumeOverlay(
                volumes[t]!, segmentation: results[n], classIDs: classIDs, classNames: names, window: window,
                titlePrefix: "t \(t) ")
            files.add("overlay_t\(t).png", overlay)
        }
        try files.write()
        print(
            "\(classIDs.count) class(es) in \(frames.count) of \(series.frameCount) frame(s) of \(series.dims.0)x\(series.dims.1)x\(depth) \(image): "
                + curves.map { curve in
                    "\(curve.classID) \(curve.name) ED t\(curve.endDiastolicFrame) \(curve.voxels.max()!) voxels, ES t\(curve.endSystolicFrame) \(curve.voxels.min()!) voxels"
                        + (curve.ejectionFraction.map { String(format: ", EF %.1f%%", 100 * $0) } ?? ", EF n/a")
                }.joined(separator: "; ")
                + "; \(files.count) files (labels\(files.volumeSuffix), volumes.json, …) in \(output)")
    }
}
