import FileErrors
import Foundation
import MultiRaterMetrics

/// The per-case figures of one run's report, as `p2sam evaluate --json` or `p2sam score --json` writes it, read for
/// a paired comparison (`RunComparison`).
///
/// Two layouts. A multi-rater report (`evaluate`, `score`): `cases` maps a case id to its scores; read are the
/// multi-rater scores (`ged`, `hm_iou`, `d_max`, `d_mean`, `sample_diversity`, `rater_diversity`, `n`, `m` and the
/// conventions), both conventions' figures when present, and `dice` (or `score`'s `dsc`), `nsd` and
/// `empty_sample_fraction` when present. A multi-class report (`evaluate --method automedsam`,
/// `docs/schemas/multiclass-evaluation.schema.json`): `cases` is an array of (slice, class) pairs; read are the
/// `dice` and `nsd` of the pairs whose class is `present` (the pairs the report's means are over), as cases
/// `<case_id> class <class_id>`, with the class names of `classes`. The report's `method`, `dataset` and `split`
/// are read when present; other keys are ignored.
public struct ScoredRunReport: Sendable {
    /// The layout of a report.
    public enum Kind: String, Sendable, Equatable {
        case multiRater = "multi-rater"
        case multiClass = "multi-class"
    }

    /// One case: its figures; for a multi-rater case the numbers of samples n and raters m it was scored with,
    /// for a multi-class pair its class name.
    public struct Case: Sendable {
        public var values: [ComparedMetric: Double]
        public var sampleCount: Int?
        public var raterCount: Int?
        public var className: String?
    }

    /// The largest report file read (a report of 100,000 cases is about 60 MB).
    public static let maximumFileBytes = 256 << 20

    /// The report's layout.
    public var kind: Kind
    /// `method`, `dataset` and `split` of an `evaluate` report (nil for a `score` report).
    public var method: String?
    public var dataset: String?
    public var split: String?
    /// Case id → figures.
    public var cases: [String: Case]

