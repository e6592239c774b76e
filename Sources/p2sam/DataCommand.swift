import ArgumentParser
import Foundation
import MultiRaterData
import MultiRaterMetrics

/// `p2sam data`: inspect, export and split multi-rater datasets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect, export and split multi-rater datasets.",
        discussion: DatasetSpec.helpText,
        subcommands: [DataInfoCommand.self, DataExportCommand.self, DataSplitCommand.self])
}

/// Options shared by the `data` subcommands.
struct DatasetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Dataset SPEC (see `p2sam data --help`).", valueName: "SPEC"))
    var dataset: String

    @Option(
        name: .customLong("brats-drop"),
        help: "BraTS slice rule: all-empty (drop slices whose 3 masks are all empty) | any-empty (P²SAM paper).")
    var bratsDrop: String = BraTSReader.DropRule.allEmpty.rawValue

    @Option(
        help:
            "Foreground value of PNG rater masks (folder: and bubil: datasets): 255 (any non-zero; folder default) | 0 (black object; bubil default) | auto (the value covering less, per mask)."
    )
    var foreground: MaskForeground?

    @Option(
        name: .customLong("max-cases"), help: "Refuse datasets with more cases than this (checked before reading them)."
    )
    var maxCases = DatasetLimits.defaultMaxCases

    @Option(
        name: .customLong("max-decompressed-mib"),
        help: "Refuse a compressed .npz member or .nii.gz that inflates past this many MiB.")
    var maxDecompressedMiB = DatasetLimits.defaultMaxDecompressedBytes >> 20

    @Option(
        help:
            "Intensity normalisation to 0..255 before LiteMedSAM's preprocessing: zscore (per image, z clipped to ±3) | minmax (per image) | window:LO,HI (or window:lung, …). Default: none (0..255 images kept, others min-max; CT: --window)."
    )
    var normalize: String?

    /// The parsed `--normalize`, or nil.
    var normalization: IntensityNormalization? { normalize.flatMap(IntensityNormalization.init(parsing:)) }

    /// The name under which embeddings of normalised images are cached (nil without `--normalize`).
    var normalizationCacheName: String? { normalization?.cacheName }

    /// Checks a `--normalize` value and that it is not given together with `--window` (one definition for
    /// every command that takes both).
    ///
    /// - Parameters:
    ///   - normalize: the `--normalize` value, or nil.
    ///   - window: the `--window` value, or nil.
    static func checkNormalization(_ normalize: String?, window: String?) throws {
        guard let normalize else { return }
        guard IntensityNormalization(parsing: normalize) != nil else {
            throw ValidationError("--normalize must be zscore, minmax or window:LO,HI, got '\(normalize)'")
        }
        if window != nil {
            throw ValidationError(
                "give --window or --normalize, not both (--normalize window:LO,HI is the same window)")
        }
    }

    func validate() throws {
        try Self.checkNormalization(normalize, window: nil)
        guard maxCases >= 1 else { throw ValidationError("--max-cases must be at least 1") }
        guard (1...(1 << 20)).contains(maxDecompressedMiB) else {
            throw ValidationError("--max-decompressed-mib must be 1…1048576")
        }
    }

    /// The reading limits these options set.
    var limits: DatasetLimits {
        DatasetLimits(maxCases: maxCases, maxDecompressedBytes: maxDecompressedMiB << 20)
    }

    /// Loads the dataset, warning (stderr) when rater masks cover more than half of their image; `showingProgress`
    /// false (`--quiet`) draws no reading bar.
    func load(showingProgress: Bool = true) throws -> MultiRaterDataset {
        guard let rule = BraTSReader.DropRule(rawValue: bratsDrop) else {
            throw ValidationError("--brats-drop must be all-empty or any-empty")
        }
        var bar: ProgressBar?
        let loaded = try DatasetSpec(parsing: dataset).load(bratsDropRule: rule, foreground: foreground, limits: limits)
        { done, total in
            if bar == nil {
                bar = ProgressBar("reading cases", total: total, unit: "cases", enabled: showingProgress)
            }
            bar?.update(done)
        }
        bar?.finish()
        if foreground != .auto {
            let large = loaded.cases.filter { $0.raters.contains { $0.foregroundFraction > 0.5 } }
            if let first = large.first {
                Diagnostics.warn(
                    "\(large.count) of \(loaded.cases.count) case(s) have rater masks marking more than half of the image as foreground (e.g. case \(first.metadata.caseID)); if the object is stored as \(foreground == .zero ? "non-zero" : "0 (black)"), pass --foreground \(foreground == .zero ? "255" : "0") (or auto)"
                )
            }
        }
        return try normalization?.apply(to: loaded) ?? loaded
    }
}
