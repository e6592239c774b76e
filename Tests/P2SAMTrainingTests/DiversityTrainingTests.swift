import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMTensor
import SeededSampling
import XCTest

/// The stage-2 energy set loss, model selection by validation GED, and the no-assembling ablation.
final class DiversityTrainingTests: XCTestCase {
    func network(_ configuration: P2SAMConfiguration, stage: Int) throws -> P2SAMNetwork {
        try SyntheticInputs.network(configuration, stage: stage)
    }

    /// The energy set loss runs through the trainer: finite values in its range (attraction ≤ 1 minus
    /// half a repulsion ≤ 1), gradients reach the PGN, and nothing outside the PGN changes. (Whether it
    /// buys diversity on real data is measured in docs/p2sam-results.md, not asserted on random embeddings.)
    func testEnergyLossStepTrainsOnlyThePGN() throws {
        var configuration = P2SAMConfiguration(injection: .sparse)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let item = try XCTUnwrap(SyntheticInputs.trainingCases(count: 2).first)
        let net = try network(configuration, stage: 2)
        let before = net.parameters.snapshot()
        let options = TrainingOptions(stage: 2, learningRate: 1e-2, batchSize: 1, setLoss: .energy, samples: 3, l2: 0)
        let trainer = try P2SAMTrainer(network: net, options: options)
        var losses: [Double] = []
        for step in 0..<2 { losses.append(try trainer.step([item], random: SeededRandom(seed: UInt64(step)))) }
        XCTAssertTrue(losses.allSatisfy { $0.isFinite && $0 > -0.5 && $0 <= 1 }, "\(losses)")
        let after = net.parameters.snapshot()
        XCTAssertTrue(before["pgn.head.bias"] != after["pgn.head.bias"], "the energy loss did not reach the PGN")
        for name in net.parameters.names where !name.hasPrefix("pgn.") {
            XCTAssertTrue(before[name] == after[name], "\(name) changed in stage 2")
        }
    }

    func testEnergyNeedsTwoSamples() {
        XCTAssertThrowsError(try TrainingOptions(stage: 2, setLoss: .energy, samples: 1).validate()) { error in
            XCTAssertTrue("\(error)".contains("--samples >= 2"), "\(error)")
        }
    }

    func testModelSelectionDefaults() {
        XCTAssertEqual(TrainingOptions(stage: 1).effectiveSelection, .loss)
        XCTAssertEqual(TrainingOptions(stage: 2).effectiveSelection, .loss)
        XCTAssertEqual(TrainingOptions(stage: 2, setLoss: .energy).effectiveSelection, .ged)
        XCTAssertEqual(TrainingOptions(stage: 2, setLoss: .hungarian).effectiveSelection, .ged)
        XCTAssertEqual(TrainingOptions(stage: 2, setLoss: .energy, selection: .loss).effectiveSelection, .loss)
    }

    /// Resume files written before `selection` existed still decode (the key is optional).
    func testOptionsWithoutSelectionStillDecode() throws {
        let json =
            #"{"stage":2,"epochs":3,"learningRate":0.0001,"batchSize":2,"seed":1,"setLoss":"none","samples":4,"l2":1e-05,"validationSamples":8}"#
        let options = try JSONDecoder().decode(TrainingOptions.self, from: Data(json.utf8))
        XCTAssertNil(options.selection)
        XCTAssertEqual(options.effectiveSelection, .loss)
    }

    func testSingleAssemblingKeepsTheOneHotWeights() throws {
        let net = try network(P2SAMConfiguration(injection: .sparse, assembling: .single), stage: 1)
        let oneHot: [Float] = [1, 0, 0, 0, 0, 0, 0, 0]
        XCTAssertEqual(net.parameters["p2sam.assembling_weights"].value.storage, oneHot)
        let item = try SyntheticInputs.trainingCases(count: 3).first { !$0.nonEmptyRaters.isEmpty }!
        let trainer = try P2SAMTrainer(network: net, options: TrainingOptions(stage: 1, batchSize: 1))
        XCTAssertFalse(trainer.trainableNames.contains("p2sam.assembling_weights"))
        let before = net.parameters["mask_decoder.mask_tokens.weight"].value
        _ = try trainer.step([item], random: SeededRandom(seed: 1))
        XCTAssertEqual(net.parameters["p2sam.assembling_weights"].value.storage, oneHot)
        XCTAssertTrue(before != net.parameters["mask_decoder.mask_tokens.weight"].value, "the decoder did not train")
    }

    /// Stage 1 on a dataset whose rater masks are all empty says there is nothing to learn, before any
    /// epoch runs and before anything is written.
    func testStageOneOnAllEmptyMasksIsAClearError() throws {
        let source = try XCTUnwrap(SyntheticInputs.trainingCases(count: 1).first)
        let empty = TrainingCase(
            caseID: "empty", embedding: source.embedding, pgnInput: source.pgnInput,
            raters: source.raters.map { [UInt8](repeating: 0, count: $0.count) },
            resizedHeight: source.resizedHeight, resizedWidth: source.resizedWidth)
        let trainer = try P2SAMTrainer(
            network: try network(P2SAMConfiguration(injection: .sparse), stage: 1),
            options: TrainingOptions(stage: 1, epochs: 1, batchSize: 1))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-empty-\(UUID().uuidString).safetensors")
        let run = TrainingRun(
            trainer: trainer, training: [empty, empty], validation: [], output: output, metadata: [:],
            progress: nil)
        XCTAssertThrowsError(try run.run()) { error in
            XCTAssertTrue("\(error)".contains("nothing to learn from"), "\(error)")
            XCTAssertTrue("\(error)".contains("every rater mask of the 2 training case(s) is empty"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    /// `--stage1-raters all`: a case whose raters are all empty is skipped by the paper's stage 1 (loss 0,
    /// nothing trained) but trained on when empty targets are allowed.
    func testStageOneCanTrainOnEmptyRaters() throws {
        let source = try XCTUnwrap(SyntheticInputs.trainingCases(count: 1).first)
        let empty = TrainingCase(
            caseID: "empty", embedding: source.embedding, pgnInput: source.pgnInput,
            raters: source.raters.map { [UInt8](repeating: 0, count: $0.count) },
            resizedHeight: source.resizedHeight, resizedWidth: source.resizedWidth)
        let paper = try P2SAMTrainer(
            network: try network(P2SAMConfiguration(injection: .sparse), stage: 1),
            options: TrainingOptions(stage: 1, batchSize: 1))
        XCTAssertEqual(try paper.step([empty], random: SeededRandom(seed: 1)), 0)
        let net = try network(P2SAMConfiguration(injection: .sparse), stage: 1)
        let before = net.parameters["mask_decoder.mask_tokens.weight"].value
        let withEmpty = try P2SAMTrainer(
            network: net, options: TrainingOptions(stage: 1, batchSize: 1, stageOneIncludesEmpty: true))
        XCTAssertGreaterThan(try withEmpty.step([empty], random: SeededRandom(seed: 1)), 0.01)
        XCTAssertTrue(
            before != net.parameters["mask_decoder.mask_tokens.weight"].value, "an empty target trained nothing")
        XCTAssertThrowsError(try TrainingOptions(stage: 2, stageOneIncludesEmpty: true).validate())
    }
}
