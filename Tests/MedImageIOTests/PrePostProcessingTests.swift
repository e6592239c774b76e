import LiteMedSAM
import MedImageIO
import XCTest

final class PrePostProcessingTests: XCTestCase {
    /// pp_source_u8 (220x300x3) → pp_input (1,3,256,256): non-integer INTER_AREA shrink + min-max + pad.
    func testPreprocessMatchesGoldenPPInput() throws {
        let source = try Fixture.float32("pp_source_u8.f32")
        let expected = try Fixture.float32("pp_input.f32")
        let image = try MedicalImage(width: 300, height: 220, channels: 3, bitDepth: 8, pixels: source)
        let pre = try LiteMedSAMPreprocessor.preprocess(image)
        XCTAssertEqual(pre.resizedHeight, 188)
        XCTAssertEqual(pre.resizedWidth, 256)
        XCTAssertEqual(pre.originalHeight, 220)
        XCTAssertEqual(pre.originalWidth, 300)
        let (maxAbs, count) = compare(pre.tensor, expected)
        print("pp_input max abs error:", maxAbs, "differing:", count)
        XCTAssertEqual(maxAbs, 0, "pp_input: \(count) elements differ")
    }

    /// ct_source_u8 (128x128 grey) → ct_input: grey → 3 channels, exact 2x enlargement.
    func testPreprocessMatchesGoldenCTInput() throws {
        let source = try Fixture.float32("ct_source_u8.f32")
        let expected = try Fixture.float32("ct_input.f32")
        let image = try MedicalImage(width: 128, height: 128, channels: 1, bitDepth: 8, pixels: source)
        let pre = try LiteMedSAMPreprocessor.preprocess(image)
        XCTAssertEqual(pre.resizedHeight, 256)
        XCTAssertEqual(pre.resizedWidth, 256)
        let (maxAbs, count) = compare(pre.tensor, expected)
        print("ct_input max abs error:", maxAbs, "differing:", count)
        XCTAssertEqual(maxAbs, 0, "ct_input: \(count) elements differ")
    }

    func testPreprocessSixteenBitKeepsRangeAndPads() throws {
        // 2x4 16-bit grey → 128x256, min-max over Float values (no uint8 rounding).
        let image = try MedicalImage(
            width: 4, height: 2, channels: 1, bitDepth: 16,
            pixels: [0, 1000, 2000, 3000, 40000, 50000, 60000, 65535])
        let pre = try LiteMedSAMPreprocessor.preprocess(image)
        XCTAssertEqual(pre.resizedHeight, 128)
        XCTAssertEqual(pre.resizedWidth, 256)
        XCTAssertEqual(pre.tensor.min(), 0)
        XCTAssertEqual(pre.tensor.max(), 1)
        // Exact 64x replication: first pixel 0, pixel (0, 64) = 1000 / 65535; padding rows are zero.
        XCTAssertEqual(pre.tensor[64], Float(1000.0 / 65535.0), accuracy: 1e-7)
        XCTAssertEqual(pre.tensor[200 * 256 + 10], 0)
        XCTAssertEqual(pre.tensor[2 * 65536 + 127 * 256 + 255], 1)
    }

    func testConstantImageNormalisesToZero() throws {
        let image = try MedicalImage(width: 3, height: 3, channels: 1, pixels: [Float](repeating: 7, count: 9))
        let pre = try LiteMedSAMPreprocessor.preprocess(image)
        XCTAssertEqual(pre.tensor.max(), 0)
    }

    func testTargetSize() {
        XCTAssertTrue(LiteMedSAMPreprocessor.targetSize(height: 220, width: 300) == (188, 256))
        XCTAssertTrue(LiteMedSAMPreprocessor.targetSize(height: 811, width: 1024) == (203, 256))
        XCTAssertTrue(LiteMedSAMPreprocessor.targetSize(height: 128, width: 128) == (256, 256))
        XCTAssertTrue(LiteMedSAMPreprocessor.targetSize(height: 97, width: 61) == (256, 161))
    }

    // MARK: Prompts

    func testBoxMappingTruncates() throws {
        // 220x300: ratio 256/300. 299 * 0.8533 = 255.15 → 255; 10 → 8.53 → 8; 219 → 186.88 → 186.
        let box = try PromptMapping.modelBox(BoundingBox(x0: 10, y0: 20, x1: 299, y1: 219), height: 220, width: 300)
        XCTAssertEqual(box, [8, 17, 255, 186])
        // 128x128: ratio 2, exact.
        XCTAssertEqual(
            try PromptMapping.modelBox(BoundingBox(x0: 30, y0: 40, x1: 90, y1: 100), height: 128, width: 128),
            [60, 80, 180, 200])
        XCTAssertEqual(try PromptMapping.modelPoint(PromptPoint(x: 299.9, y: 0.5), height: 220, width: 300), [255, 0])
    }

