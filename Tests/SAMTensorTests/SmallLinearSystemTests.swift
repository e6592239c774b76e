import SAMTensor
import XCTest

final class SmallLinearSystemTests: XCTestCase {
    /// A system built from a known solution (needs a row swap: the first pivot is 0) is solved back.
    func testSolvesAKnownSystemThatNeedsPivoting() throws {
        let a: [[Double]] = [[0, 2, 1], [3, -1, 2], [1, 1, -4]]
        let x: [Double] = [1.5, -2, 0.25]
        let b = a.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
        let solved = try XCTUnwrap(SmallLinearSystem.solve(a, b))
        for (s, e) in zip(solved, x) { XCTAssertEqual(s, e, accuracy: 1e-12) }
    }

    /// A singular matrix (two equal rows) has no solution; a pivot under the floor counts as singular.
    func testSingularMatrixGivesNil() {
        XCTAssertNil(SmallLinearSystem.solve([[1, 2], [1, 2]], [1, 1]))
        XCTAssertNil(SmallLinearSystem.solve([[1e-20, 0], [0, 1]], [1, 1], pivotFloor: 1e-15))
        XCTAssertNotNil(SmallLinearSystem.solve([[1e-20, 0], [0, 1]], [1, 1]))
    }
}
