import Evaluation
import XCTest

/// The paired statistics of `p2sam compare` against values worked out by hand.
final class PairedComparisonTests: XCTestCase {
    func testMeanStandardErrorAndStudentIntervalOfTheDifferences() throws {
        // Differences 1, 2, 3, 4, 5: mean 3, sd √2.5, s.e. √0.5; t(0.975, 4) = 2.776445 (tables).
        let c = PairedComparison(
            baseline: [0, 0, 0, 0, 0], candidate: [1, 2, 3, 4, 5], direction: .higherIsBetter)
        XCTAssertEqual(c.caseCount, 5)
        XCTAssertEqual(c.baselineMean, 0, accuracy: 1e-12)
        XCTAssertEqual(c.candidateMean, 3, accuracy: 1e-12)
        XCTAssertEqual(c.meanDifference, 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(c.standardError), 0.5.squareRoot(), accuracy: 1e-12)
        let interval = try XCTUnwrap(c.confidenceInterval)
        XCTAssertEqual(interval.lowerBound, 3 - 2.776445 * 0.5.squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(interval.upperBound, 3 + 2.776445 * 0.5.squareRoot(), accuracy: 1e-5)
    }

    func testExactSignFlipPValues() {
        // All five differences positive: only the all-plus and all-minus patterns reach |Σ| = 15, p = 2/32.
        let allPositive = PairedComparison(baseline: [0, 0, 0, 0, 0], candidate: [1, 2, 3, 4, 5], direction: nil)
        XCTAssertEqual(allPositive.pValue, 2.0 / 32, accuracy: 1e-15)
        XCTAssertEqual(allPositive.pValueMethod, .exact)
        // Differences 1, −1, 2 (Σ = 2): the patterns ±1 ±1 ±2 sum to 4, 0, 2, −2, 2, −2, 0, −4; six have |Σ| ≥ 2.
        let mixed = PairedComparison(baseline: [0, 1, 0], candidate: [1, 0, 2], direction: nil)
        XCTAssertEqual(mixed.pValue, 6.0 / 8, accuracy: 1e-15)
        // No difference at all: every pattern ties the observed 0, p = 1.
        let none = PairedComparison(baseline: [0.3, 0.4], candidate: [0.3, 0.4], direction: .lowerIsBetter)
        XCTAssertEqual(none.pValue, 1, accuracy: 1e-15)
        XCTAssertEqual(none.tied, 2)
    }

    func testBetterWorseAndTiedFollowTheMetricsDirection() {
        let lower = PairedComparison(
            baseline: [0.5, 0.4, 0.3], candidate: [0.4, 0.4, 0.35], direction: .lowerIsBetter)
        XCTAssertEqual([lower.better, lower.worse, lower.tied], [1, 1, 1])
        let higher = PairedComparison(
            baseline: [0.5, 0.4, 0.3, 0.2], candidate: [0.4, 0.4, 0.35, 0.9], direction: .higherIsBetter)
        XCTAssertEqual([higher.better, higher.worse, higher.tied], [2, 1, 1])
        let descriptive = PairedComparison(baseline: [0.5], candidate: [0.4], direction: nil)
        XCTAssertNil(descriptive.better)
    }

    func testOneCaseHasNoIntervalAndIdenticalDifferencesAZeroWidthOne() {
        let one = PairedComparison(baseline: [0.5], candidate: [0.4], direction: .lowerIsBetter)
        XCTAssertNil(one.standardError)
        XCTAssertNil(one.confidenceInterval)
        XCTAssertEqual(one.pValue, 1, accuracy: 1e-15, "both sign patterns reach |Σ| = 0.1")
        let constant = PairedComparison(baseline: [0, 0, 0], candidate: [0.25, 0.25, 0.25], direction: nil)
        XCTAssertEqual(constant.standardError, 0)
        XCTAssertEqual(constant.confidenceInterval, 0.25...0.25)
    }

    func testManyCasesUseSeededRandomSignPatterns() {
        // 30 cases: 2³⁰ patterns are too many to enumerate.
        let strong = PairedComparison(
            baseline: Array(repeating: 0, count: 30), candidate: (1...30).map { Double($0) / 100 }, direction: nil)
        XCTAssertEqual(strong.pValueMethod, .randomSignPatterns)
        // Only the all-plus and all-minus patterns (probability 2⁻²⁹) reach Σ: the estimate is (1 + hits) / (1 + draws).
        XCTAssertLessThan(strong.pValue, 3.0 / Double(PairedComparison.randomFlips))
        // Alternating ±d: Σ = 0.15 is small against the spread of Σ ±d_i (s.d. ≈ 0.98), so p is large, and the
        // same seed gives the same estimate.
        let balanced = (1...30).map { Double($0) / 100 * ($0.isMultiple(of: 2) ? 1 : -1) }
        let a = PairedComparison(baseline: Array(repeating: 0, count: 30), candidate: balanced, direction: nil, seed: 7)
        let b = PairedComparison(baseline: Array(repeating: 0, count: 30), candidate: balanced, direction: nil, seed: 7)
        XCTAssertGreaterThan(a.pValue, 0.8)
        XCTAssertEqual(a.pValue, b.pValue)
    }

    func testThousandsOfCasesUseTheNormalApproximationOfTheSameTest() {
        // 1,560 differences of +1 and 1,440 of −1: Σ = 120, Σ d² = 3000, z = 120 / √3000, p = erfc(z / √2).
        let n = 3000
        let differences = (0..<n).map { $0 < 1560 ? 1.0 : -1.0 }
        let c = PairedComparison(baseline: Array(repeating: 0, count: n), candidate: differences, direction: nil)
        XCTAssertEqual(c.pValueMethod, .normalApproximation)
        XCTAssertEqual(c.pValue, erfc(120 / 3000.0.squareRoot() / 2.0.squareRoot()), accuracy: 1e-9)
        // A zero difference adds nothing to Σ ±d: 2,000 continuous differences tested with random sign patterns
        // and the same plus one 0 (2,001 cases, normal approximation) give the same p up to sampling error.
        let continuous = (0..<2000).map { sin(Double($0) * 1.3) + 0.02 }
        let sampled = PairedComparison(
            baseline: Array(repeating: 0, count: 2000), candidate: continuous, direction: nil)
        let approximated = PairedComparison(
            baseline: Array(repeating: 0, count: 2001), candidate: continuous + [0], direction: nil)
        XCTAssertEqual(sampled.pValueMethod, .randomSignPatterns)
        XCTAssertEqual(approximated.pValueMethod, .normalApproximation)
        XCTAssertGreaterThan(sampled.pValue, 0.1, "p near 0.2 (z ≈ 1.29)")
        XCTAssertLessThan(sampled.pValue, 0.3)
        XCTAssertEqual(sampled.pValue, approximated.pValue, accuracy: 0.01)
    }
}
