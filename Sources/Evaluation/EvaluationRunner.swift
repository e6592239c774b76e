import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling
import ShardedRuns

/// The case loop of an evaluation: simulate the box, embed, run the method, score.
///
/// Cases run in the order given and each yields one `EvaluationCaseRecord`; the box and the method's
/// random source are seeded from (seed, case id), so a case gets the same masks in any shard, split or
/// subset. Build the report from the records with `EvaluationReport(manifest:records:)`.
public struct EvaluationRunner {
    public var method: any EvaluationMethod
    public var quality: BoxQuality
    /// Box from the majority-vote mask (more than half of the raters) instead of the raters' union.
    public var boxFromMajority: Bool
    /// n, the masks per case.
    public var count: Int
    public var seed: UInt64
    /// CT intensity window; nil keeps 0...255 images and min-max scales others.
    public var window: IntensityWindow?
    /// HM-IoU and D_max conventions of the set scores.
    public var conventions: MetricConventions
    /// Also record HM-IoU and D_max in both conventions (`EvaluationCaseScore.bothConventions`).
    public var bothConventions = false
    /// Box from one rater's mask (a random non-empty rater, from the box stream) instead of the union or majority.
    public var boxFromRandomRater = false
    /// Receives a call per finished case; nil for a silent run.
    public var observer: (any EvaluationObserver)?

    /// A runner for `method` with the box simulation (`quality`, boxes from the majority vote or the union), n masks
    /// per case, the seed of the per-case streams, an optional CT window, the metric conventions and an observer for
    /// progress.
    public init(
        method: any EvaluationMethod, quality: BoxQuality, boxFromMajority: Bool, count: Int, seed: UInt64,
        window: IntensityWindow?, conventions: MetricConventions = MetricConventions(),
        observer: (any EvaluationObserver)? = nil
    ) {
        self.method = method
        self.quality = quality
        self.boxFromMajority = boxFromMajority
        self.count = count
        self.seed = seed
        self.window = window
        self.conventions = conventions
        self.observer = observer
    }

    /// The record of one case: its scores, or why it was skipped (an empty box source).
    public func record(_ item: MultiRaterCase, predictor: LiteMedSAMPredictor) throws -> EvaluationCaseRecord {
        let start = Date()
        let id = item.metadata.caseID
        guard let image = item.image else { throw DataError.invalidCase(id: id, reason: "case has no image") }
        let majority = EvaluationCases.majority(item.raters)
        let boxRandom = SeededRandom(seed: CaseSeed.seed(run: seed, caseID: id, stream: "box"))
        var source = boxFromMajority ? majority : EvaluationCases.union(item.raters)
        if boxFromRandomRater {
            let drawn = item.raters.filter { $0.foregroundCount > 0 }
            if !drawn.isEmpty { source = drawn[boxRandom.integer(below: drawn.count)] }
        }
        let picture = try EvaluationCases.picture(image, window: window)
        let frame = ImageFrame(width: picture.width, height: picture.height)
        let methodRandom = SeededRandom(seed: CaseSeed.seed(run: seed, caseID: id, stream: "method"))
        var box = BoundingBox(x0: 0, y0: 0, x1: Double(frame.width), y1: Double(frame.height))
        var boxIoU = 1.0
        if method.needsBox {
            guard let tight = BoundingBox(tightAround: source) else {
                return EvaluationCaseRecord(
                    score: nil, skipped: "empty \(boxFromMajority ? "majority" : "union")",
                    seconds: Date().timeIntervalSince(start))
            }
            box = try quality.box(around: tight, frame: frame, random: boxRandom)
            boxIoU = box.intersectionOverUnion(with: tight)
        }
        let segmenter = try LiteMedSAMSegmenter(predictor: predictor, picture: picture)
        let output = try method.run(
            EvaluationInput(segmenter: segmenter, picture: picture, box: box, count: count, random: methodRandom))
        let overlaps = try OverlapTable(samples: output.samples, raters: item.raters)
        let score = MultiRaterScore(overlaps: overlaps, conventions: conventions)
        func emptyFraction(_ masks: [BinaryMask]) -> Double {
            Double(masks.filter { $0.foregroundCount == 0 }.count) / Double(max(masks.count, 1))
        }
        let caseScore = EvaluationCaseScore(
            score: score, dice: try diceCoefficient(output.final, majority),
            iou: try intersectionOverUnion(output.final, majority), boxIoU: boxIoU,
            meanEntropy: output.meanEntropy, accepted: output.accepted.map { $0 ? 1 : 0 },
            nsd: try SurfaceDice.normalizedSurfaceDice(output.final, majority),
            nsdTolerance: SurfaceDice.defaultTolerance,
            emptySampleFraction: emptyFraction(output.samples), emptyRaterFraction: emptyFraction(item.raters),
            bothConventions: bothConventions ? EvaluationCaseScore.ConventionPair(overlaps: overlaps) : nil)
        return EvaluationCaseRecord(score: caseScore, skipped: nil, seconds: Date().timeIntervalSince(start))
    }

    /// Runs `caseIDs` (in order; each must be a case of `dataset`) through `record`, handing each record to
    /// `sink` as it is made (e.g. to append it to a shard's `cases.jsonl`).
    public func run(
        _ dataset: MultiRaterDataset, caseIDs: [String], predictor: LiteMedSAMPredictor,
        sink: (ShardRecord<EvaluationCaseRecord>) throws -> Void
    ) throws {
        let index = Dictionary(
            dataset.cases.enumerated().map { ($0.element.metadata.caseID, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let start = Date()
        for (i, id) in caseIDs.enumerated() {
            guard let position = index[id] else {
                throw DataError.invalidCase(id: id, reason: "not a case of the dataset")
            }
            let value = try record(dataset.cases[position], predictor: predictor)
            try sink(ShardRecord(caseID: id, value: value))
            observer?.caseFinished(
                done: i + 1, total: caseIDs.count, caseID: id, skipped: value.skipped,
                elapsed: Date().timeIntervalSince(start))
        }
    }
}
