import Foundation
import XCTest

/// `evaluate --presence-model / --fit-presence-model` (AutoMedSAM's presence output): misuse and a bad file
/// are refused by name before any model or data is read.
final class PresenceModelOptionTests: XCTestCase {
    func testPresenceOptionsAreRefusedOutsideAutoMedSAMAndWithTheRule() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let presence = folder.appendingPathComponent("presence.json").path
        try Data(#"{"format": "automedsam-presence-v1", "class_ids": [1], "classes": {}}"#.utf8)
            .write(to: URL(fileURLWithPath: presence))
        let rule = folder.appendingPathComponent("rule.json").path
        try Data(#"{"minimum_area_fraction": {"1": 0.004}}"#.utf8).write(to: URL(fileURLWithPath: rule))
        let data = "labels:" + folder.appendingPathComponent("missing").path
        let model = folder.appendingPathComponent("m.safetensors").path
        let fitted = folder.appendingPathComponent("f.json")
        for (arguments, message) in [
            (["--method", "class-box", "--presence-model", presence], "--method automedsam only"),
            (["--method", "class-box", "--fit-presence-model", fitted.path], "--method automedsam only"),
            (
                ["--method", "automedsam", "--model", model, "--absent-rule", rule, "--presence-model", presence],
                "alternatives"
            ),
            (
                [
                    "--method", "automedsam", "--model", model, "--presence-model", presence, "--fit-presence-model",
                    fitted.path,
                ], "do not combine"
            ),
        ] {
            let out = try CLIRunner.run(["evaluate", "--dataset", data] + arguments)
            XCTAssertNotEqual(out.status, 0)
            XCTAssertTrue(out.output.contains(message), "\(arguments): \(out.output)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fitted.path))
    }

    func testBadPresenceFileIsNamed() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let presence = folder.appendingPathComponent("bad-presence.json").path
        try Data(#"{"format": "something-else", "class_ids": [1], "classes": {}}"#.utf8)
            .write(to: URL(fileURLWithPath: presence))
        let out = try CLIRunner.run([
            "evaluate", "--method", "automedsam", "--model", folder.appendingPathComponent("m.safetensors").path,
            "--dataset", "labels:" + folder.path, "--presence-model", presence,
        ])
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(
            out.output.contains("bad-presence.json") && out.output.contains("automedsam-presence-v1"), out.output)
    }
}
