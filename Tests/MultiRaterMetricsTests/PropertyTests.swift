import MultiRaterMetrics
import XCTest

final class PropertyTests: XCTestCase {
    func testIoUSymmetricAndBounded() throws {
        var rng = TestRandom(seed: 1)
        for _ in 0..<200 {
            let w = 1 + rng.int(70)
            let h = 1 + rng.int(5)
            let a = rng.mask(width: w, height: h)
            let b = rng.mask(width: w, height: h)
            let ab = try intersectionOverUnion(a, b)
            let ba = try intersectionOverUnion(b, a)
            XCTAssertEqual(ab, ba)
            XCTAssertTrue((0...1).contains(ab))
            XCTAssertEqual(try diceCoefficient(a, b), try diceCoefficient(b, a))
            XCTAssertEqual(try intersectionOverUnion(a, a), 1)
            // Dice = 2 IoU / (1 + IoU).
            XCTAssertEqual(try diceCoefficient(a, b), 2 * ab / (1 + ab), accuracy: 1e-12)
        }
    }

    func testGEDZeroForIdenticalSetsAndNonNegative() throws {
        var rng = TestRandom(seed: 2)
        for _ in 0..<100 {
            let w = 3 + rng.int(20)
            let h = 3 + rng.int(20)
            let raters = (0..<(1 + rng.int(5))).map { _ in rng.mask(width: w, height: h) }
            let shuffled = raters.shuffled(using: &rng)
            XCTAssertEqual(try MultiRaterScore(samples: shuffled, raters: raters).ged, 0, accuracy: 1e-12)
            // Replicating a multiset k times does not change the empirical distribution.
            XCTAssertEqual(try MultiRaterScore(samples: raters + raters, raters: raters).ged, 0, accuracy: 1e-12)
            let samples = (0..<(1 + rng.int(8))).map { _ in rng.mask(width: w, height: h) }
            XCTAssertGreaterThanOrEqual(try MultiRaterScore(samples: samples, raters: raters).ged, -1e-12)
        }
    }

    func testHungarianIoUPermutationInvariantAndEqualToBruteForce() throws {
        var rng = TestRandom(seed: 4)
        for _ in 0..<60 {
            let w = 4 + rng.int(9)
            let h = 4 + rng.int(9)
            let n = 1 + rng.int(6)
            let m = 1 + rng.int(6)
            let samples = (0..<n).map { _ in rng.mask(width: w, height: h) }
            let raters = (0..<m).map { _ in rng.mask(width: w, height: h) }
            for convention in HungarianIoUConvention.allCases {
                let c = MetricConventions(hungarianIoU: convention)
                let base = try MultiRaterScore(samples: samples, raters: raters, conventions: c)
                let permuted = try MultiRaterScore(
                    samples: samples.shuffled(using: &rng),
                    raters: raters.shuffled(using: &rng), conventions: c)
                XCTAssertEqual(base.hmIoU, permuted.hmIoU, accuracy: 1e-12)
                XCTAssertTrue((0...1).contains(base.hmIoU))
            }
            // Brute force for the p2sam convention (rectangular) and the standard one when lcm <= 6.
            let iou = try OverlapTable(samples: samples, raters: raters).sampleRaterIoU
            XCTAssertEqual(
                hungarianMatchedIoU(iou, convention: .p2sam),
                bruteForceBest(iou, maximize: true) / Double(min(n, m)), accuracy: 1e-9)
            let g = gcd(n, m)
            let l = n / g * m
            if l <= 6 {
                var square = PairwiseMatrix(rows: l, columns: l)
                for k in 0..<l { for j in 0..<l { square[k, j] = iou[k % n, j % m] } }
                XCTAssertEqual(
                    hungarianMatchedIoU(iou, convention: .standard),
                    bruteForceBest(square, maximize: true) / Double(l), accuracy: 1e-9)
            }
        }
    }

    func testScoreJSONKeys() throws {
        let a = BinaryMask(width: 2, height: 2)
        let score = try MultiRaterScore(
            samples: [a], raters: [a, a],
            conventions: .init(hungarianIoU: .p2sam, maximumDice: .global))
        let data = try JSONEncoder().encode(score)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        XCTAssertEqual(
            Set(object.keys),
            [
                "ged", "hm_iou", "d_max", "d_mean", "sample_diversity", "rater_diversity",
                "n", "m", "hm_iou_convention", "d_max_convention",
            ])
        XCTAssertEqual(object["hm_iou_convention"] as? String, "p2sam")
        XCTAssertEqual(object["d_max_convention"] as? String, "global")
        XCTAssertEqual(try JSONDecoder().decode(MultiRaterScore.self, from: data), score)
    }

    private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

extension TestRandom: RandomNumberGenerator {}
