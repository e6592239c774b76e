import Foundation
import Optimisers
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import Training
import XCTest

/// The generic trainer on a toy linear regression: convergence, keep-best, resume, the NaN guard, the
/// schedules, cancellation and the trainable selection.
final class TrainerTests: XCTestCase {
    let problem = LinearRegressionProblem()

    func testLinearRegressionConverges() throws {
        let parameters = problem.parameters()
        let data = problem.examples(count: 32, seed: 3)
        let held = problem.examples(count: 16, seed: 4)
        let trainer = try problem.trainer(parameters, configuration: TrainerConfiguration(epochs: 40, batchSize: 4))
        let before = LinearRegressionProblem.meanError(held, parameters)
        let history = try trainer.run(training: data)
        XCTAssertEqual(history.count, 40)
        XCTAssertLessThan(LinearRegressionProblem.meanError(held, parameters), before * 1e-3)
        for (learned, truth) in zip(parameters["lin.weight"].value.storage, problem.trueWeights) {
            XCTAssertEqual(learned, truth, accuracy: 0.02)
        }
        XCTAssertEqual(parameters["lin.bias"].value.storage[0], problem.trueBias, accuracy: 0.02)
        XCTAssertEqual(parameters["frozen.scale"].value.storage, [1], "a frozen parameter moved")
        XCTAssertLessThan(history.last!.trainLoss, history.first!.trainLoss)
    }

    func testSharpnessAwareStepConvergesAndReplaysTheStepsRandomness() throws {
        let parameters = problem.parameters()
        let data = problem.examples(count: 16, seed: 5)
        var draws: [Double] = []
        let trainer = try Trainer<LinearRegressionProblem.Example, Double>(
            parameters: parameters, trainable: .prefixes(["lin."]), optimiser: .adamW(learningRate: 0.05),
            configuration: TrainerConfiguration(
                epochs: 30, batchSize: 4, gradientRule: SharpnessAwareGradient(radius: 0.01))
        ) { example, w, random in
            draws.append(random.uniform())
            return LinearRegressionProblem.loss(example, w, random)
        }
        _ = try trainer.run(training: data)
        XCTAssertLessThan(LinearRegressionProblem.meanError(data, parameters), 1e-2)
        // Per step: four draws in the first pass, the same four again in the second.
        XCTAssertEqual(draws.count, 30 * 4 * 8)
        for step in stride(from: 0, to: draws.count, by: 8) {
            XCTAssertEqual(Array(draws[step..<(step + 4)]), Array(draws[(step + 4)..<(step + 8)]))
        }
        XCTAssertNotEqual(Array(draws[0..<4]), Array(draws[8..<12]), "the stream must move on between steps")
    }

    func testKeepBestCallsOnBestForEachNewMinimumAndRestoresTheBestEpoch() throws {
        let parameters = problem.parameters()
        let scripted = [3.0, 1.0, 1.0, 2.0, 0.5, 4.0]  // a tie does not replace the best
        var epoch = 0
        var bestValues: [Int: [String: Tensor]] = [:]
        let trainer = try problem.trainer(
            parameters,
            configuration: TrainerConfiguration(epochs: scripted.count, batchSize: 2, restoresBestAtEnd: true))
        trainer.validation = {
            defer { epoch += 1 }
            return ValidationScore(figures: scripted[epoch], criterion: scripted[epoch])
        }
        trainer.onBest = { record in bestValues[record.epoch] = parameters.snapshot() }
        let history = try trainer.run(training: problem.examples(count: 8, seed: 6))
        let expectedBest = scripted.indices.filter { i in scripted[..<i].allSatisfy { $0 > scripted[i] } }.map {
            $0 + 1
        }
        XCTAssertEqual(history.filter(\.isBest).map(\.epoch), expectedBest)
        XCTAssertEqual(bestValues.keys.sorted(), expectedBest)
        XCTAssertEqual(history.map(\.validation), scripted.map(Optional.init))
        let bestEpoch = scripted.indices.min { scripted[$0] < scripted[$1] }! + 1
        XCTAssertTrue(parameters["lin.weight"].value == bestValues[bestEpoch]!["lin.weight"]!)
        XCTAssertTrue(parameters["lin.bias"].value == bestValues[bestEpoch]!["lin.bias"]!)
    }

    func testWithoutValidationTheTrainingLossSelects() throws {
        let trainer = try problem.trainer(problem.parameters(), configuration: TrainerConfiguration(epochs: 3))
        let history = try trainer.run(training: problem.examples(count: 6, seed: 7))
        for record in history { XCTAssertEqual(record.criterion, record.trainLoss) }
        XCTAssertTrue(history[0].isBest)
    }

