import ArgumentParser
import MultiRaterData

/// The split vocabulary shared by `train`, `evaluate` and `data split`: `--split-protocol` (default
/// `sorted-names`) and `--fold`, so that train-then-evaluate with defaults uses the same split.
/// `--protocol` is kept as a hidden alias of `--split-protocol`.
struct SplitOptions: ParsableArguments {
    static let defaultProtocol = SplitProtocol.sortedNames

    @Option(
        name: .customLong("split-protocol"),
        help: "Split protocol (default: sorted-names, the same in train, evaluate and data split).")
    var splitProtocol: SplitProtocol?

    @Option(name: .customLong("protocol"), help: .hidden)
    var protocolAlias: SplitProtocol?

    @Option(help: "Fold of a multi-fold protocol: 0-based index or name, e.g. test=LIDC-IDRI-0001 (default: 0).")
    var fold: String?

    func validate() throws {
        if let a = splitProtocol, let b = protocolAlias, a != b {
            throw ValidationError(
                "--split-protocol \(a.rawValue) contradicts --protocol \(b.rawValue) (the same option)")
        }
    }

    /// The protocol in effect.
    var effectiveProtocol: SplitProtocol { splitProtocol ?? protocolAlias ?? Self.defaultProtocol }

    /// The chosen fold of `manifest`. - Throws: naming the folds there are.
    func selectedFold(of manifest: SplitManifest) throws -> SplitFold {
        let name = fold ?? "0"
        if let i = Int(name), manifest.folds.indices.contains(i) { return manifest.folds[i] }
        if let f = manifest.folds.first(where: { $0.name == name }) { return f }
        throw ValidationError(
            "--fold \(name): protocol \(manifest.splitProtocol) has \(manifest.folds.count) fold(s): "
                + manifest.folds.enumerated().map { "\($0.offset) = \($0.element.name)" }.joined(separator: ", "))
    }

    /// The error for an empty part of a split, naming the protocol, the fold and the group count.
    static func emptyPartError(part: String, fold: SplitFold, manifest: SplitManifest, dataset: MultiRaterDataset)
        -> CommandError
    {
        let groups = DatasetSplitter.groupCount(groups: dataset.cases.map(\.metadata.groupID))
        return CommandError(
            "the \(part) part of split protocol '\(manifest.splitProtocol)' (fold \(fold.name)) is empty: "
                + "\(dataset.cases.count) cases in \(groups) group(s); choose another --split-protocol "
                + "(e.g. leave-one-group-out for few patients) or a larger dataset")
    }
}

/// A part of a train/validation/test split.
enum SplitPart: String, CaseIterable, ExpressibleByArgument {
    case all, train, validation, test

    /// Accepts the old spelling `val` for `validation`.
    init?(argument: String) {
        self.init(rawValue: argument == "val" ? "validation" : argument)
    }

    static var allValueStrings: [String] { allCases.map(\.rawValue) }

    /// The part's indices in `fold` (all: every case).
    func indices(in fold: SplitFold, caseCount: Int) -> [Int] {
        switch self {
        case .all: return Array(0..<caseCount)
        case .train: return fold.train
        case .validation: return fold.validation
        case .test: return fold.test
        }
    }
}
