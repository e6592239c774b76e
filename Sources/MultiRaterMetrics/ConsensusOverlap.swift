/// Overlap of two consensus masks, the usual single-mask scores of segmentation challenges: the Dice
/// similarity coefficient (DSC) and the normalised surface Dice (NSD, `SurfaceDice`) of the samples'
/// majority vote against the raters' majority vote.
///
/// A pixel is in a majority vote when more than half of the masks mark it (`2·count > K`; with two
/// raters that is their intersection). With one sample and one rater these are the plain DSC and NSD of a
/// prediction against its ground truth. Both empty → 1 for both scores; exactly one empty → 0.
public struct ConsensusOverlap: Sendable, Codable, Equatable {
    /// DSC of the two majority votes.
    public var dice: Double
    /// NSD of the two majority votes at `tolerance`.
    public var normalizedSurfaceDice: Double
    /// τ of the NSD, in pixels.
    public var tolerance: Double

    /// Scores `samples` against `raters` (every mask the same size; at least one of each).
    ///
    /// - Throws: `MetricError` for an empty set or masks of different sizes.
    public init(samples: [BinaryMask], raters: [BinaryMask], tolerance: Double = SurfaceDice.defaultTolerance)
        throws
    {
        let predicted = try BinaryMask.majorityVote(of: samples)
        let reference = try BinaryMask.majorityVote(of: raters)
        dice = try diceCoefficient(predicted, reference)
        normalizedSurfaceDice = try SurfaceDice.normalizedSurfaceDice(predicted, reference, tolerance: tolerance)
        self.tolerance = tolerance
    }

    /// The given scores, for reports read back from JSON.
    public init(dice: Double, normalizedSurfaceDice: Double, tolerance: Double) {
        self.dice = dice
        self.normalizedSurfaceDice = normalizedSurfaceDice
        self.tolerance = tolerance
    }

    /// The mean of each score over `list` (non-empty, one tolerance).
    public static func mean(of list: [ConsensusOverlap]) -> ConsensusOverlap {
        precondition(!list.isEmpty, "mean of no scores")
        let count = Double(list.count)
        return ConsensusOverlap(
            dice: list.reduce(0) { $0 + $1.dice } / count,
            normalizedSurfaceDice: list.reduce(0) { $0 + $1.normalizedSurfaceDice } / count,
            tolerance: list[0].tolerance)
    }

    enum CodingKeys: String, CodingKey {
        case dice = "dsc"
        case normalizedSurfaceDice = "nsd"
        case tolerance = "nsd_tolerance_px"
    }
}
