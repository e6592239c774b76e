/// Two runs compared on the same cases (`p2sam compare`): the baseline's and the candidate's reports, each
/// side pooled over one or more reports (e.g. the folds of a leave-one-patient-out protocol), paired by case
/// id, one `PairedComparison` per metric that both sides have for every paired case.
///
/// Means are over the pooled cases (not the mean of per-report means). Refused, because the figures would not
/// measure the same thing: multi-class and multi-rater reports mixed, a case id twice on one side, case sets that
/// differ (unless `commonCasesOnly`), a case scored with another number of samples n (GED16 is not GED8) or of
/// raters m on the two sides.
public struct RunComparison: Sendable {
    /// One metric's comparison.
    public struct Row: Sendable {
        public var metric: ComparedMetric
        public var comparison: PairedComparison
    }

    /// The paired cases of one class or one candidate report.
    public struct Group: Sendable {
        /// The class name (multi-class reports), or nil.
        public var className: String?
        /// The index of the report among the candidate's reports (multi-rater reports), or nil.
        public var reportIndex: Int?
        public var caseCount: Int
        /// Mean of `candidate − baseline` over the group's cases, per compared metric.
        public var meanDifferences: [ComparedMetric: Double]
    }

    /// The paired case ids, sorted.
    public var caseIDs: [String]
    /// One row per metric both sides have on every paired case, in `ComparedMetric` order.
    public var rows: [Row]
    /// Per class of a multi-class comparison (by class name), else per candidate report (in the order given), the
    /// mean difference of each compared metric over the group's paired cases: whether a pooled difference holds in
    /// each class or fold (or patient) or comes from one.
    public var groups: [Group]

    /// Metrics only one side has (e.g. HM-IoU p2sam when only one run used `--conventions both`).
    public var omitted: [ComparedMetric]
    /// Case ids left out by `commonCasesOnly` because one side lacks them.
    public var baselineOnly: [String]
    public var candidateOnly: [String]
    /// Differences that do not invalidate the comparison but that a reader should see (dataset or split names).
    public var warnings: [String]

    /// Pairs `baseline` and `candidate` (each one or more reports) by case id.
    /// - Parameters:
    ///   - baseline: the reports of the run compared against (at least one).
    ///   - candidate: the reports of the run being judged (at least one).
    ///   - commonCasesOnly: compare the cases both sides have instead of refusing differing case sets.
    ///   - seed: seeds the sign-flip test above `PairedComparison.exactTestLimit` cases.
    /// - Throws: `RunComparisonError`.
    public init(
        baseline: [ScoredRunReport], candidate: [ScoredRunReport], commonCasesOnly: Bool = false, seed: UInt64 = 1
    ) throws(RunComparisonError) {
        let kinds = Set((baseline + candidate).map(\.kind))
        if kinds.count > 1 { throw .layoutsDiffer }
        let base = try Self.pool(baseline, side: "baseline")
        let cand = try Self.pool(candidate, side: "candidate")
        let shared = Set(base.keys).intersection(cand.keys)
        guard !shared.isEmpty else { throw .noSharedCases }
        baselineOnly = base.keys.filter { !shared.contains($0) }.sorted()
        candidateOnly = cand.keys.filter { !shared.contains($0) }.sorted()
        if !commonCasesOnly && !(baselineOnly.isEmpty && candidateOnly.isEmpty) {
            throw .caseSetsDiffer(baselineOnly: baselineOnly, candidateOnly: candidateOnly, shared: shared.count)
        }
        caseIDs = shared.sorted()
        for id in caseIDs {
            let (b, c) = (base[id]!, cand[id]!)
            if let bn = b.sampleCount, let cn = c.sampleCount, bn != cn {
                throw .sampleCountsDiffer(caseID: id, baseline: bn, candidate: cn)
            }
            if let bm = b.raterCount, let cm = c.raterCount, bm != cm {
                throw .raterCountsDiffer(caseID: id, baseline: bm, candidate: cm)
            }
        }
        var rows: [Row] = []
        var omitted: [ComparedMetric] = []
        for metric in ComparedMetric.allCases {
            let b = caseIDs.compactMap { base[$0]!.values[metric] }
            let c = caseIDs.compactMap { cand[$0]!.values[metric] }
            if b.count == caseIDs.count && c.count == caseIDs.count {
                rows.append(
                    Row(
                        metric: metric,
                        comparison: PairedComparison(baseline: b, candidate: c, direction: metric.direction, seed: seed)
                    ))
            } else if !b.isEmpty || !c.isEmpty {
                omitted.append(metric)
            }
        }
        self.rows = rows
        self.omitted = omitted
        func means(_ ids: [String]) -> [ComparedMetric: Double] {
            var means: [ComparedMetric: Double] = [:]
            for row in rows {
                let sum = ids.reduce(0.0) { $0 + cand[$1]!.values[row.metric]! - base[$1]!.values[row.metric]! }
                means[row.metric] = sum / Double(ids.count)
            }
            return means
        }
        let paired = Set(caseIDs)
        if kinds.first == .multiClass {
            let byClass = Dictionary(grouping: caseIDs) { cand[$0]!.className ?? "" }
            groups = byClass.keys.sorted().map { name in
                let ids = byClass[name]!
                return Group(className: name, reportIndex: nil, caseCount: ids.count, meanDifferences: means(ids))
            }
        } else {
            groups = candidate.enumerated().compactMap { index, report in
                let ids = report.cases.keys.filter { paired.contains($0) }
                guard !ids.isEmpty else { return nil }
                return Group(className: nil, reportIndex: index, caseCount: ids.count, meanDifferences: means(ids))
            }
        }
        var warnings: [String] = []
        for (what, key) in [("datasets", \ScoredRunReport.dataset), ("splits", \ScoredRunReport.split)] {
            let b = Set(baseline.compactMap { $0[keyPath: key] })
            let c = Set(candidate.compactMap { $0[keyPath: key] })
            if !b.isEmpty && !c.isEmpty && b != c {
                warnings.append(
                    "the \(what) differ: baseline \(b.sorted().joined(separator: ", ")), candidate "
                        + c.sorted().joined(separator: ", "))
            }
        }
        self.warnings = warnings
    }

