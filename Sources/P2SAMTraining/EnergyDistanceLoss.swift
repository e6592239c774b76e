import Foundation
import SAMAutograd
import SAMTensor

extension Loss {
    /// Soft Jaccard distance between two maps of probabilities or binary values, each of `n` pixels:
    /// `d(a, b) = 1 − (Σ a b + s) / (Σ a + Σ b − Σ a b + s)`.
    ///
    /// With the smoothing `s` (default 1) two empty maps are at distance 0, like `1 − IoU` with the
    /// convention IoU(∅, ∅) = 1 used by the metrics.
    public static func softJaccardDistance(
        _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, smoothing s: Double = 1
    ) -> Double {
        let parts = jaccardParts(a, b)
        return 1 - (parts.intersection + s) / (parts.sumA + parts.sumB - parts.intersection + s)
    }

    static func jaccardParts(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> (
        intersection: Double, sumA: Double, sumB: Double
    ) {
        precondition(a.count == b.count, "jaccard: \(a.count) vs \(b.count) pixels")
        var intersection: Double = 0
        var sumA: Double = 0
        var sumB: Double = 0
        for i in 0..<a.count {
            intersection += Double(a[i] * b[i])
            sumA += Double(a[i])
            sumB += Double(b[i])
        }
        return (intersection, sumA, sumB)
    }

    /// The energy (generalised energy) distance between K samples and M raters with the soft Jaccard
    /// distance `d` (`softJaccardDistance`) on `p = σ(logits)`:
    ///
    /// `L = 1/(K M) Σ_{s,j} d(p_s, g_j) − 1/(2 K (K − 1)) Σ_{s≠t} d(p_s, p_t)`.
    ///
    /// This is half the squared GED of the evaluation without its rater-rater term (a constant): the
    /// first term pulls each sample towards the raters, the second pushes the samples apart, so its
    /// minimum is a sample set that is as diverse as the raters, not their mean (P²SAM's single-sample
    /// loss against a random rater has no such incentive). With K = 1 only the first term remains.
    ///
    /// - Parameters:
    ///   - logits: `[K, P]` sample logits.
    ///   - raters: `[M, P]` rater masks in {0, 1} (M ≥ 1).
    ///   - s: the smoothing of the soft Jaccard distance.
    /// - Returns: a scalar; its gradient flows to `logits`.
    public static func energyDistance(logits: Variable, raters: Tensor, smoothing s: Double = 1) -> Variable {
        let x = logits.value
        precondition(
            x.rank == 2 && raters.rank == 2 && x.shape[1] == raters.shape[1] && raters.shape[0] >= 1,
            "energyDistance: logits \(x.shape) vs raters \(raters.shape)")
        let (k, m, n) = (x.shape[0], raters.shape[0], x.shape[1])
        let p = Tensor(shape: x.shape, storage: x.storage.map(stableSigmoid))
        // d = 1 − (I + s) / U with U = A + B − I + s; ∂d/∂I = −(U + I + s) / U², ∂d/∂A = ∂d/∂B = (I + s) / U².
        struct Pair {
            var value: Double
            var dI: Double
            var dSum: Double
        }
        func pair(_ i: Double, _ a: Double, _ b: Double) -> Pair {
            let u = a + b - i + s
            return Pair(value: 1 - (i + s) / u, dI: -(u + i + s) / (u * u), dSum: (i + s) / (u * u))
        }
        var sampleRater: [[Pair]] = []
        var sampleSample: [[Pair?]] = Array(repeating: Array(repeating: nil, count: k), count: k)
        var value: Double = 0
        p.storage.withUnsafeBufferPointer { pAll in
            raters.storage.withUnsafeBufferPointer { gAll in
                func row(_ all: UnsafeBufferPointer<Float>, _ r: Int) -> UnsafeBufferPointer<Float> {
                    UnsafeBufferPointer(rebasing: all[(r * n)..<((r + 1) * n)])
                }
                for a in 0..<k {
                    sampleRater.append(
                        (0..<m).map { j in
                            let parts = jaccardParts(row(pAll, a), row(gAll, j))
                            return pair(parts.intersection, parts.sumA, parts.sumB)
                        })
                    for b in (a + 1)..<k {
                        let parts = jaccardParts(row(pAll, a), row(pAll, b))
                        sampleSample[a][b] = pair(parts.intersection, parts.sumA, parts.sumB)
                    }
                }
            }
        }
        let attraction = 1 / Double(k * m)
        let repulsion = k > 1 ? 1 / Double(k * (k - 1)) : 0  // Σ_{s≠t} counts each unordered pair twice: 2/(2K(K−1)).
        for a in 0..<k {
            for j in 0..<m { value += attraction * sampleRater[a][j].value }
            for b in (a + 1)..<k { value -= repulsion * sampleSample[a][b]!.value }
        }
        let result = Tensor(shape: [], storage: [Float(value)])
        return logits.graph.record(result, inputs: [logits]) { graph, g in
            let upstream = Double(g.storage[0])
            var dx = [Float](repeating: 0, count: k * n)
            for a in 0..<k {
                // dL/dp_a[i] = Σ_j c (dI g_j[i] + dSum) − Σ_{b≠a} r (dI p_b[i] + dSum)
                var constant: Double = 0
                var raterWeights = [Double](repeating: 0, count: m)
                for j in 0..<m {
                    raterWeights[j] = attraction * sampleRater[a][j].dI
                    constant += attraction * sampleRater[a][j].dSum
                }
                var sampleWeights = [Double](repeating: 0, count: k)
                for b in 0..<k where b != a {
                    let q = a < b ? sampleSample[a][b]! : sampleSample[b][a]!
                    sampleWeights[b] = -repulsion * q.dI
                    constant -= repulsion * q.dSum
                }
                for i in 0..<n {
                    var dp = constant
                    for j in 0..<m where raterWeights[j] != 0 {
                        dp += raterWeights[j] * Double(raters.storage[j * n + i])
                    }
                    for b in 0..<k where b != a { dp += sampleWeights[b] * Double(p.storage[b * n + i]) }
                    let pi = Double(p.storage[a * n + i])
                    dx[a * n + i] = Float(upstream * dp * pi * (1 - pi))
                }
            }
            graph.accumulate(Tensor(shape: x.shape, storage: dx), into: logits)
        }
    }
}
