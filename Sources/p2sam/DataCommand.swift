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

    @Option(name: .customLong("brats-drop"), help: "BraTS slice rule: all-empty (drop slices whose 3 masks are all empty) | any-empty (P²SAM paper).")
    var bratsDrop: String = BraTSReader.DropRule.allEmpty.rawValue

    @Option(name: .customLong("max-cases"), help: "Refuse datasets with more cases than this (checked before reading them).")
    var maxCases = DatasetLimits.defaultMaxCases

    @Option(name: .customLong("max-decompressed-mib"), help: "Refuse a compressed .npz member or .nii.gz that inflates past this many MiB.")
    var maxDecompressedMiB = DatasetLimits.defaultMaxDecompressedBytes >> 20

    func validate() throws {
        guard maxCases >= 1 else { throw ValidationError("--max-cases must be at least 1") }
        guard (1 ... (1 << 20)).contains(maxDecompressedMiB) else {
            throw ValidationError("--max-decompressed-mib must be 1…1048576")
        }
    }

    /// The reading limits these options set.
    var limits: DatasetLimits {
        DatasetLimits(maxCases: maxCases, maxDecompressedBytes: maxDecompressedMiB << 20)
    }

    func load() throws -> MultiRaterDataset {
        guard let rule = BraTSReader.DropRule(rawValue: bratsDrop) else {
            throw ValidationError("--brats-drop must be all-empty or any-empty")
        }
        return try DatasetSpec(parsing: dataset).load(bratsDropRule: rule, limits: limits)
    }
}
