import LiteMedSAM
import SAMTensor
import XCTest

/// Prompt encoder and mask decoder against PyTorch, on the goldens' own embeddings (so decoder
/// errors are not mixed with encoder errors).
///
/// Tolerances (absolute): sparse tokens and PE 1e-5; transformer outputs 1e-4; mask logits 1e-2
/// (the bound; measured errors are printed and are far smaller); IoU 1e-4; thresholded
/// masks may differ on at most 0.1 % of pixels.
final class MaskDecoderParityTests: XCTestCase {
    func model() throws -> LiteMedSAMModel { try ParityModel.model() }

    func embedding(_ name: String) throws -> Tensor {
        let nchw = try GoldenFixtures.tensor(name)
        return nchwToNHWC(nchw)
    }

    static let synBox = BoxPrompt(x0: 120, y0: 56, x1: 200, y1: 136)
    static let synPoints = [PointPrompt(x: 160, y: 96, label: .positive), PointPrompt(x: 80, y: 176, label: .negative)]
    static let ctBox = BoxPrompt(x0: 80, y0: 10, x1: 160, y1: 98)
    static let ctPoints = [PointPrompt(x: 120, y: 50, label: .positive), PointPrompt(x: 117, y: 105, label: .negative)]

    func testSparseEmbeddingsAndPositionalEncoding() throws {
        let m = try model()
        let cases: [(Prompt, String)] = [
            (Prompt(box: Self.synBox), "syn_box_sparse"), (Prompt(points: Self.synPoints), "syn_points_sparse"),
            (Prompt(box: Self.ctBox), "ct_box_sparse"), (Prompt(points: Self.ctPoints), "ct_points_sparse"),
        ]
        for (prompt, fixture) in cases {
            let expected = try GoldenFixtures.tensor(fixture)
            let actual = Tensor(shape: expected.shape, storage: m.promptEncoder.sparseEmbedding(for: prompt))
            assertElementwiseClose(actual, expected, atol: 1e-5, fixture)
        }
        let pe = cropNHWCAsNCHW(m.promptEncoder.densePositionalEncoding, rows: 0..<8, cols: 0..<64)
        assertElementwiseClose(pe, try GoldenFixtures.tensor("dense_pe_rows8"), atol: 1e-5, "dense positional encoding")
        let dense = Tensor(shape: [2, 64, 256], storage: (0..<128).flatMap { _ in m.promptEncoder.noMaskEmbed })
        assertElementwiseClose(
            cropNHWCAsNCHW(dense, rows: 0..<2, cols: 0..<64), try GoldenFixtures.tensor("dense_no_mask_rows2"), atol: 0,
            "no-mask dense embedding")
    }

    func testDecoderInternalsForSyntheticBox() throws {
        let m = try model()
        var trace: MaskDecoder.Trace?
        _ = m.maskDecoder(
            imageEmbedding: try embedding("syn_embedding"), positionalEncoding: m.promptEncoder.densePositionalEncoding,
            sparseTokens: [m.promptEncoder.sparseEmbedding(for: Prompt(box: Self.synBox))],
            dense: .constant(m.promptEncoder.noMaskEmbed), selection: .all
        ) { trace = $0 }
        let t = try XCTUnwrap(trace)
        assertElementwiseClose(
            try XCTUnwrap(t.tokens), try GoldenFixtures.tensor("syn_box_tokens"), atol: 1e-5, "decoder tokens")
        assertElementwiseClose(
            try XCTUnwrap(t.hs), try GoldenFixtures.tensor("syn_box_hs"), atol: 1e-4, "transformer hs")
        let keys = try XCTUnwrap(t.keys)
        let head = Tensor(shape: [1, 256, 256], storage: Array(keys.storage[0..<(256 * 256)]))
        assertElementwiseClose(
            head, try GoldenFixtures.tensor("syn_box_keys_head"), atol: 1e-4, "transformer keys (first 256 tokens)")
        let up = cropNHWCAsNCHW(try XCTUnwrap(t.upscaled), rows: 0..<32, cols: 0..<32)
        assertElementwiseClose(up, try GoldenFixtures.tensor("syn_box_upscaled_tl32"), atol: 1e-4, "output_upscaling")
        assertElementwiseClose(
            try XCTUnwrap(t.hyperIn), try GoldenFixtures.tensor("syn_box_hyper_in"), atol: 5e-4,
            "hyper_in (|values| up to ~10: 5e-5 relative)")
    }

