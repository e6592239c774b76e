import Foundation
import XCTest

/// The JSON reports of `score`, `evaluate` and `sample` follow their schemas in `docs/schemas/` and
/// carry the tool version, the full settings and the sha256 of each model file.
final class ReportSchemaTests: XCTestCase {
    var directory: URL!
    static let root = CLIRunner.repositoryRoot
    static let example = CLIRunner.bundledExample

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func schema(_ command: String) throws -> JSONSchemaSubset {
        try JSONSchemaSubset(contentsOf: Self.root.appendingPathComponent("docs/schemas/\(command)-report.schema.json"))
    }

    func report(_ name: String) throws -> [String: Any] {
        try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(name)))) as? [String: Any])
    }

    func assertProvenance(
        _ report: [String: Any], models: Set<String>, settings: [String], file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let version = try CLIRunner.run(["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(report["tool_version"] as? String, version, file: file, line: line)
        let listed = try XCTUnwrap(report["models"] as? [String: [String: String]], file: file, line: line)
        XCTAssertEqual(Set(listed.keys), models, file: file, line: line)
        let recorded = try XCTUnwrap(report["settings"] as? [String: Any], file: file, line: line)
        for key in settings { XCTAssertNotNil(recorded[key], "settings lack \(key)", file: file, line: line) }
    }

    func testTheCheckerRejectsAReportThatBreaksTheSchema() throws {
        let checker = try schema("score")
        XCTAssertFalse(checker.violations(of: ["mean": [:], "cases": [:]]).isEmpty)
        XCTAssertFalse(
            checker.violations(of: [
                "tool_version": 1, "command": "score", "settings": [:], "models": [:], "mean": [:], "cases": [:],
            ]).isEmpty)
    }

    func testScoreReportFollowsItsSchema() throws {
        let json = path("score.json")
        let outcome = try CLIRunner.run([
            "score", "--samples", Self.example.path, "--raters", Self.example.path, "--json", json,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let object = try report("score.json")
        XCTAssertEqual(try schema("score").violations(of: object), [])
        try assertProvenance(object, models: [], settings: ["samples", "raters", "foreground", "hm_iou", "dmax"])
    }

    func testEvaluateAndSampleReportsFollowTheirSchemas() throws {
        try CLIRunner.requireCheckpoint()
        let evaluated = try CLIRunner.run([
            "evaluate", "--dataset", "synthetic:5", "--method", "single", "--count", "2",
            "--json", path("evaluate.json"), "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(evaluated.status, 0, evaluated.output)
        let evaluation = try report("evaluate.json")
        XCTAssertEqual(try schema("evaluate").violations(of: evaluation), [])
        try assertProvenance(
            evaluation, models: ["checkpoint"],
            settings: ["method", "split_protocol", "fold", "box_quality", "count", "seed", "window"])

        let model = Self.root.appendingPathComponent("Models/p2sam/default.safetensors")
        guard FileManager.default.fileExists(atPath: model.path) else { throw XCTSkip("no bundled default model") }
        let sampled = try CLIRunner.run([
            "sample", "--image", Self.example.appendingPathComponent("image.png").path, "--count", "3",
            "--output", path("samples"), "--raters", Self.example.path, "--json", path("sample.json"),
        ])
        XCTAssertEqual(sampled.status, 0, sampled.output)
        let sample = try report("sample.json")
        XCTAssertEqual(try schema("sample").violations(of: sample), [])
        try assertProvenance(
            sample, models: ["checkpoint", "p2sam"], settings: ["image", "count", "seed", "model", "raters"])
        XCTAssertNotNil(sample["score"])
    }
}
