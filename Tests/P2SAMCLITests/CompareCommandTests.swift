import Foundation
import XCTest

/// `p2sam compare` as a user runs it: on reports that `p2sam score` wrote, with several reports per side, and
/// on files it must refuse.
final class CompareCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes a report with `cases` (id → GED) in the layout `p2sam score --json` writes.
    func writeReport(_ name: String, _ cases: [String: Double], n: Int = 16) throws -> String {
        let body = cases.map { id, ged in
            "\"\(id)\": {\"ged\": \(ged), \"hm_iou\": \(1 - ged), \"d_max\": 0.7, \"d_mean\": 0.6, "
                + "\"sample_diversity\": 0.2, \"rater_diversity\": 0.3, \"n\": \(n), \"m\": 4, "
                + "\"hm_iou_convention\": \"standard\", \"d_max_convention\": \"per-rater\"}"
        }
        let url = directory.appendingPathComponent(name)
        try Data("{\"cases\": {\(body.joined(separator: ", "))}}".utf8).write(to: url)
        return url.path
    }

    func testFoldsArePooledAndTheJSONHasTheDocumentedKeys() throws {
        let baselineFold1 = try writeReport("b1.json", ["p1-0": 0.6, "p1-1": 0.7])
        let baselineFold2 = try writeReport("b2.json", ["p2-0": 0.5, "p2-1": 0.8, "p2-2": 0.6])
        // The candidate is lower by 0.1, 0.2, 0.1, 0.3 and higher by 0.1: mean difference −0.12.
        let candidateFold1 = try writeReport("c1.json", ["p1-0": 0.5, "p1-1": 0.5])
        let candidateFold2 = try writeReport("c2.json", ["p2-0": 0.4, "p2-1": 0.5, "p2-2": 0.7])
        let json = directory.appendingPathComponent("out/compare.json")
        let outcome = try CLIRunner.run([
            "compare", "--baseline", baselineFold1, "--baseline", baselineFold2, "--candidate", candidateFold2,
            "--candidate", candidateFold1, "--json", json.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("5 paired case(s)"), outcome.output)
        XCTAssertTrue(outcome.output.contains("GED ↓"), outcome.output)
        XCTAssertTrue(outcome.output.contains("4 of 5 (worse 1, tied 0)"), outcome.output)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let schema = try JSONSchemaSubset(
            contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("docs/schemas/compare-report.schema.json"))
        XCTAssertEqual(schema.violations(of: object), [])
        XCTAssertEqual(object["command"] as? String, "compare")
        XCTAssertEqual(object["cases"] as? Int, 5)
        XCTAssertEqual(object["case_ids"] as? [String], ["p1-0", "p1-1", "p2-0", "p2-1", "p2-2"])
        let metrics = try XCTUnwrap(object["metrics"] as? [String: [String: Any]])
        let ged = try XCTUnwrap(metrics["ged"])
        XCTAssertEqual(try XCTUnwrap(ged["mean_difference"] as? Double), -0.12, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(ged["baseline_mean"] as? Double), 0.64, accuracy: 1e-12)
        XCTAssertEqual(ged["direction"] as? String, "lower")
        XCTAssertEqual(ged["better"] as? Int, 4)
        // Differences −0.1, −0.2, −0.1, −0.3, +0.1 (Σ = −0.6, Σ|d| = 0.8): a pattern that flips magnitudes F
        // sums to ±(0.8 − 2F), so |Σ| ≥ 0.6 for F = 0 or 0.1 (1 + 3 patterns) and their mirrors: 8 of 32.
        XCTAssertEqual(try XCTUnwrap(ged["p_value"] as? Double), 8.0 / 32, accuracy: 1e-12)
        let low = try XCTUnwrap(ged["ci95_low"] as? Double)
        let high = try XCTUnwrap(ged["ci95_high"] as? Double)
        XCTAssertTrue(low < -0.12 && -0.12 < high, "\(low) … \(high)")
        for key in ["hm_iou_standard", "d_max_per_rater", "d_mean", "sample_diversity"] {
            XCTAssertNotNil(metrics[key], "missing \(key)")
        }
        XCTAssertNil(metrics["hm_iou_p2sam"], "score reports of one convention have no p2sam HM-IoU")
        XCTAssertEqual(object["omitted"] as? [String], [])
        // Per candidate report, in the order given: fold 2 (−0.1, −0.3, +0.1) then fold 1 (−0.1, −0.2).
        let groups = try XCTUnwrap(object["groups"] as? [[String: Any]])
        XCTAssertEqual(groups.map { $0["cases"] as? Int }, [3, 2])
        XCTAssertEqual(
            groups.map { ($0["report"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } },
            ["c2.json", "c1.json"])
        let foldGED = groups.compactMap { ($0["mean_difference"] as? [String: Double])?["ged"] }
        XCTAssertEqual(foldGED.count, 2)
        XCTAssertEqual(foldGED[0], -0.1, accuracy: 1e-12)
        XCTAssertEqual(foldGED[1], -0.15, accuracy: 1e-12)
        XCTAssertTrue(outcome.output.contains("c1.json (2 cases): -0.1500"), outcome.output)
        for key in ["baseline", "candidate", "test", "baseline_only", "candidate_only", "warnings"] {
            XCTAssertNotNil(object[key], "missing \(key)")
        }
    }

    func testAReportOfTheScoreCommandIsAccepted() throws {
        // Masks scored by `p2sam score`, then compared with themselves: every difference is 0.
        for side in ["samples", "raters"] {
            for (name, columns) in [("m0", 8), ("m1", 10)] {
                let url = directory.appendingPathComponent("\(side)/a/\(name).png")
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try TestPictures.writeMask(url) { x, _ in x < columns }
            }
        }
        let scores = directory.appendingPathComponent("s.json").path
        let scored = try CLIRunner.run([
            "score", "--samples", directory.appendingPathComponent("samples").path,
            "--raters", directory.appendingPathComponent("raters").path, "--json", scores,
        ])
        XCTAssertEqual(scored.status, 0, scored.output)
        let outcome = try CLIRunner.run(["compare", "--baseline", scores, "--candidate", scores])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("1 paired case(s)"), outcome.output)
        XCTAssertTrue(outcome.output.contains("n/a (1 case)"), outcome.output)
        XCTAssertTrue(outcome.output.contains("0 of 1 (worse 0, tied 1)"), outcome.output)
    }

    func testComparisonsThatWouldMisleadAreRefused() throws {
        let a = try writeReport("a.json", ["x": 0.5, "y": 0.6])
        let b = try writeReport("b.json", ["y": 0.5, "z": 0.6])
        let refusedJSON = directory.appendingPathComponent("refused.json")
        let differing = try CLIRunner.run(["compare", "--baseline", a, "--candidate", b, "--json", refusedJSON.path])
        XCTAssertNotEqual(differing.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refusedJSON.path), "a refused comparison writes nothing")
        XCTAssertTrue(differing.output.contains("only the baseline has 'x'"), differing.output)
        XCTAssertTrue(differing.output.contains("--common-cases"), differing.output)
        let common = try CLIRunner.run(["compare", "--baseline", a, "--candidate", b, "--common-cases"])
        XCTAssertEqual(common.status, 0, common.output)
        XCTAssertTrue(common.output.contains("1 paired case(s)"), common.output)

        let eight = try writeReport("e.json", ["x": 0.5, "y": 0.6], n: 8)
        let counts = try CLIRunner.run(["compare", "--baseline", a, "--candidate", eight])
        XCTAssertNotEqual(counts.status, 0)
        XCTAssertTrue(counts.output.contains("16 samples in the baseline and 8 in the candidate"), counts.output)

        let notAReport = directory.appendingPathComponent("card.json")
        try Data("{\"sha256\": \"abc\"}".utf8).write(to: notAReport)
        let wrongFile = try CLIRunner.run(["compare", "--baseline", a, "--candidate", notAReport.path])
        XCTAssertNotEqual(wrongFile.status, 0)
        XCTAssertTrue(wrongFile.output.contains("card.json: no 'cases' object"), wrongFile.output)

        let missing = try CLIRunner.run(["compare", "--baseline", a, "--candidate", "/nonexistent/r.json"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("/nonexistent/r.json"), missing.output)

        let oneSide = try CLIRunner.run(["compare", "--baseline", a])
        XCTAssertNotEqual(oneSide.status, 0)
        XCTAssertTrue(oneSide.output.contains("--candidate"), oneSide.output)
    }
}
