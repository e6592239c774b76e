import Foundation
import SeededSampling

/// One train/validation/test partition, as indices into the dataset's case order.
public struct SplitFold: Sendable, Codable, Equatable {
    public var name: String
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    /// The names of the empty parts (`train`, `validation`, `test`).
    public var emptyParts: [String] {
        [("train", train), ("validation", validation), ("test", test)].filter { $0.1.isEmpty }.map(\.0)
    }

    /// The fold `name` with its train, validation and test case indices.
    public init(name: String, train: [Int], validation: [Int], test: [Int]) {
        self.name = name
        self.train = train
        self.validation = validation
        self.test = test
    }
}

/// A split written to / read from a JSON manifest.
public struct SplitManifest: Sendable, Codable, Equatable {
    /// The dataset SPEC it was made for.
    public var dataset: String
    /// Protocol name, e.g. `index-60-20-20`, `grouped-60-20-20`, `qubiq`, `lidc-real-lopo`, `bubil`.
    public var splitProtocol: String
    /// The GSL mt19937 seed, when the protocol is random.
    public var seed: UInt64?
    /// Case ids in dataset order (index i of a fold refers to `caseIDs[i]`).
    public var caseIDs: [String]
    public var folds: [SplitFold]

    enum CodingKeys: String, CodingKey {
        case dataset
        case splitProtocol = "protocol"
        case seed
        case caseIDs = "case_ids"
        case folds
    }

    /// A manifest of `folds` over `caseIDs`, made for the dataset SPEC `dataset` by `splitProtocol`
    /// (with `seed` when random).
    public init(dataset: String, splitProtocol: String, seed: UInt64?, caseIDs: [String], folds: [SplitFold]) {
        self.dataset = dataset
        self.splitProtocol = splitProtocol
        self.seed = seed
        self.caseIDs = caseIDs
        self.folds = folds
    }

    /// Writes the manifest as pretty-printed JSON with sorted keys, atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// Reads a manifest written by ``write(to:)``.
    public static func read(from url: URL) throws -> SplitManifest {
        try JSONDecoder().decode(SplitManifest.self, from: Data(contentsOf: url))
    }
}

/// Split protocols. Fractions are (train, validation, test); counts are `round(f * N)` for train and
/// validation (half away from zero) and the rest for test.
public enum DatasetSplitter {
    /// Index order (the P²SAM / A-SAM protocol): the first 60 % train, the next 20 % validation, the
    /// rest test. With a seed, the order is first shuffled with GSL mt19937 (Fisher–Yates).
    public static func indexOrder(
        count: Int, fractions: (Double, Double, Double) = (0.6, 0.2, 0.2),
        seed: UInt64? = nil
    ) -> SplitFold {
        var order = Array(0..<count)
        if let seed { SeededRandom(seed: seed).shuffle(&order) }
        let total = fractions.0 + fractions.1 + fractions.2
        let nTrain = Int((Double(count) * fractions.0 / total).rounded())
        let nVal = min(Int((Double(count) * fractions.1 / total).rounded()), count - nTrain)
        return SplitFold(
            name: seed == nil ? "index" : "shuffled-\(seed!)",
            train: Array(order[0..<nTrain]), validation: Array(order[nTrain..<(nTrain + nVal)]),
            test: Array(order[(nTrain + nVal)...]))
    }

