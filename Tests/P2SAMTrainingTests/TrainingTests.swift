import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMTensor
import SeededSampling
import TorchCheckpoint
import Training
import XCTest

final class TrainingTests: XCTestCase {
    func network(_ configuration: P2SAMConfiguration, stage: Int) throws -> P2SAMNetwork {
        try SyntheticInputs.network(configuration, stage: stage)
    }

    func testStageOneReducesTheLossOnOneCase() throws {
        let net = try network(P2SAMConfiguration(injection: .sparse), stage: 1)
        let cases = try SyntheticInputs.trainingCases(count: 2).filter { !$0.nonEmptyRaters.isEmpty }
        let item = try XCTUnwrap(cases.first)
        let trainer = try P2SAMTrainer(
            network: net, options: TrainingOptions(stage: 1, learningRate: 2e-4, batchSize: 1))
        var losses: [Double] = []
        // The same seed every step: the same rater, so the loss must fall (a small learning rate keeps
        // Adam from overshooting on a single case; the last three steps are averaged).
        for _ in 0..<8 { losses.append(try trainer.step([item], random: SeededRandom(seed: 0))) }
        print("stage-1 losses on one case: \(losses)")
        XCTAssertLessThan(losses.suffix(3).reduce(0, +) / 3, losses.first! - 0.01)
        XCTAssertNotEqual(net.parameters["p2sam.assembling_weights"].value.storage, [Float](repeating: 0.125, count: 8))
    }

    func testStageTwoTrainsOnlyThePGNAndFcomb() throws {
        var configuration = P2SAMConfiguration(injection: .dense)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let net = try network(configuration, stage: 2)
        let before = net.parameters.snapshot()
        let cases = try SyntheticInputs.trainingCases(count: 1)
        let trainer = try P2SAMTrainer(
            network: net, options: TrainingOptions(stage: 2, learningRate: 1e-3, batchSize: 1))
        XCTAssertTrue(trainer.trainableNames.allSatisfy { $0.hasPrefix("pgn.") || $0.hasPrefix("fcomb.") })
        // Fcomb's last layer starts at 0 (the contract), so z reaches the loss only from the second step on.
        _ = try trainer.step(cases, random: SeededRandom(seed: 1))
        _ = try trainer.step(cases, random: SeededRandom(seed: 2))
        let after = net.parameters.snapshot()
        for name in net.parameters.names where !name.hasPrefix("pgn.") && !name.hasPrefix("fcomb.") {
            XCTAssertTrue(before[name] == after[name], "\(name) changed in stage 2")
        }
        XCTAssertTrue(before["pgn.head.weight"] != after["pgn.head.weight"], "the PGN head did not move")
        XCTAssertTrue(before["fcomb.layers.3.weight"] != after["fcomb.layers.3.weight"], "Fcomb did not move")
    }

    func testOfficialAssemblingKeepsTheWeightsSummingToOne() throws {
        let net = try network(P2SAMConfiguration(injection: .sparse, assembling: .official), stage: 1)
        let item = try SyntheticInputs.trainingCases(count: 3).first { !$0.nonEmptyRaters.isEmpty }!
        let trainer = try P2SAMTrainer(network: net, options: TrainingOptions(stage: 1, batchSize: 1))
        _ = try trainer.step([item], random: SeededRandom(seed: 1))
        let w = net.parameters["p2sam.assembling_weights"].value.storage
        XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertNotEqual(w, [Float](repeating: 0.125, count: 8))
    }

    func testNonFiniteLossStopsWithAClearMessage() throws {
        let net = try network(P2SAMConfiguration(injection: .sparse), stage: 1)
        let item = try SyntheticInputs.trainingCases(count: 3).first { !$0.nonEmptyRaters.isEmpty }!
        var poisoned = net.parameters["mask_decoder.mask_tokens.weight"].value
        poisoned.storage[300] = .nan
        net.parameters["mask_decoder.mask_tokens.weight"].value = poisoned
        let trainer = try P2SAMTrainer(network: net, options: TrainingOptions(stage: 1, batchSize: 1))
        XCTAssertThrowsError(try trainer.step([item], random: SeededRandom(seed: 1))) { error in
            XCTAssertTrue("\(error)".contains("non-finite loss"), "\(error)")
        }
    }

