import Evaluation
import Foundation
import MultiRaterMetrics
import ShardedRuns

/// The `evaluate` report as the tool prints and writes it: the library's `EvaluationReport` with the
/// provenance keys (`tool_version`, `command`, `settings`, `models`) of its manifest.
struct EvaluationReportFile: Encodable {
    var report: EvaluationReport

    func encode(to encoder: Encoder) throws {
        try ReportProvenance(manifest: report.manifest).encode(to: encoder)
        try report.encode(to: encoder)
    }

    func writeJSON(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// The `score` table for the n masks, then the Dice/IoU summary.
    func text() -> String {
        var lines: [String] = []
        if !report.order.isEmpty {
            lines.append(ScoreReport(cases: report.order.map { ($0, report.cases[$0]!.score) }).table())
        }
        return (lines + report.summaryLines()).joined(separator: "\n")
    }
}
