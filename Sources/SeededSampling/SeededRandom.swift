import CGSL

/// A seeded GSL Mersenne Twister (`gsl_rng_mt19937`): the project's reproducible random source.
///
/// Not thread-safe: use one instance per thread (e.g. one per case, seeded from the case index).
public final class SeededRandom {
    private let rng: UnsafeMutablePointer<gsl_rng>

    /// GSL semantics: seed 0 selects GSL's default seed (4357) for mt19937.
    public init(seed: UInt64) {
        rng = gsl_rng_alloc(p2sam_gsl_rng_mt19937())
        gsl_rng_set(rng, UInt(truncatingIfNeeded: seed))
    }

    private init(cloning other: UnsafeMutablePointer<gsl_rng>) { rng = gsl_rng_clone(other) }

    deinit { gsl_rng_free(rng) }

    /// An independent generator in the same state: it draws the same numbers this one would draw next
    /// (e.g. to replay a training step's randomness in a second forward pass).
    public func copy() -> SeededRandom { SeededRandom(cloning: rng) }

    /// Uniform in [0, 1).
    public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// 32 uniform random bits (one draw of mt19937, whose outputs are 32-bit).
    public func bits32() -> UInt32 { UInt32(truncatingIfNeeded: gsl_rng_get(rng)) }

    /// Uniform in [lower, upper).
    public func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * uniform() }

    /// Uniform integer in 0..<upper (upper >= 1).
    public func integer(below upper: Int) -> Int {
        precondition(upper >= 1)
        return Int(gsl_rng_uniform_int(rng, UInt(upper)))
    }

    /// Gaussian with mean 0 and standard deviation `sigma`.
    public func gaussian(sigma: Double = 1) -> Double { gsl_ran_gaussian(rng, sigma) }

    /// Bernoulli trial with success probability p.
    public func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// Fisher–Yates shuffle driven by `integer(below:)`.
    public func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, integer(below: i + 1))
        }
    }
}
