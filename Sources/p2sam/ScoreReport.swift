import Foundation
import MultiRaterMetrics

/// Per-case scores plus their mean, as a table and as JSON.
struct ScoreReport: Encodable {
    var mean: MultiRaterScore
    var cases: [String: MultiRaterScore]
    /// DSC and NSD of the samples' majority vote against the raters' (`ConsensusOverlap`), when scored
    /// (`p2sam score`; tables embedded in other reports leave them out).
    var consensus: [String: ConsensusOverlap]?
    private var order: [String]
    /// Version, settings and model files (absent in tables embedded in other reports).
    var provenance: ReportProvenance?

    init(cases list: [(String, MultiRaterScore)], consensus: [ConsensusOverlap]? = nil) {
        precondition(!list.isEmpty)
        precondition(consensus == nil || consensus!.count == list.count, "one consensus score per case")
        mean = MultiRaterScore.mean(of: list.map(\.1))
        cases = Dictionary(list, uniquingKeysWith: { a, _ in a })
        order = list.map(\.0)
        if let consensus {
            self.consensus = Dictionary(zip(order, consensus), uniquingKeysWith: { a, _ in a })
        }
    }

    enum CodingKeys: String, CodingKey { case mean, cases }

    /// A case's scores, with `dsc`, `nsd` and `nsd_tolerance_px` beside the multi-rater keys.
    private struct CaseScores: Encodable {
        var score: MultiRaterScore
        var consensus: ConsensusOverlap?

        func encode(to encoder: Encoder) throws {
            try score.encode(to: encoder)
            try consensus?.encode(to: encoder)
        }
    }

    func encode(to encoder: Encoder) throws {
        try provenance?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        let meanConsensus = consensus.map { all in ConsensusOverlap.mean(of: order.map { all[$0]! }) }
        try c.encode(CaseScores(score: mean, consensus: meanConsensus), forKey: .mean)
        let perCase = Dictionary(
            uniqueKeysWithValues: cases.map { ($0.key, CaseScores(score: $0.value, consensus: consensus?[$0.key])) })
        try c.encode(perCase, forKey: .cases)
    }

    func writeJSON(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// Aligned text table, one row per case and a final mean row.
    func table() -> String {
        let header =
            ["case", "n", "m", "GED", "HM-IoU", "D_max", "D_mean", "div_S", "div_Y"]
            + (consensus == nil ? [] : ["DSC", "NSD"])
        func row(_ name: String, _ s: MultiRaterScore, _ overlap: ConsensusOverlap?) -> [String] {
            [name, "\(s.n)", "\(s.m)"]
                + ([s.ged, s.hmIoU, s.dMax, s.dMean, s.sampleDiversity, s.raterDiversity]
                + (overlap.map { [$0.dice, $0.normalizedSurfaceDice] } ?? []))
                .map { String(format: "%.4f", $0) }
        }
        let meanConsensus = consensus.map { all in ConsensusOverlap.mean(of: order.map { all[$0]! }) }
        let rows =
            [header] + order.map { row($0, cases[$0]!, consensus?[$0]) }
            + [row("mean (\(order.count))", mean, meanConsensus)]
        let widths = header.indices.map { c in rows.map { $0[c].count }.max()! }
        var lines = rows.map { r in
            r.enumerated().map { c, text in
                c == 0
                    ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - text.count) + text
            }.joined(separator: "  ")
        }
        lines.insert(String(repeating: "-", count: lines[0].count), at: 1)
        lines.insert(String(repeating: "-", count: lines[0].count), at: lines.count - 1)
        lines.append(
            "conventions: HM-IoU \(mean.conventions.hungarianIoU.rawValue), D_max \(mean.conventions.maximumDice.rawValue); GED squared (V-statistic)"
        )
        if let meanConsensus {
            lines.append(
                "DSC and NSD (tau = \(String(format: "%g", meanConsensus.tolerance)) px): majority vote of the samples vs majority vote of the raters"
            )
        }
        return lines.joined(separator: "\n")
    }
}
