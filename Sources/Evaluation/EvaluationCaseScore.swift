import MultiRaterMetrics

/// One case of an evaluation: the multi-rater score of the n masks (encoded exactly as `p2sam score`'s
/// case objects) plus `dice` and `iou` of the final mask vs the majority-vote mask, `box_iou` of the
/// simulated box vs the tight box, `nsd` (normalised surface Dice of the final mask vs the majority vote,
/// tolerance `nsd_tolerance_px` image pixels) and, when the method has them, `mean_entropy` (bits) and `accepted`.
public struct EvaluationCaseScore: Codable, Sendable {
    public var score: MultiRaterScore
    public var dice: Double
    public var iou: Double
    public var boxIoU: Double
    public var meanEntropy: Double?
    /// For a mean over cases: the fraction accepted; for a case: 1 or 0.
    public var accepted: Double?
    /// NSD of the final mask vs the majority vote (nil in records written before it was scored).
    public var nsd: Double?
    /// The NSD tolerance τ in image pixels.
    public var nsdTolerance: Double?
    /// Fraction of the n masks that are empty ("no lesion"); nil in records written before it existed.
    public var emptySampleFraction: Double?
    /// Fraction of the raters' masks that are empty; nil in records written before it existed.
    public var emptyRaterFraction: Double?
    /// HM-IoU and D_max in both conventions (`evaluate --conventions both`); nil otherwise.
    public var bothConventions: ConventionPair?

    /// HM-IoU under both conventions and D_max under both, from one set of masks.
    public struct ConventionPair: Codable, Sendable, Equatable {
        public var hmIoUStandard: Double
        public var hmIoUP2SAM: Double
        public var dMaxPerRater: Double
        public var dMaxGlobal: Double

        /// The four figures (keys `hm_iou_standard`, `hm_iou_p2sam`, `d_max_per_rater`, `d_max_global`).
        public init(hmIoUStandard: Double, hmIoUP2SAM: Double, dMaxPerRater: Double, dMaxGlobal: Double) {
            self.hmIoUStandard = hmIoUStandard
            self.hmIoUP2SAM = hmIoUP2SAM
            self.dMaxPerRater = dMaxPerRater
            self.dMaxGlobal = dMaxGlobal
        }

        /// Both conventions' HM-IoU and D_max of samples against raters.
        public init(overlaps: OverlapTable) {
            let standard = MultiRaterScore(overlaps: overlaps, conventions: MetricConventions())
            let p2sam = MultiRaterScore(
                overlaps: overlaps, conventions: MetricConventions(hungarianIoU: .p2sam, maximumDice: .global))
            self.init(
                hmIoUStandard: standard.hmIoU, hmIoUP2SAM: p2sam.hmIoU, dMaxPerRater: standard.dMax,
                dMaxGlobal: p2sam.dMax)
        }

        enum CodingKeys: String, CodingKey {
            case hmIoUStandard = "hm_iou_standard"
            case hmIoUP2SAM = "hm_iou_p2sam"
            case dMaxPerRater = "d_max_per_rater"
            case dMaxGlobal = "d_max_global"
        }
    }

    enum CodingKeys: String, CodingKey {
        case dice, iou
        case boxIoU = "box_iou"
        case meanEntropy = "mean_entropy"
        case accepted, nsd
        case nsdTolerance = "nsd_tolerance_px"
        case emptySampleFraction = "empty_sample_fraction"
        case emptyRaterFraction = "empty_rater_fraction"
    }

