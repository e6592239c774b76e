import Foundation
import LiteMedSAM
import MedImageIO
import TorchCheckpoint
import XCTest

/// Issue 16, defect 1: a checkpoint whose members are deflated (re-zipped with Python's
/// `ZIP_DEFLATED`) used to read its `byteorder`/`version` members from freed memory.
final class DeflatedCheckpointTests: XCTestCase {
    func testDeflatedCheckpointLoadsAndGivesTheSameMasks() throws {
        guard FileManager.default.fileExists(atPath: CheckpointLocation.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deflated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let deflated = folder.appendingPathComponent("lite_medsam_deflated.pth")
        try DeflatedZipWriter.rezip(ZipArchive(path: CheckpointLocation.checkpoint.path), to: deflated)
        XCTAssertTrue(try ZipArchive(path: deflated.path).entries.allSatisfy { $0.method == 8 })

        let stored = try LiteMedSAMPredictor(checkpoint: CheckpointLocation.checkpoint)
        let compressed = try LiteMedSAMPredictor(checkpoint: deflated, verifyChecksum: false)

        var pixels = [Float](repeating: 20, count: 96 * 80)
        for y in 30..<60 { for x in 20..<55 { pixels[y * 96 + x] = 200 } }
        let image = try MedicalImage(width: 96, height: 80, channels: 1, pixels: pixels)
        let prompt = ImagePrompt(box: BoundingBox(x0: 15, y0: 25, x1: 60, y1: 65))
        let a = try stored.segment(stored.embed(image), prompts: [prompt])[0]
        let b = try compressed.segment(compressed.embed(image), prompts: [prompt])[0]
        XCTAssertEqual(a.masks, b.masks)
        XCTAssertEqual(a.logits.storage, b.logits.storage)
    }
}
