import SAMTensor

/// Element-wise `f(a, b)` with broadcasting; the result has the broadcast shape.
///
/// A periodic operand (see `Broadcasting`) is read in place, without being tiled in memory.
@inline(__always)
func combine(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
    let shape = Broadcasting.resultShape(a.shape, b.shape)
    let total = shape.reduce(1, *)
    let fullA = a.count == total
    let fullB = b.count == total
    let x = fullA || Broadcasting.isPeriodic(a.shape, in: shape) ? a : Broadcasting.expand(a, to: shape)
    let y = fullB || Broadcasting.isPeriodic(b.shape, in: shape) ? b : Broadcasting.expand(b, to: shape)
    let periodA = x.count
    let periodB = y.count
    return Tensor(shape: shape) { out in
        x.storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeBufferPointer { yb in
                let so = SharedMutablePointer(out.baseAddress!)
                let sx = SharedPointer(xb.baseAddress!)
                let sy = SharedPointer(yb.baseAddress!)
                if periodA == total && periodB == total {
                    Parallel.forEachChunk(of: total, minimumChunk: 1 << 16) { range in
                        for i in range { so.base[i] = f(sx.base[i], sy.base[i]) }
                    }
                } else if periodA == total {
                    Parallel.forEachChunk(of: total / periodB, minimumChunk: max(1, (1 << 16) / periodB)) { blocks in
                        for block in blocks {
                            let o = so.base + block * periodB
                            let p = sx.base + block * periodB
                            for c in 0..<periodB { o[c] = f(p[c], sy.base[c]) }
                        }
                    }
                } else {
                    Parallel.forEachChunk(of: total / periodA, minimumChunk: max(1, (1 << 16) / periodA)) { blocks in
                        for block in blocks {
                            let o = so.base + block * periodA
                            let q = sy.base + block * periodA
                            for c in 0..<periodA { o[c] = f(sx.base[c], q[c]) }
                        }
                    }
                }
            }
        }
    }
}

/// Element-wise `f(x)`.
@inline(__always)
func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
    Tensor(shape: x.shape) { out in
        x.storage.withUnsafeBufferPointer { xb in
            let so = SharedMutablePointer(out.baseAddress!)
            let sx = SharedPointer(xb.baseAddress!)
            Parallel.forEachChunk(of: xb.count, minimumChunk: 1 << 16) { range in
                for i in range { so.base[i] = f(sx.base[i]) }
            }
        }
    }
}

extension Variable {
    /// `a + b` with broadcasting (e.g. `[B, N, C] + [C]`, `[B, N, C] + [1, N, C]`).
    public static func + (a: Variable, b: Variable) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return a.graph.record(combine(a.value, b.value, +), inputs: [a, b]) { graph, g in
            if graph.needsGradient(a) { graph.accumulate(Broadcasting.reduce(g, to: sa), into: a) }
            if graph.needsGradient(b) { graph.accumulate(Broadcasting.reduce(g, to: sb), into: b) }
        }
    }

    /// `a − b` with broadcasting.
    public static func - (a: Variable, b: Variable) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return a.graph.record(combine(a.value, b.value, -), inputs: [a, b]) { graph, g in
            if graph.needsGradient(a) { graph.accumulate(Broadcasting.reduce(g, to: sa), into: a) }
            if graph.needsGradient(b) { graph.accumulate(Broadcasting.reduce(map(g) { -$0 }, to: sb), into: b) }
        }
    }

    /// Element-wise `a · b` with broadcasting.
    public static func * (a: Variable, b: Variable) -> Variable {
        let (x, y) = (a.value, b.value)
        return a.graph.record(combine(x, y, *), inputs: [a, b]) { graph, g in
            if graph.needsGradient(a) { graph.accumulate(Broadcasting.reduce(combine(g, y, *), to: x.shape), into: a) }
            if graph.needsGradient(b) { graph.accumulate(Broadcasting.reduce(combine(g, x, *), to: y.shape), into: b) }
        }
    }

    /// `a · s` for a constant scalar `s`.
    public static func * (a: Variable, s: Float) -> Variable {
        a.graph.record(map(a.value) { $0 * s }, inputs: [a]) { graph, g in
            graph.accumulate(map(g) { $0 * s }, into: a)
        }
    }

    /// `s · a` for a constant scalar `s`.
    public static func * (s: Float, a: Variable) -> Variable { a * s }

    /// `a + s` for a constant scalar `s`.
    public static func + (a: Variable, s: Float) -> Variable {
        a.graph.record(map(a.value) { $0 + s }, inputs: [a]) { graph, g in graph.accumulate(g, into: a) }
    }

    /// `s + a` for a constant scalar `s`.
    public static func + (s: Float, a: Variable) -> Variable { a + s }

    /// `a − s` for a constant scalar `s`.
    public static func - (a: Variable, s: Float) -> Variable { a + (-s) }

    /// `−a`.
    public static prefix func - (a: Variable) -> Variable { a * -1 }
}
