/// How HM-IoU handles n samples vs m raters (DESIGN.md section 3).
public enum HungarianIoUConvention: String, Sendable, Codable, CaseIterable {
    /// Replicate both sets to lcm(n, m) (samples lcm/n times, raters lcm/m times), square
    /// Hungarian matching maximising IoU, mean IoU over the lcm matched pairs (CCDM, MoSE, CAR).
    case standard
    /// Rectangular n x m Hungarian matching, mean IoU over the min(n, m) matched pairs only
    /// (P²SAM / A-SAM code; optimistic).
    case p2sam
}

/// How D_max aggregates the best Dice over raters (DESIGN.md section 3).
public enum MaximumDiceConvention: String, Sendable, Codable, CaseIterable {
    /// Mean over raters of the best Dice over samples: `(1/m) Σ_i max_j Dice(S_j, Y_i)`.
    case perRater = "per-rater"
    /// The single best sample/rater Dice: `max_i max_j Dice(S_j, Y_i)` (P²SAM code).
    case global
}

/// The conventions a `MultiRaterScore` was computed with.
public struct MetricConventions: Sendable, Codable, Equatable {
    public var hungarianIoU: HungarianIoUConvention
    public var maximumDice: MaximumDiceConvention

    /// The conventions for HM-IoU and D_max; the defaults are `standard` and `per-rater`.
    public init(hungarianIoU: HungarianIoUConvention = .standard, maximumDice: MaximumDiceConvention = .perRater) {
        self.hungarianIoU = hungarianIoU
        self.maximumDice = maximumDice
    }

    enum CodingKeys: String, CodingKey {
        case hungarianIoU = "hm_iou_convention"
        case maximumDice = "d_max_convention"
    }
}
