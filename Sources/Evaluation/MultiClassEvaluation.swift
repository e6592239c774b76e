import Foundation
import MultiRaterMetrics

/// One (slice, class) pair of a multi-class evaluation (`p2sam evaluate --method automedsam`).
public struct MultiClassCaseScore: Sendable, Codable, Equatable {
    /// The slice.
    public var caseID: String
    public var classID: Int
    /// Whether the class has any pixel in the ground truth.
    public var present: Bool
    /// Dice and NSD (τ = 2 px) of the predicted mask against the ground truth (both empty: 1; one empty: 0).
    public var dice: Double
    public var nsd: Double
    /// Predicted foreground pixels.
    public var predictedPixels: Int

    /// A score of class `classID` on slice `caseID`: presence, Dice, NSD and the predicted pixel count.
    public init(caseID: String, classID: Int, present: Bool, dice: Double, nsd: Double, predictedPixels: Int) {
        self.caseID = caseID
        self.classID = classID
        self.present = present
        self.dice = dice
        self.nsd = nsd
        self.predictedPixels = predictedPixels
    }

    /// Scores `prediction` against `truth` (same size).
    ///
    /// - Throws: `MetricError.sizeMismatch`.
    public init(caseID: String, classID: Int, prediction: BinaryMask, truth: BinaryMask) throws {
        self.init(
            caseID: caseID, classID: classID, present: !truth.isEmpty, dice: try diceCoefficient(prediction, truth),
            nsd: try SurfaceDice.normalizedSurfaceDice(prediction, truth),
            predictedPixels: prediction.foregroundCount)
    }
}

/// Per-class and mean DSC and NSD of a multi-class evaluation (JSON schema
/// `docs/schemas/multiclass-evaluation.schema.json`). Means are over the (slice, class) pairs whose class
/// is present (the pairs a box-prompted method can be asked about); absent pairs are counted with the
/// number of them where something was predicted (false positives).
public struct MultiClassReport: Sendable, Codable, Equatable {
    /// One class's summary.
    public struct ClassSummary: Sendable, Codable, Equatable {
        public var id: Int
        public var name: String
        /// Slices where the class is present (n of the means; the means are 0 when n is 0).
        public var n: Int
        public var dice: Double
        public var nsd: Double
        /// Slices without the class, and those of them with a non-empty prediction.
        public var absent: Int
        public var absentWithPrediction: Int
    }

    /// The method's description.
    public var method: String
    /// The evaluated data (e.g. `labels:/…/acdc/val`).
    public var dataset: String
    /// Slices evaluated.
    public var slices: Int
    public var classes: [ClassSummary]
    /// Means of the per-class means.
    public var meanDice: Double
    public var meanNSD: Double
    /// Every scored pair.
    public var cases: [MultiClassCaseScore]

    /// The report of `cases` (scored pairs) for `classNames` (id → name), for `method` on `dataset`.
    public init(method: String, dataset: String, classNames: [Int: String], cases: [MultiClassCaseScore]) {
        self.method = method
        self.dataset = dataset
        self.cases = cases
        slices = Set(cases.map(\.caseID)).count
        classes = classNames.keys.sorted().compactMap { id in
            let mine = cases.filter { $0.classID == id }
            guard !mine.isEmpty else { return nil }
            let present = mine.filter(\.present)
            let absent = mine.filter { !$0.present }
            let n = Double(max(present.count, 1))
            return ClassSummary(
                id: id, name: classNames[id]!, n: present.count,
                dice: present.isEmpty ? 0 : present.reduce(0) { $0 + $1.dice } / n,
                nsd: present.isEmpty ? 0 : present.reduce(0) { $0 + $1.nsd } / n,
                absent: absent.count, absentWithPrediction: absent.filter { $0.predictedPixels > 0 }.count)
        }
        let scored = classes.filter { $0.n > 0 }
        meanDice = scored.isEmpty ? 0 : scored.reduce(0) { $0 + $1.dice } / Double(scored.count)
        meanNSD = scored.isEmpty ? 0 : scored.reduce(0) { $0 + $1.nsd } / Double(scored.count)
    }
}
