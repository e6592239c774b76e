/// One validation pass: the method's figures (kept in the epoch history) and the figure model
/// selection minimises.
public struct ValidationScore<Figures: Codable & Sendable>: Sendable {
    public var figures: Figures
    /// Lower is better; the best epoch so far is kept (`Trainer.onBest`).
    public var criterion: Double
    /// Whether this epoch's model may be kept as the best: false for a degenerate model, which is kept only
    /// while no eligible epoch has been seen (`BestEpoch`).
    public var isEligible: Bool

    /// A validation result: the method's `figures` and the scalar `criterion` (lower is better) that keep-best
    /// compares; `isEligible` false marks a degenerate model (`BestEpoch`).
    public init(figures: Figures, criterion: Double, isEligible: Bool = true) {
        self.figures = figures
        self.criterion = criterion
        self.isEligible = isEligible
    }
}
