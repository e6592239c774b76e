import Foundation
import Optimisers
import SAMAutograd
import SAMLayers
import SeededSampling

/// A generic trainer: a method supplies the parameters, which of them train, and a per-example loss;
/// the trainer owns the optimiser and the steps (gradient averaging over a batch, NaN guard, clipping,
/// learning-rate schedule) and, in `run`, the epoch loop (seeded order, validation, keep-best, resume,
/// progress).
///
/// A step over a batch of B examples: for each example, a fresh `Graph` and a `Recording` context on
/// `parameters`; `loss(example, context, random)` records the forward pass and returns a scalar
/// `Variable` (or nil to contribute nothing); its value is checked and back-propagated with seed `1/B`,
/// so the parameters accumulate the gradient of the batch mean. Then the gradients are checked, clipped
/// (`maxGradientNorm`), the optimiser steps and `afterUpdate` runs (e.g. a re-normalisation).
///
///     let trainer = try Trainer<Case, Figures>(
///         parameters: model.parameters, trainable: .prefixes(["mask_decoder."]),
///         optimiser: .adamW(learningRate: 1e-4), configuration: TrainerConfiguration(epochs: 10, batchSize: 4)
///     ) { item, w, random in Loss.dice(logits: model.logits(w, item), target: item.mask) }
///     trainer.validation = { ValidationScore(figures: …, criterion: …) }
///     let history = try trainer.run(training: cases)
public final class Trainer<Example, Figures: Codable & Sendable> {
    /// The loss of one example, recorded in the context's graph: a scalar (shape `[]` or `[1]`), or nil to
    /// skip the example. The random source is the step's (the same numbers on every pass of a step).
    public typealias Loss = (_ example: Example, _ context: Recording, _ random: SeededRandom) throws -> Variable?

    public let parameters: ParameterSet
    public let optimiser: Adam
    public let configuration: TrainerConfiguration
    /// Names of the trained parameters, in set order.
    public let trainableNames: [String]
    let loss: Loss
    /// The optimiser groups' learning rates before the schedule.
    let baseLearningRates: [Float]
    /// The schedule with its state (updated after every epoch of `run`).
    public internal(set) var schedule: LearningRateSchedule
    /// The moving average of the trained parameters (`TrainerConfiguration.averageDecay`), else nil.
    public let average: ExponentialMovingAverage?

    /// Names an example in messages (`"case 0007"`); nil: examples are not named.
    public var exampleName: ((Example) -> String)?
    /// Runs after every optimiser update (e.g. to re-normalise constrained parameters).
    public var afterUpdate: (() -> Void)?
    /// Scores the current parameters after every epoch of `run`; nil (or a nil score) selects by the
    /// training loss.
    public var validation: (() throws -> ValidationScore<Figures>?)?
    /// Called when an epoch is the best so far, before the resume file is written (e.g. to save the model).
    public var onBest: ((EpochRecord<Figures>) throws -> Void)?
    /// The observer's message after each epoch; nil gives a generic line.
    public var epochSummary: ((EpochRecord<Figures>) -> String)?
    /// Receives progress and notices; the library never prints.
    public var observer: (any TrainingObserver)?

    /// Freezes every parameter but `trainable`, and builds the optimiser over the trained ones.
    ///
    /// - Parameters:
    ///   - parameters: every parameter of the model (the trainer freezes the unselected ones).
    ///   - trainable: which parameters train.
    ///   - makeOptimiser: makes the optimiser over the trained parameters (in set order); for several groups
    ///     with their own rates.
    ///   - configuration: epochs, batch size, seed, schedule, gradient rule and the non-finite policy.
    ///   - loss: one example's loss recorded through the context, or nil to skip the example.
    /// - Throws: `invalidConfiguration` for bad settings or an empty selection.
    public init(
        parameters: ParameterSet, trainable: TrainableSelection, optimiser makeOptimiser: ([Parameter]) -> Adam,
        configuration: TrainerConfiguration, loss: @escaping Loss
    ) throws {
        try configuration.validate()
        parameters.setTrainable(trainable.contains)
        let trained = parameters.trainable
        guard !trained.isEmpty else {
            throw TrainingError.invalidConfiguration("the trainable selection matches no parameter")
        }
        self.parameters = parameters
        self.configuration = configuration
        self.loss = loss
        trainableNames = trained.map(\.name)
        optimiser = makeOptimiser(trained)
        baseLearningRates = optimiser.groups.map(\.learningRate)
        schedule = configuration.schedule
        average = try configuration.averageDecay.map { try ExponentialMovingAverage(trained, decay: $0) }
    }

