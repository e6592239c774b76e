import Evaluation
import Foundation
import MultiRaterMetrics
import XCTest

/// Reading reports and pairing their cases for `p2sam compare`.
final class RunComparisonTests: XCTestCase {
    /// A case object as `evaluate --json` writes it (both conventions) or `score --json` (one convention).
    func caseJSON(
        ged: Double, hm: Double = 0.5, n: Int = 16, m: Int = 4, both: Bool = true, hmConvention: String = "standard"
    ) -> String {
        var fields = [
            "\"ged\": \(ged)", "\"hm_iou\": \(hm)", "\"d_max\": 0.7", "\"d_mean\": 0.6", "\"sample_diversity\": 0.2",
            "\"rater_diversity\": 0.3", "\"n\": \(n)", "\"m\": \(m)", "\"hm_iou_convention\": \"\(hmConvention)\"",
            "\"d_max_convention\": \"per-rater\"",
        ]
        if both {
            fields += [
                "\"hm_iou_standard\": \(hm)", "\"hm_iou_p2sam\": \(hm + 0.1)", "\"d_max_per_rater\": 0.7",
                "\"d_max_global\": 0.8", "\"dice\": 0.9", "\"nsd\": 0.6", "\"empty_sample_fraction\": 0",
            ]
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    func report(_ cases: [String: String], method: String = "p2sam") throws -> ScoredRunReport {
        let body = cases.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        let json = "{\"method\": \"\(method)\", \"dataset\": \"d\", \"split\": \"test\", \"cases\": {\(body)}}"
        return try ScoredRunReport(json: Data(json.utf8), path: "r.json")
    }

    func testCasesArePairedByIDAcrossPooledReports() throws {
        // Two baseline "folds" against one candidate report of the same four cases, listed in another order.
        let foldA = try report(["a": caseJSON(ged: 0.5), "b": caseJSON(ged: 0.6)], method: "box-jitter")
        let foldB = try report(["c": caseJSON(ged: 0.7), "d": caseJSON(ged: 0.8)], method: "box-jitter")
        let candidate = try report([
            "d": caseJSON(ged: 0.4), "a": caseJSON(ged: 0.6), "c": caseJSON(ged: 0.5), "b": caseJSON(ged: 0.3),
        ])
        let comparison = try RunComparison(baseline: [foldA, foldB], candidate: [candidate])
        XCTAssertEqual(comparison.caseIDs, ["a", "b", "c", "d"])
        let ged = try XCTUnwrap(comparison.rows.first { $0.metric == .ged }?.comparison)
        // Differences a +0.1, b −0.3, c −0.2, d −0.4.
        XCTAssertEqual(ged.meanDifference, -0.2, accuracy: 1e-12)
        XCTAssertEqual([ged.better, ged.worse, ged.tied], [3, 1, 0])
        XCTAssertEqual(Set(comparison.rows.map(\.metric)), Set(ComparedMetric.allCases))
        XCTAssertTrue(comparison.omitted.isEmpty)
        XCTAssertTrue(comparison.warnings.isEmpty)
    }

    func testAOneConventionReportIsComparedOnlyInItsConvention() throws {
        let both = try report(["a": caseJSON(ged: 0.5, hm: 0.4), "b": caseJSON(ged: 0.6, hm: 0.4)])
        let p2samOnly = try report([
            "a": caseJSON(ged: 0.5, hm: 0.6, both: false, hmConvention: "p2sam"),
            "b": caseJSON(ged: 0.6, hm: 0.6, both: false, hmConvention: "p2sam"),
        ])
        let comparison = try RunComparison(baseline: [both], candidate: [p2samOnly])
        let metrics = comparison.rows.map(\.metric)
        XCTAssertTrue(metrics.contains(.hmIoUP2SAM))
        XCTAssertFalse(metrics.contains(.hmIoUStandard), "the candidate has no standard HM-IoU")
        XCTAssertEqual(Set(comparison.omitted), [.hmIoUStandard, .dMaxGlobal, .dice, .nsd, .emptySampleFraction])
        // The candidate's hm_iou (p2sam convention, 0.6) against the baseline's hm_iou_p2sam (0.4 + 0.1).
        let hm = try XCTUnwrap(comparison.rows.first { $0.metric == .hmIoUP2SAM }?.comparison)
        XCTAssertEqual(hm.meanDifference, 0.1, accuracy: 1e-12)
    }

    func testRunsThatDoNotMeasureTheSameThingAreRefused() throws {
        let ab = try report(["a": caseJSON(ged: 0.5), "b": caseJSON(ged: 0.6)])
        let bc = try report(["b": caseJSON(ged: 0.5), "c": caseJSON(ged: 0.6)])
        XCTAssertThrowsError(try RunComparison(baseline: [ab], candidate: [bc])) { error in
            XCTAssertEqual(
                error as? RunComparisonError, .caseSetsDiffer(baselineOnly: ["a"], candidateOnly: ["c"], shared: 1))
            XCTAssertTrue("\(error)".contains("--common-cases"), "\(error)")
        }
        let common = try RunComparison(baseline: [ab], candidate: [bc], commonCasesOnly: true)
        XCTAssertEqual(common.caseIDs, ["b"])
        XCTAssertEqual(common.baselineOnly, ["a"])
        XCTAssertEqual(common.candidateOnly, ["c"])

        let other = try report(["x": caseJSON(ged: 0.5)])
        XCTAssertThrowsError(try RunComparison(baseline: [ab], candidate: [other], commonCasesOnly: true)) {
            XCTAssertEqual($0 as? RunComparisonError, .noSharedCases)
        }
        XCTAssertThrowsError(try RunComparison(baseline: [ab, ab], candidate: [ab])) {
            XCTAssertEqual($0 as? RunComparisonError, .duplicateCase(caseID: "a", side: "baseline"))
        }
        let eightSamples = try report(["a": caseJSON(ged: 0.5, n: 8), "b": caseJSON(ged: 0.6, n: 8)])
        XCTAssertThrowsError(try RunComparison(baseline: [ab], candidate: [eightSamples])) {
            XCTAssertEqual($0 as? RunComparisonError, .sampleCountsDiffer(caseID: "a", baseline: 16, candidate: 8))
        }
        let threeRaters = try report(["a": caseJSON(ged: 0.5), "b": caseJSON(ged: 0.6, m: 3)])
        XCTAssertThrowsError(try RunComparison(baseline: [ab], candidate: [threeRaters])) {
            XCTAssertEqual($0 as? RunComparisonError, .raterCountsDiffer(caseID: "b", baseline: 4, candidate: 3))
        }
    }

    func testDifferentDatasetNamesAreAWarning() throws {
        let a = try ScoredRunReport(
            json: Data("{\"dataset\": \"npz:x.npz\", \"cases\": {\"a\": \(caseJSON(ged: 0.5))}}".utf8), path: "a")
        let b = try ScoredRunReport(
            json: Data("{\"dataset\": \"npz:/data/x.npz\", \"cases\": {\"a\": \(caseJSON(ged: 0.4))}}".utf8), path: "b")
        let comparison = try RunComparison(baseline: [a], candidate: [b])
        XCTAssertEqual(comparison.warnings.count, 1)
        XCTAssertTrue(comparison.warnings[0].contains("datasets differ"), comparison.warnings[0])
    }

    func testReportsThatAreNotScoreReportsAreRefusedWithTheReason() throws {
        func refusal(_ text: String) -> String {
            do {
                _ = try ScoredRunReport(json: Data(text.utf8), path: "bad.json")
                return "accepted"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(refusal("not json").contains("not JSON"))
        XCTAssertTrue(refusal("[1, 2]").contains("not a JSON object"))
        XCTAssertTrue(refusal("{\"format\": \"p2sam-v1\"}").contains("no 'cases' object"))
        XCTAssertTrue(refusal("{\"cases\": {}}").contains("no scored cases"))
        XCTAssertTrue(refusal("{\"cases\": {\"a\": 3}}").contains("case 'a' is not a JSON object"))
        XCTAssertTrue(refusal("{\"cases\": {\"a\": {\"hm_iou\": 1}}}").contains("case 'a': no 'ged'"))
        let textGED = caseJSON(ged: 0.5).replacingOccurrences(of: "\"ged\": 0.5", with: "\"ged\": \"0.5\"")
        XCTAssertTrue(refusal("{\"cases\": {\"a\": \(textGED)}}").contains("'ged' is not a finite number"))
        let noRaters = caseJSON(ged: 0.5, m: 0)
        XCTAssertTrue(refusal("{\"cases\": {\"a\": \(noRaters)}}").contains("'m' is not a count"))
        let unknown = caseJSON(ged: 0.5, both: false, hmConvention: "best")
        XCTAssertTrue(refusal("{\"cases\": {\"a\": \(unknown)}}").contains("unknown hm_iou_convention 'best'"))
    }

    func testTheReportsOfTheEvaluationRunnerAreRead() throws {
        // A case as `EvaluationReport` encodes it, with both conventions.
        let overlaps = try OverlapTable(
            samples: [
                try BinaryMask(width: 2, height: 1, bytes: [1, 0]), try BinaryMask(width: 2, height: 1, bytes: [1, 1]),
            ],
            raters: [try BinaryMask(width: 2, height: 1, bytes: [1, 0])])
        let score = EvaluationCaseScore(
            score: MultiRaterScore(overlaps: overlaps), dice: 0.8, iou: 0.7, boxIoU: 1, meanEntropy: nil,
            accepted: nil, emptySampleFraction: 0, emptyRaterFraction: 0,
            bothConventions: .init(overlaps: overlaps))
        let encoder = JSONEncoder()
        let caseData = try encoder.encode(["a": score])
        let json = "{\"cases\": \(String(decoding: caseData, as: UTF8.self))}"
        let read = try ScoredRunReport(json: Data(json.utf8), path: "e.json")
        let a = try XCTUnwrap(read.cases["a"])
        XCTAssertEqual(a.values[.ged], score.score.ged)
        XCTAssertEqual(a.values[.hmIoUP2SAM], score.bothConventions?.hmIoUP2SAM)
        XCTAssertEqual(a.values[.dMaxGlobal], score.bothConventions?.dMaxGlobal)
        XCTAssertEqual(a.values[.dice], 0.8)
        XCTAssertEqual(a.sampleCount, 2)
        XCTAssertEqual(a.raterCount, 1)
    }
}

/// Multi-class reports (`evaluate --method automedsam` / `class-box`) for `p2sam compare`.
final class MultiClassComparisonTests: XCTestCase {
    /// A report as the tool writes it (`MultiClassReport`, snake_case keys).
    func report(_ dice: [String: [Int: Double]], absent: [String: [Int]] = [:]) throws -> ScoredRunReport {
        var cases: [MultiClassCaseScore] = []
        for (caseID, classes) in dice {
            for (classID, value) in classes {
                cases.append(
                    MultiClassCaseScore(
                        caseID: caseID, classID: classID, present: true, dice: value, nsd: value / 2,
                        predictedPixels: 10))
            }
        }
        for (caseID, classes) in absent {
            for classID in classes {
                cases.append(
                    MultiClassCaseScore(
                        caseID: caseID, classID: classID, present: false, dice: 0, nsd: 0, predictedPixels: 3))
            }
        }
        let written = MultiClassReport(method: "m", dataset: "labels:x", classNames: [1: "RV", 2: "LV"], cases: cases)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try ScoredRunReport(json: try encoder.encode(written), path: "multiclass.json")
    }

    func testPresentPairsAreComparedAndBrokenDownByClass() throws {
        let baseline = try report(["s1": [1: 0.5, 2: 0.8], "s2": [1: 0.6, 2: 0.9]], absent: ["s2": [3]])
        let candidate = try report(["s1": [1: 0.7, 2: 0.8], "s2": [1: 0.9, 2: 0.85]], absent: ["s2": [3]])
        XCTAssertEqual(baseline.kind, .multiClass)
        XCTAssertEqual(Set(baseline.cases.keys), ["s1 class 1", "s1 class 2", "s2 class 1", "s2 class 2"])
        let comparison = try RunComparison(baseline: [baseline], candidate: [candidate])
        XCTAssertEqual(comparison.rows.map(\.metric), [.dice, .nsd])
        let dice = try XCTUnwrap(comparison.rows.first?.comparison)
        // Differences +0.2, 0, +0.3, −0.05.
        XCTAssertEqual(dice.meanDifference, 0.1125, accuracy: 1e-12)
        XCTAssertEqual([dice.better, dice.worse, dice.tied], [2, 1, 1])
        XCTAssertEqual(comparison.groups.map(\.className), ["LV", "RV"])
        XCTAssertEqual(try XCTUnwrap(comparison.groups[0].meanDifferences[.dice]), -0.025, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(comparison.groups[1].meanDifferences[.dice]), 0.25, accuracy: 1e-12)
    }

    func testMultiClassAndMultiRaterReportsAreNotCompared() throws {
        let multiClass = try report(["a": [1: 0.5]])
        let caseJSON =
            "{\"ged\": 0.5, \"hm_iou\": 0.5, \"d_max\": 0.7, \"d_mean\": 0.6, \"sample_diversity\": 0.2, "
            + "\"rater_diversity\": 0.3, \"n\": 16, \"m\": 4}"
        let multiRater = try ScoredRunReport(
            json: Data("{\"cases\": {\"a class 1\": \(caseJSON)}}".utf8), path: "r.json")
        XCTAssertThrowsError(try RunComparison(baseline: [multiRater], candidate: [multiClass])) {
            XCTAssertEqual($0 as? RunComparisonError, .layoutsDiffer)
        }
        XCTAssertThrowsError(
            try ScoredRunReport(json: Data("{\"cases\": [{\"case_id\": \"a\", \"present\": true}]}".utf8), path: "x")
        ) { XCTAssertTrue("\($0)".contains("no integer 'class_id'"), "\($0)") }
        XCTAssertThrowsError(
            try ScoredRunReport(
                json: Data("{\"cases\": [{\"case_id\": \"a\", \"class_id\": 1, \"present\": false}]}".utf8), path: "x")
        ) { XCTAssertEqual($0 as? ScoredRunReportError, .noCases(path: "x"), "only absent pairs: nothing to compare") }
    }
}