    /// One side's cases, pooled over its reports.
    private static func pool(_ reports: [ScoredRunReport], side: String) throws(RunComparisonError)
        -> [String: ScoredRunReport.Case]
    {
        guard !reports.isEmpty else { throw .noReports(side: side) }
        var pooled: [String: ScoredRunReport.Case] = [:]
        for report in reports {
            for (id, value) in report.cases.sorted(by: { $0.key < $1.key }) {
                if pooled[id] != nil { throw .duplicateCase(caseID: id, side: side) }
                pooled[id] = value
            }
        }
        return pooled
    }
}

/// Why two runs cannot be compared.
public enum RunComparisonError: Error, Equatable, CustomStringConvertible {
    case noReports(side: String)
    case layoutsDiffer
    case duplicateCase(caseID: String, side: String)
    case caseSetsDiffer(baselineOnly: [String], candidateOnly: [String], shared: Int)
    case noSharedCases
    case sampleCountsDiffer(caseID: String, baseline: Int, candidate: Int)
    case raterCountsDiffer(caseID: String, baseline: Int, candidate: Int)

    public var description: String {
        func list(_ ids: [String]) -> String {
            ids.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
                + (ids.count > 5 ? " and \(ids.count - 5) more" : "")
        }
        switch self {
        case .noReports(let side): return "no \(side) report given"
        case .layoutsDiffer:
            return "multi-class reports (`evaluate --method automedsam`) and multi-rater reports cannot be compared"
        case .duplicateCase(let id, let side):
            return "case '\(id)' is in more than one \(side) report: give each case once per side"
        case .caseSetsDiffer(let baselineOnly, let candidateOnly, let shared):
            var parts: [String] = []
            if !baselineOnly.isEmpty { parts.append("only the baseline has \(list(baselineOnly))") }
            if !candidateOnly.isEmpty { parts.append("only the candidate has \(list(candidateOnly))") }
            return "the two runs scored different cases (\(parts.joined(separator: "; ")); \(shared) shared): "
                + "give --common-cases to compare the shared cases only"
        case .noSharedCases: return "the two runs share no case: were they run on the same data and split?"
        case .sampleCountsDiffer(let id, let b, let c):
            return "case '\(id)' was scored with \(b) samples in the baseline and \(c) in the candidate: "
                + "GED and HM-IoU depend on n, evaluate both with the same --count"
        case .raterCountsDiffer(let id, let b, let c):
            return "case '\(id)' has \(b) rater masks in the baseline and \(c) in the candidate: not the same raters"
        }
    }
}
