import Evaluation
import Foundation

/// The `compare` report as the tool prints and writes it.
///
/// JSON keys: the provenance keys of every report (`tool_version`, `command`, `settings`, `models`), `baseline` / `candidate` (`reports`: the paths, `methods`, `datasets`, `splits`), `cases` (the
/// paired case count), `case_ids`, `baseline_only` / `candidate_only` (cases left out by `--common-cases`),
/// `test` (how the p-values were computed), `metrics` (per metric key: `direction`, `baseline_mean`,
/// `candidate_mean`, `mean_difference`, `standard_error`, `ci95_low`, `ci95_high`, `p_value`, `better`,
/// `worse`, `tied`; a figure that does not exist is absent), `omitted` (metrics only one side has),
/// `warnings`, `groups` (per class of multi-class reports, else per candidate report: `class` or `report`,
/// `cases`, `mean_difference` per metric).
struct ComparisonReport: Encodable {
    /// One side of the comparison: its report files and what they say they ran.
    struct Side: Encodable {
        var reports: [String]
        var methods: [String]
        var datasets: [String]
        var splits: [String]

        init(paths: [String], reports: [ScoredRunReport]) {
            self.reports = paths
            func distinct(_ values: [String?]) -> [String] { Array(Set(values.compactMap { $0 })).sorted() }
            methods = distinct(reports.map(\.method))
            datasets = distinct(reports.map(\.dataset))
            splits = distinct(reports.map(\.split))
        }

        /// "p2sam on lidc_crops_128.npz, test (3 reports)"; of several distinct names the first and a count.
        var summary: String {
            func names(_ values: [String]) -> String {
                values.count > 1 ? "\(values[0]) and \(values.count - 1) more" : values.first ?? ""
            }
            var text = methods.isEmpty ? "scores" : names(methods)
            if !datasets.isEmpty { text += " on " + names(datasets) }
            if !splits.isEmpty { text += ", " + names(splits) }
            return text + (reports.count == 1 ? " (\(reports[0]))" : " (\(reports.count) reports)")
        }
    }

    var provenance: ReportProvenance
    var comparison: RunComparison
    var baseline: Side
    var candidate: Side
    var seed: UInt64

    /// How the p-values were computed.
    var testDescription: String {
        let n = comparison.caseIDs.count
        switch PairedComparison.pValueMethod(caseCount: n) {
        case .exact: return "two-sided sign-flip test, all \(1 << n) sign patterns"
        case .randomSignPatterns:
            return "two-sided sign-flip test, \(PairedComparison.randomFlips) random sign patterns (seed \(seed))"
        case .normalApproximation:
            return
                "two-sided sign-flip test, normal approximation (more than \(PairedComparison.randomFlipLimit) cases)"
        }
    }

