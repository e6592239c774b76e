import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import XCTest

final class RectificationTests: XCTestCase {
    /// 10x1 row: ensemble foreground at 2...6; pixels 6 and 7 uncertain.
    func scene(intensities: [Float]) throws -> (mean: [Float], entropy: [Float], intensity: IntensityMap) {
        let mean: [Float] = [0, 0, 0.9, 0.9, 0.9, 0.9, 0.6, 0.4, 0, 0]
        let entropy: [Float] = [0, 0, 0.1, 0.1, 0.1, 0.1, 0.97, 0.97, 0, 0]
        let image = try MedicalImage(width: 10, height: 1, channels: 1, pixels: intensities)
        return (mean, entropy, IntensityMap(image))
    }

    func testThresholdFollowsAreaRatio() {
        let u: [Float] = [0, 1, 0.5, 0.2]
        let (t, f) = UncertaintyRectification.threshold(entropy: u, maskArea: 10, boxArea: 40)
        XCTAssertEqual(f, 0.625, accuracy: 1e-12)
        XCTAssertEqual(t, 0.625, accuracy: 1e-6)
        XCTAssertEqual(
            UncertaintyRectification.threshold(entropy: u, maskArea: 90, boxArea: 40).factor, 1, "clamped to 1")
    }

    func testLiteralAndMidpointBounds() throws {
        // target 200, background 0 around; pixel 6 (inside ensemble) is 40, pixel 7 (outside) is 150.
        let (mean, entropy, intensity) = try scene(intensities: [0, 0, 200, 200, 200, 200, 40, 150, 0, 0])
        let box = BoundingBox(x0: 1, y0: 0, x1: 9, y1: 1)
        let literal = try UncertaintyRectification(lowerBound: .literal).rectify(
            mean: mean, entropy: entropy, intensity: intensity, box: box)
        XCTAssertTrue(literal.applied)
        XCTAssertEqual(literal.uncertain.bytes(), [0, 0, 0, 0, 0, 0, 1, 1, 0, 0])
        // I_t = 1, I_b = 0: literal lower 0.5 -> 0.2 rejected, 0.75 accepted.
        XCTAssertEqual(literal.mask.bytes(), [0, 0, 1, 1, 1, 1, 0, 1, 0, 0])
        let mid = try UncertaintyRectification(lowerBound: .midpoint).rectify(
            mean: mean, entropy: entropy, intensity: intensity, box: box)
        XCTAssertEqual(mid.mask.bytes(), [0, 0, 1, 1, 1, 1, 0, 1, 0, 0])
        // With a brighter background the two readings differ: I_b = 0.5 -> literal 0.25, midpoint 0.75.
        let (m2, e2, i2) = try scene(intensities: [100, 100, 200, 200, 200, 200, 0, 120, 100, 100])
        let lit2 = try UncertaintyRectification(lowerBound: .literal).rectify(
            mean: m2, entropy: e2, intensity: i2, box: box)
        let mid2 = try UncertaintyRectification(lowerBound: .midpoint).rectify(
            mean: m2, entropy: e2, intensity: i2, box: box)
        XCTAssertEqual(lit2.mask.bytes()[7], 1)
        XCTAssertEqual(mid2.mask.bytes()[7], 0)
    }

    func testUniformImageIsANoOp() throws {
        let (mean, entropy, intensity) = try scene(intensities: [Float](repeating: 77, count: 10))
        XCTAssertTrue(intensity.isUniform)
        let r = try UncertaintyRectification().rectify(
            mean: mean, entropy: entropy, intensity: intensity,
            box: BoundingBox(x0: 0, y0: 0, x1: 10, y1: 1))
        XCTAssertFalse(r.applied)
        XCTAssertEqual(r.mask, try BinaryMask(width: 10, height: 1, floats: mean, threshold: 0.5))
        XCTAssertFalse(r.threshold.isNaN)
    }

    func testFlatEntropyFlagsNothing() throws {
        let mean: [Float] = [0.9, 0.9, 0.1, 0.1]
        let image = try MedicalImage(width: 4, height: 1, channels: 1, pixels: [10, 20, 30, 40])
        let r = try UncertaintyRectification().rectify(
            mean: mean, entropy: [0, 0, 0, 0], intensity: IntensityMap(image),
            box: BoundingBox(x0: 0, y0: 0, x1: 4, y1: 1))
        XCTAssertTrue(r.uncertain.isEmpty)
        XCTAssertEqual(r.mask.bytes(), [1, 1, 0, 0])
    }

    func testFixedThresholdCorrections() throws {
        let mask = try BinaryMask(width: 4, height: 1, bytes: [1, 1, 0, 0])
        let u: [Float] = [0, 1, 1, 0]
        XCTAssertEqual(
            try FixedThresholdCorrection(kind: .falsePositive).correct(mask, entropy: u).bytes(), [1, 0, 0, 0])
        XCTAssertEqual(
            try FixedThresholdCorrection(kind: .falseNegative).correct(mask, entropy: u).bytes(), [1, 1, 1, 0])
        XCTAssertEqual(try FixedThresholdCorrection(kind: .both).correct(mask, entropy: u).bytes(), [1, 0, 1, 0])
        XCTAssertThrowsError(try FixedThresholdCorrection(kind: .both).correct(mask, entropy: [0]))
    }
}
