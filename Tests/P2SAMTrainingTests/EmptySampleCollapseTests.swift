import Foundation
import P2SAM
import P2SAMTraining
import SAMTensor
import Training
import XCTest

/// Stage-2 validation records how many samples and rater masks are empty, so an epoch that draws nothing but empty
/// masks while raters mark something (selection by a low validation GED can reward it when most validation raters
/// are empty) is passed over by keep-best, and named when every epoch collapsed.
final class EmptySampleCollapseTests: XCTestCase {
    func testValidationCountsEmptySamplesAndRatersInStageTwoOnly() throws {
        let configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        let cases = try SyntheticInputs.trainingCases(count: 2)
        let raters = cases.flatMap(\.raters)
        let expectedEmptyRaters = Double(raters.filter { !$0.contains(1) }.count) / Double(raters.count)
        XCTAssertLessThan(expectedEmptyRaters, 1, "the synthetic raters mark something")

        let stageTwo = try SyntheticInputs.network(configuration, stage: 2)
        let options = TrainingOptions(stage: 2, validationSamples: 4)
        let result = try XCTUnwrap(try P2SAMTrainer(network: stageTwo, options: options).validate(cases))
        XCTAssertEqual(try XCTUnwrap(result.emptyRaterFraction), expectedEmptyRaters, accuracy: 1e-12)
        let fraction = try XCTUnwrap(result.emptySampleFraction)
        XCTAssertTrue((0...1).contains(fraction))

        // Assembling weights of 0: every fused logit is 0, so no pixel is positive and every sample is empty.
        let weights = stageTwo.parameters[P2SAMLayers.assemblingWeightsKey]
        weights.value = Tensor(shape: weights.value.shape, storage: [Float](repeating: 0, count: weights.value.count))
        let collapsed = try XCTUnwrap(try P2SAMTrainer(network: stageTwo, options: options).validate(cases))
        XCTAssertEqual(collapsed.emptySampleFraction, 1)
        XCTAssertTrue(collapsed.samplesAllEmptyAgainstRaters)
        XCTAssertEqual(result.samplesAllEmptyAgainstRaters, fraction >= 1)

        let stageOne = try SyntheticInputs.network(configuration, stage: 1)
        let one = try XCTUnwrap(try P2SAMTrainer(network: stageOne, options: TrainingOptions(stage: 1)).validate(cases))
        XCTAssertNil(one.emptySampleFraction)
        XCTAssertNil(one.emptyRaterFraction)
        XCTAssertFalse(one.samplesAllEmptyAgainstRaters)
    }

    func testOnlyAllEmptySamplesAgainstRatersWhoMarkSomethingIsACollapse() throws {
        func result(samples: Double?, raters: Double?) -> P2SAMTrainer.ValidationResult {
            P2SAMTrainer.ValidationResult(
                loss: 0.5, ged: 0.1, sampleDiversity: 0, logDeviation: nil, emptySampleFraction: samples,
                emptyRaterFraction: raters)
        }
        XCTAssertTrue(result(samples: 1, raters: 0.6).samplesAllEmptyAgainstRaters)
        XCTAssertFalse(result(samples: 0.99, raters: 0.6).samplesAllEmptyAgainstRaters, "one sample marks something")
        XCTAssertFalse(result(samples: 1, raters: 1).samplesAllEmptyAgainstRaters, "the raters draw nothing either")
        XCTAssertFalse(result(samples: nil, raters: nil).samplesAllEmptyAgainstRaters, "not recorded (old history)")
        // Keep-best passes over a collapsed epoch while a sound one exists (`BestEpoch`), whatever its GED.
        let collapsed = TrainingRun.selectionScore(result(samples: 1, raters: 0.6), selection: .ged)
        XCTAssertFalse(collapsed.isEligible)
        XCTAssertEqual(collapsed.criterion, 0.1)
        XCTAssertTrue(TrainingRun.selectionScore(result(samples: 0.9, raters: 0.6), selection: .ged).isEligible)
        XCTAssertEqual(TrainingRun.selectionScore(result(samples: 1, raters: 0.6), selection: .loss).criterion, 0.5)
        XCTAssertTrue(
            BestEpoch(criterion: collapsed.criterion, isEligible: collapsed.isEligible).isImproved(
                by: 0.8, isEligible: true))
        // The epoch report carries it to the command line.
        let record = EpochRecord<P2SAMTrainer.ValidationResult>(
            epoch: 3, trainLoss: 0.9, validation: result(samples: 1, raters: 0.6), criterion: 0.1, learningRate: 1e-3,
            seconds: 1, casesPerSecond: 2, isBest: true)
        let report = EpochReport(record)
        XCTAssertTrue(report.validationSamplesAllEmpty)
        XCTAssertEqual(report.validationEmptyRaterFraction, 0.6)
        // A resume file's history written before the fractions were recorded still reads.
        let old = Data(#"{"validationLoss":0.5,"validationGED":0.1,"validationDiversity":0}"#.utf8)
        let decoded = try JSONDecoder().decode(P2SAMTrainer.ValidationResult.self, from: old)
        XCTAssertNil(decoded.emptySampleFraction)
        XCTAssertFalse(decoded.samplesAllEmptyAgainstRaters)
    }
}
