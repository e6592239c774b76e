import Foundation
import MultiRaterMetrics
import SAMAutograd
import SAMTensor

/// ℓ_seg = 0.2 · BCE-with-logits + 0.8 · soft Dice (smoothing 1) (`docs/p2sam-model.md`, "Training losses").
public enum SegmentationLoss {
    public static let bceWeight: Float = 0.2
    public static let diceWeight: Float = 0.8

    /// The differentiable loss of logits `[1, 65536]` (or any shape with 65536 elements) against a
    /// `[1, 256, 256]` target.
    public static func loss(logits: Variable, target: Tensor) -> Variable {
        let x = logits.reshaped(target.shape)
        return bceWeight * Loss.binaryCrossEntropy(logits: x, targets: target) + diceWeight
            * Loss.dice(logits: x, targets: target)
    }

    /// The same loss computed directly (no graph), for the set losses' cost matrices and validation.
    public static func value(logits: UnsafeBufferPointer<Float>, target: [UInt8]) -> Double {
        precondition(logits.count == target.count, "loss: \(logits.count) logits vs \(target.count) target pixels")
        var bce = 0.0
        var intersection = 0.0
        var predicted = 0.0
        var actual = 0.0
        for i in 0..<logits.count {
            let v = Double(logits[i])
            let y = Double(target[i])
            bce += max(v, 0) - v * y + Foundation.log1p(Foundation.exp(-abs(v)))
            let p = 1 / (1 + Foundation.exp(-v))
            intersection += p * y
            predicted += p
            actual += y
        }
        let dice = 1 - (2 * intersection + 1) / (predicted + actual + 1)
        return Double(bceWeight) * bce / Double(logits.count) + Double(diceWeight) * dice
    }
}

/// How K samples of one case are matched to its raters in stage 2.
public enum SetLoss: String, Sendable, Codable, CaseIterable {
    /// One sample against one uniformly random rater (the contract's default stage-2 loss).
    case none
    /// For every rater, the best of the K samples; the mean over raters.
    case bestOfK = "best-of-k"
    /// Hungarian matching of the K samples to the raters on ℓ_seg; the mean over matched pairs.
    case hungarian
    /// The energy distance between the K samples and all raters with the soft Jaccard distance
    /// (`Loss.energyDistance`): a differentiable surrogate of the evaluation's GED that rewards
    /// samples as diverse as the raters. Not in the paper (an extension; see docs/p2sam-model.md).
    case energy

    /// The matched `(sample, rater)` pairs for a cost matrix `cost[k][j]` (K samples x M raters);
    /// `none` and `energy` match nothing (they return the single pair (0, 0)).
    public func pairs(cost: [[Double]]) -> [(sample: Int, rater: Int)] {
        let k = cost.count
        let m = cost.first?.count ?? 0
        switch self {
        case .none, .energy:
            return [(0, 0)]
        case .bestOfK:
            return (0..<m).map { j in ((0..<k).min { cost[$0][j] < cost[$1][j] }!, j) }
        case .hungarian:
            let matrix = PairwiseMatrix(rows: k, columns: m, values: cost.flatMap { $0 })
            return solveAssignment(matrix).pairs.map { ($0.row, $0.column) }
        }
    }
}
