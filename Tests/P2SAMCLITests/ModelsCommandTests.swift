import Foundation
import XCTest

/// `p2sam models` as a user runs it: every bundled model with its files checked against its card, and a replaced
/// or missing file reported by name with exit status 1.
final class ModelsCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testListsEveryBundledModelWithItsFilesChecked() throws {
        let outcome = try CLIRunner.run(["models"])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("synthetic (the default): 1 file"), outcome.output)
        XCTAssertTrue(outcome.output.contains("lidc: 3 files, sampled as one mixture"), outcome.output)
        XCTAssertTrue(outcome.output.contains("bubil: 3 files, sampled as one mixture"), outcome.output)
        for file in ["default.safetensors", "lidc-1.safetensors", "lidc-2.safetensors", "lidc-3.safetensors"] {
            XCTAssertTrue(outcome.output.contains("\(file) (24.9 MB): sha256 matches its card"), outcome.output)
        }
        for file in ["bubil-1.safetensors", "bubil-2.safetensors", "bubil-3.safetensors"] {
            XCTAssertTrue(
                outcome.output.contains("\(file) (26.6 MB): sha256 matches its card bubil.md"), outcome.output)
        }
        XCTAssertTrue(outcome.output.contains("trained on LIDC-IDRI lung CT"), outcome.output)
        XCTAssertTrue(outcome.output.contains("intensities: trained with --window lung"), outcome.output)
        XCTAssertEqual(outcome.output.components(separatedBy: "intensities:").count, 2, "only LIDC records one")
    }

    func testAReplacedOrMissingFileIsNamedAndFailsTheRun() throws {
        // BU-BIL files whose card describes other files, and a folder for the LIDC mixture that lacks its files.
        let bubilFolder = directory.appendingPathComponent("bubil")
        try FileManager.default.createDirectory(at: bubilFolder, withIntermediateDirectories: true)
        var card = ""
        for k in 1...3 {
            try Data("not the shipped model \(k)".utf8).write(
                to: bubilFolder.appendingPathComponent("bubil-\(k).safetensors"))
            card += "| sha256 (bubil-\(k).safetensors) | `\(String(repeating: "0", count: 64))` |\n"
        }
        try card.write(to: bubilFolder.appendingPathComponent("bubil.md"), atomically: true, encoding: .utf8)
        let bubil = bubilFolder.appendingPathComponent("bubil-1.safetensors")
        let empty = directory.appendingPathComponent("lidc")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let outcome = try CLIRunner.run(
            ["models"], environment: ["P2SAM_MODEL_BUBIL": bubilFolder.path, "P2SAM_MODEL_LIDC": empty.path])
        XCTAssertEqual(outcome.status, 1, outcome.output)
        XCTAssertTrue(outcome.output.contains("MISMATCH: \(bubil.path)"), outcome.output)
        XCTAssertTrue(outcome.output.contains("MISSING: "), outcome.output)
        XCTAssertTrue(outcome.output.contains("lacks lidc-1.safetensors, lidc-2.safetensors, lidc-3.safetensors"))
        XCTAssertTrue(outcome.output.contains("default.safetensors (24.9 MB): sha256 matches"), outcome.output)
        XCTAssertTrue(
            outcome.output.contains("error: lidc missing; bubil-1.safetensors not the file its card describes"),
            outcome.output)
    }
}
