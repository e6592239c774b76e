import MultiRaterMetrics
import XCTest

/// Majority votes and the DSC/NSD of the samples' vote against the raters' vote.
final class ConsensusOverlapTests: XCTestCase {
    func mask(_ width: Int = 8, _ height: Int = 6, _ inside: (Int, Int) -> Bool) -> BinaryMask {
        var out = BinaryMask(width: width, height: height)
        for y in 0..<height { for x in 0..<width where inside(x, y) { out[x, y] = true } }
        return out
    }

    func testMajorityVoteCountsMoreThanHalf() throws {
        let a = mask { x, _ in x < 4 }
        let b = mask { x, _ in x < 6 }
        let c = mask { x, _ in x >= 2 }
        XCTAssertEqual(try BinaryMask.majorityVote(of: [a]), a)
        XCTAssertEqual(
            try BinaryMask.majorityVote(of: [a, b]), mask { x, _ in x < 4 }, "two masks: their intersection")
        XCTAssertEqual(try BinaryMask.majorityVote(of: [a, b, c]), mask { x, _ in x < 6 }, "two of three")
        XCTAssertEqual(
            try BinaryMask.majorityVote(of: [a, b, c, mask { _, _ in false }]), mask { x, _ in x >= 2 && x < 4 },
            "a tie (2 of 4) is not a majority")
        XCTAssertThrowsError(try BinaryMask.majorityVote(of: []))
        XCTAssertThrowsError(try BinaryMask.majorityVote(of: [a, mask(7, 6) { _, _ in true }]))
    }

    func testOneSampleAndOneRaterGiveThePlainScores() throws {
        let prediction = mask(20, 20) { x, y in (3..<12).contains(x) && (4..<13).contains(y) }
        let truth = mask(20, 20) { x, y in (6..<15).contains(x) && (4..<13).contains(y) }
        let overlap = try ConsensusOverlap(samples: [prediction], raters: [truth])
        // 9x9 squares shifted by 3 columns: intersection 6x9; left and right edges 3 px apart (> τ = 2).
        XCTAssertEqual(overlap.dice, 2.0 * 54 / 162, accuracy: 1e-12)
        XCTAssertEqual(
            overlap.normalizedSurfaceDice, try SurfaceDice.normalizedSurfaceDice(prediction, truth), accuracy: 1e-12)
        XCTAssertLessThan(overlap.normalizedSurfaceDice, 1)
        XCTAssertEqual(
            try ConsensusOverlap(samples: [prediction], raters: [truth], tolerance: 3).normalizedSurfaceDice, 1)
    }

    func testEmptyConventions() throws {
        let empty = mask { _, _ in false }
        let some = mask { x, y in x == 3 && y == 2 }
        XCTAssertEqual(try ConsensusOverlap(samples: [empty], raters: [empty]).dice, 1)
        XCTAssertEqual(try ConsensusOverlap(samples: [empty], raters: [empty]).normalizedSurfaceDice, 1)
        XCTAssertEqual(try ConsensusOverlap(samples: [empty], raters: [some]).dice, 0)
        XCTAssertEqual(try ConsensusOverlap(samples: [some], raters: [empty]).normalizedSurfaceDice, 0)
    }

    func testMeanAndJSONKeys() throws {
        let mean = ConsensusOverlap.mean(of: [
            ConsensusOverlap(dice: 0.5, normalizedSurfaceDice: 1, tolerance: 2),
            ConsensusOverlap(dice: 1, normalizedSurfaceDice: 0.5, tolerance: 2),
        ])
        XCTAssertEqual(mean, ConsensusOverlap(dice: 0.75, normalizedSurfaceDice: 0.75, tolerance: 2))
        let json = String(decoding: try JSONEncoder().encode(mean), as: UTF8.self)
        for key in ["\"dsc\"", "\"nsd\"", "\"nsd_tolerance_px\""] { XCTAssertTrue(json.contains(key), json) }
    }
}
