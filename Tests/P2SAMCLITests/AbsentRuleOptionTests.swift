import Foundation
import XCTest

/// `evaluate --absent-rule / --fit-absent-rule` (AutoMedSAM's minimum-area rule): misuse and a bad rule file
/// are refused by name before any model or data is read.
final class AbsentRuleOptionTests: XCTestCase {
    func testRuleOptionsAreRefusedOutsideAutoMedSAMAndTogether() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rule = folder.appendingPathComponent("rule.json").path
        try Data(#"{"minimum_area_fraction": {"1": 0.004}}"#.utf8).write(to: URL(fileURLWithPath: rule))
        let data = "labels:" + folder.appendingPathComponent("missing").path
        let box = try CLIRunner.run(["evaluate", "--method", "class-box", "--dataset", data, "--absent-rule", rule])
        XCTAssertNotEqual(box.status, 0)
        XCTAssertTrue(box.output.contains("--method automedsam only"), box.output)
        let both = try CLIRunner.run([
            "evaluate", "--method", "automedsam", "--model", folder.appendingPathComponent("m.safetensors").path,
            "--dataset", data, "--absent-rule", rule, "--fit-absent-rule", folder.appendingPathComponent("f.json").path,
        ])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.output.contains("do not combine"), both.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("f.json").path))
    }

    func testBadRuleFileIsNamed() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rule = folder.appendingPathComponent("bad-rule.json").path
        try Data(#"{"minimum_area_fraction": {"1": 3}}"#.utf8).write(to: URL(fileURLWithPath: rule))
        let out = try CLIRunner.run([
            "evaluate", "--method", "automedsam", "--model", folder.appendingPathComponent("m.safetensors").path,
            "--dataset", "labels:" + folder.path, "--absent-rule", rule,
        ])
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.output.contains("bad-rule.json") && out.output.contains("[0, 1]"), out.output)
    }
}
