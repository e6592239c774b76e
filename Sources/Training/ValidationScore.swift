/// One validation pass: the method's figures (kept in the epoch history) and the figure model
/// selection minimises.
public struct ValidationScore<Figures: Codable & Sendable>: Sendable {
    public var figures: Figures
    /// Lower is better; the best epoch so far is kept (`Trainer.onBest`).
    public var criterion: Double

    /// A validation result: the method's `figures` and the scalar `criterion` (lower is better) that keep-best
    /// compares.
    public init(figures: Figures, criterion: Double) {
        self.figures = figures
        self.criterion = criterion
    }
}
