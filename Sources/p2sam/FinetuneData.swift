import Foundation
import MultiRaterData
import MultiRaterMetrics

/// One dataset of a `p2sam finetune` run with the case indices it trains and validates on.
struct FinetuneDataPart {
    var spec: String
    var dataset: MultiRaterDataset
    var train: [Int]
    var validation: [Int]
    /// The CT window of this dataset (`#window=`, else `--window`).
    var window: String?
    /// Cases of each part left out before `--max-train-cases` / `--max-val-cases` because the raters'
    /// majority is empty (no box prompt).
    var emptyTrain = 0
    var emptyValidation = 0
    /// The views each training case is seen in (`#augment=`, else `--augment`); `train` lists every view.
    var augmentation: TrainingAugmentation = .none
}

/// A `--dataset` / `--train-dataset` / `--val-dataset` argument: `SPEC[#KEY=VALUE[,KEY=VALUE]…]`, the
/// settings after `#` applying to this dataset only:
/// - `split=PROTOCOL[/FOLD]`: split by a `--split-protocol` protocol (e.g. `sorted-names`,
///   `leave-one-group-out/0`), training on its train part and validating on its validation part (the test
///   part is left out); `--dataset` only (default: the `--holdout` fraction);
/// - `window=NAME`: the CT window (`lung`, `soft-tissue`, `ursam`; default `--window`);
/// - `target=majority|gold`: the ground truth: the raters' majority (default) or BU-BIL's fused
///   `GoldStandard/` masks (`bubil:` only);
/// - `augment=none|flips|dihedral`: the training views of this dataset (default `--augment`).
struct FinetuneDatasetArgument {
    enum Target: String { case majority, gold }

    var spec: String
    var split: SplitProtocol?
    var fold: String?
    var window: String?
    var target: Target = .majority
    var augment: TrainingAugmentation?

    init(parsing text: String) throws {
        guard let hash = text.lastIndex(of: "#") else {
            spec = text
            return
        }
        spec = String(text[..<hash])
        for item in text[text.index(after: hash)...].split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw CommandError("dataset setting '\(item)' in '\(text)' is not KEY=VALUE") }
            switch pair[0] {
            case "split":
                let parts = pair[1].split(separator: "/", maxSplits: 1).map(String.init)
                guard let p = SplitProtocol(rawValue: parts[0]) else {
                    throw CommandError(
                        "unknown split protocol '\(parts[0])' in '\(text)' (one of "
                            + SplitProtocol.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                split = p
                fold = parts.count == 2 ? parts[1] : nil
            case "window":
                guard IntensityWindow(parsing: pair[1]) != nil else {
                    throw CommandError("bad window '\(pair[1])' in '\(text)' (lung, soft-tissue or ursam)")
                }
                window = pair[1]
            case "target":
                guard let t = Target(rawValue: pair[1]) else {
                    throw CommandError("target must be majority or gold in '\(text)', got '\(pair[1])'")
                }
                target = t
            case "augment":
                guard let a = TrainingAugmentation(rawValue: pair[1]) else {
                    throw CommandError(
                        "augment must be one of "
                            + TrainingAugmentation.allCases.map(\.rawValue).joined(separator: ", ")
                            + " in '\(text)', got '\(pair[1])'")
                }
                augment = a
            default:
                throw CommandError(
                    "unknown dataset setting '\(pair[0])' in '\(text)' (split, window, target or augment)")
            }
        }
    }

    /// Loads the dataset, with the gold standard as its one rater for `target=gold`.
    func load() throws -> MultiRaterDataset {
        let parsed = try DatasetSpec(parsing: spec)
        guard target == .gold else { return try parsed.load() }
        guard case .bubil(let url) = parsed else {
            throw CommandError("target=gold needs a BU-BIL dataset (bubil:PATH), got '\(spec)'")
        }
        return try BUBILReader.readGoldStandard(root: url)
    }
}

extension FinetuneUMedSAMCommand {
    /// Loads every dataset and splits it (`--dataset` by `--holdout` or its `#split=`, `--train-dataset`,
    /// `--val-dataset`), leaves out cases whose raters' majority is empty (counted), keeps the first
    /// `--max-train-cases` / `--max-val-cases` of each part by sorted case id, then adds the training part's other
    /// views (`#augment=`, else `--augment`) as cases of their own, each after its case.
    func dataParts() throws -> [FinetuneDataPart] {
        var parts: [FinetuneDataPart] = []
        let roles = dataset.map { ($0, 0) } + trainDataset.map { ($0, 1) } + valDataset.map { ($0, 2) }
        for (text, role) in roles {
            let argument = try FinetuneDatasetArgument(parsing: text)
            if argument.split != nil && role != 0 {
                throw CommandError(
                    "'\(text)': split= applies to --dataset only (--train-dataset and --val-dataset use all cases)")
            }
            let spec = argument.spec
            var loaded = try argument.load()
            // `acdc/train` and `acdc/val` report as `acdc`.
            if ["train", "val", "validation", "test"].contains(loaded.name) {
                let path = spec.split(separator: ":", maxSplits: 1).last.map(String.init) ?? spec
                let parent = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
                    .lastPathComponent
                if !parent.isEmpty { loaded.name = parent }
            }
            let byID: ([Int]) -> [Int] = { indices in
                indices.sorted { loaded.cases[$0].metadata.caseID < loaded.cases[$1].metadata.caseID }
            }
            let order = byID(Array(loaded.cases.indices))
            var train: [Int] = []
            var validation: [Int] = []
            switch role {
            case 0:
                if let split = argument.split {
                    let manifest = split.manifest(for: loaded, seed: seed)
                    var choice = SplitOptions()
                    choice.fold = argument.fold
                    let fold = try choice.selectedFold(of: manifest)
                    train = byID(fold.train)
                    validation = byID(fold.validation)
                } else {
                    let held = Int((Double(order.count) * holdout).rounded())
                    train = Array(order.dropLast(held))
                    validation = Array(order.suffix(held))
                }
            case 1: train = order
            default: validation = order
            }
            // Empty majorities cannot give a box: drop them before the caps, so the caps count usable cases.
            let usable: (Int) throws -> Bool = { i in
                let raters = loaded.cases[i].raters
                return !(raters.count == 1 ? raters[0] : try BinaryMask.majorityVote(of: raters)).isEmpty
            }
            let usableTrain = try train.filter(usable)
            let usableValidation = try validation.filter(usable)
            var part = FinetuneDataPart(
                spec: text, dataset: loaded, train: usableTrain, validation: usableValidation,
                window: argument.window ?? window, emptyTrain: train.count - usableTrain.count,
                emptyValidation: validation.count - usableValidation.count)
            if let n = maxTrainCases { part.train = Array(part.train.prefix(n)) }
            if let n = maxValCases { part.validation = Array(part.validation.prefix(n)) }
            part.augmentation = argument.augment ?? augment
            if part.augmentation != .none {
                // Views come after the split and the caps: a view stays with its case, validation is never augmented.
                var viewed: [Int] = []
                for i in part.train {
                    viewed.append(i)
                    for view in part.augmentation.views.dropFirst() {  // the first, the identity, is the case itself
                        viewed.append(part.dataset.cases.count)
                        part.dataset.cases.append(try view.apply(to: part.dataset.cases[i]))
                    }
                }
                part.train = viewed
            }
            parts.append(part)
        }
        return parts
    }
}
