import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling
import XCTest

final class MethodTests: XCTestCase {
    func testURSAMUsesNShiftedBoxesAndIsSeeded() throws {
        let segmenter = BoxFillSegmenter(width: 64, height: 64)
        let image = try MedicalImage(width: 64, height: 64, channels: 1, pixels: (0..<4096).map { Float($0 % 64) })
        let box = BoundingBox(x0: 10, y0: 12, x1: 40, y1: 44)
        let a = try URSAM(count: 4).run(
            segmenter, intensity: IntensityMap(image), box: box, random: SeededRandom(seed: 7))
        let b = try URSAM(count: 4).run(
            BoxFillSegmenter(width: 64, height: 64), intensity: IntensityMap(image), box: box,
            random: SeededRandom(seed: 7))
        XCTAssertEqual(a.boxes.count, 4)
        XCTAssertEqual(segmenter.seen.count, 4)
        XCTAssertEqual(a.boxes, b.boxes)
        XCTAssertEqual(a.rectified.mask, b.rectified.mask)
        for shifted in a.boxes { XCTAssertLessThanOrEqual(abs(shifted.x0 - box.x0), 0.64 + 1e-9) }
        XCTAssertEqual(
            try URSAM(count: 2, includeOriginalBox: true).boxes(
                around: box, frame: segmenter.frame, random: SeededRandom(seed: 1)
            ).first, box)
        XCTAssertThrowsError(
            try URSAM(count: 0).run(segmenter, intensity: IntensityMap(image), box: box, random: SeededRandom(seed: 1))
        ) { error in
            XCTAssertEqual(error as? PromptUncertaintyError, .invalidCount(name: "count", value: 0))
        }
        XCTAssertThrowsError(
            try URSAM().run(
                segmenter, intensity: IntensityMap(image), box: BoundingBox(x0: 10, y0: 5, x1: 10, y1: 9),
                random: SeededRandom(seed: 1)))
    }

    func testUGPAAcceptsOnlyWhenEntropyDrops() throws {
        // A wide box jitter makes the initial ensemble uncertain; the refined box from the
        // uncertainty region is re-jittered equally, so acceptance follows the mean-entropy rule.
        let segmenter = BoxFillSegmenter(width: 64, height: 64)
        let adaptation = PromptAdaptation(ensemble: MultiPromptEnsemble(boxCount: 3, jitterFraction: 0.2), maxRounds: 3)
        let result = try adaptation.run(
            segmenter, box: BoundingBox(x0: 16, y0: 16, x1: 48, y1: 48), random: SeededRandom(seed: 3))
        XCTAssertFalse(result.rounds.isEmpty)
        var reference = result.initial.meanEntropy
        for round in result.rounds {
            XCTAssertEqual(round.accepted, round.result.meanEntropy < reference)
            if round.accepted { reference = round.result.meanEntropy } else { break }
        }
        XCTAssertEqual(result.final.meanEntropy, reference)
        XCTAssertEqual(segmenter.seen.count, 3 * (1 + result.rounds.count))
        XCTAssertTrue(segmenter.seen.allSatisfy { $0.points.isEmpty }, "points are opt-in")
    }

    func testUGPAPointsAndNoUncertaintyFallback() throws {
        let segmenter = BoxFillSegmenter(width: 40, height: 40)
        segmenter.inside = 1
        segmenter.outside = 0
        // A zero-entropy map gives no refined box (fallback to the previous box).
        let adaptation = PromptAdaptation(ensemble: MultiPromptEnsemble(boxCount: 2, jitterFraction: 0), pointCount: 5)
        XCTAssertNil(
            adaptation.refinedBox(
                statistics: try SampleStatistics(masks: [rectangleMask(width: 4, height: 4, x0: 0, y0: 0, x1: 2, y1: 2)]
                )))
        let result = try adaptation.run(
            segmenter, box: BoundingBox(x0: 5, y0: 5, x1: 30, y1: 30), random: SeededRandom(seed: 1))
        XCTAssertEqual(result.rounds.count, 1)
        XCTAssertEqual(result.accepted, result.rounds[0].result.meanEntropy < result.initial.meanEntropy)
        XCTAssertEqual(result.rounds[0].points.count, 5)
        XCTAssertEqual(segmenter.seen.suffix(2).map(\.points.count), [5, 5], "refined prompts carry the top-k points")
        XCTAssertEqual(segmenter.seen.prefix(2).map(\.points.count), [0, 0])
        XCTAssertFalse(result.final.statistics.mean.contains { $0.isNaN })
    }

    /// Real LiteMedSAM: the disc image and a uniform image (one encoder pass each).
    func testLiteMedSAMEndToEnd() throws {
        let predictor = try SharedPredictor.get()
        let picture = try discImage()
        let segmenter = try LiteMedSAMSegmenter(predictor: predictor, picture: picture)
        let box = BoundingBox(x0: 43, y0: 23, x1: 78, y1: 58)
        let ursam = try URSAM().run(
            segmenter, intensity: IntensityMap(picture), box: box, random: SeededRandom(seed: 2))
        let disc = try BinaryMask(
            width: 96, height: 80, bools: (0..<(96 * 80)).map { hypot(Float($0 % 96) - 60, Float($0 / 96) - 40) < 14 })
        XCTAssertGreaterThan(try diceCoefficient(ursam.ensemble, disc), 0.85)
        XCTAssertGreaterThan(try diceCoefficient(ursam.rectified.mask, disc), 0.85)
        let mu = try PromptAdaptation().run(segmenter, box: box, random: SeededRandom(seed: 2))
        XCTAssertGreaterThan(try diceCoefficient(mu.final.mask, disc), 0.85)

        let flat = try discImage(uniform: true)
        let flatSegmenter = try LiteMedSAMSegmenter(predictor: predictor, picture: flat)
        let flatResult = try URSAM().run(
            flatSegmenter, intensity: IntensityMap(flat), box: box, random: SeededRandom(seed: 2))
        XCTAssertFalse(flatResult.statistics.entropy.contains { $0.isNaN })
        XCTAssertFalse(flatResult.rectified.applied, "uniform intensity: rectification is a no-op")
        XCTAssertEqual(flatResult.rectified.mask, flatResult.ensemble)
    }
}
