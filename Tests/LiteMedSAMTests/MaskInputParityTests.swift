import LiteMedSAM
import SAMTensor
import XCTest

/// Mask prompts (`mask_input` through `prompt_encoder.mask_downscaling`) against PyTorch LiteMedSAM,
/// on the goldens' embeddings; fixtures from `Fixtures/make_mask_input_fixtures.py`.
///
/// Tolerances (absolute): dense mask embedding 1e-4 (values up to ~1; the convolutions sum at most
/// 16 terms per output); mask logits 1e-2 and IoU 1e-4, as the box-only decoder parity tests;
/// thresholded masks may differ on at most 0.1 % of pixels.
final class MaskInputParityTests: XCTestCase {
    func model() throws -> LiteMedSAMModel { try ParityModel.model() }

    func maskInput(_ fixture: String) throws -> MaskInput {
        let t = try GoldenFixtures.tensor(fixture)
        return try MaskInput(logits: t.storage, shape: Array(t.shape.suffix(2)))
    }

    func testMaskDownscalingMatchesPyTorch() throws {
        let m = try model()
        let dense = m.promptEncoder.denseEmbedding(maskInput: try maskInput("syn_refine1_mask_input"))
        XCTAssertEqual(dense.shape, [64, 64, 256])
        assertElementwiseClose(
            cropNHWCAsNCHW(dense, rows: 0..<4, cols: 0..<64), try GoldenFixtures.tensor("syn_refine1_dense_rows4"),
            atol: 1e-4, "mask_downscaling dense embedding (rows 0:4)")
    }

    func testRefinementRoundsMatchPyTorch() throws {
        let m = try model()
        let cases: [(embedding: String, prompt: Prompt, input: String, golden: String)] = [
            ("syn_embedding", Prompt(box: MaskDecoderParityTests.synBox), "syn_box_masks_single", "syn_refine1"),
            ("syn_embedding", Prompt(box: MaskDecoderParityTests.synBox), "syn_refine1_masks_single", "syn_refine2"),
            ("syn_embedding", Prompt(), "syn_box_masks_single", "syn_maskonly"),
            ("ct_embedding", Prompt(box: MaskDecoderParityTests.ctBox), "ct_box_masks_single", "ct_refine1"),
        ]
        for c in cases {
            let embedding = nchwToNHWC(try GoldenFixtures.tensor(c.embedding))
            let out = m.decode([c.prompt], embedding: embedding, maskInputs: [try maskInput(c.input)])
            let expected = try GoldenFixtures.tensor("\(c.golden)_masks_single")
            assertElementwiseClose(out.logits, expected, atol: 1e-2, "\(c.golden) logits")
            assertElementwiseClose(
                out.iouPredictions, try GoldenFixtures.tensor("\(c.golden)_iou_single"), atol: 1e-4, "\(c.golden) IoU")
            assertMasksAgree(out.logits, expected, c.golden)
        }
    }

    func testMixedBatchMatchesSeparateDecodes() throws {
        let m = try model()
        let embedding = nchwToNHWC(try GoldenFixtures.tensor("syn_embedding"))
        let prompt = Prompt(box: MaskDecoderParityTests.synBox)
        let input = try maskInput("syn_box_masks_single")
        let batch = m.decode([prompt, prompt], embedding: embedding, maskInputs: [nil, input])
        let plain = m.decode([prompt], embedding: embedding)
        let masked = m.decode([prompt], embedding: embedding, maskInputs: [input])
        let plane = 256 * 256
        let first = Tensor(shape: [1, 1, 256, 256], storage: Array(batch.logits.storage[0..<plane]))
        let second = Tensor(shape: [1, 1, 256, 256], storage: Array(batch.logits.storage[plane..<(2 * plane)]))
        assertElementwiseClose(first, plain.logits, atol: 1e-4, "batch item without mask input")
        assertElementwiseClose(second, masked.logits, atol: 1e-4, "batch item with mask input")
    }

    func testWrongShapeMaskInputIsRejected() {
        for shape in [[1, 64, 64], [2, 256, 256], [256, 128], [1, 1, 1, 256, 256]] {
            let count = shape.reduce(1, *)
            XCTAssertThrowsError(try MaskInput(logits: [Float](repeating: 0, count: count), shape: shape)) { error in
                XCTAssertTrue("\(error)".contains("invalid mask input: shape \(shape)"), "\(error)")
            }
        }
        var values = [Float](repeating: 0, count: 256 * 256)
        values[7] = .nan
        XCTAssertThrowsError(try MaskInput(logits: values, shape: [1, 256, 256])) { error in
            XCTAssertTrue("\(error)".contains("non-finite value"), "\(error)")
        }
    }
}