    /// A case's multi-rater scores plus the final mask's Dice and IoU against the majority vote, the simulated
    /// box's IoU, the method's mean entropy and acceptance when it reports them, the final mask's NSD with its
    /// tolerance in pixels, the fractions of empty samples and rater masks, and both conventions' HM-IoU and
    /// D_max when asked for.
    public init(
        score: MultiRaterScore, dice: Double, iou: Double, boxIoU: Double, meanEntropy: Double?, accepted: Double?,
        nsd: Double? = nil, nsdTolerance: Double? = nil, emptySampleFraction: Double? = nil,
        emptyRaterFraction: Double? = nil, bothConventions: ConventionPair? = nil
    ) {
        self.score = score
        self.dice = dice
        self.iou = iou
        self.boxIoU = boxIoU
        self.meanEntropy = meanEntropy
        self.accepted = accepted
        self.nsd = nsd
        self.nsdTolerance = nsd == nil ? nil : nsdTolerance
        self.emptySampleFraction = emptySampleFraction
        self.emptyRaterFraction = emptyRaterFraction
        self.bothConventions = bothConventions
    }

    public init(from decoder: Decoder) throws {
        score = try MultiRaterScore(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dice = try c.decode(Double.self, forKey: .dice)
        iou = try c.decode(Double.self, forKey: .iou)
        boxIoU = try c.decode(Double.self, forKey: .boxIoU)
        meanEntropy = try c.decodeIfPresent(Double.self, forKey: .meanEntropy)
        accepted = try c.decodeIfPresent(Double.self, forKey: .accepted)
        nsd = try c.decodeIfPresent(Double.self, forKey: .nsd)
        nsdTolerance = try c.decodeIfPresent(Double.self, forKey: .nsdTolerance)
        emptySampleFraction = try c.decodeIfPresent(Double.self, forKey: .emptySampleFraction)
        emptyRaterFraction = try c.decodeIfPresent(Double.self, forKey: .emptyRaterFraction)
        let pair = try decoder.container(keyedBy: ConventionPair.CodingKeys.self)
        bothConventions = pair.contains(.hmIoUStandard) ? try ConventionPair(from: decoder) : nil
    }

    public func encode(to encoder: Encoder) throws {
        try score.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dice, forKey: .dice)
        try c.encode(iou, forKey: .iou)
        try c.encode(boxIoU, forKey: .boxIoU)
        try c.encodeIfPresent(meanEntropy, forKey: .meanEntropy)
        try c.encodeIfPresent(accepted, forKey: .accepted)
        try c.encodeIfPresent(nsd, forKey: .nsd)
        try c.encodeIfPresent(nsdTolerance, forKey: .nsdTolerance)
        try c.encodeIfPresent(emptySampleFraction, forKey: .emptySampleFraction)
        try c.encodeIfPresent(emptyRaterFraction, forKey: .emptyRaterFraction)
        try bothConventions?.encode(to: encoder)
    }

    /// The mean of every score over `list` (optional ones over the cases that have them).
    public static func mean(of list: [EvaluationCaseScore]) -> EvaluationCaseScore {
        let k = Double(list.count)
        func avg(_ f: (EvaluationCaseScore) -> Double) -> Double { list.reduce(0) { $0 + f($1) } / k }
        func optionalAvg(_ f: (EvaluationCaseScore) -> Double?) -> Double? {
            let values = list.compactMap(f)
            return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        }
        return EvaluationCaseScore(
            score: MultiRaterScore.mean(of: list.map(\.score)), dice: avg(\.dice), iou: avg(\.iou),
            boxIoU: avg(\.boxIoU), meanEntropy: optionalAvg(\.meanEntropy), accepted: optionalAvg(\.accepted),
            nsd: optionalAvg(\.nsd), nsdTolerance: list.compactMap(\.nsdTolerance).first,
            emptySampleFraction: optionalAvg(\.emptySampleFraction),
            emptyRaterFraction: optionalAvg(\.emptyRaterFraction),
            bothConventions: list.allSatisfy({ $0.bothConventions != nil })
                ? ConventionPair(
                    hmIoUStandard: avg { $0.bothConventions!.hmIoUStandard },
                    hmIoUP2SAM: avg { $0.bothConventions!.hmIoUP2SAM },
                    dMaxPerRater: avg { $0.bothConventions!.dMaxPerRater },
                    dMaxGlobal: avg { $0.bothConventions!.dMaxGlobal }) : nil)
    }
}