    /// Grouped by patient/series (PHiSeg / MoSE / CCDM protocol): groups (first-appearance order)
    /// are shuffled with the seed, then whole groups go to train while the train set has fewer than
    /// `fractions.0 * N` cases, then to validation while train + validation has fewer than
    /// `(fractions.0 + fractions.1) * N`, the rest to test. No group spans two parts. Indices keep
    /// dataset order within each part. Cases without a group id form singleton groups. With three or
    /// more groups no part is left empty: an empty test (then validation) part takes the smallest
    /// training group (ties: the later one in shuffled order), so three patients give one per part.
    public static func grouped(
        groups: [String?], fractions: (Double, Double, Double) = (0.6, 0.2, 0.2),
        seed: UInt64
    ) -> SplitFold {
        var order: [String] = []
        var members: [String: [Int]] = [:]
        for (i, g) in groups.enumerated() {
            let key = g ?? "#case-\(i)"
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(i)
        }
        SeededRandom(seed: seed).shuffle(&order)
        let total = fractions.0 + fractions.1 + fractions.2
        let trainTarget = Double(groups.count) * fractions.0 / total
        let valTarget = Double(groups.count) * (fractions.0 + fractions.1) / total
        var train: [String] = []
        var validation: [String] = []
        var test: [String] = []
        var trainCount = 0
        var validationCount = 0
        for key in order {
            let size = members[key]!.count
            if Double(trainCount) < trainTarget {
                train.append(key)
                trainCount += size
            } else if Double(trainCount + validationCount) < valTarget {
                validation.append(key)
                validationCount += size
            } else {
                test.append(key)
            }
        }
        func takeSmallestTrainingGroup() -> String {
            let i = train.indices.min { a, b in
                let (sa, sb) = (members[train[a]]!.count, members[train[b]]!.count)
                return sa != sb ? sa < sb : a > b
            }!
            return train.remove(at: i)
        }
        if test.isEmpty && train.count >= 2 { test.append(takeSmallestTrainingGroup()) }
        if validation.isEmpty && train.count >= 2 { validation.append(takeSmallestTrainingGroup()) }
        func indices(_ keys: [String]) -> [Int] { keys.flatMap { members[$0]! }.sorted() }
        return SplitFold(
            name: "grouped-\(seed)", train: indices(train), validation: indices(validation),
            test: indices(test))
    }

    /// Number of distinct groups (cases without a group id count as one group each).
    public static func groupCount(groups: [String?]) -> Int {
        Set(groups.enumerated().map { $0.element ?? "#case-\($0.offset)" }).count
    }

    /// The "first 500 training samples" regime: the first `limit` training indices in a fixed order —
    /// index order without a seed, or after a GSL mt19937 shuffle with one. Validation and test unchanged.
    public static func firstTraining(_ fold: SplitFold, limit: Int = 500, seed: UInt64? = nil) -> SplitFold {
        var train = fold.train
        if let seed { SeededRandom(seed: seed).shuffle(&train) }
        var out = fold
        out.train = Array(train.prefix(limit))
        out.name = fold.name + "-first\(limit)"
        return out
    }

    /// The learning-curve regime (`p2sam train --train-fraction`): m = ⌈`fraction` · n⌉ of the n training
    /// indices (at least 1), evenly spaced over the training part in its order — index ⌊j · n / m⌋ for
    /// j = 0 ..< m — so that a small fraction still spans the whole part (every patient of a grouped split,
    /// the whole range of sorted names). Deterministic (no seed); validation and test unchanged.
    ///
    /// - Parameters:
    ///   - fold: The split to thin.
    ///   - fraction: The share of training cases to keep, in (0, 1]; 1 keeps the fold unchanged.
    /// - Returns: The fold with the thinned training part, named `<name>-train<fraction>`.
    public static func trainingFraction(_ fold: SplitFold, _ fraction: Double) -> SplitFold {
        precondition(fraction > 0 && fraction <= 1, "training fraction must be in (0, 1]")
        let n = fold.train.count
        guard fraction < 1, n > 0 else { return fold }
        let m = min(n, max(1, Int((fraction * Double(n) - 1e-9).rounded(.up))))  // 1e-9: 0.1 · 30 is 3, not 4
        var out = fold
        out.train = (0..<m).map { fold.train[$0 * n / m] }
        out.name = fold.name + "-train\(fraction)"
        return out
    }

