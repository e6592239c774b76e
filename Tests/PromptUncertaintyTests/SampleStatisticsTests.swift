import MultiRaterMetrics
import PromptUncertainty
import XCTest

final class SampleStatisticsTests: XCTestCase {
    func testMeanEntropyVarianceInBits() throws {
        let a = try ProbabilityMap(width: 2, height: 1, values: [0.2, 1])
        let b = try ProbabilityMap(width: 2, height: 1, values: [0.8, 1])
        let s = try SampleStatistics(probabilities: [a, b])
        XCTAssertEqual(s.mean, [0.5, 1])
        XCTAssertEqual(s.entropy[0], 1, accuracy: 1e-6, "H(0.5) = 1 bit")
        XCTAssertEqual(s.entropy[1], 0)
        XCTAssertEqual(s.variance[0], 0.09, accuracy: 1e-6)
        XCTAssertEqual(s.meanEntropy, 0.5, accuracy: 1e-6)
        XCTAssertEqual(SampleStatistics.binaryEntropyBits(0.25), 0.811278, accuracy: 1e-5)
        XCTAssertEqual(SampleStatistics.binaryEntropyBits(.nan), 0)
    }

    func testBinaryMasksGiveFrequency() throws {
        let m1 = rectangleMask(width: 4, height: 1, x0: 0, y0: 0, x1: 2, y1: 1)
        let m2 = rectangleMask(width: 4, height: 1, x0: 1, y0: 0, x1: 3, y1: 1)
        let s = try SampleStatistics(masks: [m1, m2])
        XCTAssertEqual(s.frequency, [0.5, 1, 0.5, 0])
        XCTAssertEqual(s.variance, [0.25, 0, 0.25, 0])
        XCTAssertEqual(s.meanMask().bytes(), [0, 1, 0, 0])
    }

    func testIdenticalBinarySamplesHaveZeroEntropy() throws {
        let m = rectangleMask(width: 5, height: 5, x0: 1, y0: 1, x1: 3, y1: 4)
        let s = try SampleStatistics(masks: [m, m, m])
        XCTAssertTrue(s.entropy.allSatisfy { $0 == 0 })
        XCTAssertEqual(s.meanEntropy, 0)
    }

    func testErrors() throws {
        XCTAssertThrowsError(try SampleStatistics(probabilities: []))
        let a = try ProbabilityMap(width: 2, height: 1, values: [0, 1])
        let b = try ProbabilityMap(width: 1, height: 2, values: [0, 1])
        XCTAssertThrowsError(try SampleStatistics(probabilities: [a, b]))
        XCTAssertThrowsError(try ProbabilityMap(width: 2, height: 2, values: [0]))
        let logits = try ProbabilityMap(logits: [0, 100, -100], width: 3, height: 1)
        XCTAssertEqual(logits.values[0], 0.5)
        XCTAssertEqual(logits.mask().bytes(), [0, 1, 0])
    }
}
