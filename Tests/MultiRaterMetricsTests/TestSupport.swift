import Foundation
import MultiRaterMetrics

/// A small deterministic generator for tests (SplitMix64).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ upper: Int) -> Int { Int(next() % UInt64(upper)) }

    /// A random mask: empty, noise, or a filled rectangle.
    mutating func mask(width: Int, height: Int) -> BinaryMask {
        var mask = BinaryMask(width: width, height: height)
        switch int(4) {
        case 0: return mask
        case 1:
            for y in 0..<height { for x in 0..<width where uniform() < 0.3 { mask[x, y] = true } }
        default:
            let x0 = int(width)
            let y0 = int(height)
            let x1 = x0 + int(width - x0) + 1
            let y1 = y0 + int(height - y0) + 1
            for y in y0..<y1 { for x in x0..<x1 { mask[x, y] = true } }
        }
        return mask
    }
}

/// All permutations of 0..<k (Heap's algorithm is not needed at these sizes).
func permutations(_ k: Int) -> [[Int]] {
    if k == 0 { return [[]] }
    var out: [[Int]] = []
    for p in permutations(k - 1) {
        for i in 0...p.count {
            var q = p
            q.insert(k - 1, at: i)
            out.append(q)
        }
    }
    return out
}

/// Best total over all injective matchings of the smaller side into the larger one.
func bruteForceBest(_ m: PairwiseMatrix, maximize: Bool) -> Double {
    let transpose = m.rows > m.columns
    let w = transpose ? m.transposed() : m
    var best = maximize ? -Double.infinity : Double.infinity
    // Choose an ordered selection of w.rows distinct columns: permutations of all columns, prefix.
    for p in permutations(w.columns) {
        var total = 0.0
        for r in 0..<w.rows { total += w[r, p[r]] }
        best = maximize ? max(best, total) : min(best, total)
    }
    return best
}
