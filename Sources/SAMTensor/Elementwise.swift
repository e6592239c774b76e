import CKernels

/// In-place element-wise operations on contiguous float buffers, parallel when large.
///
/// GELU and the bias epilogue run the vectorised C kernels (`CKernels`: AVX-512, AVX2 + FMA or baseline,
/// chosen from the CPU at run time); they compute `FastMath`'s formulas.
public enum Elementwise {
    static let parallelMinimum = 1 << 16

    /// Exact GELU in place.
    public static func gelu(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard let base = buffer.baseAddress else { return }
        let shared = SharedMutablePointer(base)
        Parallel.forEachChunk(of: buffer.count, minimumChunk: parallelMinimum) { range in
            p2s_gelu(shared.base + range.lowerBound, range.count)
        }
    }

    /// The logistic function in place, `1/(1+e)` or `e/(1+e)` with `e = exp(−|x|)` (stable for any x; `exp`
    /// is `FastMath.exp`'s formula, vectorised).
    ///
    /// - Parameter buffer: the values, overwritten by their sigmoid.
    public static func sigmoid(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard let base = buffer.baseAddress else { return }
        let shared = SharedMutablePointer(base)
        Parallel.forEachChunk(of: buffer.count, minimumChunk: parallelMinimum) { range in
            p2s_sigmoid(shared.base + range.lowerBound, range.count)
        }
    }

    /// ReLU in place.
    public static func relu(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard let base = buffer.baseAddress else { return }
        let shared = SharedMutablePointer(base)
        Parallel.forEachChunk(of: buffer.count, minimumChunk: parallelMinimum) { range in
            let p = shared.base
            for i in range { p[i] = Swift.max(p[i], 0) }
        }
    }

    /// `target[i] += addend[i]`.
    public static func add(_ addend: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>) {
        precondition(addend.count == target.count, "add: \(addend.count) vs \(target.count) elements")
        guard let a = addend.baseAddress, let t = target.baseAddress else { return }
        let sa = SharedPointer(a)
        let st = SharedMutablePointer(t)
        Parallel.forEachChunk(of: target.count, minimumChunk: parallelMinimum) { range in
            let x = sa.base
            let y = st.base
            for i in range { y[i] += x[i] }
        }
    }

    /// Adds a per-channel `bias` (length `channels`) to every row of a `rows x channels` buffer.
    public static func addRowBias(_ bias: UnsafeBufferPointer<Float>, to target: UnsafeMutablePointer<Float>, rows: Int)
    {
        guard bias.count > 0, let b = bias.baseAddress else { return }
        epilogue(target, rows: rows, columns: bias.count, bias: b, residual: nil, gelu: false)
    }

    /// The fused epilogue of a GEMM, one pass over a `rows x columns` buffer:
    /// `y = GELU?((y + bias) + residual)`, each part optional.
    ///
    /// - Parameters:
    ///   - target: `y`, `rows x columns`, row-major, updated in place.
    ///   - rows: rows of `y`.
    ///   - columns: columns of `y` (the length of `bias`).
    ///   - bias: `columns` values added to every row, or nil.
    ///   - residual: a `rows x columns` buffer added after the bias, or nil.
    ///   - gelu: apply exact GELU last.
    public static func epilogue(
        _ target: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>?,
        residual: UnsafePointer<Float>?, gelu: Bool
    ) {
        guard rows > 0, columns > 0, bias != nil || residual != nil || gelu else { return }
        let st = SharedMutablePointer(target)
        let sb = bias.map { SharedPointer($0) }
        let sr = residual.map { SharedPointer($0) }
        Parallel.forEachChunk(of: rows, minimumChunk: max(1, parallelMinimum / columns)) { range in
            let offset = range.lowerBound * columns
            p2s_bias_epilogue(
                st.base + offset, sb?.base, sr.map { $0.base + offset }, range.count, columns, gelu ? 1 : 0)
        }
    }
}

extension Tensor {
    /// Exact GELU in place.
    public mutating func applyGELU() { storage.withUnsafeMutableBufferPointer { Elementwise.gelu($0) } }
    /// ReLU in place.
    public mutating func applyReLU() { storage.withUnsafeMutableBufferPointer { Elementwise.relu($0) } }
    /// Element-wise `self += other` (same shape).
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "add: shape \(shape) vs \(other.shape)")
        other.storage.withUnsafeBufferPointer { a in
            storage.withUnsafeMutableBufferPointer { Elementwise.add(a, into: $0) }
        }
    }
}
