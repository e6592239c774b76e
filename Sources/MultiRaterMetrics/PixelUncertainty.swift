/// Pixel-level calibration and uncertainty metrics ("extra" metrics, SPECS.md 7.10).
///
/// Maps are row-major `[Double]` arrays with one value per pixel of the reference mask.
/// A probability map p is turned into a label with `p >= 0.5` (foreground).

/// Per-pixel foreground frequency over a set of binary masks: `(1/k) Σ_i M_i(x)`.
/// - Throws: `MetricError.emptySet`, `MetricError.sizeMismatch`.
public func foregroundFrequency(_ masks: [BinaryMask]) throws -> [Double] {
    guard let first = masks.first else { throw MetricError.emptySet("masks") }
    var sum = [Double](repeating: 0, count: first.pixelCount)
    for mask in masks {
        try first.checkSameSize(as: mask)
        for (w, word) in mask.words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                sum[(w << 6) + bits.trailingZeroBitCount] += 1
                bits &= bits - 1
            }
        }
    }
    let k = Double(masks.count)
    return sum.map { $0 / k }
}

/// Pixel variance of a set of binary masks, `(1/k) Σ_i (M_i(x) - f(x))² = f(x)(1 - f(x))` with f the
/// foreground frequency.
public func pixelVariance(_ masks: [BinaryMask]) throws -> [Double] {
    try foregroundFrequency(masks).map { $0 * (1 - $0) }
}

/// Pixel expected calibration error of a foreground-probability map against a reference mask.
///
/// Confidence `c = max(p, 1 - p)`, predicted label `p >= 0.5`. `bins` equal-width bins over [0, 1];
/// bin b holds the pixels with `b/bins < c <= (b+1)/bins` (confidence 0 cannot occur since c >= 0.5).
/// `ECE = Σ_b (|B_b| / N) |acc_b - conf_b|`, acc_b = fraction of pixels in B_b whose label equals the
/// reference, conf_b = mean confidence in B_b.
/// - Throws: `MetricError.countMismatch`, `MetricError.invalidArgument` (bins < 1, p outside [0, 1]).
public func pixelCalibrationError(probabilities p: [Double], reference: BinaryMask, bins: Int = 10) throws -> Double {
    guard bins >= 1 else { throw MetricError.invalidArgument("bins must be >= 1") }
    guard p.count == reference.pixelCount else {
        throw MetricError.countMismatch(expected: reference.pixelCount, found: p.count)
    }
    guard !p.isEmpty else { return 0 }
    var count = [Int](repeating: 0, count: bins)
    var correct = [Int](repeating: 0, count: bins)
    var confidenceSum = [Double](repeating: 0, count: bins)
    let truth = reference.bytes()
    for i in 0..<p.count {
        guard p[i] >= 0 && p[i] <= 1 else { throw MetricError.invalidArgument("probability \(p[i]) outside [0, 1]") }
        let c = max(p[i], 1 - p[i])
        // Upper-inclusive bins: ceil(c * bins) - 1.
        var b = Int((c * Double(bins)).rounded(.up)) - 1
        b = min(max(b, 0), bins - 1)
        count[b] += 1
        confidenceSum[b] += c
        if (p[i] >= 0.5) == (truth[i] != 0) { correct[b] += 1 }
    }
    var ece = 0.0
    for b in 0..<bins where count[b] > 0 {
        let n = Double(count[b])
        ece += n / Double(p.count) * abs(Double(correct[b]) / n - confidenceSum[b] / n)
    }
    return ece
}

/// Uncertainty–error overlap: `max_t Dice(u' >= t, E)` with `E = prediction ≠ reference`,
/// `u' = u / max(u)` (all zero if max(u) <= 0) and thresholds `t = k / thresholds`, k = 1...thresholds.
/// Dice(∅, ∅) = 1.
/// - Throws: `MetricError.countMismatch`, `MetricError.sizeMismatch`, `MetricError.invalidArgument`.
public func uncertaintyErrorOverlap(
    uncertainty u: [Double], prediction: BinaryMask, reference: BinaryMask,
    thresholds: Int = 100
) throws -> Double {
    guard thresholds >= 1 else { throw MetricError.invalidArgument("thresholds must be >= 1") }
    try prediction.checkSameSize(as: reference)
    guard u.count == reference.pixelCount else {
        throw MetricError.countMismatch(expected: reference.pixelCount, found: u.count)
    }
    let top = u.max() ?? 0
    let scaled = top > 0 ? u.map { $0 / top } : [Double](repeating: 0, count: u.count)
    var errorWords = prediction.words
    for i in 0..<errorWords.count { errorWords[i] ^= reference.words[i] }
    let error = try BinaryMask(width: reference.width, height: reference.height, words: errorWords)
    var best = -Double.infinity
    for k in 1...thresholds {
        let t = Double(k) / Double(thresholds)
        let high = try BinaryMask(width: reference.width, height: reference.height, values: scaled) { $0 >= t }
        best = max(best, try diceCoefficient(high, error))
    }
    return best
}

/// Normalised cross-correlation between two maps:
/// `Σ (a - ā)(b - b̄) / sqrt(Σ (a - ā)² Σ (b - b̄)²)`; nil when either map is constant.
public func normalizedCrossCorrelation(_ a: [Double], _ b: [Double]) throws -> Double? {
    guard a.count == b.count else { throw MetricError.countMismatch(expected: a.count, found: b.count) }
    guard !a.isEmpty else { return nil }
    let ma = a.reduce(0, +) / Double(a.count)
    let mb = b.reduce(0, +) / Double(b.count)
    var sab = 0.0
    var saa = 0.0
    var sbb = 0.0
    for i in 0..<a.count {
        let da = a[i] - ma
        let db = b[i] - mb
        sab += da * db
        saa += da * da
        sbb += db * db
    }
    guard saa > 0 && sbb > 0 else { return nil }
    return sab / (saa * sbb).squareRoot()
}

/// NCC between the samples' pixel variance and the raters' pixel variance (`pixelVariance`);
/// nil when either variance map is constant (e.g. all samples identical).
public func varianceCorrelation(samples: [BinaryMask], raters: [BinaryMask]) throws -> Double? {
    guard let first = samples.first else { throw MetricError.emptySet("samples") }
    guard let r0 = raters.first else { throw MetricError.emptySet("raters") }
    try first.checkSameSize(as: r0)
    return try normalizedCrossCorrelation(pixelVariance(samples), pixelVariance(raters))
}
