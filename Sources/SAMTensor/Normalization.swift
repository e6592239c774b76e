/// Normalisations over the innermost dimension.
public enum Normalization {
    /// LayerNorm over the last dimension of a `rows x dim` buffer, biased variance:
    /// `y = (x - mean) / sqrt(var + eps) * weight + bias`. Input and output may alias.
    ///
    /// Also serves SAM's `LayerNorm2d` on NHWC data (normalising channels at each pixel).
    public static func layerNorm(
        _ input: UnsafePointer<Float>, rows: Int, dim: Int,
        weight: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>, eps: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        precondition(weight.count == dim && bias.count == dim, "layerNorm: parameters do not match dim \(dim)")
        let si = SharedPointer(input)
        let so = SharedMutablePointer(output)
        let sw = SharedPointer(weight.baseAddress!)
        let sb = SharedPointer(bias.baseAddress!)
        Parallel.forEachChunk(of: rows, minimumChunk: max(1, 8192 / dim)) { range in
            let w = sw.base
            let b = sb.base
            for r in range {
                let x = si.base + r * dim
                let y = so.base + r * dim
                let mean = Reduction.sum(x, count: dim) / Float(dim)
                let variance = Reduction.sumOfSquaredDeviations(x, count: dim, from: mean) / Float(dim)
                let inverse = 1 / (variance + eps).squareRoot()
                for c in 0..<dim { y[c] = (x[c] - mean) * inverse * w[c] + b[c] }
            }
        }
    }

    /// Softmax over each row of a `rows x cols` buffer, in place (max-subtracted for stability).
    ///
    /// The exp and scale loops carry no dependencies, so they vectorise; reductions use several
    /// accumulators.
    public static func softmaxRows(_ buffer: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = buffer + r * cols
            let maximum = Reduction.maximum(row, count: cols)
            for c in 0..<cols { row[c] = FastMath.exp(row[c] - maximum) }
            let inverse = 1 / Reduction.sum(row, count: cols)
            for c in 0..<cols { row[c] *= inverse }
        }
    }
}

/// Reductions over contiguous floats with four independent accumulators (so they pipeline and
/// vectorise; the summation order differs from a plain loop by float rounding only).
public enum Reduction {
    /// Sum of `count` values.
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var a: Float = 0
        var b: Float = 0
        var c: Float = 0
        var d: Float = 0
        var i = 0
        while i + 4 <= count {
            a += x[i]
            b += x[i + 1]
            c += x[i + 2]
            d += x[i + 3]
            i += 4
        }
        while i < count {
            a += x[i]
            i += 1
        }
        return (a + b) + (c + d)
    }

    /// `Σ (x[i] - mean)²` over `count` values (the numerator of the biased variance).
    @inline(__always)
    public static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, count: Int, from mean: Float) -> Float {
        var a: Float = 0
        var b: Float = 0
        var c: Float = 0
        var d: Float = 0
        var i = 0
        while i + 4 <= count {
            let p = x[i] - mean
            let q = x[i + 1] - mean
            let r = x[i + 2] - mean
            let s = x[i + 3] - mean
            a += p * p
            b += q * q
            c += r * r
            d += s * s
            i += 4
        }
        while i < count {
            let p = x[i] - mean
            a += p * p
            i += 1
        }
        return (a + b) + (c + d)
    }

    /// Largest of `count` values (`-infinity` when `count` is 0).
    @inline(__always)
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var a = -Float.infinity
        var b = -Float.infinity
        var c = -Float.infinity
        var d = -Float.infinity
        var i = 0
        while i + 4 <= count {
            a = Swift.max(a, x[i])
            b = Swift.max(b, x[i + 1])
            c = Swift.max(c, x[i + 2])
            d = Swift.max(d, x[i + 3])
            i += 4
        }
        while i < count {
            a = Swift.max(a, x[i])
            i += 1
        }
        return Swift.max(Swift.max(a, b), Swift.max(c, d))
    }
}
