/// The multi-rater scores of one case: n sampled masks against m rater masks.
///
/// JSON keys are snake_case (`ged`, `hm_iou`, `d_max`, `d_mean`, `sample_diversity`,
/// `rater_diversity`, `n`, `m`, `hm_iou_convention`, `d_max_convention`).
public struct MultiRaterScore: Sendable, Codable, Equatable {
    /// Squared generalised energy distance with d = 1 - IoU (V-statistic, no square root).
    public var ged: Double
    /// Hungarian-matched IoU under `conventions.hungarianIoU`.
    public var hmIoU: Double
    /// D_max under `conventions.maximumDice`.
    public var dMax: Double
    /// Mean Dice over all sample/rater pairs.
    public var dMean: Double
    /// Mean pairwise distance 1 - IoU between distinct samples (see `meanPairwiseDistance`).
    public var sampleDiversity: Double
    /// Mean pairwise distance 1 - IoU between distinct raters (see `meanPairwiseDistance`).
    public var raterDiversity: Double
    /// Number of samples and of raters (for a mean over cases: the mean counts, rounded down).
    public var n: Int
    public var m: Int
    public var conventions: MetricConventions

    /// A score from already computed values (e.g. decoded, or averaged over cases); the arguments are the
    /// properties of the same names.
    public init(
        ged: Double, hmIoU: Double, dMax: Double, dMean: Double, sampleDiversity: Double,
        raterDiversity: Double, n: Int, m: Int, conventions: MetricConventions
    ) {
        self.ged = ged
        self.hmIoU = hmIoU
        self.dMax = dMax
        self.dMean = dMean
        self.sampleDiversity = sampleDiversity
        self.raterDiversity = raterDiversity
        self.n = n
        self.m = m
        self.conventions = conventions
    }

    /// Scores samples against raters (all masks of one size; n, m >= 1).
    /// - Throws: `MetricError.emptySet`, `MetricError.sizeMismatch`.
    public init(samples: [BinaryMask], raters: [BinaryMask], conventions: MetricConventions = .init()) throws {
        self.init(overlaps: try OverlapTable(samples: samples, raters: raters), conventions: conventions)
    }

    /// Scores from precomputed overlap counts.
    public init(overlaps t: OverlapTable, conventions: MetricConventions = .init()) {
        let ss = t.sampleSampleIoU
        let sr = t.sampleRaterIoU
        let rr = t.raterRaterIoU
        let dice = t.sampleRaterDice
        self.init(
            ged: generalizedEnergyDistance(sampleSampleIoU: ss, sampleRaterIoU: sr, raterRaterIoU: rr),
            hmIoU: hungarianMatchedIoU(sr, convention: conventions.hungarianIoU),
            dMax: maximumDice(dice, convention: conventions.maximumDice),
            dMean: meanDice(dice),
            sampleDiversity: meanPairwiseDistance(ss), raterDiversity: meanPairwiseDistance(rr),
            n: t.n, m: t.m, conventions: conventions)
    }

    /// The unweighted mean over cases of every metric (n and m: mean rounded down).
    /// - Precondition: `scores` is non-empty and shares one set of conventions.
    public static func mean(of scores: [MultiRaterScore]) -> MultiRaterScore {
        precondition(!scores.isEmpty, "mean of no scores")
        let k = Double(scores.count)
        func avg(_ f: (MultiRaterScore) -> Double) -> Double { scores.reduce(0) { $0 + f($1) } / k }
        return MultiRaterScore(
            ged: avg(\.ged), hmIoU: avg(\.hmIoU), dMax: avg(\.dMax), dMean: avg(\.dMean),
            sampleDiversity: avg(\.sampleDiversity), raterDiversity: avg(\.raterDiversity),
            n: scores.reduce(0) { $0 + $1.n } / scores.count,
            m: scores.reduce(0) { $0 + $1.m } / scores.count,
            conventions: scores[0].conventions)
    }

    enum CodingKeys: String, CodingKey {
        case ged
        case hmIoU = "hm_iou"
        case dMax = "d_max"
        case dMean = "d_mean"
        case sampleDiversity = "sample_diversity"
        case raterDiversity = "rater_diversity"
        case n, m
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ged = try c.decode(Double.self, forKey: .ged)
        hmIoU = try c.decode(Double.self, forKey: .hmIoU)
        dMax = try c.decode(Double.self, forKey: .dMax)
        dMean = try c.decode(Double.self, forKey: .dMean)
        sampleDiversity = try c.decode(Double.self, forKey: .sampleDiversity)
        raterDiversity = try c.decode(Double.self, forKey: .raterDiversity)
        n = try c.decode(Int.self, forKey: .n)
        m = try c.decode(Int.self, forKey: .m)
        conventions = try MetricConventions(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ged, forKey: .ged)
        try c.encode(hmIoU, forKey: .hmIoU)
        try c.encode(dMax, forKey: .dMax)
        try c.encode(dMean, forKey: .dMean)
        try c.encode(sampleDiversity, forKey: .sampleDiversity)
        try c.encode(raterDiversity, forKey: .raterDiversity)
        try c.encode(n, forKey: .n)
        try c.encode(m, forKey: .m)
        try conventions.encode(to: encoder)
    }
}
