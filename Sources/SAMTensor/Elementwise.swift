/// In-place element-wise operations on contiguous float buffers, parallel when large.
public enum Elementwise {
    static let parallelMinimum = 1 << 16

    /// Exact GELU in place.
    public static func gelu(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard let base = buffer.baseAddress else { return }
        let shared = SharedMutablePointer(base)
        Parallel.forEachChunk(of: buffer.count, minimumChunk: parallelMinimum) { range in
            let p = shared.base
            for i in range { p[i] = FastMath.gelu(p[i]) }
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
        let channels = bias.count
        guard channels > 0, let b = bias.baseAddress else { return }
        let sb = SharedPointer(b)
        let st = SharedMutablePointer(target)
        Parallel.forEachChunk(of: rows, minimumChunk: max(1, parallelMinimum / channels)) { range in
            let bias = sb.base
            for r in range {
                let row = st.base + r * channels
                for c in 0..<channels { row[c] += bias[c] }
            }
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