    func testInvalidPromptsAreErrors() {
        let cases: [BoundingBox] = [
            BoundingBox(x0: 50, y0: 10, x1: 40, y1: 20),  // inverted
            BoundingBox(x0: 10, y0: 10, x1: 10, y1: 20),  // zero width
            BoundingBox(x0: -1, y0: 10, x1: 40, y1: 20),  // partially outside
            BoundingBox(x0: 10, y0: 10, x1: 301, y1: 20),  // partially outside
            BoundingBox(x0: 400, y0: 300, x1: 500, y1: 400),  // entirely outside
            BoundingBox(x0: .nan, y0: 10, x1: 40, y1: 20),
        ]
        for box in cases {
            XCTAssertThrowsError(try PromptMapping.modelBox(box, height: 220, width: 300), "\(box)") { error in
                guard case MedImageIOError.invalidPrompt = error else { return XCTFail("unexpected \(error)") }
            }
        }
        XCTAssertThrowsError(try PromptMapping.modelPoint(PromptPoint(x: 300, y: 5), height: 220, width: 300))
        XCTAssertThrowsError(try PromptMapping.modelPoint(PromptPoint(x: 5, y: -0.1), height: 220, width: 300))
        XCTAssertEqual(
            BoundingBox(x0: -5, y0: 10, x1: 40, y1: 500).clipped(width: 300, height: 220),
            BoundingBox(x0: 0, y0: 10, x1: 40, y1: 220))
        XCTAssertNil(BoundingBox(x0: 400, y0: 10, x1: 500, y1: 20).clipped(width: 300, height: 220))
    }

    // MARK: Postprocessing

    /// ct_box_masks_single (1,1,256,256) → ct_box_single_post128 (128x128), torch bilinear.
    func testPostprocessMatchesGoldenCT128() throws {
        let logits = try Fixture.float32("ct_box_masks_single.f32")
        let expected = try Fixture.float32("ct_box_single_post128.f32")
        let up = LiteMedSAMPostprocessor.upscaledLogits(
            logits, count: 1, resizedHeight: 256, resizedWidth: 256,
            originalHeight: 128, originalWidth: 128)
        let (maxAbs, _) = compare(up, expected)
        print("ct post128 max abs error:", maxAbs)
        XCTAssertLessThanOrEqual(maxAbs, 1e-5)
        let masks = LiteMedSAMPostprocessor.threshold(up, count: 1, height: 128, width: 128)
        let expectedMask = expected.map { $0 > 0 ? UInt8(1) : 0 }
        XCTAssertEqual(masks[0].pixels, expectedMask)
        XCTAssertGreaterThan(masks[0].foregroundCount, 0)
    }

    /// Non-square: (2,256,256) field cropped to 188x256 → 220x300, against torch (make_fixtures.py).
    func testBilinearMatchesTorchNonSquare() throws {
        let expected = try Fixture.float32("bilinear_220x300.f32")
        let up = LiteMedSAMPostprocessor.upscaledLogits(
            Fixture.logitsField(), count: 2, resizedHeight: 188,
            resizedWidth: 256, originalHeight: 220, originalWidth: 300)
        let (maxAbs, _) = compare(up, expected)
        print("bilinear 188x256->220x300 vs torch max abs error:", maxAbs)
        XCTAssertLessThanOrEqual(maxAbs, 1e-5)
    }

    func testBilinearDownscaleAndIdentity() {
        // 1x4 → 1x2: scale 2, s = 0.5 and 2.5 → means of neighbours.
        let out = BilinearResize.resize([0, 2, 4, 6], count: 1, height: 1, width: 4, newHeight: 1, newWidth: 2)
        XCTAssertEqual(out, [1, 5])
        let same = BilinearResize.resize([1, 2, 3, 4], count: 1, height: 2, width: 2, newHeight: 2, newWidth: 2)
        XCTAssertEqual(same, [1, 2, 3, 4])
    }

    func testNearestFollowsOpenCV() throws {
        // 3 → 5: floor(d * 0.6) = 0,0,1,1,2.
        let mask = try MaskImage(width: 3, height: 1, pixels: [1, 0, 1])
        XCTAssertEqual(mask.resizedNearest(width: 5, height: 1).pixels, [1, 1, 0, 0, 1])
        // 4 → 2: floor(d * 2) = 0, 2.
        XCTAssertEqual(
            NearestResize.resize([10, 11, 12, 13], width: 4, height: 1, newWidth: 2, newHeight: 1), [10, 12])
    }
}
