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

    func load() throws -> MultiRaterDataset {
        guard let rule = BraTSReader.DropRule(rawValue: bratsDrop) else {
            throw ValidationError("--brats-drop must be all-empty or any-empty")
        }
        return try DatasetSpec(parsing: dataset).load(bratsDropRule: rule)
    }
}