    func testResumeAfterTwoEpochsMatchesAnUninterruptedRunBitForBit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = problem.examples(count: 10, seed: 8)
        let held = problem.examples(count: 5, seed: 9)
        // A criterion that worsens after epoch 1 (so the plateau schedule lowers the rate before and after
        // the interruption, and the best epoch stays 1) plus a small term from the real held-out error.
        let scripted = [1.0, 2.0, 3.0, 2.5, 4.0]
        func run(epochs: Int, parameters: ParameterSet, file: String, resume: Bool) throws -> [EpochRecord<Double>] {
            let configuration = TrainerConfiguration(
                epochs: epochs, batchSize: 3, seed: 11, schedule: .reduceOnPlateau(factor: 0.5, patience: 0))
            let trainer = try problem.trainer(parameters, configuration: configuration, learningRate: 0.2)
            var epoch = resume ? 2 : 0
            trainer.validation = {
                defer { epoch += 1 }
                let error = LinearRegressionProblem.meanError(held, parameters)
                return ValidationScore(figures: error, criterion: scripted[epoch] + 1e-6 * error)
            }
            let checkpoint = ResumeCheckpoint(
                url: directory.appendingPathComponent(file), format: "toy-resume-v1", kind: "toy")
            return try trainer.run(training: data, checkpoint: checkpoint, resume: resume)
        }
        let straight = problem.parameters()
        let full = try run(epochs: 5, parameters: straight, file: "a", resume: false)
        XCTAssertLessThan(full.last!.learningRate, full[2].learningRate, "the schedule must act after the resume")
        XCTAssertEqual(full.filter(\.isBest).map(\.epoch), [1])
        _ = try run(epochs: 2, parameters: problem.parameters(), file: "b", resume: false)
        let resumed = problem.parameters()  // fresh values: the resume file must restore them
        let continued = try run(epochs: 5, parameters: resumed, file: "b", resume: true)
        XCTAssertEqual(continued.map(\.trainLoss), full.map(\.trainLoss))
        XCTAssertEqual(continued.map(\.learningRate), full.map(\.learningRate))
        XCTAssertEqual(continued.map(\.isBest), full.map(\.isBest))
        XCTAssertEqual(continued.map(\.validation), full.map(\.validation))
        for name in straight.names {
            XCTAssertTrue(straight[name].value == resumed[name].value, "\(name) differs after resume")
        }
        XCTAssertThrowsError(
            try run(epochs: 5, parameters: problem.parameters(), file: "missing", resume: true)
        ) { error in XCTAssertTrue("\(error)".contains("cannot resume"), "\(error)") }
    }

    func testNonFiniteLossStopsNamingTheExampleAndEpoch() throws {
        let parameters = problem.parameters()
        var data = problem.examples(count: 4, seed: 10)
        data[2].poisoned = true
        let trainer = try problem.trainer(parameters, configuration: TrainerConfiguration(epochs: 2, batchSize: 1))
        XCTAssertThrowsError(try trainer.run(training: data)) { error in
            guard case TrainingError.nonFinite(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("non-finite loss nan on example 2 in optimiser step "), message)
            XCTAssertTrue(message.contains("with every trained parameter finite"), message)
            XCTAssertTrue(message.contains("lower the learning rate"), message)
            XCTAssertTrue(message.contains("at epoch 1"), message)
            XCTAssertTrue(message.contains("No epoch finished"), message)
        }
        for p in parameters.all { XCTAssertTrue(p.value.storage.allSatisfy(\.isFinite), p.name) }
    }

    func testNonFiniteGradientIsCaughtBeforeTheUpdate() throws {
        let parameters = problem.parameters()
        let trainer = try Trainer<LinearRegressionProblem.Example, Double>(
            parameters: parameters, trainable: .prefixes(["lin."]), optimiser: .adam(learningRate: 0.1),
            configuration: TrainerConfiguration(epochs: 1)
        ) { _, w, _ in
            // A finite loss whose backward pass writes NaN into the bias gradient.
            let bias = w("lin.bias")
            return w.graph.record(Tensor(shape: [], storage: [1]), inputs: [bias]) { graph, _ in
                graph.accumulate(Tensor(shape: [1], storage: [.nan]), into: bias)
            }
        }
        let before = parameters.snapshot()
        XCTAssertThrowsError(try trainer.step(problem.examples(count: 1, seed: 1), random: SeededRandom(seed: 1))) {
            error in
            XCTAssertTrue("\(error)".contains("non-finite gradient of lin.bias"), "\(error)")
        }
        for name in parameters.names { XCTAssertTrue(parameters[name].value == before[name]!, name) }
    }

    func testSkipStepPolicyGoesOnAndCountsTheSkippedSteps() throws {
        let parameters = problem.parameters()
        var data = problem.examples(count: 6, seed: 12)
        data[0].poisoned = true
        data[4].poisoned = true
        let trainer = try problem.trainer(
            parameters, configuration: TrainerConfiguration(epochs: 3, batchSize: 1, nonFinitePolicy: .skipStep))
        let history = try trainer.run(training: data)
        XCTAssertEqual(history.map(\.skippedSteps), [2, 2, 2])
        XCTAssertTrue(history.allSatisfy { $0.trainLoss.isFinite })
        for p in parameters.all { XCTAssertTrue(p.value.storage.allSatisfy(\.isFinite), p.name) }
        XCTAssertGreaterThan(trainer.optimiser.stepCount, 0)
    }

    func testReduceOnPlateauLowersTheRateAfterPatienceEpochsWithoutImprovement() throws {
        let parameters = problem.parameters()
        let trainer = try problem.trainer(
            parameters,
            configuration: TrainerConfiguration(
                epochs: 6, schedule: .reduceOnPlateau(factor: 0.5, patience: 1)), learningRate: 0.1)
        trainer.validation = { ValidationScore(figures: 1, criterion: 1) }  // never improves after epoch 1
        let history = try trainer.run(training: problem.examples(count: 2, seed: 13))
        // The same rule by hand: epoch 1 sets the best; each later epoch is bad; the second bad epoch in a
        // row (> patience 1) halves the rate for the epochs after it.
        var expected: [Float] = []
        var rate: Float = 0.1
        var bad = 0
        for epoch in 0..<6 {
            expected.append(rate)
            if epoch > 0 { bad += 1 }
            if bad > 1 {
                rate *= 0.5
                bad = 0
            }
        }
        XCTAssertEqual(history.map(\.learningRate), expected)
        XCTAssertLessThan(expected.last!, expected.first!)
        XCTAssertEqual(trainer.optimiser.groups[0].learningRate, expected.last!)
    }

    func testCosineScheduleWarmsUpThenDecaysToTheMinimum() {
        let schedule = LearningRateSchedule.cosine(epochs: 10, warmupEpochs: 2, minimumFactor: 0.1)
        XCTAssertEqual(schedule.multiplier(forEpoch: 0), 0.5)
        XCTAssertEqual(schedule.multiplier(forEpoch: 1), 1)
        XCTAssertEqual(schedule.multiplier(forEpoch: 2), 1)
        for epoch in 3..<10 {
            XCTAssertLessThan(schedule.multiplier(forEpoch: epoch), schedule.multiplier(forEpoch: epoch - 1))
        }
        XCTAssertEqual(schedule.multiplier(forEpoch: 10), 0.1, accuracy: 1e-6)
        XCTAssertEqual(LearningRateSchedule.constant.multiplier(forEpoch: 7), 1)
    }

    func testCancellationStopsBetweenSteps() throws {
        final class Counter: @unchecked Sendable { var polls = 0 }
        let counter = Counter()
        let trainer = try problem.trainer(
            problem.parameters(),
            configuration: TrainerConfiguration(
                epochs: 5,
                isCancelled: {
                    counter.polls += 1
                    return counter.polls > 3
                }))
        XCTAssertThrowsError(try trainer.run(training: problem.examples(count: 2, seed: 14))) { error in
            guard case TrainingError.cancelled(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("epoch 2, case 2/2"), message)
        }
    }

    func testTrainableSelectionCombinesPrefixesNamesAndPredicates() throws {
        let selection = TrainableSelection.prefixes(["mask_decoder."])
            .union(.names(["prompt_encoder.no_mask_embed.weight"]))
            .subtracting(.prefixes(["mask_decoder.iou_prediction_head."]))
        XCTAssertTrue(selection.contains("mask_decoder.mask_tokens.weight"))
        XCTAssertTrue(selection.contains("prompt_encoder.no_mask_embed.weight"))
        XCTAssertFalse(selection.contains("mask_decoder.iou_prediction_head.layers.0.weight"))
        XCTAssertFalse(selection.contains("image_encoder.patch_embed.weight"))
        XCTAssertThrowsError(
            try problem.trainer(problem.parameters(), configuration: TrainerConfiguration(epochs: 1))
                .run(training: []))
        XCTAssertThrowsError(
            try Trainer<LinearRegressionProblem.Example, Double>(
                parameters: problem.parameters(), trainable: .none, optimiser: .adam(learningRate: 1),
                configuration: TrainerConfiguration(epochs: 1), loss: LinearRegressionProblem.loss))
    }
}
