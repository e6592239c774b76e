import Foundation
import Optimisers

/// How the learning rate changes from epoch to epoch, as a multiplier of the optimiser's base rates
/// (each parameter group keeps its own base rate).
///
/// A value type holding its state (the plateau counters), stored in the resume file so a resumed run
/// continues the schedule exactly.
public struct LearningRateSchedule: Sendable, Codable, Equatable {
    enum Kind: Sendable, Codable, Equatable {
        case constant
        /// `ReduceLROnPlateau` on the multiplier (its `learningRate` starts at 1).
        case plateau(ReduceLROnPlateau)
        /// Linear warm-up over `warmup` epochs, then a half cosine from 1 to `minimum` at epoch `epochs`.
        case cosine(epochs: Int, warmup: Int, minimum: Float)
    }

    var kind: Kind

    /// The base rates throughout.
    public static let constant = LearningRateSchedule(kind: .constant)

    /// PyTorch's `ReduceLROnPlateau` (mode `min`) on the epoch's model-selection figure (validation,
    /// or the training loss without validation): after `patience` epochs without a relative improvement
    /// of `threshold`, the rates are multiplied by `factor`, down to `minimumFactor` times the base.
    public static func reduceOnPlateau(
        factor: Float = 0.1, patience: Int = 10, threshold: Double = 1e-4, cooldown: Int = 0,
        minimumFactor: Float = 0
    ) -> LearningRateSchedule {
        LearningRateSchedule(
            kind: .plateau(
                ReduceLROnPlateau(
                    learningRate: 1, factor: factor, patience: patience, threshold: threshold, cooldown: cooldown,
                    minimumLearningRate: minimumFactor)))
    }

    /// A linear warm-up from `1/warmupEpochs` to 1 over the first `warmupEpochs` epochs, then a half
    /// cosine from 1 down to `minimumFactor` at epoch `epochs`.
    public static func cosine(epochs: Int, warmupEpochs: Int = 0, minimumFactor: Float = 0) -> LearningRateSchedule {
        precondition(epochs >= 1 && warmupEpochs >= 0 && warmupEpochs <= epochs, "bad cosine schedule")
        return LearningRateSchedule(kind: .cosine(epochs: epochs, warmup: warmupEpochs, minimum: minimumFactor))
    }

    /// Whether the rates never change (the resume file then stores no schedule).
    public var isConstant: Bool { kind == .constant }

    /// The multiplier of the base rates during epoch `epoch` (0-based).
    public func multiplier(forEpoch epoch: Int) -> Float {
        switch kind {
        case .constant: return 1
        case .plateau(let plateau): return plateau.learningRate
        case .cosine(let epochs, let warmup, let minimum):
            if epoch < warmup { return Float(epoch + 1) / Float(warmup) }
            let span = max(epochs - warmup, 1)
            let progress = Double(min(epoch - warmup, span)) / Double(span)
            return minimum + (1 - minimum) * Float(0.5 * (1 + cos(Double.pi * progress)))
        }
    }

    /// Records the figure a finished epoch achieved (lower is better); only the plateau schedule uses it.
    public mutating func record(_ figure: Double) {
        if case .plateau(var plateau) = kind {
            plateau.step(figure)
            kind = .plateau(plateau)
        }
    }
}