    func text() -> String {
        let n = comparison.caseIDs.count
        var lines = [
            "baseline:  \(baseline.summary)",
            "candidate: \(candidate.summary)",
            "\(n) paired case(s); difference = candidate − baseline, means over the pooled cases; "
                + "95 % CI: Student t over cases; p: \(testDescription)",
        ]
        if !comparison.baselineOnly.isEmpty || !comparison.candidateOnly.isEmpty {
            lines.append(
                "left out (--common-cases): \(comparison.baselineOnly.count) baseline-only, "
                    + "\(comparison.candidateOnly.count) candidate-only case(s)")
        }
        lines.append("")
        let header = [
            "metric".padding(toLength: 20, withPad: " ", startingAt: 0), pad("baseline", 10), pad("candidate", 11),
            pad("difference", 12), pad("95 % CI", 22), pad("p", 8), "  candidate better",
        ]
        lines.append(header.joined())
        for row in comparison.rows {
            let c = row.comparison
            let arrow = row.metric.direction.map { $0 == .lowerIsBetter ? " ↓" : " ↑" } ?? ""
            let interval = c.confidenceInterval.map { String(format: "[%+.4f, %+.4f]", $0.lowerBound, $0.upperBound) }
            let better =
                c.better.map { "\($0) of \(c.caseCount) (worse \(c.worse!), tied \(c.tied!))" } ?? "(descriptive)"
            lines.append(
                [
                    (row.metric.label + arrow).padding(toLength: 20, withPad: " ", startingAt: 0),
                    pad(String(format: "%.4f", c.baselineMean), 10), pad(String(format: "%.4f", c.candidateMean), 11),
                    pad(String(format: "%+.4f", c.meanDifference), 12), pad(interval ?? "n/a (1 case)", 22),
                    pad(c.pValue < 1e-4 ? "<0.0001" : String(format: "%.4f", c.pValue), 8), "  " + better,
                ].joined())
        }
        if comparison.groups.count > 1 {
            let shown = comparison.rows.filter { $0.metric.direction != nil }.prefix(3).map(\.metric)
            lines.append("")
            let byClass = comparison.groups.first?.className != nil
            lines.append(
                "per \(byClass ? "class" : "candidate report"), mean difference: "
                    + shown.map { $0.label }.joined(separator: " / "))
            for group in comparison.groups {
                let figures = shown.map { String(format: "%+.4f", group.meanDifferences[$0]!) }
                lines.append(
                    "  \(label(of: group)) (\(group.caseCount) cases): " + figures.joined(separator: " / "))
            }
        }
        if !comparison.omitted.isEmpty {
            lines.append(
                "not compared (only one side has them): "
                    + comparison.omitted.map(\.label).joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// The class name, or the candidate report's path.
    private func label(of group: RunComparison.Group) -> String {
        group.className ?? group.reportIndex.map { candidate.reports[$0] } ?? ""
    }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    func writeJSON(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    private struct MetricFigures: Encodable {
        var direction: String?
        var baselineMean, candidateMean, meanDifference: Double
        var standardError, ci95Low, ci95High: Double?
        var pValue: Double
        var better, worse, tied: Int?

        enum CodingKeys: String, CodingKey {
            case direction
            case baselineMean = "baseline_mean"
            case candidateMean = "candidate_mean"
            case meanDifference = "mean_difference"
            case standardError = "standard_error"
            case ci95Low = "ci95_low"
            case ci95High = "ci95_high"
            case pValue = "p_value"
            case better, worse, tied
        }
    }

    private struct GroupFigures: Encodable {
        var report: String?
        var className: String?
        var cases: Int
        var meanDifference: [String: Double]

        enum CodingKeys: String, CodingKey {
            case report, cases
            case className = "class"
            case meanDifference = "mean_difference"
        }
    }

    enum CodingKeys: String, CodingKey {
        case baseline, candidate, cases, test, metrics, omitted, warnings, groups
        case caseIDs = "case_ids"
        case baselineOnly = "baseline_only"
        case candidateOnly = "candidate_only"
    }

    func encode(to encoder: Encoder) throws {
        try provenance.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(baseline, forKey: .baseline)
        try c.encode(candidate, forKey: .candidate)
        try c.encode(comparison.caseIDs.count, forKey: .cases)
        try c.encode(comparison.caseIDs, forKey: .caseIDs)
        try c.encode(comparison.baselineOnly, forKey: .baselineOnly)
        try c.encode(comparison.candidateOnly, forKey: .candidateOnly)
        try c.encode(testDescription, forKey: .test)
        var metrics: [String: MetricFigures] = [:]
        for row in comparison.rows {
            let f = row.comparison
            metrics[row.metric.rawValue] = MetricFigures(
                direction: row.metric.direction?.rawValue, baselineMean: f.baselineMean,
                candidateMean: f.candidateMean, meanDifference: f.meanDifference, standardError: f.standardError,
                ci95Low: f.confidenceInterval?.lowerBound, ci95High: f.confidenceInterval?.upperBound,
                pValue: f.pValue, better: f.better, worse: f.worse, tied: f.tied)
        }
        try c.encode(metrics, forKey: .metrics)
        try c.encode(comparison.omitted.map(\.rawValue), forKey: .omitted)
        try c.encode(
            comparison.groups.map { group in
                GroupFigures(
                    report: group.reportIndex.map { candidate.reports[$0] }, className: group.className,
                    cases: group.caseCount,
                    meanDifference: Dictionary(
                        uniqueKeysWithValues: group.meanDifferences.map { ($0.key.rawValue, $0.value) }))
            }, forKey: .groups)
        try c.encode(comparison.warnings, forKey: .warnings)
    }
}
