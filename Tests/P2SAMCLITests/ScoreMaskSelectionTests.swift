import Foundation
import XCTest

/// Which files `p2sam score` takes as masks, and how it reads them: the case image and the tool's own
/// pictures are never masks, a photo is refused by name, sizes are checked by name, and masks whose
/// object is black are read with `--foreground 0`.
final class ScoreMaskSelectionTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func url(_ path: String) -> URL { directory.appendingPathComponent(path) }

    /// Runs `score --json` and returns the outcome and the single case's object.
    func score(_ samples: String, _ raters: String, _ extra: [String] = []) throws -> (
        CLIRunner.Outcome, [String: Any]?
    ) {
        let json = url("\(UUID().uuidString).json")
        let outcome = try CLIRunner.run(
            ["score", "--samples", url(samples).path, "--raters", url(raters).path, "--json", json.path] + extra)
        guard outcome.status == 0 else { return (outcome, nil) }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        return (outcome, (object?["cases"] as? [String: [String: Any]])?.values.first)
    }

    func writeSamples(_ folder: String, names: [String]) throws {
        for (k, name) in names.enumerated() {
            try TestPictures.writeMask(url("\(folder)/\(name)")) { x, _ in x < 6 + k }
        }
    }

    func testTheCaseImageBesideTheRatersIsNotARater() throws {
        try writeSamples("samples", names: (0..<5).map { "m\($0).png" })
        // The dataset layout: image.png beside rater*.png.
        try TestPictures.writeGradient(url("case/image.png"))
        for k in 0..<4 { try TestPictures.writeMask(url("case/rater\(k).png")) { x, _ in x < 7 + k } }
        let (named, namedCase) = try score("samples", "case")
        XCTAssertEqual(named.status, 0, named.output)
        XCTAssertEqual(namedCase?["m"] as? Int, 4, named.output)
        // The contract layout (m0.png…) with the image beside it.
        try TestPictures.writeGradient(url("plain/image.png"))
        for k in 0..<3 { try TestPictures.writeMask(url("plain/m\(k).png")) { x, _ in x < 7 + k } }
        let (plain, plainCase) = try score("samples", "plain")
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertEqual(plainCase?["m"] as? Int, 3, plain.output)
        XCTAssertEqual(plainCase?["n"] as? Int, 5, plain.output)
    }

    func testAPhotoAmongTheMasksIsAnErrorNamingIt() throws {
        try writeSamples("samples", names: ["m0.png", "m1.png"])
        try writeSamples("raters", names: ["m0.png", "m1.png"])
        try TestPictures.writeGradient(url("raters/photo.png"))
        let (outcome, _) = try score("samples", "raters")
        XCTAssertNotEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("photo.png"), outcome.output)
        XCTAssertTrue(outcome.output.contains("not a binary mask"), outcome.output)
    }

    func testTheFolderThatSampleWritesScoresWithoutItsPictures() throws {
        try writeSamples("out", names: (0..<5).map { String(format: "sample_%03d.png", $0) })
        try TestPictures.writeColourPicture(url("out/grid.png"), width: 70, height: 70)
        try TestPictures.writeColourPicture(url("out/frequency.png"), width: 16, height: 16)
        try TestPictures.writeColourPicture(url("out/entropy.png"), width: 16, height: 16)
        try writeSamples("raters", names: ["m0.png", "m1.png", "m2.png"])
        let (outcome, scored) = try score("out", "raters")
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertEqual(scored?["n"] as? Int, 5, outcome.output)
        XCTAssertEqual(scored?["m"] as? Int, 3, outcome.output)
    }

    func testASizeMismatchNamesTheFile() throws {
        try writeSamples("samples", names: ["m0.png"])
        try TestPictures.writeMask(url("samples/m1.png"), width: 12) { x, _ in x < 6 }
        try writeSamples("raters", names: ["m0.png", "m1.png"])
        let (outcome, _) = try score("samples", "raters")
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("samples/m1.png"), outcome.output)
        XCTAssertTrue(outcome.output.contains("12x16"), outcome.output)
    }

    func testMasksWithABlackObjectAreReadWithForegroundZeroAndWarnedAboutOtherwise() throws {
        // Samples: object = columns 0..<6 marked 255. Raters: the same object stored black on white.
        for k in 0..<3 { try TestPictures.writeMask(url("samples/m\(k).png")) { x, _ in x < 6 } }
        for k in 0..<2 {
            try TestPictures.writeMask(url("raters/m\(k).png"), value: 0, background: 255) { x, _ in x < 6 }
        }
        let (plain, plainCase) = try score("samples", "raters")
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertTrue(plain.output.contains("warning:") && plain.output.contains("--foreground 0"), plain.output)
        XCTAssertEqual(try XCTUnwrap(plainCase?["hm_iou"] as? Double), 0, accuracy: 1e-12)
        for value in ["0", "auto"] {
            let (outcome, scored) = try score("samples", "raters", ["--foreground", value])
            XCTAssertEqual(outcome.status, 0, outcome.output)
            XCTAssertFalse(outcome.output.contains("warning:"), outcome.output)
            XCTAssertEqual(try XCTUnwrap(scored?["ged"] as? Double), 0, accuracy: 1e-12, value)
            XCTAssertEqual(try XCTUnwrap(scored?["hm_iou"] as? Double), 1, accuracy: 1e-12, value)
        }
    }
}
