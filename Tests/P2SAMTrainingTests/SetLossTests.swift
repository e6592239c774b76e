import P2SAMTraining
import XCTest

final class SetLossTests: XCTestCase {
    func testBestOfKPicksTheBestSamplePerRater() {
        let cost: [[Double]] = [[0.9, 0.1, 0.5], [0.2, 0.8, 0.4]]
        let pairs = SetLoss.bestOfK.pairs(cost: cost)
        XCTAssertEqual(pairs.map(\.sample), [1, 0, 1])
        XCTAssertEqual(pairs.map(\.rater), [0, 1, 2])
    }

    func testHungarianMatchesDistinctSamples() {
        // Greedy per rater would take sample 0 twice; the assignment must not.
        let cost: [[Double]] = [[0.1, 0.2], [0.15, 0.9]]
        let pairs = SetLoss.hungarian.pairs(cost: cost)
        XCTAssertEqual(Set(pairs.map(\.sample)), [0, 1])
        let total = pairs.reduce(0.0) { $0 + cost[$1.sample][$1.rater] }
        XCTAssertEqual(total, 0.35, accuracy: 1e-12)
    }

    func testLossValueMatchesDefinition() {
        let logits: [Float] = [10, -10, 0, 0]
        let target: [UInt8] = [1, 0, 1, 0]
        let value = logits.withUnsafeBufferPointer { SegmentationLoss.value(logits: $0, target: target) }
        // BCE ≈ (0 + 0 + 2 log 2)/4; Dice = 1 − (2·1.5 + 1)/(2 + 2 + 1).
        let bce = (2 * log(2.0) + 2 * log1p(exp(-10.0))) / 4
        let p = 1 / (1 + exp(-10.0))
        let dice = 1 - (2 * (p + 0.5) + 1) / ((p + (1 - p) + 1) + 2 + 1)
        XCTAssertEqual(value, 0.2 * bce + 0.8 * dice, accuracy: 1e-6)
    }
}
