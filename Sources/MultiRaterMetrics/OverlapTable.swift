/// All pairwise overlap counts between n samples and m raters, computed once.
///
/// Intersections are popcounts of `a & b` restricted to the range of words where both masks have
/// foreground; unions follow as `|a| + |b| - |a ∩ b|`. IoU and Dice matrices are derived from the
/// same counts, so each pair is visited once.
public struct OverlapTable: Sendable {
    /// Foreground pixel counts of the samples (length n) and raters (length m).
    public let sampleSizes: [Int]
    public let raterSizes: [Int]
    /// `|S_i ∩ S_j|` (n x n), `|S_i ∩ Y_j|` (n x m), `|Y_i ∩ Y_j|` (m x m).
    public let sampleSample: [Int]
    public let sampleRater: [Int]
    public let raterRater: [Int]

    public var n: Int { sampleSizes.count }
    public var m: Int { raterSizes.count }

    /// - Throws: `MetricError.emptySet` when either set is empty, `MetricError.sizeMismatch` when
    ///   the masks do not all share one size.
    public init(samples: [BinaryMask], raters: [BinaryMask]) throws {
        guard let first = samples.first else { throw MetricError.emptySet("samples") }
        guard !raters.isEmpty else { throw MetricError.emptySet("raters") }
        for mask in samples.dropFirst() { try first.checkSameSize(as: mask) }
        for mask in raters { try first.checkSameSize(as: mask) }
        let all = samples + raters
        let ranges = all.map(Self.nonzeroWordRange)
        let sizes = all.map(\.foregroundCount)
        let total = all.count
        var counts = [Int](repeating: 0, count: total * total)
        for i in 0..<total {
            counts[i * total + i] = sizes[i]
            for j in (i + 1)..<max(total, i + 1) {
                let lower = max(ranges[i].lowerBound, ranges[j].lowerBound)
                let upper = min(ranges[i].upperBound, ranges[j].upperBound)
                let c = BinaryMask.andCount(all[i].words, all[j].words, lower, upper)
                counts[i * total + j] = c
                counts[j * total + i] = c
            }
        }
        let n = samples.count
        let m = raters.count
        sampleSizes = Array(sizes[0..<n])
        raterSizes = Array(sizes[n...])
        var ss = [Int](repeating: 0, count: n * n)
        var sr = [Int](repeating: 0, count: n * m)
        var rr = [Int](repeating: 0, count: m * m)
        for i in 0..<n {
            for j in 0..<n { ss[i * n + j] = counts[i * total + j] }
            for j in 0..<m { sr[i * m + j] = counts[i * total + n + j] }
        }
        for i in 0..<m { for j in 0..<m { rr[i * m + j] = counts[(n + i) * total + n + j] } }
        sampleSample = ss
        sampleRater = sr
        raterRater = rr
    }

    static func nonzeroWordRange(_ mask: BinaryMask) -> Range<Int> {
        guard let lo = mask.words.firstIndex(where: { $0 != 0 }),
            let hi = mask.words.lastIndex(where: { $0 != 0 })
        else { return 0..<0 }
        return lo..<(hi + 1)
    }

    private static func matrix(
        _ counts: [Int], _ a: [Int], _ b: [Int],
        _ f: (Int, Int, Int) -> Double
    ) -> PairwiseMatrix {
        var out = PairwiseMatrix(rows: a.count, columns: b.count)
        for i in 0..<a.count {
            for j in 0..<b.count {
                out.values[i * b.count + j] = f(counts[i * b.count + j], a[i], b[j])
            }
        }
        return out
    }

    /// IoU between samples (n x n).
    public var sampleSampleIoU: PairwiseMatrix {
        Self.matrix(sampleSample, sampleSizes, sampleSizes, intersectionOverUnion(intersection:sizeA:sizeB:))
    }
    /// IoU between samples (rows) and raters (columns), n x m.
    public var sampleRaterIoU: PairwiseMatrix {
        Self.matrix(sampleRater, sampleSizes, raterSizes, intersectionOverUnion(intersection:sizeA:sizeB:))
    }
    /// IoU between raters (m x m).
    public var raterRaterIoU: PairwiseMatrix {
        Self.matrix(raterRater, raterSizes, raterSizes, intersectionOverUnion(intersection:sizeA:sizeB:))
    }
    /// Dice between samples (rows) and raters (columns), n x m.
    public var sampleRaterDice: PairwiseMatrix {
        Self.matrix(sampleRater, sampleSizes, raterSizes, diceCoefficient(intersection:sizeA:sizeB:))
    }
}
