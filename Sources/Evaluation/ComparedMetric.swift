/// A per-case figure of an `evaluate` (multi-rater or multi-class) or `score` report that `p2sam compare` compares, with its JSON key in a
/// comparison report and the direction in which it is better.
///
/// HM-IoU and D_max are kept apart by convention (DESIGN.md section 3): a run scored with `--conventions both`
/// has all four; a run scored with one convention has only that one's.
public enum ComparedMetric: String, CaseIterable, Sendable {
    case ged
    case hmIoUStandard = "hm_iou_standard"
    case hmIoUP2SAM = "hm_iou_p2sam"
    case dMaxPerRater = "d_max_per_rater"
    case dMaxGlobal = "d_max_global"
    case dMean = "d_mean"
    /// Dice of the final mask against the raters' majority vote (`evaluate`, `score`) or of a class's mask against
    /// the label (multi-class `evaluate`).
    case dice
    /// Normalised surface Dice of the same masks (`nsd`).
    case nsd
    case sampleDiversity = "sample_diversity"
    case emptySampleFraction = "empty_sample_fraction"

    /// The name in a printed table.
    public var label: String {
        switch self {
        case .ged: "GED"
        case .hmIoUStandard: "HM-IoU std"
        case .hmIoUP2SAM: "HM-IoU p2sam"
        case .dMaxPerRater: "D_max per-rater"
        case .dMaxGlobal: "D_max global"
        case .dMean: "D_mean"
        case .dice: "Dice"
        case .nsd: "NSD"
        case .sampleDiversity: "sample diversity"
        case .emptySampleFraction: "empty samples"
        }
    }

    /// Which way is better; nil for the descriptive figures (how much the samples spread, how many are empty:
    /// right is what the raters do, not more or less).
    public var direction: PairedComparison.Direction? {
        switch self {
        case .ged: .lowerIsBetter
        case .hmIoUStandard, .hmIoUP2SAM, .dMaxPerRater, .dMaxGlobal, .dMean, .dice, .nsd: .higherIsBetter
        case .sampleDiversity, .emptySampleFraction: nil
        }
    }
}
