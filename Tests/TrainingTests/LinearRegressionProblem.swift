import Foundation
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import Training

/// A toy problem for the trainer: y = x·w* + b* with x ∈ R³, fitted by one linear layer (`lin.weight`
/// `[1, 3]`, `lin.bias` `[1]`, starting at zero) under the mean squared error.
struct LinearRegressionProblem {
    struct Example {
        var name: String
        /// `[1, 3]`.
        var x: Tensor
        /// `[1, 1]`.
        var y: Tensor
        /// Makes the loss NaN (to test the guard).
        var poisoned = false
    }

    let trueWeights: [Float] = [1.5, -2, 0.5]
    let trueBias: Float = 0.3

    /// `count` examples with x ~ N(0, 1) per coordinate, drawn from `seed`.
    func examples(count: Int, seed: UInt64) -> [Example] {
        let random = SeededRandom(seed: seed)
        return (0..<count).map { i in
            let x = (0..<3).map { _ in Float(random.gaussian()) }
            let y = zip(x, trueWeights).reduce(trueBias) { $0 + $1.0 * $1.1 }
            return Example(
                name: "example \(i)", x: Tensor(shape: [1, 3], storage: x), y: Tensor(shape: [1, 1], storage: [y]))
        }
    }

    /// A fresh model at zero, plus a frozen parameter that must never move.
    func parameters() -> ParameterSet {
        let set = ParameterSet()
        set.add("lin.weight", Tensor(shape: [1, 3], storage: [0, 0, 0]))
        set.add("lin.bias", Tensor(shape: [1], storage: [0]))
        set.add("frozen.scale", Tensor(shape: [1], storage: [1]))
        return set
    }

    /// The squared error of one example; NaN for a poisoned one.
    static func loss(_ example: Example, _ w: Recording, _ random: SeededRandom) -> Variable? {
        let x = w.graph.constant(example.x)
        let error = Loss.meanSquaredError(x.linear(weight: w("lin.weight"), bias: w("lin.bias")), target: example.y)
        return example.poisoned ? error * Float.nan : error
    }

    /// Mean squared error over `examples` at the current parameters (no gradients).
    static func meanError(_ examples: [Example], _ parameters: ParameterSet) -> Double {
        let weights = parameters["lin.weight"].value.storage
        let bias = parameters["lin.bias"].value.storage[0]
        let total = examples.reduce(0.0) { sum, e in
            let prediction = zip(e.x.storage, weights).reduce(bias) { $0 + $1.0 * $1.1 }
            return sum + Double((prediction - e.y.storage[0]) * (prediction - e.y.storage[0]))
        }
        return total / Double(examples.count)
    }

    /// A trainer on this problem training `lin.*`.
    func trainer(
        _ parameters: ParameterSet, configuration: TrainerConfiguration, learningRate: Float = 0.05
    ) throws -> Trainer<Example, Double> {
        let trainer = try Trainer<Example, Double>(
            parameters: parameters, trainable: .prefixes(["lin."]), optimiser: .adam(learningRate: learningRate),
            configuration: configuration, loss: Self.loss)
        trainer.exampleName = { $0.name }
        return trainer
    }
}
