/// What one epoch of `Trainer.run` achieved.
///
/// Encoded with the method's `Figures` under `validation`; a record whose figures' keys sit beside
/// `epoch`, `trainLoss`, … (the history of resume files written before the generic trainer) decodes too.
public struct EpochRecord<Figures: Codable & Sendable>: Sendable, Codable {
    /// 1-based.
    public var epoch: Int
    /// Mean training loss over the epoch's examples (skipped steps left out).
    public var trainLoss: Double
    /// The validation figures, nil without validation (or when validation had nothing to score).
    public var validation: Figures?
    /// The model-selection figure: the validation criterion, else the training loss.
    public var criterion: Double
    /// The first parameter group's learning rate during the epoch.
    public var learningRate: Float
    public var seconds: Double
    public var casesPerSecond: Double
    /// Whether this epoch was the best so far (and `onBest` ran).
    public var isBest: Bool
    /// Steps skipped by `NonFinitePolicy.skipStep`.
    public var skippedSteps: Int

    /// One epoch's figures: losses, validation figures and criterion, learning rate, time, rate, whether it is the
    /// best so far, and steps skipped by the non-finite guard.
    public init(
        epoch: Int, trainLoss: Double, validation: Figures?, criterion: Double, learningRate: Float, seconds: Double,
        casesPerSecond: Double, isBest: Bool, skippedSteps: Int = 0
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validation = validation
        self.criterion = criterion
        self.learningRate = learningRate
        self.seconds = seconds
        self.casesPerSecond = casesPerSecond
        self.isBest = isBest
        self.skippedSteps = skippedSteps
    }

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss, validation, criterion, learningRate, seconds, casesPerSecond, isBest, skippedSteps
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        trainLoss = try c.decode(Double.self, forKey: .trainLoss)
        seconds = try c.decode(Double.self, forKey: .seconds)
        casesPerSecond = try c.decode(Double.self, forKey: .casesPerSecond)
        isBest = try c.decode(Bool.self, forKey: .isBest)
        validation = try c.decodeIfPresent(Figures.self, forKey: .validation) ?? (try? Figures(from: decoder))
        criterion = try c.decodeIfPresent(Double.self, forKey: .criterion) ?? trainLoss
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? .nan
        skippedSteps = try c.decodeIfPresent(Int.self, forKey: .skippedSteps) ?? 0
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(trainLoss, forKey: .trainLoss)
        try c.encodeIfPresent(validation, forKey: .validation)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(casesPerSecond, forKey: .casesPerSecond)
        try c.encode(isBest, forKey: .isBest)
        try c.encode(skippedSteps, forKey: .skippedSteps)
    }
}