    /// Sorted-name index order 60/20/20 (canonical QUBIQ: case01–23 / 24–31 / 32–39; BU-BIL 21/7/7):
    /// cases are ordered by case id, then split by `indexOrder`; indices refer to dataset order.
    public static func sortedNames(_ caseIDs: [String], name: String) -> SplitFold {
        let order = caseIDs.indices.sorted { caseIDs[$0] < caseIDs[$1] }
        let fold = indexOrder(count: caseIDs.count)
        return SplitFold(
            name: name, train: fold.train.map { order[$0] }, validation: fold.validation.map { order[$0] },
            test: fold.test.map { order[$0] })
    }

    /// Train and validation only, no test part (training on a user's whole dataset): cases in sorted-id order,
    /// every fifth (positions 4, 9, 14, …) validation, the rest train; at least one case stays in train.
    public static func trainValidation(_ caseIDs: [String]) -> SplitFold {
        let order = caseIDs.indices.sorted { caseIDs[$0] < caseIDs[$1] }
        var train: [Int] = []
        var validation: [Int] = []
        for (position, index) in order.enumerated() {
            if position % 5 == 4 { validation.append(index) } else { train.append(index) }
        }
        return SplitFold(name: "train-validation", train: train.sorted(), validation: validation.sorted(), test: [])
    }

    /// Leave-one-group-out (canonical LIDC-real: one fold per patient). Within a fold the test set is
    /// the held-out group; of the remaining cases in index order, the last `round(0.2 * count)` are
    /// validation and the rest train.
    public static func leaveOneGroupOut(groups: [String?], validationFraction: Double = 0.2) -> [SplitFold] {
        var order: [String] = []
        for g in groups {
            let key = g ?? "?"
            if !order.contains(key) { order.append(key) }
        }
        return order.map { held in
            let rest = groups.indices.filter { (groups[$0] ?? "?") != held }
            let nVal = Int((Double(rest.count) * validationFraction).rounded())
            return SplitFold(
                name: "test=\(held)", train: Array(rest.dropLast(nVal)), validation: Array(rest.suffix(nVal)),
                test: groups.indices.filter { (groups[$0] ?? "?") == held })
        }
    }
}

/// Named split protocols for the CLI and manifests.
public enum SplitProtocol: String, Sendable, CaseIterable, Codable {
    /// Index order 60/20/20 (P²SAM).
    case index
    /// Seeded grouped-by-patient 60/20/20 (PHiSeg / MoSE / CCDM).
    case grouped
    /// Index order 60/20/20, then the first 500 training cases (P²SAM's small regime).
    case first500 = "first-500"
    /// Canonical shared-data splits (data/README.md): sorted-name 60/20/20 (QUBIQ, BU-BIL).
    case sortedNames = "sorted-names"
    /// Canonical LIDC-real: leave one patient out, last 20 % of training slices as validation.
    case leaveOneGroupOut = "leave-one-group-out"
    /// Train and validation only (every fifth case by sorted id validates), no test: train on all your data.
    case trainValidation = "train-validation"

    /// Builds the manifest for `dataset`.
    public func manifest(for dataset: MultiRaterDataset, seed: UInt64) -> SplitManifest {
        let ids = dataset.cases.map(\.metadata.caseID)
        let groups = dataset.cases.map(\.metadata.groupID)
        let folds: [SplitFold]
        var usedSeed: UInt64? = nil
        switch self {
        case .index: folds = [DatasetSplitter.indexOrder(count: ids.count)]
        case .grouped:
            folds = [DatasetSplitter.grouped(groups: groups, seed: seed)]
            usedSeed = seed
        case .first500: folds = [DatasetSplitter.firstTraining(DatasetSplitter.indexOrder(count: ids.count))]
        case .sortedNames: folds = [DatasetSplitter.sortedNames(ids, name: "sorted-names")]
        case .leaveOneGroupOut: folds = DatasetSplitter.leaveOneGroupOut(groups: groups)
        case .trainValidation: folds = [DatasetSplitter.trainValidation(ids)]
        }
        return SplitManifest(
            dataset: dataset.source, splitProtocol: rawValue, seed: usedSeed, caseIDs: ids, folds: folds)
    }
}
