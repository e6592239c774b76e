import Foundation
import MultiRaterMetrics
import ShardedRuns

/// The report of an evaluation run: the mean and per-case scores (`mean`, `cases`, as `p2sam score`
/// encodes them), plus the run's settings and skipped cases.
///
/// Built only from per-case records in sorted case-id order (`init(manifest:records:)`), whether the
/// records come from one unsharded run or from `p2sam merge`, so both give the same numbers bit for bit.
/// `seconds` is the sum of the cases' seconds: it is the one field that differs between runs.
public struct EvaluationReport: Encodable, Sendable {
    public var method: String
    public var dataset: String
    public var split: String
    public var boxQuality: String
    public var boxFrom: String
    public var count: Int
    public var seed: UInt64
    public var skipped: [String]
    public var seconds: Double
    public var mean: EvaluationCaseScore?
    public var cases: [String: EvaluationCaseScore]
    /// The scored case ids, in sorted order.
    public var order: [String]
    /// The run's manifest (version, settings, model digests).
    public var manifest: ShardManifest

    enum CodingKeys: String, CodingKey {
        case method, dataset, split
        case boxQuality = "box_quality"
        case boxFrom = "box_from"
        case count, seed, skipped, seconds, mean, cases
    }

    /// The report of a run from its manifest and its per-case records.
    public init(manifest: ShardManifest, records: [ShardRecord<EvaluationCaseRecord>]) {
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
        self.manifest = manifest
    }

    public func encode(to encoder: Encoder) throws {
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

    /// The summary lines after the score table: Dice/IoU of the final mask (with mean entropy and the
    /// accepted fraction when the method has them), then the skipped cases.
    public func summaryLines() -> [String] {
        var lines: [String] = []
        if let m = mean {
            var line = String(
                format: "final mask vs majority vote (%d cases): Dice %.4f  IoU %.4f;  simulated box IoU %.3f",
                order.count, m.dice, m.iou, m.boxIoU)
            if let nsd = m.nsd {
                line += String(format: ";  NSD %.4f (τ %g px)", nsd, m.nsdTolerance ?? SurfaceDice.defaultTolerance)
            }
            if let e = m.meanEntropy { line += String(format: ";  mean entropy %.4f bits", e) }
            if let a = m.accepted { line += String(format: ";  refinement accepted in %.0f %% of cases", 100 * a) }
            lines.append(line)
            if let pair = m.bothConventions {
                lines.append(
                    String(
                        format:
                            "both conventions: HM-IoU standard %.4f  p2sam %.4f;  D_max per-rater %.4f  global %.4f",
                        pair.hmIoUStandard, pair.hmIoUP2SAM, pair.dMaxPerRater, pair.dMaxGlobal))
            }
            if let samples = m.emptySampleFraction, let raters = m.emptyRaterFraction {
                lines.append(
                    String(format: "empty masks: %.3f of the samples, %.3f of the raters' masks", samples, raters))
            }
        }
        if !skipped.isEmpty {
            lines.append(
                "skipped \(skipped.count) case(s) whose box source mask is empty: \(skipped.joined(separator: ", "))")
        }
        return lines
    }
}