    /// Reads a report file (at most `maximumFileBytes`).
    /// - Throws: `ScoredRunReportError`.
    public init(contentsOf url: URL) throws(ScoredRunReportError) {
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw .unreadable(path: url.path, reason: FileErrorText.reading(error))
        }
        guard size <= Self.maximumFileBytes else {
            throw .tooLarge(path: url.path, bytes: size, limit: Self.maximumFileBytes)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(path: url.path, reason: FileErrorText.reading(error))
        }
        try self.init(json: data, path: url.path)
    }

    /// Reads a report from its JSON bytes (`path` names it in errors).
    /// - Throws: `ScoredRunReportError`.
    public init(json: Data, path: String) throws(ScoredRunReportError) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch {
            throw .malformed(path: path, reason: "not JSON")
        }
        guard let top = object as? [String: Any] else { throw .malformed(path: path, reason: "not a JSON object") }
        method = top["method"] as? String
        dataset = top["dataset"] as? String
        split = top["split"] as? String
        var read: [String: Case] = [:]
        if let cases = top["cases"] as? [String: Any] {
            kind = .multiRater
            for (id, value) in cases.sorted(by: { $0.key < $1.key }) {
                guard let fields = value as? [String: Any] else {
                    throw .malformed(path: path, reason: "case '\(id)' is not a JSON object")
                }
                do { read[id] = try Self.readCase(fields) } catch let reason as CaseReadFailure {
                    throw .malformed(path: path, reason: "case '\(id)': \(reason.text)")
                } catch {
                    throw .malformed(path: path, reason: "case '\(id)': \(error)")
                }
            }
        } else if let pairs = top["cases"] as? [Any] {
            kind = .multiClass
            var names: [Int: String] = [:]
            for entry in top["classes"] as? [Any] ?? [] {
                if let object = entry as? [String: Any], let id = object["id"] as? Int,
                    let name = object["name"] as? String
                {
                    names[id] = name
                }
            }
            for (index, value) in pairs.enumerated() {
                do {
                    guard let fields = value as? [String: Any] else { throw CaseReadFailure(text: "not a JSON object") }
                    guard let pair = try Self.readClassPair(fields, names: names) else { continue }
                    if read[pair.id] != nil { throw CaseReadFailure(text: "'\(pair.id)' is listed twice") }
                    read[pair.id] = pair.value
                } catch let reason as CaseReadFailure {
                    throw .malformed(path: path, reason: "case \(index) of 'cases': \(reason.text)")
                } catch {
                    throw .malformed(path: path, reason: "case \(index) of 'cases': \(error)")
                }
            }
        } else {
            throw .malformed(
                path: path, reason: "no 'cases' object: not a report of `p2sam evaluate --json` or `p2sam score --json`"
            )
        }
        guard !read.isEmpty else { throw .noCases(path: path) }
        self.cases = read
    }

    /// One (slice, class) pair of a multi-class report; nil when the class is absent from the slice.
    private static func readClassPair(_ fields: [String: Any], names: [Int: String]) throws -> NamedCase? {
        guard let caseID = fields["case_id"] as? String else { throw CaseReadFailure(text: "no 'case_id'") }
        guard let classID = fields["class_id"] as? Int else { throw CaseReadFailure(text: "no integer 'class_id'") }
        guard let present = fields["present"] as? Bool else { throw CaseReadFailure(text: "no 'present'") }
        guard present else { return nil }
        var values: [ComparedMetric: Double] = [:]
        for metric in [ComparedMetric.dice, .nsd] {
            guard let value = fields[metric.rawValue] as? Double, value.isFinite else {
                throw CaseReadFailure(text: "'\(metric.rawValue)' is missing or not a finite number")
            }
            values[metric] = value
        }
        let name = names[classID] ?? "class \(classID)"
        return ("\(caseID) class \(classID)", Case(values: values, sampleCount: nil, raterCount: nil, className: name))
    }

    private struct CaseReadFailure: Error { var text: String }

    /// A case and its id.
    private typealias NamedCase = (id: String, value: Case)

    /// One case object's figures; the HM-IoU and D_max of a one-convention case go to that convention's metric.
    private static func readCase(_ fields: [String: Any]) throws -> Case {
        func number(_ key: String) throws -> Double {
            guard let value = fields[key] as? Double, value.isFinite else {
                throw CaseReadFailure(text: fields[key] == nil ? "no '\(key)'" : "'\(key)' is not a finite number")
            }
            return value
        }
        func optionalNumber(_ key: String) throws -> Double? { fields[key] == nil ? nil : try number(key) }
        func count(_ key: String) throws -> Int {
            guard let value = fields[key] as? Int, value >= 1 else {
                throw CaseReadFailure(text: fields[key] == nil ? "no '\(key)'" : "'\(key)' is not a count ≥ 1")
            }
            return value
        }
        var values: [ComparedMetric: Double] = [
            .ged: try number("ged"), .dMean: try number("d_mean"), .sampleDiversity: try number("sample_diversity"),
        ]
        let hmConvention = fields["hm_iou_convention"] as? String ?? HungarianIoUConvention.standard.rawValue
        let dMaxConvention = fields["d_max_convention"] as? String ?? MaximumDiceConvention.perRater.rawValue
        switch HungarianIoUConvention(rawValue: hmConvention) {
        case .standard: values[.hmIoUStandard] = try number("hm_iou")
        case .p2sam: values[.hmIoUP2SAM] = try number("hm_iou")
        case nil: throw CaseReadFailure(text: "unknown hm_iou_convention '\(hmConvention)'")
        }
        switch MaximumDiceConvention(rawValue: dMaxConvention) {
        case .perRater: values[.dMaxPerRater] = try number("d_max")
        case .global: values[.dMaxGlobal] = try number("d_max")
        case nil: throw CaseReadFailure(text: "unknown d_max_convention '\(dMaxConvention)'")
        }
        for metric in [
            ComparedMetric.hmIoUStandard, .hmIoUP2SAM, .dMaxPerRater, .dMaxGlobal, .dice, .nsd, .emptySampleFraction,
        ] {
            if let value = try optionalNumber(metric.rawValue) { values[metric] = value }
        }
        // `score` spells the final mask's Dice `dsc`.
        if values[.dice] == nil, let value = try optionalNumber("dsc") { values[.dice] = value }
        return Case(values: values, sampleCount: try count("n"), raterCount: try count("m"), className: nil)
    }
}

/// Why a report could not be read for a comparison.
public enum ScoredRunReportError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case tooLarge(path: String, bytes: Int, limit: Int)
    case malformed(path: String, reason: String)
    case noCases(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .tooLarge(let path, let bytes, let limit):
            "\(path): \(bytes) bytes is larger than a report can be (limit \(limit) bytes)"
        case .malformed(let path, let reason): "\(path): \(reason)"
        case .noCases(let path): "\(path): the report has no scored cases"
        }
    }
}
