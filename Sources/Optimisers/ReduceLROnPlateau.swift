/// Lowers the learning rate when a monitored value stops improving, with the semantics of PyTorch's
/// `torch.optim.lr_scheduler.ReduceLROnPlateau` (mode `min`, relative threshold):
///
///     better  ⇔  value < best · (1 − threshold)
///     on each `step(value)`: better → best = value, badEpochs = 0; otherwise badEpochs += 1;
///                            in cooldown → cooldown −= 1, badEpochs = 0;
///                            badEpochs > patience → lr = max(lr · factor, minimum) (if it drops by more
///                            than 1e-8), cooldown = cooldownEpochs, badEpochs = 0.
///
/// A value type: store it with the run (it is `Codable`) to resume exactly.
public struct ReduceLROnPlateau: Sendable, Equatable, Codable {
    /// The current learning rate.
    public private(set) var learningRate: Float
    /// Multiplier applied on a plateau, in (0, 1).
    public let factor: Float
    /// Steps without improvement tolerated before lowering the rate.
    public let patience: Int
    /// Relative improvement that counts as better.
    public let threshold: Double
    /// Steps after a reduction during which bad steps are not counted.
    public let cooldownEpochs: Int
    /// Lower bound of the learning rate.
    public let minimumLearningRate: Float

    /// Best value seen so far (`+∞` before the first step).
    public private(set) var best: Double = .infinity
    /// Consecutive steps without improvement.
    public private(set) var badEpochs = 0
    /// Remaining cooldown steps.
    public private(set) var cooldown = 0

    /// - Parameters: as PyTorch's (`factor` 0.1, `patience` 10, `threshold` 1e-4, `cooldown` 0, `min_lr` 0).
    public init(
        learningRate: Float, factor: Float = 0.1, patience: Int = 10, threshold: Double = 1e-4,
        cooldown: Int = 0, minimumLearningRate: Float = 0
    ) {
        precondition(factor > 0 && factor < 1, "factor must be in (0, 1)")
        precondition(patience >= 0 && cooldown >= 0, "patience and cooldown must be non-negative")
        self.learningRate = learningRate
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.cooldownEpochs = cooldown
        self.minimumLearningRate = minimumLearningRate
    }

    /// Records one monitored value (e.g. an epoch's validation loss) and returns the learning rate to use
    /// from now on. A non-finite value counts as no improvement.
    @discardableResult
    public mutating func step(_ value: Double) -> Float {
        if value.isFinite && value < best * (1 - threshold) {
            best = value
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldown > 0 {
            cooldown -= 1
            badEpochs = 0
        }
        if badEpochs > patience {
            let lowered = max(learningRate * factor, minimumLearningRate)
            if learningRate - lowered > 1e-8 { learningRate = lowered }
            cooldown = cooldownEpochs
            badEpochs = 0
        }
        return learningRate
    }
}
