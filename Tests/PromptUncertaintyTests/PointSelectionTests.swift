import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling
import XCTest

final class PointSelectionTests: XCTestCase {
    func testRandomPositivePointsAreDistinctForegroundAndClamped() {
        let mask = rectangleMask(width: 20, height: 10, x0: 3, y0: 2, x1: 7, y1: 5)  // 12 pixels
        let points = PointSelection.randomPositivePoints(in: mask, count: 5, random: SeededRandom(seed: 4))
        XCTAssertEqual(points.count, 5)
        XCTAssertEqual(Set(points.map { [$0.x, $0.y] }).count, 5)
        for p in points {
            XCTAssertTrue(mask[Int(p.x), Int(p.y)])
            XCTAssertTrue(p.isPositive)
        }
        XCTAssertEqual(
            PointSelection.randomPositivePoints(in: mask, count: 50, random: SeededRandom(seed: 4)).count, 12)
        XCTAssertTrue(
            PointSelection.randomPositivePoints(
                in: BinaryMask(width: 3, height: 3), count: 2, random: SeededRandom(seed: 4)
            ).isEmpty)
    }

    func testTopKOrderTiesAndClamp() {
        let map: [Float] = [0.1, 0.9, 0.5, 0.9, 0.0, 0.7]  // 3 x 2
        let top = PointSelection.topUncertainPoints(map, width: 3, height: 2, count: 3)
        XCTAssertEqual(top.map { [$0.x, $0.y] }, [[1, 0], [0, 1], [2, 1]])
        XCTAssertEqual(
            PointSelection.topUncertainPoints(map, width: 3, height: 2, count: 100).count, 6,
            "K clamps to the pixel count")
        XCTAssertTrue(PointSelection.topUncertainPoints(map, width: 3, height: 2, count: 0).isEmpty)
    }

    func testTopKMinimumSpacing() {
        var map = [Float](repeating: 0, count: 100)  // 10 x 10, a hot 2x2 blob and one far pixel
        for (x, y, v) in [(4, 4, 1.0), (5, 4, 0.99), (4, 5, 0.98), (5, 5, 0.97), (9, 9, 0.5)] as [(Int, Int, Float)] {
            map[y * 10 + x] = v
        }
        let plain = PointSelection.topUncertainPoints(map, width: 10, height: 10, count: 2)
        XCTAssertEqual(plain.map { [$0.x, $0.y] }, [[4, 4], [5, 4]])
        let spaced = PointSelection.topUncertainPoints(map, width: 10, height: 10, count: 2, minimumSpacing: 3)
        XCTAssertEqual(spaced.map { [$0.x, $0.y] }, [[4, 4], [9, 9]])
    }

    func testBoundingBoxOfThresholdedMap() {
        var map = [Float](repeating: 0, count: 12 * 8)
        map[2 * 12 + 3] = 0.8
        map[6 * 12 + 9] = 0.6
        map[1 * 12 + 1] = 0.4
        XCTAssertEqual(
            PointSelection.boundingBox(of: map, width: 12, height: 8, above: 0.5),
            BoundingBox(x0: 3, y0: 2, x1: 10, y1: 7))
        XCTAssertNil(PointSelection.boundingBox(of: map, width: 12, height: 8, above: 0.9))
    }
}
