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

    /// The `score` table for the n masks (with the final mask's DSC and NSD per case), then the Dice/IoU/NSD
    /// summary.
    func text() -> String {
        var lines: [String] = []
        if !report.order.isEmpty {
            // Per case, DSC and NSD of the final mask vs the majority vote beside the n masks' scores.
            let finals = report.order.map { report.cases[$0]! }
            let overlap =
                finals.allSatisfy { $0.nsd != nil }
                ? finals.map {
                    ConsensusOverlap(
                        dice: $0.dice, normalizedSurfaceDice: $0.nsd!,
                        tolerance: $0.nsdTolerance ?? SurfaceDice.defaultTolerance)
                } : nil
            lines.append(
                ScoreReport(cases: report.order.map { ($0, report.cases[$0]!.score) }, consensus: overlap).table())
        }
        return (lines + report.summaryLines()).joined(separator: "\n")
    }
}
