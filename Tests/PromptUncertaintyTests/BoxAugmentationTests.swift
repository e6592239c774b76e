import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling
import XCTest

final class BoxAugmentationTests: XCTestCase {
    let frame = ImageFrame(width: 128, height: 64)  // 0.5 image px per model px
    let box = BoundingBox(x0: 40, y0: 20, x1: 80, y1: 44)

    func testTightBoxIsEndExclusive() throws {
        let mask = rectangleMask(width: 10, height: 8, x0: 2, y0: 3, x1: 5, y1: 4)
        XCTAssertEqual(BoundingBox(tightAround: mask), BoundingBox(x0: 2, y0: 3, x1: 5, y1: 4))
        XCTAssertNil(BoundingBox(tightAround: BinaryMask(width: 4, height: 4)))
    }

    func testOutwardJitterStaysWithinFiveModelPixels() {
        let random = SeededRandom(seed: 3)
        let augmenter = BoxAugmenter(frame: frame)
        var moved = false
        for _ in 0..<200 {
            let b = augmenter.outwardJitter(box, random: random)
            for (d, limit) in [(box.x0 - b.x0, 2.5), (box.y0 - b.y0, 2.5), (b.x1 - box.x1, 2.5), (b.y1 - box.y1, 2.5)] {
                XCTAssertGreaterThanOrEqual(d, 0)
                XCTAssertLessThanOrEqual(d, limit)
                if d > 0 { moved = true }
            }
        }
        XCTAssertTrue(moved)
    }

    func testUniformShiftBoundAndClipping() {
        let random = SeededRandom(seed: 5)
        let augmenter = BoxAugmenter(frame: frame)
        for _ in 0..<200 {
            let b = augmenter.uniformShift(box, ratio: 0.01, random: random)
            XCTAssertLessThanOrEqual(abs(b.x0 - box.x0), 1.28 + 1e-9)
            XCTAssertLessThanOrEqual(abs(b.y1 - box.y1), 1.28 + 1e-9)
        }
        let edge = BoundingBox(x0: 0, y0: 0, x1: 128, y1: 64)
        for _ in 0..<50 {
            let b = augmenter.uniformShift(edge, ratio: 0.05, random: random)
            XCTAssertGreaterThanOrEqual(b.x0, 0)
            XCTAssertLessThanOrEqual(b.x1, 128)
            XCTAssertLessThanOrEqual(b.y1, 64)
            XCTAssertLessThan(b.x0, b.x1)
        }
    }

    func testGaussianJitterIsSeededAndVaries() {
        let a = BoxAugmenter(frame: frame)
        let first = (0..<5).map { _ in a.gaussianJitter(box, random: SeededRandom(seed: 9)) }
        XCTAssertEqual(Set(first.map(\.array)).count, 1, "same seed, same box")
        let r = SeededRandom(seed: 9)
        let many = (0..<50).map { _ in a.gaussianJitter(box, random: r) }
        XCTAssertGreaterThan(Set(many.map(\.array)).count, 40)
        let meanX0 = many.map(\.x0).reduce(0, +) / 50
        XCTAssertEqual(meanX0, box.x0, accuracy: 1.0)
    }

    func testRandomBoxHitsTargetIoU() throws {
        let augmenter = BoxAugmenter(frame: ImageFrame(width: 256, height: 256))
        let tight = BoundingBox(x0: 100, y0: 90, x1: 150, y1: 130)
        let random = SeededRandom(seed: 11)
        for target in [0.5, 0.75] {
            for _ in 0..<20 {
                let draw = try augmenter.randomBox(iou: target, around: tight, random: random)
                XCTAssertFalse(draw.usedFallback)
                XCTAssertEqual(draw.box.intersectionOverUnion(with: tight), target, accuracy: 0.05)
            }
        }
    }

    func testRandomBoxFallsBackToClosest() throws {
        // IoU 0.99 within 0.001 is practically unreachable in 5 tries: the closest draw comes back.
        let augmenter = BoxAugmenter(frame: ImageFrame(width: 256, height: 256))
        let tight = BoundingBox(x0: 100, y0: 90, x1: 150, y1: 130)
        let draw = try augmenter.randomBox(
            iou: 0.99, around: tight, tolerance: 0.001, maxTries: 5, random: SeededRandom(seed: 1))
        XCTAssertTrue(draw.usedFallback)
        XCTAssertEqual(draw.tries, 5)
        XCTAssertThrowsError(try augmenter.randomBox(iou: 0, around: tight, random: SeededRandom(seed: 1)))
    }

    func testBoxCheckErrorsAndClipping() throws {
        XCTAssertThrowsError(try PromptBoxCheck.check(BoundingBox(x0: 5, y0: 2, x1: 5, y1: 9), width: 20, height: 20)) {
            error in
            XCTAssertTrue("\(error)".contains("zero width"), "\(error)")
        }
        XCTAssertThrowsError(try PromptBoxCheck.check(BoundingBox(x0: 1, y0: 9, x1: 5, y1: 9), width: 20, height: 20)) {
            error in
            XCTAssertTrue("\(error)".contains("zero height"), "\(error)")
        }
        XCTAssertThrowsError(try PromptBoxCheck.check(BoundingBox(x0: 30, y0: 2, x1: 40, y1: 9), width: 20, height: 20))
        { error in
            XCTAssertEqual(
                error as? PromptUncertaintyError, .boxOutsideImage(box: [30, 2, 40, 9], width: 20, height: 20))
        }
        let clipped = try PromptBoxCheck.check(BoundingBox(x0: -4, y0: 2, x1: 25, y1: 9), width: 20, height: 20)
        XCTAssertTrue(clipped.wasClipped)
        XCTAssertEqual(clipped.box, BoundingBox(x0: 0, y0: 2, x1: 20, y1: 9))
        XCTAssertFalse(
            try PromptBoxCheck.check(BoundingBox(x0: 1, y0: 2, x1: 5, y1: 9), width: 20, height: 20).wasClipped)
    }
}
