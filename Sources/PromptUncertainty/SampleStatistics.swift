import MultiRaterMetrics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Pixel-wise statistics of K samples of one image (probability maps or binary masks).
///
/// All maps are row-major `width x height`:
/// - ``mean``: `ȳ = (1/K) Σ_k y_k` (for binary masks this is the sample frequency);
/// - ``entropy``: binary entropy of the mean **in bits**, `H(ȳ) = -ȳ log2 ȳ - (1-ȳ) log2(1-ȳ)`, so
///   `0 <= H <= 1` (the papers' natural-log entropy divided by ln 2; UR-SAM's threshold and MedSAM-U's
///   comparison are invariant to this scale); `H(0) = H(1) = 0`;
/// - ``variance``: population variance `(1/K) Σ_k (y_k - ȳ)²` (display only; for binary samples it
///   equals `ȳ(1 - ȳ)`).
public struct SampleStatistics: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let sampleCount: Int
    public let mean: [Float]
    public let entropy: [Float]
    public let variance: [Float]

    /// Statistics of K >= 1 probability maps of one size.
    ///
    /// - Throws: ``PromptUncertaintyError/invalidCount(name:value:)`` for no maps,
    ///   ``PromptUncertaintyError/sizeMismatch(_:)`` for maps of different sizes.
    public init(probabilities maps: [ProbabilityMap]) throws {
        guard let first = maps.first else { throw PromptUncertaintyError.invalidCount(name: "sample count", value: 0) }
        for m in maps where m.width != first.width || m.height != first.height {
            throw PromptUncertaintyError.sizeMismatch(
                "maps of \(first.width)x\(first.height) and \(m.width)x\(m.height)")
        }
        let n = first.values.count
        let k = Float(maps.count)
        var mean = [Float](repeating: 0, count: n)
        for m in maps { for i in 0..<n { mean[i] += m.values[i] } }
        for i in 0..<n { mean[i] /= k }
        var variance = [Float](repeating: 0, count: n)
        for m in maps {
            for i in 0..<n {
                let d = m.values[i] - mean[i]
                variance[i] += d * d
            }
        }
        for i in 0..<n { variance[i] /= k }
        self.width = first.width
        self.height = first.height
        self.sampleCount = maps.count
        self.mean = mean
        self.variance = variance
        self.entropy = mean.map(Self.binaryEntropyBits)
    }

    /// Statistics of K >= 1 binary masks (the mean is the sample-frequency map).
    public init(masks: [BinaryMask]) throws {
        try self.init(probabilities: masks.map(ProbabilityMap.init(mask:)))
    }

    /// The sample-frequency map of binary samples (alias of ``mean``).
    public var frequency: [Float] { mean }

    /// Mean of ``entropy`` over all pixels, in bits (MedSAM-U's scalar for Eq. 14).
    public var meanEntropy: Double {
        entropy.isEmpty ? 0 : entropy.reduce(0.0) { $0 + Double($1) } / Double(entropy.count)
    }

    /// The ensembled mask `ȳ > threshold` (default 0.5).
    public func meanMask(threshold: Float = 0.5) -> BinaryMask {
        try! BinaryMask(width: width, height: height, floats: mean, threshold: threshold)
    }

    /// Binary entropy in bits of a probability (clamped to [0, 1]; 0 at both ends and for NaN input).
    public static func binaryEntropyBits(_ p: Float) -> Float {
        guard p > 0, p < 1 else { return 0 }
        let q = 1 - p
        return -(p * log2f(p) + q * log2f(q))
    }
}
