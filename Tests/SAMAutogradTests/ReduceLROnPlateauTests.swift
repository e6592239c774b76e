import Foundation
import Optimisers
import SAMAutograd
import XCTest

/// `ReduceLROnPlateau` against sequences worked out by hand from PyTorch's documented rules.
final class ReduceLROnPlateauTests: XCTestCase {
    func testPatienceFactorAndMinimum() {
        // patience 2: the third bad step in a row lowers the rate; the minimum caps it.
        var schedule = ReduceLROnPlateau(learningRate: 1, factor: 0.5, patience: 2, minimumLearningRate: 0.2)
        let values: [Double] = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3]
        let rates = values.map { schedule.step($0) }
        //                    5  4  4  4  4    3    3    3    3     3    3    3     3    3
        XCTAssertEqual(rates, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2])
        XCTAssertEqual(schedule.best, 3)
    }

    func testRelativeThresholdAndCooldown() {
        // threshold 0.1: 9.5 is not better than 10 (needs < 9); cooldown 1 skips counting one step after a cut.
        var schedule = ReduceLROnPlateau(learningRate: 0.9, factor: 0.9, patience: 1, threshold: 0.1, cooldown: 1)
        XCTAssertEqual(schedule.step(10), 0.9)  // best 10
        XCTAssertEqual(schedule.step(9.5), 0.9)  // bad 1
        XCTAssertEqual(schedule.step(9.2), 0.9 * 0.9, accuracy: 1e-7)  // bad 2 > 1: cut, cooldown 1
        XCTAssertEqual(schedule.step(9.1), 0.9 * 0.9, accuracy: 1e-7)  // bad, but cooldown resets the count
        XCTAssertEqual(schedule.step(9.1), 0.9 * 0.9, accuracy: 1e-7)  // bad 1
        XCTAssertEqual(schedule.step(9.1), 0.9 * 0.9 * 0.9, accuracy: 1e-7)  // bad 2: cut again
        XCTAssertEqual(schedule.step(8), 0.9 * 0.9 * 0.9, accuracy: 1e-7)  // 8 < 10·0.9: better (best 8)
        XCTAssertEqual(schedule.best, 8)
    }

    func testNonFiniteValuesAreNotImprovementsAndTheStateRoundTrips() throws {
        var schedule = ReduceLROnPlateau(learningRate: 1, factor: 0.5, patience: 0)
        XCTAssertEqual(schedule.step(.nan), 0.5, "a NaN loss is a bad step")
        XCTAssertEqual(schedule.best, .infinity)
        schedule.step(2)
        let copy = try JSONDecoder().decode(ReduceLROnPlateau.self, from: JSONEncoder().encode(schedule))
        XCTAssertEqual(copy, schedule)
    }
}
