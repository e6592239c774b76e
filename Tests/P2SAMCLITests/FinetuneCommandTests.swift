import Foundation
import MedImageIO
import SAMTensor
import TorchCheckpoint
import XCTest

/// `p2sam finetune --recipe umedsam` as a user runs it: a model file that `segment --backbone` loads and that
/// differs from the checkpoint; empty masks skipped and counted; bad inputs refused with clear messages.
final class FinetuneCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try CLIRunner.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A folder dataset of 64x64 grey images with a bright disc and its mask; case `empty` has an empty mask.
    func writeDataset(_ name: String, maskWidth: Int = 64) throws -> String {
        let root = directory.appendingPathComponent(name)
        for (i, id) in ["b-empty", "c1", "c2", "c3"].enumerated() {
            let folder = root.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let (cx, cy, r) = (24 + 4 * i, 30 - 2 * i, 10 + i)
            var pixels = [Float](repeating: 0, count: 64 * 64)
            var mask = [Float](repeating: 0, count: 64 * maskWidth)
            for y in 0..<64 {
                for x in 0..<64 {
                    let inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
                    pixels[y * 64 + x] = Float(40 + (x * 7 + y * 3) % 30 + (inside ? 150 : 0))
                    if inside && id != "b-empty" && x < maskWidth { mask[y * maskWidth + x] = 255 }
                }
            }
            try PNG.write(
                try MedicalImage(width: 64, height: 64, channels: 1, pixels: pixels),
                to: folder.appendingPathComponent("image.png").path)
            try PNG.write(
                try MedicalImage(width: maskWidth, height: 64, channels: 1, pixels: mask),
                to: folder.appendingPathComponent("rater0.png").path)
        }
        return "folder:" + root.path
    }

    func testFinetuneWritesAModelThatSegmentLoads() throws {
        try CLIRunner.requireCheckpoint()
        let dataset = try writeDataset("toy")
        let model = path("tuned.safetensors")
        let outcome = try CLIRunner.run([
            "finetune", "--recipe", "umedsam", "--dataset", dataset, "--holdout", "0.25", "--epochs", "1",
            "--lr", "1e-3", "--no-sharpness-aware", "--output", model, "--cache-dir", path("cache"), "--no-progress",
            "--json", path("report.json"),
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("1 skipped (empty ground truth"), outcome.output)
        XCTAssertTrue(outcome.output.contains("learned loss weights"), outcome.output)
        XCTAssertTrue(outcome.output.contains("box +5 px"), outcome.output)
        let report =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("report.json"))))
            as? [String: Any]
        XCTAssertEqual(report?["training_cases"] as? Int, 2)

        // The decoder changed; the encoder did not.
        let tuned = try Safetensors.read(contentsOf: URL(fileURLWithPath: model))
        XCTAssertEqual(tuned.metadata["format"], "litemedsam-model-v1")
        let original = try TorchStateDict(contentsOf: CLIRunner.checkpoint)
        func values(_ key: String) throws -> [Float] {
            try original.tensors.first { $0.name == key }!.floats()
        }
        let decoderKey = "mask_decoder.iou_prediction_head.layers.0.weight"
        XCTAssertNotEqual(tuned.tensors[decoderKey]!.storage, try values(decoderKey))
        let encoderKey = "image_encoder.neck.0.weight"
        XCTAssertEqual(tuned.tensors[encoderKey]!.storage, try values(encoderKey))

        let image = directory.appendingPathComponent("toy/c1/image.png").path
        let segment = try CLIRunner.run([
            "segment", "--image", image, "--box", "10,15,40,45", "--backbone", model, "--output", path("m.png"),
        ])
        XCTAssertEqual(segment.status, 0, segment.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("m.png")))
    }

    func testEncoderLoRAChangesTheEncoderInTheModelFile() throws {
        try CLIRunner.requireCheckpoint()
        let dataset = try writeDataset("toy")
        let model = path("lora.safetensors")
        let outcome = try CLIRunner.run([
            "finetune", "--recipe", "umedsam", "--dataset", dataset, "--holdout", "0.25", "--epochs", "1",
            "--lr", "1e-2", "--no-sharpness-aware", "--trainable", "decoder+lora", "--lora-rank", "2",
            "--report-jitter", "0", "--output", model, "--cache-dir", path("cache"), "--no-progress",
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("embeddings are not cached"), outcome.output)
        let tuned = try Safetensors.read(contentsOf: URL(fileURLWithPath: model))
        XCTAssertEqual(tuned.metadata["format"], "litemedsam-model-v1")
        XCTAssertEqual(tuned.metadata["lora_rank_merged"], "2")
        XCTAssertFalse(tuned.tensors.keys.contains { $0.contains("lora_") }, "LoRA factors must be merged, not stored")
        let original = try TorchStateDict(contentsOf: CLIRunner.checkpoint)
        let qkv = "image_encoder.layers.1.blocks.0.attn.qkv.weight"
        XCTAssertNotEqual(tuned.tensors[qkv]!.storage, try original.tensors.first { $0.name == qkv }!.floats())
        let image = directory.appendingPathComponent("toy/c1/image.png").path
        let segment = try CLIRunner.run([
            "segment", "--image", image, "--box", "10,15,40,45", "--backbone", model, "--output", path("m.png"),
        ])
        XCTAssertEqual(segment.status, 0, segment.output)

        // Per-dataset settings: refused clearly.
        for (spec, message) in [
            (dataset + "#target=gold", "target=gold needs a BU-BIL dataset"),
            (dataset + "#colour=red", "unknown dataset setting 'colour'"),
            (dataset + "#split=halves", "unknown split protocol 'halves'"),
        ] {
            let bad = try CLIRunner.run([
                "finetune", "--recipe", "umedsam", "--dataset", spec, "--output", path("y.safetensors"),
                "--cache-dir", path("cache"), "--no-progress",
            ])
            XCTAssertEqual(bad.status, 1, bad.output)
            XCTAssertTrue(bad.output.contains(message), bad.output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("y.safetensors")))
        }
    }

    func testAugmentedFinetuneTrainsEachCaseInFourViewsAndResumeNeedsTheSameData() throws {
        try CLIRunner.requireCheckpoint()
        let dataset = try writeDataset("toy")
        let model = path("flips.safetensors")
        let common = [
            "finetune", "--recipe", "umedsam", "--holdout", "0.25", "--lr", "1e-3", "--no-sharpness-aware",
            "--report-jitter", "0", "--cache-dir", path("cache"), "--no-progress",
        ]
        // Sorted ids b-empty, c1, c2 train (b-empty skipped: empty mask), c3 validates: 2 cases in 4 views.
        let outcome = try CLIRunner.run(
            common + [
                "--dataset", dataset, "--augment", "flips", "--epochs", "1", "--output", model, "--json",
                path("report.json"),
            ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        XCTAssertTrue(outcome.output.contains("8 training (2 in 4 views, flips) + 1 validation cases"), outcome.output)
        let report =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("report.json"))))
            as? [String: Any]
        XCTAssertEqual(report?["training_cases"] as? Int, 8)
        XCTAssertEqual(report?["validation_cases"] as? Int, 1)
        let row = (report?["datasets"] as? [[String: String]])?.first
        XCTAssertEqual(row?["augmentation"], "flips")
        XCTAssertEqual(row?["train"], "8")
        // Every view has its own embedding: 8 training views and the one validation case.
        let cached = try FileManager.default.contentsOfDirectory(atPath: path("cache")).filter { $0.hasSuffix(".emb") }
        XCTAssertEqual(cached.count, 9)
        let tuned = try Safetensors.read(contentsOf: URL(fileURLWithPath: model))
        XCTAssertEqual(tuned.metadata["augmentation"], "toy=flips")

        // A dataset's own #augment= wins over --augment.
        let own = try CLIRunner.run(
            common + [
                "--dataset", dataset + "#augment=none", "--augment", "dihedral", "--epochs", "1", "--output",
                path("own.safetensors"), "--json", path("own.json"),
            ])
        XCTAssertEqual(own.status, 0, own.output)
        let ownReport =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("own.json"))))
            as? [String: Any]
        XCTAssertEqual(ownReport?["training_cases"] as? Int, 2)
        XCTAssertNil(
            try Safetensors.read(contentsOf: URL(fileURLWithPath: path("own.safetensors"))).metadata["augmentation"])

        // Resuming on other data (the views dropped) is refused, naming both; the same data continues.
        let other = try CLIRunner.run(
            common + ["--dataset", dataset, "--epochs", "2", "--output", model, "--resume"])
        XCTAssertEqual(other.status, 1, other.output)
        XCTAssertTrue(other.output.contains("data differ"), other.output)
        XCTAssertTrue(
            other.output.contains("augmentation flips") && other.output.contains("augmentation none"), other.output)
        let same = try CLIRunner.run(
            common + ["--dataset", dataset, "--augment", "flips", "--epochs", "2", "--output", model, "--resume"])
        XCTAssertEqual(same.status, 0, same.output)
        XCTAssertTrue(same.output.contains("epoch 2/2"), same.output)

        // An unknown view set is refused by name.
        let bad = try CLIRunner.run(
            common + ["--dataset", dataset + "#augment=mirror", "--output", path("bad.safetensors")])
        XCTAssertEqual(bad.status, 1, bad.output)
        XCTAssertTrue(bad.output.contains("augment must be one of none, flips, dihedral"), bad.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad.safetensors")))
    }

    func testBadInputsAreRefusedClearly() throws {
        try CLIRunner.requireCheckpoint()
        // Image and mask sizes differ.
        let mismatched = try writeDataset("mismatch", maskWidth: 60)
        let sizes = try CLIRunner.run([
            "finetune", "--recipe", "umedsam", "--dataset", mismatched, "--output", path("x.safetensors"),
            "--cache-dir", path("cache"), "--no-progress",
        ])
        XCTAssertEqual(sizes.status, 1, sizes.output)
        XCTAssertTrue(sizes.output.contains("64x64") && sizes.output.contains("60x64"), sizes.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.safetensors")))

        // A model of another architecture as the backbone.
        let other = path("other.safetensors")
        try Data(
            try Safetensors.encode(
                [("pgn.weight", Tensor(shape: [2], storage: [1, 2]))], metadata: ["format": "p2sam-model-v1"])
        ).write(to: URL(fileURLWithPath: other))
        let image = path("img.png")
        try PNG.write(
            try MedicalImage(width: 32, height: 32, channels: 1, pixels: (0..<1024).map { Float($0 % 200) }), to: image)
        let wrong = try CLIRunner.run([
            "segment", "--image", image, "--box", "4,4,20,20", "--backbone", other, "--output", path("m.png"),
        ])
        XCTAssertEqual(wrong.status, 1, wrong.output)
        XCTAssertTrue(wrong.output.contains("not a LiteMedSAM model file"), wrong.output)

        // --checkpoint and --backbone together.
        let both = try CLIRunner.run([
            "segment", "--image", image, "--box", "4,4,20,20", "--backbone", other, "--checkpoint",
            CLIRunner.checkpoint.path, "--output", path("m.png"),
        ])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.output.contains("not both"), both.output)
    }
}
