import LiteMedSAM
import SAMLayers
import XCTest

/// Strict state-dict loading: every key must be taken, with the right shape.
final class StrictLoadingTests: XCTestCase {
    func weights(_ entries: [String: [Int]]) -> WeightStore {
        WeightStore(
            entries.mapValues { NamedWeight(shape: $0, values: [Float](repeating: 0.5, count: $0.reduce(1, *))) })
    }

    func testMissingKeyIsNamed() {
        var store = weights(["a.weight": [2, 3]])
        XCTAssertThrowsError(try store.take("a.bias", shape: [2])) { error in
            XCTAssertEqual(error as? WeightLoadingError, .missingKey("a.bias"))
            XCTAssertTrue("\(error)".contains("a.bias"))
        }
    }

    func testShapeMismatchIsNamed() {
        var store = weights(["a.weight": [2, 3]])
        XCTAssertThrowsError(try store.take("a.weight", shape: [3, 2])) { error in
            XCTAssertEqual(
                error as? WeightLoadingError, .shapeMismatch(key: "a.weight", expected: [3, 2], found: [2, 3]))
        }
    }

    func testUnusedKeysAreReportedExceptIgnoredOnes() throws {
        var store = weights(["a.weight": [2], "b.extra": [1], "bn.num_batches_tracked": []])
        _ = try store.take("a.weight", shape: [2])
        XCTAssertThrowsError(try store.finish()) { error in
            XCTAssertEqual(error as? WeightLoadingError, .unexpectedKeys(["b.extra"]))
        }
    }

    func testRealCheckpointRejectsAnExtraOrMissingTensor() throws {
        guard FileManager.default.fileExists(atPath: CheckpointLocation.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let store = try LiteMedSAMCheckpoint.weights(at: CheckpointLocation.checkpoint)
        var all: [String: NamedWeight] = [:]
        // Rebuild the dictionary through the public API: every key with its shape.
        var probe = store
        for key in store.keys {
            let shape = try shapeOf(key, in: store)
            all[key] = NamedWeight(shape: shape, values: try probe.take(key, shape: shape))
        }
        var extra = all
        extra["mask_decoder.surprise.weight"] = NamedWeight(shape: [1], values: [0])
        XCTAssertThrowsError(try LiteMedSAMModel(weights: WeightStore(extra))) { error in
            XCTAssertEqual(error as? WeightLoadingError, .unexpectedKeys(["mask_decoder.surprise.weight"]))
        }
        var missing = all
        missing.removeValue(forKey: "mask_decoder.iou_token.weight")
        XCTAssertThrowsError(try LiteMedSAMModel(weights: WeightStore(missing))) { error in
            XCTAssertEqual(error as? WeightLoadingError, .missingKey("mask_decoder.iou_token.weight"))
        }
        var wrong = all
        wrong["prompt_encoder.no_mask_embed.weight"] = NamedWeight(
            shape: [256], values: [Float](repeating: 0, count: 256))
        XCTAssertThrowsError(try LiteMedSAMModel(weights: WeightStore(wrong))) { error in
            XCTAssertEqual(
                error as? WeightLoadingError,
                .shapeMismatch(key: "prompt_encoder.no_mask_embed.weight", expected: [1, 256], found: [256]))
        }
    }

    func testWrongChecksumIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-checksum-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fake = directory.appendingPathComponent("lite_medsam.pth")
        try Data("not the checkpoint".utf8).write(to: fake)
        XCTAssertThrowsError(try LiteMedSAMModel(checkpoint: fake)) { error in
            guard case CheckpointError.checksumMismatch = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue("\(error)".contains("sha256"))
        }
        XCTAssertThrowsError(try LiteMedSAMModel(checkpoint: directory.appendingPathComponent("absent.pth"))) { error in
            XCTAssertEqual(
                error as? CheckpointError, .notFound(path: directory.appendingPathComponent("absent.pth").path))
        }
        // Without the checksum the file is still read, and refused as a zip.
        XCTAssertThrowsError(try LiteMedSAMModel(checkpoint: fake, verifyChecksum: false)) { error in
            XCTAssertFalse("\(error)".isEmpty)
        }
    }

    private func shapeOf(_ key: String, in store: WeightStore) throws -> [Int] {
        try XCTUnwrap(store.shape(of: key))
    }
}
