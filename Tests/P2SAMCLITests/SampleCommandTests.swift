import Foundation
import MedImageIO
import XCTest

/// `p2sam sample` with the bundled default model, as a user runs it.
final class SampleCommandTests: XCTestCase {
    var directory: URL!
    static let root = CLIRunner.repositoryRoot
    static let example = CLIRunner.bundledExample
    static let defaultModel = CLIRunner.bundledDefaultModel

    override func setUpWithError() throws {
        try CLIRunner.requireCheckpoint()
        guard FileManager.default.fileExists(atPath: Self.defaultModel.path) else {
            throw XCTSkip("no bundled default model at Models/p2sam/default.safetensors")
        }
        directory = try CLIRunner.temporaryDirectory()
    }

    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    func sample(_ extra: [String], into name: String) throws -> CLIRunner.Outcome {
        try CLIRunner.run(
            [
                "sample", "--image", Self.example.appendingPathComponent("image.png").path,
                "--output", directory.appendingPathComponent(name).path, "--model", Self.defaultModel.path,
            ] + extra)
    }

    func testSameSeedGivesIdenticalFilesAndTheContractOutputs() throws {
        let first = try sample(["--count", "5", "--seed", "11", "--raters", Self.example.path], into: "a")
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("GED"), first.output)
        XCTAssertEqual(try sample(["--count", "5", "--seed", "11"], into: "b").status, 0)
        for k in 0..<5 {
            let name = String(format: "sample_%03d.png", k)
            let a = try PNG.read(contentsOf: directory.appendingPathComponent("a/\(name)").path)
            let b = try PNG.read(contentsOf: directory.appendingPathComponent("b/\(name)").path)
            XCTAssertEqual(a, b, name)
            XCTAssertEqual([a.width, a.height], [128, 128])
        }
        for file in ["frequency.png", "entropy.png", "grid.png"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: directory.appendingPathComponent("a/\(file)").path), file)
        }
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("a/sample_005.png").path))
    }

    func testOutOfRangeCountsAndSeedsAreRefused() throws {
        for extra in [["--count", "0"], ["--count", "100001"], ["--seed", "4294967296"], ["--seed", "-1"]] {
            let outcome = try sample(extra, into: "x")
            XCTAssertNotEqual(outcome.status, 0, "\(extra) accepted")
            XCTAssertFalse(outcome.output.contains("Backtracing"), outcome.output)
        }
    }

    func testAModelFileForAnotherArchitectureIsRefused() throws {
        let outcome = try CLIRunner.run([
            "sample", "--image", Self.example.appendingPathComponent("image.png").path,
            "--output", directory.appendingPathComponent("x").path, "--model", CLIRunner.checkpoint.path,
        ])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("lite_medsam.pth"), outcome.output)
        XCTAssertFalse(outcome.output.contains("Backtracing"), outcome.output)
    }

    func testRatersAreChosenAsScoreChoosesThemAndCheckedBeforeSampling() throws {
        // The contract layout (m0.png…) beside the case image: three raters, not four.
        let raters = directory.appendingPathComponent("raters")
        try FileManager.default.createDirectory(at: raters, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.example.appendingPathComponent("image.png"), to: raters.appendingPathComponent("image.png"))
        for k in 0..<3 {
            try FileManager.default.copyItem(
                at: Self.example.appendingPathComponent("rater\(k).png"), to: raters.appendingPathComponent("m\(k).png")
            )
        }
        let outcome = try sample(["--count", "3", "--raters", raters.path], into: "s")
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("vs 3 raters"), outcome.output)
        // A photo among them is refused by name, before any sample is written.
        try TestPictures.writeGradient(raters.appendingPathComponent("m3.png"), width: 128, height: 128)
        let refused = try sample(["--count", "3", "--raters", raters.path], into: "t")
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("m3.png") && refused.output.contains("not a binary mask"), refused.output)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("t/sample_000.png").path))
    }

    func testPicturesAreEnlargedAndTheGridShowsTheRaters() throws {
        XCTAssertEqual(try sample(["--count", "4"], into: "plain").status, 0)
        let withRaters = try sample(["--count", "4", "--raters", Self.example.path], into: "raters")
        XCTAssertEqual(withRaters.status, 0, withRaters.output)
        for name in ["frequency.png", "entropy.png", "grid.png"] {
            let picture = try PNG.read(contentsOf: directory.appendingPathComponent("plain/\(name)").path)
            XCTAssertGreaterThanOrEqual(max(picture.width, picture.height), 512, name)
            XCTAssertEqual(picture.channels, 3, name)
        }
        let plain = try PNG.read(contentsOf: directory.appendingPathComponent("plain/grid.png").path)
        let rated = try PNG.read(contentsOf: directory.appendingPathComponent("raters/grid.png").path)
        XCTAssertGreaterThan(rated.height, plain.height + 128, "no raters' row")
    }
}
