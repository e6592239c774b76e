import Foundation
import MedImageIO
import TorchCheckpoint
import XCTest

/// `p2sam embed` / `segment` as a user runs them: output formats, and bad input refused with a
/// clear message and a non-zero exit status (never a crash).
final class SegmentCommandTests: DiskImageCommandTestCase {
    func testSegmentWritesMaskAtImageSizeAndLogits() throws {
        try CLIRunner.requireCheckpoint()
        let outcome = try CLIRunner.run([
            "segment", "--image", imagePath, "--box", "115,55,185,125", "--multimask",
            "--output", path("m.png"), "--logits", path("l.npy"), "--overlay", path("o.png"),
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let mask = try PNG.read(contentsOf: path("m.png"))
        XCTAssertEqual([mask.width, mask.height], [240, 200])
        let logits = try NPY.read(contentsOf: URL(fileURLWithPath: path("l.npy")))
        XCTAssertEqual(logits.shape, [1, 3, 256, 256])
        XCTAssertEqual(logits.dtype, .float32)
        // The 240x200 overlay is enlarged 3x (nearest neighbour) to be readable.
        let overlay = try PNG.read(contentsOf: path("o.png"))
        XCTAssertEqual([overlay.width, overlay.height], [720, 600])
    }

    func testEmbedThenSegmentFromEmbeddingMatchesDirectSegment() throws {
        try CLIRunner.requireCheckpoint()
        XCTAssertEqual(try CLIRunner.run(["embed", "--image", imagePath, "--output", path("e.npy")]).status, 0)
        let embedding = try NPY.read(contentsOf: URL(fileURLWithPath: path("e.npy")))
        XCTAssertEqual(embedding.shape, [1, 256, 64, 64])
        XCTAssertEqual(
            try CLIRunner.run(["segment", "--image", imagePath, "--box", "115,55,185,125", "--output", path("a.png")])
                .status, 0)
        XCTAssertEqual(
            try CLIRunner.run([
                "segment", "--image", imagePath, "--box", "115,55,185,125", "--embedding", path("e.npy"), "--output",
                path("b.png"),
            ]).status, 0)
        XCTAssertEqual(try PNG.read(contentsOf: path("a.png")), try PNG.read(contentsOf: path("b.png")))
    }

    func testNaNInEmbeddingIsRefused() throws {
        try CLIRunner.requireCheckpoint()
        var values = [Float](repeating: 0.1, count: 256 * 64 * 64)
        values[12345] = .nan
        try NPY.write(
            try NumpyArray(float32: values, shape: [1, 256, 64, 64]), to: URL(fileURLWithPath: path("nan.npy")))
        let outcome = try CLIRunner.run([
            "segment", "--image", imagePath, "--box", "115,55,185,125", "--embedding", path("nan.npy"), "--output",
            path("x.png"),
        ])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("non-finite"), outcome.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.png")))
    }

    func testWrongEmbeddingShapeIsRefused() throws {
        try CLIRunner.requireCheckpoint()
        try NPY.write(
            try NumpyArray(float32: [Float](repeating: 0, count: 256 * 32 * 32), shape: [1, 256, 32, 32]),
            to: URL(fileURLWithPath: path("small.npy")))
        let outcome = try CLIRunner.run([
            "segment", "--image", imagePath, "--box", "115,55,185,125", "--embedding", path("small.npy"), "--output",
            path("x.png"),
        ])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("[1, 256, 32, 32]"), outcome.output)
    }

    func testBadBoxesAreRefused() throws {
        try CLIRunner.requireCheckpoint()
        for (box, hint) in [
            ("300,10,320,50", "box"), ("185,55,115,125", "box"), ("10,10,10,50", "box"), ("-5,10,50,50", "box"),
        ] {
            let outcome = try CLIRunner.run(["segment", "--image", imagePath, "--box", box, "--output", path("x.png")])
            XCTAssertNotEqual(outcome.status, 0, "box \(box) was accepted")
            XCTAssertTrue(outcome.output.lowercased().contains(hint), "box \(box): \(outcome.output)")
        }
        let malformed = try CLIRunner.run([
            "segment", "--image", imagePath, "--box", "1,2,3", "--output", path("x.png"),
        ])
        XCTAssertNotEqual(malformed.status, 0)
    }

    func testCorruptAndNonPNGImagesAreRefused() throws {
        try CLIRunner.requireCheckpoint()
        try Data("this is not a png".utf8).write(to: URL(fileURLWithPath: path("text.png")))
        let valid = try Data(contentsOf: URL(fileURLWithPath: imagePath))
        try valid.prefix(valid.count / 2).write(to: URL(fileURLWithPath: path("truncated.png")))
        for name in ["text.png", "truncated.png", "missing.png"] {
            let outcome = try CLIRunner.run([
                "segment", "--image", path(name), "--box", "115,55,185,125", "--output", path("x.png"),
            ])
            XCTAssertNotEqual(outcome.status, 0, name)
            XCTAssertTrue(outcome.output.contains(name), "\(name): \(outcome.output)")
            XCTAssertFalse(
                outcome.output.contains("Fatal error") || outcome.output.contains("Backtracing"), outcome.output)
        }
    }

    func testBadCheckpointsAreRefused() throws {
        try Data("not a zip at all".utf8).write(to: URL(fileURLWithPath: path("fake.pth")))
        let wrongHash = try CLIRunner.run([
            "segment", "--image", imagePath, "--box", "115,55,185,125", "--output", path("x.png"), "--checkpoint",
            path("fake.pth"),
        ])
        XCTAssertNotEqual(wrongHash.status, 0)
        XCTAssertTrue(wrongHash.output.contains("sha256"), wrongHash.output)
        let notZip = try CLIRunner.run([
            "segment", "--image", imagePath, "--box", "115,55,185,125", "--output", path("x.png"), "--checkpoint",
            path("fake.pth"), "--skip-checksum",
        ])
        XCTAssertNotEqual(notZip.status, 0)
        XCTAssertTrue(notZip.output.contains("fake.pth"), notZip.output)
        XCTAssertFalse(notZip.output.contains("Backtracing"), notZip.output)
        let missing = try CLIRunner.run([
            "embed", "--image", imagePath, "--output", path("e.npy"), "--checkpoint", path("absent.pth"),
        ])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("fetch-checkpoint"), missing.output)
    }

    func testTruncatedRealCheckpointIsRefused() throws {
        try CLIRunner.requireCheckpoint()
        let data = try Data(contentsOf: CLIRunner.checkpoint)
        try data.prefix(data.count - 1000).write(to: URL(fileURLWithPath: path("cut.pth")))
        let outcome = try CLIRunner.run([
            "embed", "--image", imagePath, "--output", path("e.npy"), "--checkpoint", path("cut.pth"),
            "--skip-checksum",
        ])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("cut.pth"), outcome.output)
        XCTAssertFalse(outcome.output.contains("Backtracing"), outcome.output)
    }
}
