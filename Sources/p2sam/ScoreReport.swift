import Foundation
import MultiRaterMetrics

/// Per-case scores plus their mean, as a table and as JSON.
struct ScoreReport: Encodable {
    var mean: MultiRaterScore
    var cases: [String: MultiRaterScore]
    private var order: [String]
    /// Version, settings and model files (absent in tables embedded in other reports).
    var provenance: ReportProvenance?

    init(cases list: [(String, MultiRaterScore)]) {
        precondition(!list.isEmpty)
        mean = MultiRaterScore.mean(of: list.map(\.1))
        cases = Dictionary(list, uniquingKeysWith: { a, _ in a })
        order = list.map(\.0)
    }

    enum CodingKeys: String, CodingKey { case mean, cases }

    func encode(to encoder: Encoder) throws {
        try provenance?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(cases, forKey: .cases)
    }

    func writeJSON(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// Aligned text table, one row per case and a final mean row.
    func table() -> String {
        let header = ["case", "n", "m", "GED", "HM-IoU", "D_max", "D_mean", "div_S", "div_Y"]
        func row(_ name: String, _ s: MultiRaterScore) -> [String] {
            [name, "\(s.n)", "\(s.m)"]
                + [s.ged, s.hmIoU, s.dMax, s.dMean, s.sampleDiversity, s.raterDiversity]
                .map { String(format: "%.4f", $0) }
        }
        let rows = [header] + order.map { row($0, cases[$0]!) } + [row("mean (\(order.count))", mean)]
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
        return lines.joined(separator: "\n")
    }
}
