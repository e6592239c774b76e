import SAMTensor

/// NumPy-style broadcasting of shapes, and the expand / reduce pair used by element-wise ops.
///
/// Fast paths cover the two cases the models use: an operand whose shape (after dropping leading
/// 1s) is a trailing part of the result shape (a bias `[C]` against `[B, N, C]`, a batch-1
/// `[1, N, C]` against `[B, N, C]`), which repeats with a fixed period in memory. Any other valid
/// broadcast goes through a strided general path.
public enum Broadcasting {
    /// The broadcast shape of `a` and `b` (dimensions aligned from the right; each pair equal or 1).
    public static func resultShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(x == y || x == 1 || y == 1, "cannot broadcast \(a) with \(b)")
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// True when `small`, without its leading 1s, equals the trailing dimensions of `shape`, so that
    /// broadcasting `small` to `shape` repeats its memory `shape.count / small.count` times.
    static func isPeriodic(_ small: [Int], in shape: [Int]) -> Bool {
        let stripped = Array(small.drop { $0 == 1 })
        guard stripped.count <= shape.count else { return false }
        return Array(shape.suffix(stripped.count)) == stripped
    }

    /// Strides of `source` aligned to `shape`, zero along broadcast dimensions.
    private static func alignedStrides(_ source: [Int], to shape: [Int]) -> [Int] {
        let offset = shape.count - source.count
        var strides = [Int](repeating: 0, count: shape.count)
        var running = 1
        for j in stride(from: source.count - 1, through: 0, by: -1) {
            if source[j] != 1 { strides[j + offset] = running }
            running *= source[j]
        }
        return strides
    }

    /// Calls `body(outputIndex, sourceOffset)` for every element of `shape`, in row-major order.
    private static func walk(_ shape: [Int], strides: [Int], _ body: (Int, Int) -> Void) {
        let total = shape.reduce(1, *)
        guard total > 0 else { return }
        if shape.isEmpty {
            body(0, 0)
            return
        }
        let rank = shape.count
        let inner = shape[rank - 1]
        let innerStride = strides[rank - 1]
        var counter = [Int](repeating: 0, count: rank)
        var base = 0
        var index = 0
        while index < total {
            for k in 0..<inner { body(index + k, base + k * innerStride) }
            index += inner
            var d = rank - 2
            while d >= 0 {
                counter[d] += 1
                base += strides[d]
                if counter[d] < shape[d] { break }
                base -= strides[d] * shape[d]
                counter[d] = 0
                d -= 1
            }
        }
    }

    /// `tensor` broadcast to `shape` (materialised).
    public static func expand(_ tensor: Tensor, to shape: [Int]) -> Tensor {
        if tensor.shape == shape { return tensor }
        let total = shape.reduce(1, *)
        if tensor.count == total { return tensor.reshaped(shape) }
        if isPeriodic(tensor.shape, in: shape) {
            let period = tensor.count
            return Tensor(shape: shape) { out in
                tensor.storage.withUnsafeBufferPointer { src in
                    for start in stride(from: 0, to: total, by: period) {
                        (out.baseAddress! + start).initialize(from: src.baseAddress!, count: period)
                    }
                }
            }
        }
        let strides = alignedStrides(tensor.shape, to: shape)
        return Tensor(shape: shape) { out in
            tensor.storage.withUnsafeBufferPointer { src in
                walk(shape, strides: strides) { o, s in out[o] = src[s] }
            }
        }
    }

    /// Sums `gradient` (of the broadcast shape) back to `shape`: the adjoint of `expand`.
    public static func reduce(_ gradient: Tensor, to shape: [Int]) -> Tensor {
        if gradient.shape == shape { return gradient }
        let count = shape.reduce(1, *)
        if gradient.count == count { return gradient.reshaped(shape) }
        if isPeriodic(shape, in: gradient.shape) {
            let rows = gradient.count / count
            var out = [Float](repeating: 0, count: count)
            gradient.storage.withUnsafeBufferPointer { g in
                out.withUnsafeMutableBufferPointer { o in
                    let sg = SharedPointer(g.baseAddress!)
                    let so = SharedMutablePointer(o.baseAddress!)
                    // Split the columns so workers write disjoint sums.
                    Parallel.forEachChunk(of: count, minimumChunk: max(1, (1 << 15) / max(rows, 1))) { cols in
                        for r in 0..<rows {
                            let row = sg.base + r * count
                            for c in cols { so.base[c] += row[c] }
                        }
                    }
                }
            }
            return Tensor(shape: shape, storage: out)
        }
        let strides = alignedStrides(shape, to: gradient.shape)
        var out = [Float](repeating: 0, count: count)
        gradient.storage.withUnsafeBufferPointer { g in
            out.withUnsafeMutableBufferPointer { o in
                walk(gradient.shape, strides: strides) { i, s in o[s] += g[i] }
            }
        }
        return Tensor(shape: shape, storage: out)
    }
}