    func testMaskLogitsAndIoU() throws {
        let m = try model()
        let cases: [(String, Prompt, String)] = [
            ("syn_embedding", Prompt(box: Self.synBox), "syn_box"),
            ("syn_embedding", Prompt(points: Self.synPoints), "syn_points"),
            ("ct_embedding", Prompt(box: Self.ctBox), "ct_box"),
        ]
        for (emb, prompt, name) in cases {
            let e = try embedding(emb)
            for (selection, suffix) in [(MaskSelection.single, "single"), (.multimask, "multi")] {
                let out = m.decode([prompt], embedding: e, selection: selection)
                let expected = try GoldenFixtures.tensor("\(name)_masks_\(suffix)")
                assertElementwiseClose(out.logits, expected, atol: 1e-2, "\(name) \(suffix) logits")
                assertElementwiseClose(
                    out.iouPredictions, try GoldenFixtures.tensor("\(name)_iou_\(suffix)"), atol: 1e-4,
                    "\(name) \(suffix) IoU")
                assertMasksAgree(out.logits, expected, "\(name) \(suffix)")
            }
        }
        let e = try embedding("ct_embedding")
        let out = m.decode([Prompt(points: Self.ctPoints)], embedding: e, selection: .multimask)
        assertElementwiseClose(
            out.logits, try GoldenFixtures.tensor("ct_points_masks_multi"), atol: 1e-2, "ct points multi logits")
    }

    func testBatchedBoxesMatchGoldenBatch() throws {
        let m = try model()
        let boxes = try GoldenFixtures.tensor("syn_batch4_boxes").storage
        let prompts = (0..<4).map { i in
            Prompt(box: BoxPrompt(x0: boxes[4 * i], y0: boxes[4 * i + 1], x1: boxes[4 * i + 2], y1: boxes[4 * i + 3]))
        }
        var decoder = m.maskDecoder
        for batchLimit in [1, 3, 8] {
            decoder.maximumBatch = batchLimit
            let out = decoder(
                imageEmbedding: try embedding("syn_embedding"),
                positionalEncoding: m.promptEncoder.densePositionalEncoding,
                sparseTokens: prompts.map { m.promptEncoder.sparseEmbedding(for: $0) },
                dense: .constant(m.promptEncoder.noMaskEmbed), selection: .multimask)
            assertElementwiseClose(
                out.logits, try GoldenFixtures.tensor("syn_batch4_masks_multi"), atol: 1e-2,
                "batch of 4 (chunks of \(batchLimit)) logits")
            assertElementwiseClose(
                out.iouPredictions, try GoldenFixtures.tensor("syn_batch4_iou_multi"), atol: 1e-4, "batch of 4 IoU")
        }
    }
}

/// Thresholded masks (logit > 0) must agree on all but 0.1 % of pixels.
func assertMasksAgree(
    _ actual: Tensor, _ expected: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line
) {
    var differing = 0
    for i in 0..<actual.count where (actual.storage[i] > 0) != (expected.storage[i] > 0) { differing += 1 }
    let fraction = Double(differing) / Double(actual.count)
    print("\(what): \(differing) of \(actual.count) thresholded pixels differ")
    XCTAssertLessThanOrEqual(fraction, 0.001, "\(what): \(differing) pixels differ", file: file, line: line)
}

/// `(1, C, H, W)` → `[H, W, C]`.
func nchwToNHWC(_ t: Tensor) -> Tensor {
    let (c, h, w) = (t.shape[1], t.shape[2], t.shape[3])
    var out = [Float](repeating: 0, count: c * h * w)
    for ch in 0..<c { for i in 0..<(h * w) { out[i * c + ch] = t.storage[ch * h * w + i] } }
    return Tensor(shape: [h, w, c], storage: out)
}
