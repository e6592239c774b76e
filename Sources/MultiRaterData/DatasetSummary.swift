import MultiRaterMetrics

/// Dataset statistics for `p2sam data info`, including the inter-rater "human reference line".
///
/// The reference line is leave-one-rater-out: for each case with K >= 2 raters and each rater k,
/// rater k is the single "sample" (n = 1) scored against the other K - 1 raters (m = K - 1); the
/// case value is the mean over k, and the dataset value the mean over those cases. HM-IoU uses
/// the `standard` convention (with n = 1 both conventions coincide: the best IoU over the others) and
/// D_max `per-rater`.
public struct DatasetSummary: Sendable {
    public var caseCount: Int
    /// Number of cases per rater count K.
    public var raterHistogram: [Int: Int]
    /// Fraction of all rater masks that are empty.
    public var emptyMaskFraction: Double
    /// Fraction of cases whose masks are all empty.
    public var allEmptyCaseFraction: Double
    /// Mean foreground fraction of the non-empty masks.
    public var meanForegroundFraction: Double
    /// Image sizes (width x height) and their case counts.
    public var sizes: [String: Int]
    /// Channels and source element types of the images (nil when there are none).
    public var imageTypes: [String: Int]
    public var imageRange: ClosedRange<Float>?
    public var casesWithoutImage: Int
    /// Leave-one-rater-out inter-rater scores (nil when no case has two raters).
    public var interRater: MultiRaterScore?
    /// Cases that entered `interRater`.
    public var interRaterCases: Int
    /// The raters' own diversity: mean over the cases with K >= 2 of the mean 1 - IoU over pairs of
    /// distinct raters (all K of them; `interRater`'s `raterDiversity` is that of the K - 1 left in).
    public var raterDiversity: Double?

    /// Computes the statistics and the inter-rater reference line of `dataset`.
    ///
    /// - Throws: an error from scoring a case's raters (a `MetricError`, e.g. for masks of unequal size).
    public init(_ dataset: MultiRaterDataset) throws {
        let cases = dataset.cases
        caseCount = cases.count
        var histogram: [Int: Int] = [:]
        var sizes: [String: Int] = [:]
        var types: [String: Int] = [:]
        var masks = 0
        var empty = 0
        var allEmpty = 0
        var fgSum = 0.0
        var fgCount = 0
        var noImage = 0
        var lo = Float.infinity
        var hi = -Float.infinity
        var scores: [MultiRaterScore] = []
        var diversities: [Double] = []
        for item in cases {
            histogram[item.raters.count, default: 0] += 1
            sizes["\(item.width)x\(item.height)", default: 0] += 1
            masks += item.raters.count
            var caseEmpty = true
            for mask in item.raters {
                if mask.isEmpty {
                    empty += 1
                } else {
                    caseEmpty = false
                    fgSum += mask.foregroundFraction
                    fgCount += 1
                }
            }
            if caseEmpty { allEmpty += 1 }
            if let image = item.image {
                types["\(image.channels == 1 ? "grey" : "rgb") \(image.sourceType)", default: 0] += 1
                let r = image.valueRange
                lo = min(lo, r.lowerBound)
                hi = max(hi, r.upperBound)
            } else {
                noImage += 1
            }
            if item.raters.count >= 2 {
                scores.append(try Self.leaveOneRaterOut(item.raters))
                diversities.append(
                    meanPairwiseDistance(try OverlapTable(samples: item.raters, raters: item.raters).raterRaterIoU))
            }
        }
        raterHistogram = histogram
        emptyMaskFraction = masks == 0 ? 0 : Double(empty) / Double(masks)
        allEmptyCaseFraction = cases.isEmpty ? 0 : Double(allEmpty) / Double(cases.count)
        meanForegroundFraction = fgCount == 0 ? 0 : fgSum / Double(fgCount)
        self.sizes = sizes
        imageTypes = types
        imageRange = lo <= hi ? lo...hi : nil
        casesWithoutImage = noImage
        interRater = scores.isEmpty ? nil : MultiRaterScore.mean(of: scores)
        interRaterCases = scores.count
        raterDiversity = diversities.isEmpty ? nil : diversities.reduce(0, +) / Double(diversities.count)
    }

    /// Mean over k of the score of rater k (as the one sample) against the other raters.
    public static func leaveOneRaterOut(_ raters: [BinaryMask]) throws -> MultiRaterScore {
        precondition(raters.count >= 2)
        let runs = try raters.indices.map { k in
            var others = raters
            let held = others.remove(at: k)
            return try MultiRaterScore(samples: [held], raters: others)
        }
        return MultiRaterScore.mean(of: runs)
    }
}