    /// Stage 2 whose finite PGN weights make an overflowing latent (μ ~ 1e30, as a too-large learning rate does after a few
    /// steps: the decoder's token attention overflows float32): the message names the loss term, the case and the
    /// step, says the parameters are finite and points at the learning rate.
    func testOverflowingForwardNamesTheLossTermStepAndLearningRate() throws {
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.presenceHead = true
        let net = try network(configuration, stage: 2)
        var bias = net.parameters["pgn.head.bias"].value
        for i in 0..<configuration.latentDim { bias.storage[i] = i % 2 == 0 ? 1e30 : -1e30 }
        net.parameters["pgn.head.bias"].value = bias
        let item = try XCTUnwrap(SyntheticInputs.trainingCases(count: 3).first { !$0.nonEmptyRaters.isEmpty })
        let trainer = try P2SAMTrainer(
            network: net, options: TrainingOptions(stage: 2, learningRate: 0.2, batchSize: 1, setLoss: .none))
        let before = net.parameters.snapshot()
        XCTAssertThrowsError(try trainer.step([item], random: SeededRandom(seed: 1))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("non-finite mask loss"), message)
            XCTAssertTrue(message.contains("on case \(item.caseID) in optimiser step 1"), message)
            XCTAssertTrue(message.contains("every trained parameter finite"), message)
            XCTAssertTrue(message.contains("learning rate (0.2)"), message)
            XCTAssertFalse(message.contains("presence loss"), message)
        }
        for (name, value) in before { XCTAssertTrue(net.parameters[name].value == value, "\(name) changed") }
    }

    /// Two epochs in one go and one epoch + resume give the same parameters.
    func testResumeContinuesExactly() throws {
        let cases = try SyntheticInputs.trainingCases(count: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = P2SAMConfiguration(injection: .sparse)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        func run(epochs: Int, output: URL, resume: Bool, network: P2SAMNetwork) throws -> [EpochReport] {
            let options = TrainingOptions(
                stage: 2, epochs: epochs, learningRate: 1e-3, batchSize: 1, validationSamples: 2)
            let trainer = try P2SAMTrainer(network: network, options: options)
            let meta = P2SAMModelFile.metadata(
                configuration: configuration, stage: 2, baseCheckpointSHA256: "x",
                dataset: "synthetic", split: "test", epochs: epochs, seed: 1, notes: "")
            return try TrainingRun(
                trainer: trainer, training: Array(cases.prefix(2)), validation: [cases[2]],
                output: output, metadata: meta
            ).run(resume: resume)
        }
        let straight = try network(configuration, stage: 2)
        let a = directory.appendingPathComponent("a.safetensors")
        let fullHistory = try run(epochs: 2, output: a, resume: false, network: straight)
        XCTAssertEqual(fullHistory.count, 2)

        let b = directory.appendingPathComponent("b.safetensors")
        _ = try run(epochs: 1, output: b, resume: false, network: try network(configuration, stage: 2))
        let resumed = try network(configuration, stage: 2)  // fresh weights: the sidecar must restore them
        let history = try run(epochs: 2, output: b, resume: true, network: resumed)
        XCTAssertEqual(history.count, 2)
        XCTAssertEqual(history[1].trainLoss, fullHistory[1].trainLoss, accuracy: 1e-9)
        for name in straight.parameters.names {
            XCTAssertTrue(
                straight.parameters[name].value == resumed.parameters[name].value, "\(name) differs after resume")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: TrainingRun.sidecarURL(for: b).path))
        let saved = try Safetensors.read(contentsOf: a)
        XCTAssertEqual(saved.metadata["stage"], "2")
        XCTAssertEqual(saved.metadata["format"], "p2sam-v1")
    }
}
