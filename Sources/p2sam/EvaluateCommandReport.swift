import Foundation
import MultiRaterMetrics
import ShardedRuns

/// One case of `evaluate`: the multi-rater score of the n masks (encoded exactly as `p2sam score`'s
/// case objects) plus `dice` and `iou` of the final mask vs the majority-vote mask, `box_iou` of the
/// simulated box vs the tight box, and, when the method has them, `mean_entropy` (bits) and `accepted`.
struct EvaluationCaseScore: Codable {
    var score: MultiRaterScore
    var dice: Double
    var iou: Double
    var boxIoU: Double
    var meanEntropy: Double?
    /// For a mean over cases: the fraction accepted; for a case: 1 or 0.
    var accepted: Double?

    enum CodingKeys: String, CodingKey {
        case dice, iou
        case boxIoU = "box_iou"
        case meanEntropy = "mean_entropy"
        case accepted
    }

    init(score: MultiRaterScore, dice: Double, iou: Double, boxIoU: Double, meanEntropy: Double?, accepted: Double?) {
        self.score = score
        self.dice = dice
        self.iou = iou
        self.boxIoU = boxIoU
        self.meanEntropy = meanEntropy
        self.accepted = accepted
    }

    init(from decoder: Decoder) throws {
        score = try MultiRaterScore(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dice = try c.decode(Double.self, forKey: .dice)
        iou = try c.decode(Double.self, forKey: .iou)
        boxIoU = try c.decode(Double.self, forKey: .boxIoU)
        meanEntropy = try c.decodeIfPresent(Double.self, forKey: .meanEntropy)
        accepted = try c.decodeIfPresent(Double.self, forKey: .accepted)
    }

    func encode(to encoder: Encoder) throws {
        try score.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dice, forKey: .dice)
        try c.encode(iou, forKey: .iou)
        try c.encode(boxIoU, forKey: .boxIoU)
        try c.encodeIfPresent(meanEntropy, forKey: .meanEntropy)
        try c.encodeIfPresent(accepted, forKey: .accepted)
    }

    static func mean(of list: [EvaluationCaseScore]) -> EvaluationCaseScore {
        let k = Double(list.count)
        func avg(_ f: (EvaluationCaseScore) -> Double) -> Double { list.reduce(0) { $0 + f($1) } / k }
        func optionalAvg(_ f: (EvaluationCaseScore) -> Double?) -> Double? {
            let values = list.compactMap(f)
            return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        }
        return EvaluationCaseScore(
            score: MultiRaterScore.mean(of: list.map(\.score)), dice: avg(\.dice), iou: avg(\.iou),
            boxIoU: avg(\.boxIoU), meanEntropy: optionalAvg(\.meanEntropy), accepted: optionalAvg(\.accepted))
    }
}

/// The record `evaluate` keeps of one case (one line of a shard's `cases.jsonl`): its scores, or
/// why it was skipped, and the seconds it took (the only field that differs between runs).
struct EvaluationCaseRecord: Codable {
    var score: EvaluationCaseScore?
    var skipped: String?
    var seconds: Double

    enum CodingKeys: String, CodingKey { case skipped, seconds }

    init(score: EvaluationCaseScore?, skipped: String?, seconds: Double) {
        self.score = score
        self.skipped = skipped
        self.seconds = seconds
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        skipped = try c.decodeIfPresent(String.self, forKey: .skipped)
        seconds = try c.decode(Double.self, forKey: .seconds)
        score = skipped == nil ? try EvaluationCaseScore(from: decoder) : nil
    }

    func encode(to encoder: Encoder) throws {
        try score?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(skipped, forKey: .skipped)
        try c.encode(seconds, forKey: .seconds)
    }
}

/// The `evaluate` report: `mean` and `cases` as in `p2sam score`, plus the run's settings and skips.
///
/// Built only from per-case records in sorted case-id order (`init(manifest:records:)`), whether the
/// records come from one unsharded run or from `p2sam merge`, so both give the same numbers bit for bit.
/// `seconds` is the sum of the cases' seconds: it is the one field that differs between runs.
struct EvaluationReport: Encodable {
    var method: String
    var dataset: String
    var split: String
    var boxQuality: String
    var boxFrom: String
    var count: Int
    var seed: UInt64
    var skipped: [String]
    var seconds: Double
    var mean: EvaluationCaseScore?
    var cases: [String: EvaluationCaseScore]
    var order: [String]
    /// Version, full settings and model files.
    var provenance: ReportProvenance?

    enum CodingKeys: String, CodingKey {
        case method, dataset, split
        case boxQuality = "box_quality"
        case boxFrom = "box_from"
        case count, seed, skipped, seconds, mean, cases
    }

    init(manifest: ShardManifest, records: [ShardRecord<EvaluationCaseRecord>]) {
        let scored = records.compactMap { r in r.value.score.map { (r.caseID, $0) } }
        method = manifest.method
        dataset = manifest.dataset
        split = manifest.split
        boxQuality = manifest.settings["box_quality"] ?? ""
        boxFrom = manifest.settings["box_from"] ?? ""
        count = Int(manifest.settings["count"] ?? "") ?? 0
        seed = manifest.seed
        skipped = records.filter { $0.value.skipped != nil }.map(\.caseID)
        seconds = records.reduce(0) { $0 + $1.value.seconds }
        mean = scored.isEmpty ? nil : EvaluationCaseScore.mean(of: scored.map(\.1))
        cases = Dictionary(scored, uniquingKeysWith: { a, _ in a })
        order = scored.map(\.0)
        provenance = ReportProvenance(manifest: manifest)
    }

    func encode(to encoder: Encoder) throws {
        try provenance?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(split, forKey: .split)
        try c.encode(boxQuality, forKey: .boxQuality)
        try c.encode(boxFrom, forKey: .boxFrom)
        try c.encode(count, forKey: .count)
        try c.encode(seed, forKey: .seed)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(seconds, forKey: .seconds)
        try c.encodeIfPresent(mean, forKey: .mean)
        try c.encode(cases, forKey: .cases)
    }

    func writeJSON(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// The `score` table for the n masks, then the Dice/IoU summary.
    func text() -> String {
        var lines: [String] = []
        if !order.isEmpty {
            lines.append(ScoreReport(cases: order.map { ($0, cases[$0]!.score) }).table())
        }
        if let m = mean {
            var line = String(
                format: "final mask vs majority vote (%d cases): Dice %.4f  IoU %.4f;  simulated box IoU %.3f",
                order.count, m.dice, m.iou, m.boxIoU)
            if let e = m.meanEntropy { line += String(format: ";  mean entropy %.4f bits", e) }
            if let a = m.accepted { line += String(format: ";  refinement accepted in %.0f %% of cases", 100 * a) }
            lines.append(line)
        }
        if !skipped.isEmpty {
            lines.append(
                "skipped \(skipped.count) case(s) whose box source mask is empty: \(skipped.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}
