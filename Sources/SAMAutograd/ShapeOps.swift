import SAMTensor

/// `tensor` with its dimensions reordered: result dimension `i` is source dimension `axes[i]`.
public func permute(_ tensor: Tensor, _ axes: [Int]) -> Tensor {
    let shape = tensor.shape
    let rank = shape.count
    precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) invalid for rank \(rank)")
    if axes == Array(0..<rank) { return tensor }
    var sourceStrides = [Int](repeating: 1, count: rank)
    for d in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[d] = sourceStrides[d + 1] * shape[d + 1] }
    let outShape = axes.map { shape[$0] }
    let strides = axes.map { sourceStrides[$0] }
    let total = tensor.count
    return Tensor(shape: outShape) { out in
        guard total > 0 else { return }
        tensor.storage.withUnsafeBufferPointer { src in
            let inner = outShape[rank - 1]
            let innerStride = strides[rank - 1]
            var counter = [Int](repeating: 0, count: rank)
            var base = 0
            var index = 0
            let o = out.baseAddress!
            let s = src.baseAddress!
            while index < total {
                if innerStride == 1 {
                    (o + index).initialize(from: s + base, count: inner)
                } else {
                    for k in 0..<inner { o[index + k] = s[base + k * innerStride] }
                }
                index += inner
                var d = rank - 2
                while d >= 0 {
                    counter[d] += 1
                    base += strides[d]
                    if counter[d] < outShape[d] { break }
                    base -= strides[d] * outShape[d]
                    counter[d] = 0
                    d -= 1
                }
            }
        }
    }
}

extension Variable {
    /// The same elements with another shape of equal count (`-1` infers one dimension).
    public func reshaped(_ newShape: [Int]) -> Variable {
        let shape = self.shape
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            resolved[unknown] = known == 0 ? 0 : count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return graph.record(value.reshaped(resolved), inputs: [self]) { graph, g in
            graph.accumulate(g.reshaped(shape), into: self)
        }
    }

    /// Reorders dimensions: result dimension `i` is dimension `axes[i]` of `self` (`torch.permute`).
    public func permuted(_ axes: [Int]) -> Variable {
        var inverse = [Int](repeating: 0, count: axes.count)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return graph.record(permute(value, axes), inputs: [self]) { graph, g in
            graph.accumulate(permute(g, inverse), into: self)
        }
    }

    /// Swaps the last two dimensions (`[…, N, M]` → `[…, M, N]`).
    public func transposedLastTwo() -> Variable {
        let rank = shape.count
        precondition(rank >= 2, "transpose needs rank ≥ 2, got \(shape)")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }
}
