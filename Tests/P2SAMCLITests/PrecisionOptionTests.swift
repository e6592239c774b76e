import Foundation
import XCTest

/// `--precision f32|bf16|auto`: parsing, the f32 fallback on a CPU without bf16 (simulated with
/// `P2SAM_NO_BF16=1`), and that the embedding cache form refuses reduced precision.
final class PrecisionOptionTests: XCTestCase {
    func testUnknownPrecisionIsRefused() throws {
        let outcome = try CLIRunner.run([
            "embed", "--image", "/nonexistent.png", "--output", "/tmp/x.npy", "--precision", "fp8",
        ])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("precision"), outcome.output)
    }

    func testDatasetEmbeddingRefusesBF16() throws {
        let outcome = try CLIRunner.run([
            "embed", "--dataset", "folder:/nonexistent", "--output", "/tmp/p2sam-precision-shard", "--precision",
            "bf16",
        ])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("embedding cache holds f32"), outcome.output)
    }

    func testBF16WithoutTheInstructionsWarnsAndRunsF32() throws {
        try CLIRunner.requireCheckpoint()
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = folder.appendingPathComponent("gradient.png").path
        try TestPictures.writeGradient(URL(fileURLWithPath: image), width: 48, height: 40)
        let reference = try CLIRunner.run([
            "embed", "--image", image, "--output", folder.appendingPathComponent("f32.npy").path, "--checkpoint",
            CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(reference.status, 0, reference.output)
        let fallback = try CLIRunner.run(
            [
                "embed", "--image", image, "--output", folder.appendingPathComponent("bf16.npy").path, "--checkpoint",
                CLIRunner.checkpoint.path, "--precision", "bf16",
            ], environment: ["P2SAM_NO_BF16": "1"])
        XCTAssertEqual(fallback.status, 0, fallback.output)
        XCTAssertTrue(fallback.output.contains("running in f32"), fallback.output)
        XCTAssertEqual(
            try Data(contentsOf: folder.appendingPathComponent("f32.npy")),
            try Data(contentsOf: folder.appendingPathComponent("bf16.npy")), "the fallback must be the f32 result")
    }
}
