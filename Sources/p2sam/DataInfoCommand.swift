import ArgumentParser
import Foundation
import MultiRaterData
import MultiRaterMetrics

/// `p2sam data info --dataset SPEC`.
struct DataInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Counts, raters per case, empty masks, image sizes/range and the inter-rater reference line.",
        discussion: """
            The inter-rater line is leave-one-rater-out: each rater in turn is the single sample (n = 1) \
            scored against the other K - 1 raters, averaged over raters and then over the cases with \
            K >= 2 (HM-IoU standard, D_max per-rater; with n = 1 both conventions agree). Its diversity \
            is that of the K - 1 remaining raters (0 for two-rater data); the next line gives the raters' \
            own diversity over all K.
            """)

    @OptionGroup var options: DatasetOptions

    func run() throws {
        try runWithExit {
            let dataset = try options.load()
            let s = try DatasetSummary(dataset)
            print("dataset:        \(dataset.name)  (\(dataset.source))")
            print("cases:          \(s.caseCount)")
            print(
                "raters/case:    "
                    + s.raterHistogram.keys.sorted().map { "K=\($0): \(s.raterHistogram[$0]!)" }.joined(separator: ", ")
            )
            print("mask sizes:     " + s.sizes.keys.sorted().map { "\($0): \(s.sizes[$0]!)" }.joined(separator: ", "))
            print(
                String(
                    format: "empty masks:    %.1f %% of rater masks; %.1f %% of cases have only empty masks",
                    100 * s.emptyMaskFraction, 100 * s.allEmptyCaseFraction))
            print(
                String(
                    format: "foreground:     %.2f %% of pixels (mean over non-empty masks)",
                    100 * s.meanForegroundFraction))
            if let range = s.imageRange {
                print(
                    "images:         "
                        + s.imageTypes.keys.sorted().map { "\($0): \(s.imageTypes[$0]!)" }.joined(separator: ", ")
                        + String(format: "; values %g ... %g", range.lowerBound, range.upperBound))
            }
            let channels = Dictionary(grouping: dataset.cases.compactMap { $0.image?.channels }, by: { $0 })
            if !channels.isEmpty {
                print(
                    "image channels: "
                        + channels.keys.sorted().map {
                            "\($0 == 3 ? "3 (RGB, fed as is)" : "\($0) (grey, replicated to 3)"): \(channels[$0]!.count) cases"
                        }
                        .joined(separator: ", "))
            }
            if s.casesWithoutImage > 0 { print("without image:  \(s.casesWithoutImage) cases (masks only)") }
            if let r = s.interRater {
                print(
                    String(
                        format:
                            "inter-rater (leave-one-rater-out, %d cases with K >= 2): GED %.4f  HM-IoU %.4f  D_max %.4f  D_mean %.4f  diversity of the K-1 remaining raters %.4f",
                        s.interRaterCases, r.ged, r.hmIoU, r.dMax, r.dMean, r.raterDiversity))
                print(
                    String(
                        format: "rater diversity: %.4f (mean 1 - IoU over pairs of distinct raters, all K)",
                        s.raterDiversity ?? 0))
            } else {
                print("inter-rater:    n/a (no case has two raters)")
            }
            if let labelled = try DatasetSpec(parsing: options.dataset).labelMapDataset(limits: options.limits) {
                try printClasses(labelled)
            }
        }
    }

    /// Per class of a label-map dataset: slices where it is present or absent, and its pixel share.
    private func printClasses(_ labelled: LabelMapDataset) throws {
        let channels = Set(labelled.cases.map(\.image.channels)).sorted().map(String.init).joined(separator: ", ")
        print(
            "label maps:     \(labelled.cases.count) slices, \(labelled.classes.count) classes, image channels \(channels)"
        )
        let emptySlices = labelled.cases.filter(\.presentClasses.isEmpty).count
        print("empty slices:   \(emptySlices) (no class labelled; they give no case)")
        let width = labelled.classes.values.map(\.count).max() ?? 0
        for summary in labelled.classSummaries {
            print(
                String(
                    format: "class %3d %@ present in %d slices, absent from %d; %.2f %% of all pixels",
                    summary.id, summary.name.padding(toLength: width, withPad: " ", startingAt: 0),
                    summary.casesPresent,
                    summary.casesEmpty, 100 * summary.pixelShare))
        }
    }
}

/// `p2sam data export --dataset SPEC --output ROOT`.
struct DataExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the plain folder layout ROOT/<case>/image.png + rater<k>.png.",
        discussion: """
            image.png is 8-bit: windowed with --window when given (HU for CT), otherwise min-max scaled \
            per image to 0..255. rater<k>.png are 8-bit grey, 0 = background, 255 = foreground.
            """)

    @OptionGroup var options: DatasetOptions

    @Option(name: .long, help: "Output folder.")
    var output: String

    @Option(name: .long, help: "Intensity window: lung ([-1000, 400] HU) | soft-tissue | ursam | LOWER,UPPER.")
    var window: String?

    func run() throws {
        var parsedWindow: IntensityWindow?
        if let window {
            guard let w = IntensityWindow(parsing: window) else { throw ValidationError("bad --window '\(window)'") }
            parsedWindow = w
        }
        try runWithExit {
            try OutputLocation.prepareFolder(output)
            let dataset = try options.load()
            try FolderExporter.export(dataset, to: URL(fileURLWithPath: output), window: parsedWindow)
            print("exported \(dataset.cases.count) cases to \(output)")
        }
    }
}

extension SplitProtocol: ExpressibleByArgument {}

/// `p2sam data split --dataset SPEC --split-protocol P --output manifest.json`.
struct DataSplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Write a train/validation/test manifest (JSON).",
        discussion: """
            Protocols: index (index order 60/20/20, P²SAM), grouped (by patient/series, seeded GSL \
            mt19937, PHiSeg/MoSE/CCDM), first-500 (index split, first 500 training cases), \
            sorted-names (sorted case names 60/20/20: canonical QUBIQ and BU-BIL), \
            leave-one-group-out (canonical LIDC-real: one fold per patient, last 20 % of the training \
            slices as validation). The default, sorted-names, is also the default of `train` and \
            `evaluate`. A split with an empty part is an error. Every fold is written unless --fold names one.
            """)

    @OptionGroup var options: DatasetOptions

    @OptionGroup var split: SplitOptions

    @Option(name: .long, parsing: .unconditional, help: "Seed (grouped protocol).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Manifest path.")
    var output: String

    func run() throws {
        try runWithExit {
            try OutputLocation.prepareFiles(output)
            let dataset = try options.load()
            var manifest = split.effectiveProtocol.manifest(for: dataset, seed: seed)
            if split.fold != nil { manifest.folds = [try split.selectedFold(of: manifest)] }
            for fold in manifest.folds {
                if let part = fold.emptyParts.first {
                    throw SplitOptions.emptyPartError(part: part, fold: fold, manifest: manifest, dataset: dataset)
                }
            }
            try manifest.write(to: URL(fileURLWithPath: output))
            for fold in manifest.folds {
                print(
                    "\(fold.name): train \(fold.train.count), validation \(fold.validation.count), test \(fold.test.count)"
                )
            }
            print("wrote \(output)")
        }
    }
}
