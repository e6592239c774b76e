import Foundation
import MultiRaterData

/// One dataset of a `p2sam finetune` run with the case indices it trains and validates on.
struct FinetuneDataPart {
    var spec: String
    var dataset: MultiRaterDataset
    var train: [Int]
    var validation: [Int]
}

extension FinetuneUMedSAMCommand {
    /// Loads every dataset and splits it (`--dataset` by `--holdout`, `--train-dataset`, `--val-dataset`),
    /// keeping the first `--max-train-cases` / `--max-val-cases` of each part by sorted case id.
    func dataParts() throws -> [FinetuneDataPart] {
        var parts: [FinetuneDataPart] = []
        let roles = dataset.map { ($0, 0) } + trainDataset.map { ($0, 1) } + valDataset.map { ($0, 2) }
        for (spec, role) in roles {
            var loaded = try DatasetSpec(parsing: spec).load()
            // `acdc/train` and `acdc/val` report as `acdc`.
            if ["train", "val", "validation", "test"].contains(loaded.name) {
                let path = spec.split(separator: ":", maxSplits: 1).last.map(String.init) ?? spec
                let parent = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
                    .lastPathComponent
                if !parent.isEmpty { loaded.name = parent }
            }
            let order = loaded.cases.indices.sorted {
                loaded.cases[$0].metadata.caseID < loaded.cases[$1].metadata.caseID
            }
            var train: [Int] = []
            var validation: [Int] = []
            switch role {
            case 0:
                let held = Int((Double(order.count) * holdout).rounded())
                train = Array(order.dropLast(held))
                validation = Array(order.suffix(held))
            case 1: train = order
            default: validation = order
            }
            if let n = maxTrainCases { train = Array(train.prefix(n)) }
            if let n = maxValCases { validation = Array(validation.prefix(n)) }
            parts.append(FinetuneDataPart(spec: spec, dataset: loaded, train: train, validation: validation))
        }
        return parts
    }
}
