import Foundation
import P2SAM
import P2SAMTraining
import SAMTensor
import TorchCheckpoint
import Training
import XCTest

/// `TrainingOptions.emaDecay` on a P²SAM stage-2 run (the saved model holds the averaged PGN, not the last
/// step's) and the log σ statistics of the stage-2 validation.
final class StageTwoAveragingTests: XCTestCase {
    func testTheSavedModelHoldsTheAveragedWeights() throws {
        let cases = try SyntheticInputs.trainingCases(count: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2sam-ema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = P2SAMConfiguration(injection: .sparse)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let network = try SyntheticInputs.network(configuration, stage: 2)
        let options = TrainingOptions(
            stage: 2, epochs: 1, learningRate: 1e-2, batchSize: 1, validationSamples: 2, emaDecay: 0.5)
        let trainer = try P2SAMTrainer(network: network, options: options)
        let output = directory.appendingPathComponent("m.safetensors")
        let meta = P2SAMModelFile.metadata(
            configuration: configuration, stage: 2, baseCheckpointSHA256: "x", dataset: "synthetic", split: "test",
            epochs: 1, seed: 1, notes: "")
        _ = try TrainingRun(
            trainer: trainer, training: Array(cases.prefix(2)), validation: [cases[2]], output: output, metadata: meta
        ).run()
        let average = try XCTUnwrap(trainer.trainer.average)
        let saved = try Safetensors.read(contentsOf: output)
        let key = "pgn.head.weight"
        XCTAssertTrue(saved.tensors[key] == average.values[key], "the saved PGN head is not the average")
        XCTAssertFalse(saved.tensors[key] == network.parameters[key].value, "the saved PGN head is the last step's")
        XCTAssertNil(saved.metadata["ema_decay"], "the average adds no metadata key")
        // Stage-2 validation reports log σ; its mean is that of the PGN's σ over the case's latent dimensions.
        let result = try XCTUnwrap(try trainer.validate([cases[2]]))
        let statistics = try XCTUnwrap(result.logDeviation)
        let sigma = network.latentGaussian(pgnInput: cases[2].pgnInput).standardDeviation
        XCTAssertEqual(
            statistics.mean, sigma.map { Double(Foundation.log($0)) }.reduce(0, +) / Double(sigma.count), accuracy: 1e-5
        )
        XCTAssertThrowsError(try TrainingOptions(stage: 2, emaDecay: 1).validate()) {
            XCTAssertTrue("\($0)".contains("--ema-decay"), "\($0)")
        }
    }

    func testLogDeviationStatistics() throws {
        let ceiling = PromptGenerationNetwork.defaultLogDeviationRange.upperBound
        let statistics = try XCTUnwrap(LogDeviationStatistics([ceiling, ceiling - 0.005, 0, -1, -2.5, ceiling - 0.5]))
        XCTAssertEqual(statistics.mean, Double(3 * ceiling - 0.505 - 3.5) / 6, accuracy: 1e-5)
        XCTAssertEqual(statistics.maximum, Double(ceiling))
        XCTAssertEqual(statistics.ceilingFraction, 2.0 / 6.0, accuracy: 1e-12)
        XCTAssertNil(LogDeviationStatistics([]))
    }
}
