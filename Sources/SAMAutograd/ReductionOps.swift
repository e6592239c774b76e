import SAMTensor

/// `(outer, extent, inner)` sizes around `axis` of `shape`: the element at `(o, a, i)` lives at
/// `(o · extent + a) · inner + i`.
func axisLayout(_ shape: [Int], _ axis: Int) -> (outer: Int, extent: Int, inner: Int) {
    precondition(axis >= 0 && axis < shape.count, "axis \(axis) out of range for shape \(shape)")
    return (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
}

/// Resolves a possibly negative axis (`-1` is the last).
func resolveAxis(_ axis: Int, rank: Int) -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    precondition(resolved >= 0 && resolved < rank, "axis \(axis) out of range for rank \(rank)")
    return resolved
}

/// Sums over the middle dimension of an `outer x extent x inner` buffer.
func sumMiddle(_ x: Tensor, outer: Int, extent: Int, inner: Int, scale: Float) -> [Float] {
    var out = [Float](repeating: 0, count: outer * inner)
    x.storage.withUnsafeBufferPointer { xb in
        out.withUnsafeMutableBufferPointer { ob in
            for o in 0..<outer {
                let dst = ob.baseAddress! + o * inner
                for a in 0..<extent {
                    let src = xb.baseAddress! + (o * extent + a) * inner
                    for i in 0..<inner { dst[i] += src[i] }
                }
                if scale != 1 { for i in 0..<inner { dst[i] *= scale } }
            }
        }
    }
    return out
}

/// Repeats an `outer x inner` buffer `extent` times along a new middle dimension, times `scale`.
func repeatMiddle(_ g: Tensor, outer: Int, extent: Int, inner: Int, scale: Float, shape: [Int]) -> Tensor {
    Tensor(shape: shape) { out in
        g.storage.withUnsafeBufferPointer { gb in
            for o in 0..<outer {
                let src = gb.baseAddress! + o * inner
                for a in 0..<extent {
                    let dst = out.baseAddress! + (o * extent + a) * inner
                    for i in 0..<inner { dst[i] = src[i] * scale }
                }
            }
        }
    }
}

extension Variable {
    /// Sum of all elements; shape `[]`.
    public func sum() -> Variable { total(scale: 1) }

    /// Mean of all elements; shape `[]`.
    public func mean() -> Variable { total(scale: 1 / Float(Swift.max(count, 1))) }

    private func total(scale: Float) -> Variable {
        let x = value
        let shape = self.shape
        var accumulator: Double = 0
        x.storage.withUnsafeBufferPointer { for v in $0 { accumulator += Double(v) } }
        let result = Tensor(shape: [], storage: [Float(accumulator * Double(scale))])
        return graph.record(result, inputs: [self]) { graph, g in
            graph.accumulate(Tensor(shape: shape, repeating: g.storage[0] * scale), into: self)
        }
    }

    /// Sum over `axis` (negative counts from the end); the axis is removed unless `keepingDimension`.
    public func sum(alongAxis axis: Int, keepingDimension: Bool = false) -> Variable {
        reduce(alongAxis: axis, keepingDimension: keepingDimension, mean: false)
    }

    /// Mean over `axis` (negative counts from the end); the axis is removed unless `keepingDimension`.
    public func mean(alongAxis axis: Int, keepingDimension: Bool = false) -> Variable {
        reduce(alongAxis: axis, keepingDimension: keepingDimension, mean: true)
    }

    private func reduce(alongAxis axis: Int, keepingDimension: Bool, mean: Bool) -> Variable {
        let shape = self.shape
        let axis = resolveAxis(axis, rank: shape.count)
        let (outer, extent, inner) = axisLayout(shape, axis)
        let scale: Float = mean ? 1 / Float(Swift.max(extent, 1)) : 1
        var outShape = shape
        if keepingDimension { outShape[axis] = 1 } else { outShape.remove(at: axis) }
        let result = Tensor(
            shape: outShape, storage: sumMiddle(value, outer: outer, extent: extent, inner: inner, scale: scale))
        return graph.record(result, inputs: [self]) { graph, g in
            graph.accumulate(
                repeatMiddle(g, outer: outer, extent: extent, inner: inner, scale: scale, shape: shape), into: self)
        }
    }
}
