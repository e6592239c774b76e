import CKernels

/// Normalisations over the innermost dimension (vectorised C kernels, `CKernels`).
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
            let offset = range.lowerBound * dim
            p2s_layer_norm_rows(si.base + offset, range.count, dim, sw.base, sb.base, eps, so.base + offset)
        }
    }

    /// Softmax over each row of a `rows x cols` buffer, in place (max-subtracted for stability).
    ///
    /// `exp` is `FastMath.exp`'s formula, vectorised; the reductions use 16 accumulators in a fixed order.
    public static func softmaxRows(_ buffer: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        guard rows > 0, cols > 0 else { return }
        p2s_softmax_rows(buffer, rows, cols)
    }
}