    /// Adam or AdamW over the trained parameters (one group).
    public convenience init(
        parameters: ParameterSet, trainable: TrainableSelection, optimiser: OptimiserSettings,
        configuration: TrainerConfiguration, loss: @escaping Loss
    ) throws {
        try self.init(
            parameters: parameters, trainable: trainable, optimiser: optimiser.makeOptimiser,
            configuration: configuration, loss: loss)
    }

    /// The GSL generator of epoch `epoch` (0-based) of a run seeded `seed`: it shuffles the examples, then
    /// feeds every step's loss.
    public static func epochRandom(seed: UInt64, epoch: Int) -> SeededRandom {
        SeededRandom(seed: seed &* 1_000_003 &+ UInt64(epoch) &+ 1)
    }

    /// Sets every group's learning rate to its base rate times `multiplier`.
    func applyLearningRate(multiplier: Float) {
        for (i, base) in baseLearningRates.enumerated() { optimiser.groups[i].learningRate = base * multiplier }
    }

    // MARK: One step

    /// One forward/backward pass over `batch`, adding `∂ mean loss / ∂ parameters` to the gradients;
    /// returns the mean loss.
    func accumulate(_ batch: [Example], random: SeededRandom) throws -> Double {
        var total = 0.0
        let scale = 1 / Float(batch.count)
        for example in batch {
            let graph = Graph()
            let recorded: Variable?
            do {
                recorded = try loss(example, Recording(graph: graph, parameters: parameters), random)
            } catch TrainingError
                .nonFinite(let why)
            {
                throw TrainingError.nonFinite(why + nonFiniteLossContext())
            }
            guard let value = recorded else { continue }
            let scalar = value.scalar
            guard scalar.isFinite else {
                throw TrainingError.nonFinite(
                    "non-finite loss \(scalar)" + (exampleName.map { " on " + $0(example) } ?? "")
                        + nonFiniteLossContext())
            }
            graph.backward(from: value, seed: scale)
            total += Double(scalar)
        }
        return total / Double(batch.count)
    }

    /// What a non-finite loss message adds: the optimiser step it happened in and, when every trained parameter is
    /// still finite (the forward pass overflowed from finite weights), the usual cause and remedy.
    func nonFiniteLossContext() -> String {
        let step = " in optimiser step \(optimiser.stepCount + 1)"
        guard optimiser.parameters.allSatisfy({ $0.value.storage.allSatisfy(\.isFinite) }) else { return step }
        let rate = optimiser.groups.map { "\($0.learningRate)" }.joined(separator: ", ")
        return step
            + " with every trained parameter finite: the forward pass overflowed, as it does when the learning rate (\(rate)) is too large for the model (Adam moves each weight by up to about the learning rate per step, whatever the gradient's size, so gradient clipping does not prevent it); lower the learning rate"
    }

    /// One optimiser step over `batch`; returns the mean loss.
    ///
    /// - Throws: `TrainingError.nonFinite` for a NaN or infinite loss or gradient (nothing is updated),
    ///   and the loss's own errors.
    public func step(_ batch: [Example], random: SeededRandom) throws -> Double {
        optimiser.zeroGradients()
        // The first pass draws from `random`; later passes (if the rule makes any) replay its draws.
        var start: SeededRandom?
        let loss = try configuration.gradientRule.gradients(of: optimiser.parameters) {
            if let start { return try accumulate(batch, random: start.copy()) }
            start = random.copy()
            return try accumulate(batch, random: random)
        }
        do { try NumericGuard.checkGradients(of: optimiser.parameters) } catch let error as NonFiniteValueError {
            throw TrainingError.nonFinite(
                "non-finite \(error.location) (\(error.count) element(s), first \(error.value) at \(error.index))")
        }
        if let maxNorm = configuration.maxGradientNorm {
            GradientClipping.clipByGlobalNorm(optimiser.parameters, maxNorm: maxNorm)
        }
        optimiser.step()
        afterUpdate?()
        average?.update()
        return loss
    }
}
