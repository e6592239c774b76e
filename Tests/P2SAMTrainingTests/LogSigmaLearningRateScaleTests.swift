import Foundation
import P2SAM
import P2SAMTraining
import SAMTensor
import SeededSampling
import XCTest

/// `TrainingOptions.logSigmaLearningRateScale` (`train --log-sigma-lr-scale S`): the PGN head's log σ rows step at
/// the learning rate times S.
final class LogSigmaLearningRateScaleTests: XCTestCase {
    var configuration: P2SAMConfiguration {
        P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
    }

    /// The parameters after `steps` stage-2 steps (energy loss, K = 2) with scale `scale`.
    func trained(scale: Float?, steps: Int = 2) throws -> (before: [String: Tensor], after: [String: Tensor]) {
        let net = try SyntheticInputs.network(configuration, stage: 2)
        let trainer = try P2SAMTrainer(
            network: net,
            options: TrainingOptions(
                stage: 2, learningRate: 1e-3, batchSize: 2, setLoss: .energy, samples: 2,
                logSigmaLearningRateScale: scale))
        let cases = try SyntheticInputs.trainingCases(count: 2)
        let before = net.parameters.snapshot()
        for step in 0..<steps { _ = try trainer.step(cases, random: SeededRandom(seed: UInt64(step + 1))) }
        return (before, net.parameters.snapshot())
    }

    /// S = 1 trains exactly as no scale; S = 0.5 changes only the PGN head's log σ rows' steps.
    func testScaleOneIsTheDefaultTraining() throws {
        let plain = try trained(scale: nil).after
        let one = try trained(scale: 1).after
        for (name, value) in plain { XCTAssertTrue(value == one[name], "\(name) differs with scale 1") }
        let half = try trained(scale: 0.5).after
        XCTAssertTrue(half["pgn.head.weight"] != plain["pgn.head.weight"])
    }

    /// S = 0: the head's log σ rows (weight and bias) stay where they were, its μ rows and the rest of the PGN train.
    func testScaleZeroKeepsTheLogSigmaRows() throws {
        let (before, after) = try trained(scale: 0)
        let latent = configuration.latentDim
        for name in ["pgn.head.weight", "pgn.head.bias"] {
            let (b, a) = (try XCTUnwrap(before[name]), try XCTUnwrap(after[name]))
            let rowLength = b.count / (2 * latent)
            let mu = 0..<(latent * rowLength)
            let logSigma = (latent * rowLength)..<(2 * latent * rowLength)
            XCTAssertEqual(Array(a.storage[logSigma]), Array(b.storage[logSigma]), "\(name): log σ rows moved")
            XCTAssertNotEqual(Array(a.storage[mu]), Array(b.storage[mu]), "\(name): μ rows did not move")
        }
        XCTAssertTrue(before["pgn.blocks.3.convs.2.weight"] != after["pgn.blocks.3.convs.2.weight"])
    }

    /// Bad values and misplaced uses are refused by name.
    func testBadScalesAreRefused() {
        for scale in [Float(-0.1), .nan, .infinity] {
            XCTAssertThrowsError(try TrainingOptions(stage: 2, logSigmaLearningRateScale: scale).validate()) {
                XCTAssertTrue("\($0)".contains("--log-sigma-lr-scale"), "\($0)")
            }
        }
        XCTAssertThrowsError(try TrainingOptions(stage: 1, logSigmaLearningRateScale: 0.1).validate()) {
            XCTAssertTrue("\($0)".contains("stage 2"), "\($0)")
        }
        XCTAssertThrowsError(
            try TrainingOptions(stage: 2, presenceOnly: true, logSigmaLearningRateScale: 0.1).validate())
        XCTAssertNoThrow(try TrainingOptions(stage: 2, logSigmaLearningRateScale: 0).validate())
    }

    /// A run with a scale resumes exactly (the scale comes from the options, the moments from the resume file),
    /// and a resume with another scale is refused.
    func testResumeWithAScaleContinuesExactly() throws {
        let cases = try SyntheticInputs.trainingCases(count: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-lrscale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = self.configuration
        func run(epochs: Int, output: URL, resume: Bool, network: P2SAMNetwork, scale: Float = 0.1) throws
            -> [EpochReport]
        {
            let options = TrainingOptions(
                stage: 2, epochs: epochs, learningRate: 1e-3, batchSize: 1, validationSamples: 2,
                logSigmaLearningRateScale: scale)
            let meta = P2SAMModelFile.metadata(
                configuration: configuration, stage: 2, baseCheckpointSHA256: "x",
                dataset: "synthetic", split: "test", epochs: epochs, seed: 1, notes: "")
            return try TrainingRun(
                trainer: try P2SAMTrainer(network: network, options: options), training: Array(cases.prefix(2)),
                validation: [cases[2]], output: output, metadata: meta
            ).run(resume: resume)
        }
        let straight = try SyntheticInputs.network(configuration, stage: 2)
        let full = try run(
            epochs: 2, output: directory.appendingPathComponent("a.safetensors"), resume: false, network: straight)
        let b = directory.appendingPathComponent("b.safetensors")
        _ = try run(epochs: 1, output: b, resume: false, network: try SyntheticInputs.network(configuration, stage: 2))
        XCTAssertThrowsError(
            try run(
                epochs: 2, output: b, resume: true, network: try SyntheticInputs.network(configuration, stage: 2),
                scale: 0.2))
        let resumed = try SyntheticInputs.network(configuration, stage: 2)
        let history = try run(epochs: 2, output: b, resume: true, network: resumed)
        XCTAssertEqual(history[1].trainLoss, full[1].trainLoss, accuracy: 1e-9)
        for name in straight.parameters.names {
            XCTAssertTrue(straight.parameters[name].value == resumed.parameters[name].value, "\(name) differs")
        }
    }
}
