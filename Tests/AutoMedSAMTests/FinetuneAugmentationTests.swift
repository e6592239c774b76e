import AutoMedSAM
import Foundation
import MedImageIO
import XCTest

/// `p2sam finetune --recipe automedsam --augment`: every training slice also trained in its mirror images, each
/// with its own cached embedding, recorded in the model file, and a resume on other views refused.
final class FinetuneAugmentationTests: XCTestCase {
    /// A `labels:` dataset of two 96x80 slices (`AutosegCommandTests.writeImage`): class 1 on the upper-left blob,
    /// class 3 on the lower-right one; the second slice is the first mirrored left to right.
    static func writeDataset(in root: URL) throws {
        try Data(#"{"1": "left", "3": "right"}"#.utf8).write(to: root.appendingPathComponent("classes.json"))
        for (name, mirrored) in [("case01", false), ("case02", true)] {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let imageURL = folder.appendingPathComponent("image.png")
            try AutosegCommandTests.writeImage(to: imageURL)
            var ids = [Float](repeating: 0, count: 96 * 80)
            for y in 10..<40 { for x in 10..<40 { ids[y * 96 + x] = 1 } }
            for y in 45..<70 { for x in 50..<90 { ids[y * 96 + x] = 3 } }
            var image = try PNG.read(contentsOf: imageURL.path)
            if mirrored {
                ids = (0..<ids.count).map { ids[($0 / 96) * 96 + 95 - $0 % 96] }
                image = try MedicalImage(
                    width: 96, height: 80, channels: 1,
                    pixels: (0..<ids.count).map { image.pixels[($0 / 96) * 96 + 95 - $0 % 96] })
                try PNG.write(image, to: imageURL.path)
            }
            try PNG.write(
                try MedicalImage(width: 96, height: 80, channels: 1, pixels: ids),
                to: folder.appendingPathComponent("label.png").path)
        }
    }

    func testAugmentedFinetuneTrainsEachSliceInFourViewsAndResumeNeedsTheSameViews() throws {
        try AutosegCommandTests.requireCheckpoint()
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Self.writeDataset(in: data)
        let model = folder.appendingPathComponent("m.safetensors")
        let cache = folder.appendingPathComponent("cache")
        let common = [
            "finetune", "--recipe", "automedsam", "--dataset", "labels:\(data.path)", "--output", model.path,
            "--checkpoint", AutosegCommandTests.checkpoint.path, "--cache-dir", cache.path, "--quiet", "--batch", "4",
        ]

        let trained = try AutosegCommandTests.run(common + ["--augment", "flips", "--epochs", "1"])
        XCTAssertEqual(trained.status, 0, trained.output)
        XCTAssertTrue(trained.output.contains("training: 2 slices in 4 views (flips: 8), 16 examples"), trained.output)
        // Each view has its own embedding: 2 slices × 4 views, no validation.
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".emb") }
        XCTAssertEqual(cached.count, 8)
        let file = try AutoMedSAMModelFile(contentsOf: model)
        XCTAssertEqual(file.metadata["augmentation"], "flips")
        XCTAssertEqual(file.metadata["training_slices"], "2")

        // Resuming without the views is refused, naming both; nothing is overwritten. The same views continue.
        let before = try Data(contentsOf: model)
        let other = try AutosegCommandTests.run(common + ["--epochs", "2", "--resume"])
        XCTAssertNotEqual(other.status, 0, other.output)
        XCTAssertTrue(other.output.contains("data differ"), other.output)
        XCTAssertTrue(
            other.output.contains("augmentation flips") && other.output.contains("augmentation none"), other.output)
        XCTAssertEqual(try Data(contentsOf: model), before)
        let same = try AutosegCommandTests.run(common + ["--augment", "flips", "--epochs", "2", "--resume"])
        XCTAssertEqual(same.status, 0, same.output)
        XCTAssertTrue(same.output.contains("epoch 2/2"), same.output)

        // Without views: one embedding per slice, no augmentation entry; an unknown view set is refused by name.
        let plain = folder.appendingPathComponent("plain.safetensors")
        var plainArguments = common
        plainArguments[plainArguments.firstIndex(of: model.path)!] = plain.path
        let unaugmented = try AutosegCommandTests.run(plainArguments + ["--epochs", "1"])
        XCTAssertEqual(unaugmented.status, 0, unaugmented.output)
        XCTAssertTrue(unaugmented.output.contains("training: 2 slices, 4 examples"), unaugmented.output)
        XCTAssertNil(try AutoMedSAMModelFile(contentsOf: plain).metadata["augmentation"])
        let bad = folder.appendingPathComponent("bad.safetensors")
        plainArguments[plainArguments.firstIndex(of: plain.path)!] = bad.path
        let refused = try AutosegCommandTests.run(plainArguments + ["--augment", "mirror"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("'mirror' is invalid for '--augment"), refused.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad.path))
    }
}
