import Evaluation
import Foundation
import MultiRaterMetrics
import XCTest

/// `evaluate --conventions both`: both conventions' HM-IoU and D_max from one set of masks, and their JSON keys.
final class ConventionPairTests: XCTestCase {
    func mask(_ bits: [Int]) throws -> BinaryMask { try BinaryMask(width: 4, height: 1, bools: bits.map { $0 != 0 }) }

    func testBothConventionsEqualTheSingleConventionScores() throws {
        let samples = [try mask([1, 1, 0, 0]), try mask([0, 1, 1, 0]), try mask([0, 0, 0, 0])]
        let raters = [try mask([1, 1, 0, 0]), try mask([0, 0, 1, 1])]
        let pair = EvaluationCaseScore.ConventionPair(overlaps: try OverlapTable(samples: samples, raters: raters))
        let standard = try MultiRaterScore(samples: samples, raters: raters)
        let p2sam = try MultiRaterScore(
            samples: samples, raters: raters, conventions: MetricConventions(hungarianIoU: .p2sam, maximumDice: .global)
        )
        XCTAssertEqual(pair.hmIoUStandard, standard.hmIoU)
        XCTAssertEqual(pair.dMaxPerRater, standard.dMax)
        XCTAssertEqual(pair.hmIoUP2SAM, p2sam.hmIoU)
        XCTAssertEqual(pair.dMaxGlobal, p2sam.dMax)
        // Global D_max is the single best pair (Dice 1 for sample 0 vs rater 0).
        XCTAssertEqual(pair.dMaxGlobal, 1)
    }

    func testJSONCarriesBothConventionsAndEmptyFractions() throws {
        let samples = [try mask([1, 1, 0, 0]), try mask([0, 0, 0, 0])]
        let raters = [try mask([1, 1, 0, 0]), try mask([0, 0, 0, 0])]
        let overlaps = try OverlapTable(samples: samples, raters: raters)
        let score = EvaluationCaseScore(
            score: MultiRaterScore(overlaps: overlaps), dice: 1, iou: 1, boxIoU: 1, meanEntropy: nil, accepted: nil,
            emptySampleFraction: 0.5, emptyRaterFraction: 0.5,
            bothConventions: EvaluationCaseScore.ConventionPair(overlaps: overlaps))
        let data = try JSONEncoder().encode(score)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in [
            "hm_iou_standard", "hm_iou_p2sam", "d_max_per_rater", "d_max_global", "empty_sample_fraction",
            "empty_rater_fraction", "hm_iou", "d_max",
        ] {
            XCTAssertNotNil(object[key], "missing \(key)")
        }
        let decoded = try JSONDecoder().decode(EvaluationCaseScore.self, from: data)
        XCTAssertEqual(decoded.bothConventions, score.bothConventions)
        let mean = EvaluationCaseScore.mean(of: [score, decoded])
        XCTAssertEqual(mean.emptySampleFraction, 0.5)
        XCTAssertEqual(mean.bothConventions, score.bothConventions)
        // Without --conventions both the keys are absent.
        var plain = score
        plain.bothConventions = nil
        let plainObject = try XCTUnwrap(
            JSONSerialization.jsonObject(with: try JSONEncoder().encode(plain)) as? [String: Any])
        XCTAssertNil(plainObject["hm_iou_p2sam"])
    }
}
