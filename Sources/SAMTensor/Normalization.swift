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
        let si = SharedPointer(input), so = SharedMutablePointer(output)
        let sw = SharedPointer(weight.baseAddress!), sb = SharedPointer(bias.baseAddress!)
        Parallel.forEachChunk(of: rows, minimumChunk: max(1, 8192 / dim)) { range in
            let w = sw.base, b = sb.base
            for r in range {
                let x = si.base + r * dim
                let y = so.base + r * dim
                var sum: Float = 0
                for c in 0..<dim { sum += x[c] }
                let mean = sum / Float(dim)
                var squares: Float = 0
                for c in 0..<dim {
                    let d = x[c] - mean
                    squares += d * d
                }
                let inverse = 1 / (squares / Float(dim) + eps).squareRoot()
                for c in 0..<dim { y[c] = (x[c] - mean) * inverse * w[c] + b[c] }
            }
        }
    }

    /// Softmax over each row of a `rows x cols` buffer, in place (max-subtracted for stability).
    ///
    /// Separate passes (max, exp, sum, scale) keep the exp and scale loops free of loop-carried
    /// dependencies, so they vectorise.
    public static func softmaxRows(_ buffer: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = buffer + r * cols
            var maximum = -Float.infinity
            for c in 0..<cols { maximum = Swift.max(maximum, row[c]) }
            for c in 0..<cols { row[c] = FastMath.exp(row[c] - maximum) }
            var sum: Float = 0
            for c in 0..<cols { sum += row[c] }
            let inverse = 1 / sum
            for c in 0..<cols { row[c] *= inverse }
        }
    }
}
