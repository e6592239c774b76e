import Foundation
import MedImageIO
import XCTest

/// `p2sam ursam` and `p2sam medsamu` on the bundled example, as a user runs them.
final class UncertaintyCommandTests: XCTestCase {
    var directory: URL!
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Examples/data/synthetic-0000/image.png")

    override func setUpWithError() throws {
        try CLIRunner.requireCheckpoint()
        directory = try CLIRunner.temporaryDirectory()
    }

    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    func run(_ command: String, _ extra: [String]) throws -> CLIRunner.Outcome {
        try CLIRunner.run([command, "--image", Self.example.path, "--checkpoint", CLIRunner.checkpoint.path] + extra)
    }

    func assertBinaryMask(_ name: String, in folder: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let image = try PNG.read(contentsOf: folder.appendingPathComponent(name).path)
        XCTAssertEqual(image.width, 128, file: file, line: line)
        XCTAssertEqual(image.height, 128, file: file, line: line)
        XCTAssertTrue(
            image.pixels.allSatisfy { $0 == 0 || $0 == 255 }, "\(name) is not a 0/255 mask", file: file, line: line)
        XCTAssertTrue(image.pixels.contains(255), "\(name) is empty", file: file, line: line)
    }

    func testURSAMWritesItsMasksAndIsSeeded() throws {
        let out = directory.appendingPathComponent("u")
        let outcome = try run("ursam", ["--box", "42,53,89,99", "--count", "4", "--output", out.path])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        for name in ["ensemble.png", "rectified.png", "uncertain.png"] { try assertBinaryMask(name, in: out) }
        try assertReadablePicture("entropy.png", in: out)
        let again = directory.appendingPathComponent("u2")
        XCTAssertEqual(try run("ursam", ["--box", "42,53,89,99", "--count", "4", "--output", again.path]).status, 0)
        XCTAssertEqual(
            try Data(contentsOf: out.appendingPathComponent("rectified.png")),
            try Data(contentsOf: again.appendingPathComponent("rectified.png")), "same seed, different masks")
    }

    func testMedSAMUWritesInitialRefinedAndFinal() throws {
        let out = directory.appendingPathComponent("m")
        let outcome = try run("medsamu", ["--box", "42,53,89,99", "--output", out.path])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        for name in ["initial.png", "refined.png", "final.png"] { try assertBinaryMask(name, in: out) }
        XCTAssertTrue(outcome.output.contains("accepted") || outcome.output.contains("rejected"), outcome.output)
        for name in ["entropy_initial.png", "entropy_refined.png", "prompts.png"] {
            try assertReadablePicture(name, in: out)
        }
    }

    /// A picture for people: RGB, enlarged so that its longer side is at least 512 px (the input is 128 px).
    func assertReadablePicture(_ name: String, in folder: URL, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let picture = try PNG.read(contentsOf: folder.appendingPathComponent(name).path)
        XCTAssertEqual(picture.channels, 3, name, file: file, line: line)
        XCTAssertGreaterThanOrEqual(max(picture.width, picture.height), 512, name, file: file, line: line)
    }

    func testBadInputIsRefused() throws {
        let cases: [([String], String)] = [
            (["ursam", "--box", "90,53,42,99"], "box"),
            (["ursam", "--box", "42,53,89,99", "--count", "0"], "count"),
            (["medsamu", "--box", "42,53,89,99", "--rounds", "-1"], "rounds"),
            (["medsamu", "--box", "1,2,3"], "box"),
        ]
        for (arguments, expected) in cases {
            let outcome = try run(
                arguments[0], Array(arguments.dropFirst()) + ["--output", directory.appendingPathComponent("bad").path])
            XCTAssertNotEqual(outcome.status, 0, "\(arguments) was accepted")
            XCTAssertTrue(outcome.output.lowercased().contains(expected), "\(arguments): \(outcome.output)")
            XCTAssertFalse(outcome.output.contains("Fatal error"), outcome.output)
        }
    }
}
