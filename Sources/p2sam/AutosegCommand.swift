import ArgumentParser
import AutoMedSAM
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import SeededSampling
import TorchCheckpoint

/// `p2sam autoseg`: prompt-free multi-class segmentation of one image with an AutoMedSAM model.
struct AutosegCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoseg",
        abstract: "Segment every class of an AutoMedSAM model in an image, with no prompt.",
        discussion: """
            Writes into --output DIR: labels.png (8-bit grey, pixel = class id, 0 background; each pixel the \
            class with the highest positive logit), mask_<id>.png per class (0/255), overlay.png (the image \
            with each class in its colour and a legend). With --samples N (>= 2): N passes per class with \
            the diffusion noise (σ_t = 1/(t+1), t uniform over the model's T levels, from --seed) give \
            frequency_<id>.png (fraction of passes marking each pixel) and entropy_<id>.png (binary \
            entropy of that fraction, bits) heat maps, and frequency_<id>.npy / entropy_<id>.npy. \
            Every file is computed before the first is written. A NIfTI volume (--image VOL.nii or .nii.gz) \
            is segmented slice by slice (axial, intensities min-max scaled \
            over the volume) and written as labels.nii(.gz), uint8 class ids, and mask_<id>.nii(.gz), uint8 \
            0/1 per class (with --samples N also frequency_<id> and entropy_<id> float32 volumes), each with \
            the input's header (affine, qform/sform, pixdim), so viewers open them aligned, and overlay.png \
            (up to 24 slices, evenly spaced, with the classes in colour and a legend of voxel counts and mL); a \
            volume with a \
            non-invertible affine or absurd dimensions is refused. A 4-D volume (x, y, slice, time; cine MR) \
            has every frame segmented (or the 0-based --frames T,T,…; intensities min-max scaled over all \
            frames) and its volumes written 4-D (dim[4] = frames written), with volumes.csv (voxels and mL \
            per frame and class), volumes.json (per class the end-diastolic = largest and end-systolic = \
            smallest volume frame and the ejection fraction (EDV-ESV)/EDV, meaningful for ventricles only), \
            volumes.png (volume against frame) and overlay_t<k>.png per frame (only the end-diastolic and \
            end-systolic frames when more than 4 are segmented). --precision bf16 runs the linear layers \
            in bf16 (faster on AVX512-BF16; masks may differ at a few boundary pixels, docs/automedsam.md). \
            --absent-rule RULE.json (from `p2sam evaluate --method automedsam --fit-absent-rule`) empties a \
            class's mask when its area is below the rule's minimum and recomputes the label map (per slice \
            for volumes); the --samples maps are not filtered. --presence-model PRESENCE.json (from `p2sam \
            evaluate --method automedsam --fit-presence-model`, an alternative to --absent-rule) empties a \
            class's mask when the presence model's p(present) is at or below its threshold; it reads every \
            class it was fitted with, so --classes must include them.
            """)

    @Option(help: "Input image (PNG) or volume (.nii / .nii.gz).") var image: String
    @Option(help: "AutoMedSAM model (.safetensors, from `p2sam finetune --recipe automedsam`).") var model: String
    @Option(help: "Class ids to segment, e.g. 1,3 (default: all of the model's classes).") var classes: String?
    @Option(help: "Output folder.") var output: String
    @Option(help: "Noisy passes per class for frequency and entropy maps (0 = none).") var samples = 0
    @Option(parsing: .unconditional, help: "Seed of the noisy passes.") var seed: UInt64 = 1
    @Option(
        help: ArgumentHelp(
            "Absent-class rule (JSON from `evaluate --fit-absent-rule`): drop masks smaller than its per-class minimum area.",
            valueName: "RULE.json"))
    var absentRule: String?
    @Option(
        help: ArgumentHelp(
            "Presence model (JSON from `evaluate --fit-presence-model`): drop masks it judges absent.",
            valueName: "PRESENCE.json"))
    var presenceModel: String?
    @Option(
        help: ArgumentHelp(
            "Frames of a 4-D volume to segment: 0-based indices along the 4th dimension, e.g. 0,12 (default: all).",
            valueName: "T,T,…"))
    var frames: String?
    @OptionGroup var backbone: ModelOptions
    @OptionGroup var precisionOption: PrecisionOption

    /// The palette of class overlays, by class position.
    static let palette: [RGBColor] = [
        .red, .green, .cyan, .yellow, .orange, RGBColor(170, 80, 255), RGBColor(255, 90, 200), RGBColor(120, 200, 255),
    ]

    func run() throws {
        try runWithExit {
            guard samples == 0 || samples >= 2 else { throw ValidationError("--samples must be 0 or >= 2") }
            precisionOption.apply()
            let isVolume = image.hasSuffix(".nii") || image.hasSuffix(".nii.gz")
            let series = try isVolume ? NIfTIVolumeSeries(contentsOf: URL(fileURLWithPath: image)) : nil
            let volume = try series.flatMap { $0.frameCount == 1 ? try $0.frame(0) : nil }
            try volume?.checkSegmentable(path: image)
            guard frames == nil || (series?.frameCount ?? 1) > 1 else {
                throw ValidationError("--frames applies to 4-D volumes with more than one frame only")
            }
            let chosenFrames = try series.map { try Self.frameIndices(frames, frameCount: $0.frameCount) } ?? []
            let png = try series == nil ? InputChecks.image(image) : nil
            let file = try AutoMedSAMModelFile(contentsOf: URL(fileURLWithPath: model))
            let configuration = file.configuration
            let ids: [Int]
            if let classes {
                let parsed = classes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                    throw ValidationError("--classes must be comma-separated class ids, e.g. 1,3")
                }
                ids = parsed.map { $0! }
                for id in ids { _ = try configuration.row(ofClass: id) }
                guard Set(ids).count == ids.count else { throw ValidationError("--classes lists a class twice") }
            } else {
                ids = configuration.classIDs
            }
            let rule = try absentRule.map { try AbsentClassRule(contentsOf: URL(fileURLWithPath: $0)) }
            try rule?.check(against: configuration.classIDs)
            if rule != nil && presenceModel != nil {
                throw ValidationError("--absent-rule and --presence-model are alternatives: give one")
            }
            let presence = try presenceModel.map { try ClassPresenceModel(contentsOf: URL(fileURLWithPath: $0)) }
            try presence?.check(against: configuration.classIDs)
            try presence?.check(against: ids)
            try InputChecks.outputFolder(output, option: "--output")
            let backboneModel = try LiteMedSAMModel(
                checkpoint: try backbone.checkpointURL, verifyChecksum: !backbone.skipChecksum)
            if let base = file.metadata["base_checkpoint_sha256"], !backbone.skipChecksum,
                base != LiteMedSAMCheckpoint.officialSHA256
            {
                throw ValidationError("the model was trained on backbone sha256 \(base), not lite_medsam.pth")
            }
            let automedsam = try AutoMedSAMModel(file: file, base: backboneModel)
            if let series, series.frameCount > 1 {
                return try segmentSeries(
                    series, frames: chosenFrames, model: automedsam, classIDs: ids, absentRule: rule,
                    presence: presence)
            }
            if let volume {
                return try segmentVolume(
                    volume, model: automedsam, classIDs: ids, absentRule: rule, presence: presence)
            }
            guard let picture = png else { return }
            let embedded = try backboneModel.imageEncoder.embed(picture)
            let unfiltered = try automedsam.segment(embedded, classIDs: ids)
            let result = try presence?.applied(to: unfiltered) ?? rule?.applied(to: unfiltered) ?? unfiltered
            let (width, height) = (result.width, result.height)
            var files = AutosegOutputFiles(output: output, input: image)
            let labels = try MedicalImage(
                width: width, height: height, channels: 1, pixels: result.labelMap.map(Float.init))
            files.add("labels.png", try PNG.encode(labels))
            let overlay = try Self.classOverlay(picture, masks: result.masks)
            var legend: [(label: String, color: RGBColor)] = []
            for (k, id) in ids.enumerated() {
                let mask = MaskImage(uncheckedWidth: width, height: height, pixels: result.masks[k])
                files.add("mask_\(id).png", try PNG.encode(mask.image255()))
                let share = Double(result.masks[k].reduce(0) { $0 + Int($1) }) / Double(width * height)
                legend.append(
                    (
                        String(format: "%d %@ (%.1f%%)", id, configuration.classes[id]!.uppercased(), 100 * share),
                        Self.palette[k % Self.palette.count]
                    ))
            }
            files.add("overlay.png", try PNG.encode(Visualization.legendFigure(overlay, entries: legend)))
            if samples > 0 {
                let frequencies = try automedsam.sampleFrequencies(
                    embedded, classIDs: ids, count: samples, random: SeededRandom(seed: seed))
                for (k, id) in ids.enumerated() {
                    let entropy = frequencies[k].map(Self.binaryEntropy)
                    for (name, values, scale) in [
                        ("frequency", frequencies[k], Visualization.HeatMapScale.frequency),
                        ("entropy", entropy, Visualization.HeatMapScale.entropy),
                    ] {
                        let figure = try Visualization.heatMapFigure(
                            values, width: width, height: height, over: picture, scale: scale)
                        files.add("\(name)_\(id).png", try PNG.encode(figure))
                        files.add(
                            "\(name)_\(id).npy", NPY.encode(try NumpyArray(float32: values, shape: [height, width])))
                    }
                }
            }
            try files.write()
            print(
                "\(ids.count) class(es) of \(picture.width)x\(picture.height) \(image): "
                    + ids.enumerated().map { k, id in
                        "\(id) \(configuration.classes[id]!) \(result.masks[k].reduce(0) { $0 + Int($1) }) px"
                    }.joined(separator: ", ") + "; \(files.count) files in \(output)")
        }
    }

    /// `−p log₂ p − (1 − p) log₂ (1 − p)`, 0 at 0 and 1.
    static func binaryEntropy(_ p: Float) -> Float {
        guard p > 0, p < 1 else { return 0 }
        return -(p * log2(p) + (1 - p) * log2(1 - p))
    }
}
