/// The keep-best rule: which epoch's model is the best so far.
///
/// A lower criterion wins, except that an *ineligible* epoch (`ValidationScore.isEligible`: a degenerate
/// model, such as a P²SAM whose validation samples are all empty although some rater marked something) never
/// replaces an eligible one, and an eligible epoch replaces an ineligible one whatever the two criteria. So
/// an ineligible epoch is kept only while no eligible epoch has been seen, and then by the lowest criterion.
public struct BestEpoch: Sendable, Equatable {
    /// The kept epoch's criterion (`infinity` before the first epoch).
    public private(set) var criterion: Double
    /// Whether the kept epoch was eligible (false before the first epoch).
    public private(set) var isEligible: Bool

    /// Nothing kept yet.
    public init() {
        self.init(criterion: .infinity, isEligible: false)
    }

    /// A kept epoch with `criterion`, eligible or not (a resumed run's state).
    public init(criterion: Double, isEligible: Bool) {
        self.criterion = criterion
        self.isEligible = isEligible
    }

    /// Whether an epoch scoring `criterion` (with `isEligible`) is better than the kept one. A NaN criterion
    /// never is.
    public func isImproved(by criterion: Double, isEligible: Bool) -> Bool {
        guard !criterion.isNaN else { return false }
        switch (self.isEligible, isEligible) {
        case (false, true): return true
        case (true, false): return false
        default: return criterion < self.criterion
        }
    }

    /// Keeps an epoch scoring `criterion` (with `isEligible`).
    public mutating func keep(_ criterion: Double, isEligible: Bool) {
        self.criterion = criterion
        self.isEligible = isEligible
    }
}
