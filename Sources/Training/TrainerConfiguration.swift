/// What `Trainer` does when a loss or a gradient is NaN or infinite.
public enum NonFinitePolicy: String, Sendable, Codable, CaseIterable {
    /// Stop with `TrainingError.nonFinite`, naming the value, the epoch and the case, and what was kept.
    case stop
    /// Drop the step's gradients, skip the update, tell the observer, and go on.
    case skipStep
}

/// The settings of a training run that do not depend on the model.
public struct TrainerConfiguration: Sendable {
    public var epochs: Int
    /// Examples per optimiser step (their gradients are averaged).
    public var batchSize: Int
    /// Seeds epoch `e`'s random source (data order and the loss's own draws), `Trainer.epochRandom`.
    public var seed: UInt64
    /// Clip the global gradient norm to this value when set.
    public var maxGradientNorm: Float?
    public var schedule: LearningRateSchedule
    /// How a step's gradients are computed (one pass, or sharpness-aware with two).
    public var gradientRule: any GradientRule
    public var nonFinitePolicy: NonFinitePolicy
    /// What the model-selection figure is called in messages ("validation loss").
    public var criterionName: String
    /// Put the best epoch's parameter values back when the run ends (they are kept in memory; epochs
    /// finished before a resume are not). Off: the parameters end at the last epoch.
    public var restoresBestAtEnd: Bool
    /// Decay d of an exponential moving average of the trained parameters (`ExponentialMovingAverage`),
    /// updated after every step; when set, validation, `onBest` (the saved model) and the restored best epoch
    /// see the averaged values while the steps train the raw ones. nil: no average.
    public var averageDecay: Float?
    /// Polled before every step; returning true stops the run with `TrainingError.cancelled` (the resume
    /// file then holds the last finished epoch).
    public var isCancelled: (@Sendable () -> Bool)?

    /// A run of `epochs` epochs of `batchSize` examples from `seed`, with optional gradient clipping, the LR
    /// `schedule`, the gradient rule, the non-finite policy, the name of the validation criterion, whether the best
    /// epoch is restored at the end, an optional moving average of the weights (`averageDecay`), and a
    /// cancellation check.
    public init(
        epochs: Int, batchSize: Int = 1, seed: UInt64 = 1, maxGradientNorm: Float? = nil,
        schedule: LearningRateSchedule = .constant, gradientRule: any GradientRule = PlainGradient(),
        nonFinitePolicy: NonFinitePolicy = .stop, criterionName: String = "validation loss",
        restoresBestAtEnd: Bool = false, averageDecay: Float? = nil, isCancelled: (@Sendable () -> Bool)? = nil
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.maxGradientNorm = maxGradientNorm
        self.schedule = schedule
        self.gradientRule = gradientRule
        self.nonFinitePolicy = nonFinitePolicy
        self.criterionName = criterionName
        self.restoresBestAtEnd = restoresBestAtEnd
        self.averageDecay = averageDecay
        self.isCancelled = isCancelled
    }

    /// Throws `invalidConfiguration` naming the first bad setting.
    public func validate() throws {
        guard epochs >= 1 else { throw TrainingError.invalidConfiguration("epochs must be >= 1") }
        guard batchSize >= 1 else { throw TrainingError.invalidConfiguration("batch size must be >= 1") }
        if let maxGradientNorm, !(maxGradientNorm > 0 && maxGradientNorm.isFinite) {
            throw TrainingError.invalidConfiguration("the maximum gradient norm must be positive")
        }
        if let averageDecay, !(averageDecay > 0 && averageDecay < 1) {
            throw TrainingError.invalidConfiguration("the moving-average decay must lie in (0, 1), got \(averageDecay)")
        }
    }
}
