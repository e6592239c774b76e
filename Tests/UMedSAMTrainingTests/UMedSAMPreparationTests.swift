import Foundation
import MultiRaterData
import MultiRaterMetrics
import SAMTensor
import Training
import UMedSAMTraining
import XCTest

/// Cases from datasets: empty ground truths skipped and counted, mismatched sizes refused, the same
/// image embedded once.
final class UMedSAMPreparationTests: XCTestCase {
    func image(_ width: Int, _ height: Int, channels: Int = 1) throws -> CaseImage {
        try CaseImage(
            width: width, height: height, channels: channels,
            pixels: (0..<(width * height * channels)).map { Float($0 % 251) }, sourceType: "test")
    }

    func testEmptyMasksAreSkippedAndCountedAndSizesChecked() throws {
        var full = BinaryMask(width: 40, height: 30)
        full[10, 12] = true
        full[11, 12] = true
        let cases = [
            try MultiRaterCase(
                image: try image(40, 30), raters: [full], metadata: CaseMetadata(caseID: "a", sourceIndex: 0)),
            try MultiRaterCase(
                image: try image(40, 30, channels: 3), raters: [BinaryMask(width: 40, height: 30)],
                metadata: CaseMetadata(caseID: "b", sourceIndex: 1)),
        ]
        var dataset = MultiRaterDataset(name: "toy", source: "toy:1", cases: cases)
        var preparation = UMedSAMPreparation(
            window: nil, windowName: nil, checkpointSHA256: "x", cache: try EmbeddingCache(directory: nil))
        var calls = 0
        let embedder: UMedSAMPreparation.Embedder = { input in
            calls += 1
            XCTAssertEqual(input.shape, [3, 256, 256])
            return Tensor(shape: [64, 64, 256])
        }
        let prepared = try preparation.prepare(dataset, indices: [0, 1], embedder: embedder)
        XCTAssertEqual(prepared.cases.map(\.caseID), ["a"])
        XCTAssertEqual(prepared.skippedEmpty, ["b"])
        XCTAssertEqual(calls, 1)
        // 40x30 → 256x192 in the model frame; the mask's two pixels scale up with it.
        XCTAssertEqual(prepared.cases[0].resizedWidth, 256)
        XCTAssertEqual(prepared.cases[0].resizedHeight, 192)

        dataset.cases[0].image = try image(41, 30)
        XCTAssertThrowsError(try preparation.prepare(dataset, indices: [0], embedder: embedder)) { error in
            XCTAssertTrue("\(error)".contains("41x30") && "\(error)".contains("40x30"), "\(error)")
        }
    }
}
