import Foundation
import MedImageIO
import XCTest

/// `p2sam score` as a user runs it: JSON keys, per-case matching, and bad input.
final class ScoreCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func writeMask(_ path: String, width: Int = 16, height: Int = 16, _ inside: (Int, Int) -> Bool) throws {
        let url = directory.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width where inside(x, y) { pixels[y * width + x] = 1 } }
        try PNG.write(try MaskImage(width: width, height: height, pixels: pixels), to: url.path)
    }

    func testIdenticalSetsScorePerfectlyAndJSONHasTheContractKeys() throws {
        for side in ["samples", "raters"] {
            try writeMask("\(side)/a/m0.png") { x, _ in x < 8 }
            try writeMask("\(side)/a/m1.png") { x, _ in x < 10 }
            try writeMask("\(side)/b/m0.png") { _, y in y < 4 }
        }
        let json = directory.appendingPathComponent("s.json")
        let outcome = try CLIRunner.run([
            "score", "--samples", directory.appendingPathComponent("samples").path,
            "--raters", directory.appendingPathComponent("raters").path, "--json", json.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let cases = try XCTUnwrap(object["cases"] as? [String: [String: Any]])
        XCTAssertEqual(Set(cases.keys), ["a", "b"])
        for key in ["ged", "hm_iou", "d_max", "d_mean", "sample_diversity", "n", "m", "dsc", "nsd", "nsd_tolerance_px"]
        {
            XCTAssertNotNil(cases["a"]?[key], "missing \(key)")
        }
        XCTAssertEqual(try XCTUnwrap(cases["a"]?["dsc"] as? Double), 1, accuracy: 1e-12, "identical majority votes")
        XCTAssertEqual(try XCTUnwrap((object["mean"] as? [String: Any])?["nsd"] as? Double), 1, accuracy: 1e-12)
        XCTAssertTrue(outcome.output.contains("DSC") && outcome.output.contains("NSD"), outcome.output)
        XCTAssertEqual(cases["a"]?["n"] as? Int, 2)
        XCTAssertEqual(try XCTUnwrap(cases["b"]?["ged"] as? Double), 0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(cases["b"]?["hm_iou"] as? Double), 1, accuracy: 1e-12)
        XCTAssertNotNil(object["mean"])
    }

    func testBadInputIsRefusedWithTheFileNamed() throws {
        try writeMask("samples/a/m0.png") { x, _ in x < 8 }
        try writeMask("raters/b/m0.png") { x, _ in x < 8 }
        let unmatched = try CLIRunner.run([
            "score", "--samples", directory.appendingPathComponent("samples").path,
            "--raters", directory.appendingPathComponent("raters").path,
        ])
        XCTAssertNotEqual(unmatched.status, 0)
        XCTAssertTrue(unmatched.output.contains("'a'") || unmatched.output.contains("'b'"), unmatched.output)

        try writeMask("s2/m0.png", width: 16, height: 16) { x, _ in x < 8 }
        try writeMask("r2/m0.png", width: 12, height: 16) { x, _ in x < 8 }
        let sizes = try CLIRunner.run([
            "score", "--samples", directory.appendingPathComponent("s2").path,
            "--raters", directory.appendingPathComponent("r2").path,
        ])
        XCTAssertNotEqual(sizes.status, 0)
        XCTAssertFalse(sizes.output.contains("Backtracing"), sizes.output)

        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let empty = try CLIRunner.run([
            "score", "--samples", directory.appendingPathComponent("empty").path,
            "--raters", directory.appendingPathComponent("r2").path,
        ])
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.output.contains("empty"), empty.output)

        try Data("junk".utf8).write(to: directory.appendingPathComponent("s2/broken.png"))
        let corrupt = try CLIRunner.run([
            "score", "--samples", directory.appendingPathComponent("s2").path,
            "--raters", directory.appendingPathComponent("s2").path,
        ])
        XCTAssertNotEqual(corrupt.status, 0)
        XCTAssertTrue(corrupt.output.contains("broken.png"), corrupt.output)
    }
}
