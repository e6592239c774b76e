import CGSL
import SeededSampling

/// One metric of two runs on the same cases, compared case by case: the differences
/// `d_i = candidate_i − baseline_i`, their mean with a Student t interval, and a sign-flip test.
///
/// The cases are the unit of replication (a test split of 7–67 cases has a wide interval: that is the point).
/// The interval is `mean(d) ± t(0.975, n − 1) · sd(d) / √n` with `sd` the sample standard deviation
/// (n − 1 in the denominator). The p-value is two-sided for "the mean difference is 0": under that
/// hypothesis every sign pattern of the `d_i` is equally likely, so p is the share of the 2ⁿ patterns whose
/// |Σ ±d_i| is at least the observed |Σ d_i| (`PValueMethod`): enumerated for n ≤ `exactTestLimit`; estimated from
/// `randomFlips` seeded patterns as (1 + hits) / (1 + draws) up to `randomFlipLimit` cases; above that, from the
/// normal approximation of Σ ±d_i (mean 0, variance Σ d_i²), which is accurate at that size and takes no time.
public struct PairedComparison: Sendable, Equatable {
    /// Whether a higher or a lower value of the metric is better (nil: descriptive only, e.g. diversity).
    public enum Direction: String, Sendable, Equatable {
        case higherIsBetter = "higher"
        case lowerIsBetter = "lower"
    }

    /// How the sign-flip test's p-value was computed.
    public enum PValueMethod: String, Sendable, Equatable {
        /// Every one of the 2ⁿ sign patterns.
        case exact
        /// `randomFlips` seeded random sign patterns.
        case randomSignPatterns = "random sign patterns"
        /// The normal approximation of the sign-flip distribution.
        case normalApproximation = "normal approximation"
    }

    /// The largest number of cases whose 2ⁿ sign patterns are enumerated (2²⁰ ≈ 10⁶ patterns).
    public static let exactTestLimit = 20
    /// Random sign patterns drawn above `exactTestLimit` cases.
    public static let randomFlips = 100_000
    /// The largest number of cases tested with random sign patterns (at most 2·10⁸ additions).
    public static let randomFlipLimit = 2_000

    /// How the p-value of n cases is computed.
    public static func pValueMethod(caseCount n: Int) -> PValueMethod {
        n <= exactTestLimit ? .exact : n <= randomFlipLimit ? .randomSignPatterns : .normalApproximation
    }

    /// The number of paired cases n.
    public var caseCount: Int
    /// Mean of the baseline's and of the candidate's values over the n cases.
    public var baselineMean: Double
    public var candidateMean: Double
    /// Mean of `candidate − baseline`.
    public var meanDifference: Double
    /// `sd(d) / √n`; nil for n < 2.
    public var standardError: Double?
    /// The 95 % Student t interval of the mean difference; nil for n < 2.
    public var confidenceInterval: ClosedRange<Double>?
    /// Cases where the candidate is better, worse, or equal; nil when `direction` is nil.
    public var better: Int?
    public var worse: Int?
    public var tied: Int?
    /// The sign-flip test's two-sided p-value.
    public var pValue: Double
    /// How `pValue` was computed (by the number of cases).
    public var pValueMethod: PValueMethod

    /// Compares `candidate` with `baseline`, paired by index.
    /// - Parameters:
    ///   - baseline: one value per case (n ≥ 1).
    ///   - candidate: one value per case, the same cases in the same order as `baseline`.
    ///   - direction: which way is better, for the better/worse/tied counts.
    ///   - seed: seeds the random sign patterns when n > `exactTestLimit` (GSL mt19937).
    public init(baseline: [Double], candidate: [Double], direction: Direction?, seed: UInt64 = 1) {
        precondition(!baseline.isEmpty && baseline.count == candidate.count, "paired values of the same cases")
        let n = baseline.count
        let differences = zip(candidate, baseline).map { $0 - $1 }
        caseCount = n
        baselineMean = baseline.reduce(0, +) / Double(n)
        candidateMean = candidate.reduce(0, +) / Double(n)
        let mean = differences.reduce(0, +) / Double(n)
        meanDifference = mean
        if n >= 2 {
            let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            let error = (variance / Double(n)).squareRoot()
            let t = gsl_cdf_tdist_Pinv(0.975, Double(n - 1))
            standardError = error
            confidenceInterval = (mean - t * error)...(mean + t * error)
        }
        if let direction {
            let sign: Double = direction == .higherIsBetter ? 1 : -1
            better = differences.filter { sign * $0 > 0 }.count
            worse = differences.filter { sign * $0 < 0 }.count
            tied = n - better! - worse!
        }
        pValueMethod = Self.pValueMethod(caseCount: n)
        pValue = Self.signFlipPValue(differences, method: pValueMethod, seed: seed)
    }

    /// The two-sided sign-flip p-value of `differences`.
    static func signFlipPValue(_ differences: [Double], method: PValueMethod, seed: UInt64) -> Double {
        let magnitudes = differences.map(abs)
        let observed = abs(differences.reduce(0, +))
        // Sums equal to the observed one up to rounding count as "at least as extreme".
        let threshold = observed - 1e-12 * max(1, magnitudes.reduce(0, +))
        let n = magnitudes.count
        switch method {
        case .exact:
            var hits = 0
            for pattern in 0..<(1 << n) {
                var sum = 0.0
                for i in 0..<n { sum += (pattern >> i) & 1 == 1 ? -magnitudes[i] : magnitudes[i] }
                if abs(sum) >= threshold { hits += 1 }
            }
            return Double(hits) / Double(1 << n)
        case .randomSignPatterns:
            let random = SeededRandom(seed: seed)
            var hits = 0
            for _ in 0..<randomFlips {
                var sum = 0.0
                var bits: UInt32 = 0
                for (i, m) in magnitudes.enumerated() {
                    if i % 32 == 0 { bits = random.bits32() }
                    sum += bits & 1 == 1 ? -m : m
                    bits >>= 1
                }
                if abs(sum) >= threshold { hits += 1 }
            }
            return Double(1 + hits) / Double(1 + randomFlips)
        case .normalApproximation:
            let spread = magnitudes.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard spread > 0 else { return 1 }
            return min(1, 2 * gsl_cdf_ugaussian_Q(max(0, threshold) / spread))
        }
    }
}
