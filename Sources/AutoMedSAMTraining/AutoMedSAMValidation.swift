import AutoMedSAM
import Foundation
import MultiRaterMetrics
import SAMTensor

/// The validation figures of one epoch: Dice of the thresholded logits in the model frame (256x256)
/// against each example's mask, per class and their mean (an absent class predicted empty scores 1).
public struct AutoMedSAMValidation: Sendable, Codable, Equatable {
    /// Mean Dice over the classes' means.
    public var meanDice: Double
    /// Mean Dice per class id (as strings, for JSON).
    public var classDice: [String: Double]
    /// Examples scored.
    public var count: Int

    /// Scores `examples` with the network's current values (tape-free, no noise).
    public static func score(_ examples: [AutoMedSAMExample], network: AutoMedSAMNetwork) throws
        -> AutoMedSAMValidation
    {
        var sums: [Int: (Double, Int)] = [:]
        for (example, logits) in zip(examples, try network.currentLogits(examples)) {
            score(example, logits: logits, into: &sums)
        }
        let perClass = sums.mapValues { $0.0 / Double(max($0.1, 1)) }
        let mean = perClass.isEmpty ? 0 : perClass.values.reduce(0, +) / Double(perClass.count)
        return AutoMedSAMValidation(
            meanDice: mean, classDice: Dictionary(uniqueKeysWithValues: perClass.map { (String($0.key), $0.value) }),
            count: examples.count)
    }

    /// Adds one example's Dice to its class's sum and count.
    static func score(_ example: AutoMedSAMExample, logits: Tensor, into sums: inout [Int: (Double, Int)]) {
        var intersection = 0
        var predicted = 0
        var truth = 0
        for i in 0..<example.mask.count {
            let p = logits.storage[i] > 0
            let t = example.mask[i] != 0
            if p { predicted += 1 }
            if t { truth += 1 }
            if p && t { intersection += 1 }
        }
        let dice = diceCoefficient(intersection: intersection, sizeA: predicted, sizeB: truth)
        let old = sums[example.classID] ?? (0, 0)
        sums[example.classID] = (old.0 + dice, old.1 + 1)
    }
}
