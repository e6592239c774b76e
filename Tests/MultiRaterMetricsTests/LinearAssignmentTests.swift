import MultiRaterMetrics
import XCTest

final class LinearAssignmentTests: XCTestCase {
    func testMatchesBruteForceForAllSizesUpToSix() {
        var rng = TestRandom(seed: 7)
        for rows in 1...6 {
            for columns in 1...6 {
                for trial in 0..<20 {
                    var m = PairwiseMatrix(rows: rows, columns: columns)
                    for i in 0..<m.values.count {
                        // Mix continuous values with heavy ties (integers 0..3).
                        m.values[i] = trial % 2 == 0 ? rng.uniform() * 10 - 5 : Double(rng.int(4))
                    }
                    for maximize in [false, true] {
                        let solution = solveAssignment(m, maximize: maximize)
                        XCTAssertEqual(solution.pairs.count, min(rows, columns))
                        XCTAssertEqual(Set(solution.pairs.map(\.row)).count, solution.pairs.count)
                        XCTAssertEqual(Set(solution.pairs.map(\.column)).count, solution.pairs.count)
                        let recomputed = solution.pairs.reduce(0.0) { $0 + m[$1.row, $1.column] }
                        XCTAssertEqual(recomputed, solution.total, accuracy: 1e-12)
                        XCTAssertEqual(
                            solution.total, bruteForceBest(m, maximize: maximize), accuracy: 1e-9,
                            "\(rows)x\(columns) maximize=\(maximize)")
                    }
                }
            }
        }
    }

    func testEmptyMatrix() {
        XCTAssertEqual(solveAssignment(PairwiseMatrix(rows: 0, columns: 3)).pairs.count, 0)
    }

    func testLargeSquareIsAPermutation() {
        var rng = TestRandom(seed: 3)
        var m = PairwiseMatrix(rows: 40, columns: 40)
        for i in 0..<m.values.count { m.values[i] = rng.uniform() }
        let s = solveAssignment(m, maximize: true)
        XCTAssertEqual(Set(s.pairs.map(\.column)).count, 40)
        // The optimum is at least the identity assignment's total.
        XCTAssertGreaterThanOrEqual(s.total, (0..<40).reduce(0.0) { $0 + m[$1, $1] } - 1e-12)
    }
}
