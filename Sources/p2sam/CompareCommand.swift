import ArgumentParser
import Evaluation
import Foundation

/// `p2sam compare`: two runs' `evaluate` or `score` reports compared case by case, with intervals.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract:
            "Compare two runs on the same cases: paired differences per metric with a 95 % interval and a p-value.",
        discussion: """
            Reads the JSON reports of `p2sam evaluate --json` or `p2sam score --json`, pairs the cases by id \
            and prints, per metric (GED, HM-IoU and D_max in each convention the reports have, D_mean, Dice \
            and NSD of the final mask, sample diversity, empty samples; for multi-class reports Dice and NSD \
            of each present (slice, class) pair), the baseline's and the candidate's mean, the \
            mean difference candidate − baseline with its 95 % Student t interval over the cases, the two-sided \
            p-value of a sign-flip test (exact up to 20 cases, 100,000 seeded random sign patterns up to 2,000, \
            then its normal approximation) and \
            in how many cases the candidate is better. Give a side several reports (e.g. one per fold of a \
            leave-one-patient-out protocol) by repeating the option: its cases are pooled, and the means are \
            over the pooled cases; a breakdown per report (per class for multi-class reports) follows the \
            table. Refused: multi-class and multi-rater reports mixed, a case twice on one side, differing case sets (unless \
            --common-cases), a case scored with another number of samples or of raters on the two sides. \
            See docs/evaluation.md, "Comparing two runs".
            """)

    @Option(help: ArgumentHelp("A report of the run compared against (repeat for several).", valueName: "REPORT.json"))
    var baseline: [String] = []

    @Option(help: ArgumentHelp("A report of the run being judged (repeat for several).", valueName: "REPORT.json"))
    var candidate: [String] = []

    @Flag(help: "Compare the cases both sides have when the case sets differ (the others are listed).")
    var commonCases = false

    @Option(name: .long, parsing: .unconditional, help: "Seed of the random sign patterns (more than 20 cases).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Write the comparison as JSON.", valueName: "PATH"))
    var json: String?

    func validate() throws {
        if baseline.isEmpty || candidate.isEmpty {
            throw ValidationError("give --baseline REPORT.json and --candidate REPORT.json (each may repeat)")
        }
    }

    func run() throws {
        try runWithExit {
            try OutputLocation.prepareFiles(json)
            let baselineReports = try baseline.map { try ScoredRunReport(contentsOf: URL(fileURLWithPath: $0)) }
            let candidateReports = try candidate.map { try ScoredRunReport(contentsOf: URL(fileURLWithPath: $0)) }
            let comparison = try RunComparison(
                baseline: baselineReports, candidate: candidateReports, commonCasesOnly: commonCases, seed: seed)
            let settings: [String: String?] = [
                "baseline": baseline.joined(separator: ","), "candidate": candidate.joined(separator: ","),
                "common_cases": commonCases ? "true" : "false", "seed": String(seed),
            ]
            let report = ComparisonReport(
                provenance: ReportProvenance(command: "compare", settings: settings), comparison: comparison,
                baseline: .init(paths: baseline, reports: baselineReports),
                candidate: .init(paths: candidate, reports: candidateReports), seed: seed)
            for warning in comparison.warnings { Diagnostics.warn(warning) }
            print(report.text())
            if let json { try report.writeJSON(to: URL(fileURLWithPath: json)) }
        }
    }
}
