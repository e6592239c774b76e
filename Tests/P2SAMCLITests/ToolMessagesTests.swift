import Foundation
import MedImageIO
import XCTest

/// The tool's own words: `--version`, one `error:` prefix for option and run-time errors, and the
/// inter-rater lines of `data info`.
final class ToolMessagesTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testVersionIsPrinted() throws {
        let outcome = try CLIRunner.run(["--version"])
        XCTAssertEqual(outcome.status, 0)
        XCTAssertNotNil(outcome.output.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression), outcome.output)
    }

    func testOptionAndRunTimeErrorsShareOnePrefix() throws {
        let missingOption = try CLIRunner.run(["score"])
        let badValue = try CLIRunner.run([
            "data", "split", "--dataset", "synthetic:4", "--split-protocol", "magic", "--output", "x.json",
        ])
        let missingFile = try CLIRunner.run([
            "segment", "--image", directory.appendingPathComponent("none.png").path,
            "--box", "1,1,5,5", "--output", directory.appendingPathComponent("m.png").path,
        ])
        for outcome in [missingOption, badValue, missingFile] {
            XCTAssertNotEqual(outcome.status, 0)
            XCTAssertTrue(outcome.output.hasPrefix("error: "), outcome.output)
            XCTAssertFalse(outcome.output.contains("Error: "), outcome.output)
        }
    }

    func testDataInfoOnTwoRatersPrintsTheirOwnDiversity() throws {
        // Two raters that disagree (DRIVE-like): leave-one-out leaves one rater, whose diversity is 0.
        for c in 0..<2 {
            let folder = directory.appendingPathComponent("case\(c)")
            for (k, edge) in [6, 10].enumerated() {
                try TestPictures.writeMask(folder.appendingPathComponent("rater\(k).png")) { x, _ in x < edge + c }
            }
        }
        let outcome = try CLIRunner.run(["data", "info", "--dataset", "folder:" + directory.path])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("diversity of the K-1 remaining raters 0.0000"), outcome.output)
        let line = try XCTUnwrap(
            outcome.output.split(separator: "\n").first { $0.hasPrefix("rater diversity:") }, outcome.output)
        XCTAssertFalse(line.contains("0.0000"), String(line))
    }
}
