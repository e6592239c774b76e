import SAMTensor

extension Variable {
    /// Elements `range` along `axis` (negative counts from the end), e.g. tokens `1..<5` of `[B, N, C]`.
    public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Variable {
        let shape = self.shape
        let axis = resolveAxis(axis, rank: shape.count)
        let (outer, extent, inner) = axisLayout(shape, axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= extent, "slice \(range) out of 0..<\(extent)")
        var outShape = shape
        outShape[axis] = range.count
        let block = range.count * inner
        let result = Tensor(shape: outShape) { out in
            value.storage.withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    (out.baseAddress! + o * block)
                        .initialize(from: src.baseAddress! + (o * extent + range.lowerBound) * inner, count: block)
                }
            }
        }
        return graph.record(result, inputs: [self]) { graph, g in
            var full = [Float](repeating: 0, count: outer * extent * inner)
            g.storage.withUnsafeBufferPointer { gb in
                full.withUnsafeMutableBufferPointer { fb in
                    for o in 0..<outer {
                        (fb.baseAddress! + (o * extent + range.lowerBound) * inner)
                            .update(from: gb.baseAddress! + o * block, count: block)
                    }
                }
            }
            graph.accumulate(Tensor(shape: shape, storage: full), into: self)
        }
    }

    /// Concatenation along `axis` (all other dimensions equal), e.g. `[iou, mask tokens, prompts]`.
    public static func concatenate(_ parts: [Variable], alongAxis axis: Int) -> Variable {
        precondition(!parts.isEmpty, "concatenate needs at least one part")
        let first = parts[0].shape
        let axis = resolveAxis(axis, rank: first.count)
        for p in parts {
            var a = p.shape
            var b = first
            precondition(a.count == b.count, "concatenate: rank mismatch \(a) vs \(b)")
            a[axis] = 0
            b[axis] = 0
            precondition(a == b, "concatenate: shapes \(p.shape) and \(first) differ off axis \(axis)")
        }
        let (outer, _, inner) = axisLayout(first, axis)
        let extents = parts.map { $0.shape[axis] }
        let total = extents.reduce(0, +)
        var outShape = first
        outShape[axis] = total
        let values = parts.map(\.value)
        let result = Tensor(shape: outShape) { out in
            var offset = 0
            for (p, extent) in zip(values, extents) {
                p.storage.withUnsafeBufferPointer { src in
                    for o in 0..<outer {
                        (out.baseAddress! + (o * total + offset) * inner)
                            .initialize(from: src.baseAddress! + o * extent * inner, count: extent * inner)
                    }
                }
                offset += extent
            }
        }
        return parts[0].graph.record(result, inputs: parts) { graph, g in
            var offset = 0
            for (p, extent) in zip(parts, extents) {
                defer { offset += extent }
                guard graph.needsGradient(p) else { continue }
                var shape = first
                shape[axis] = extent
                let part = Tensor(shape: shape) { out in
                    g.storage.withUnsafeBufferPointer { gb in
                        for o in 0..<outer {
                            (out.baseAddress! + o * extent * inner)
                                .initialize(from: gb.baseAddress! + (o * total + offset) * inner, count: extent * inner)
                        }
                    }
                }
                graph.accumulate(part, into: p)
            }
        }
    }

    /// Selects entries `indices` (repeats allowed) along `axis`, e.g. tokens of `[B, N, C]` with
    /// `axis: 1`. The result has `indices.count` entries along `axis`.
    public func gather(_ indices: [Int], alongAxis axis: Int) -> Variable {
        let shape = self.shape
        let axis = resolveAxis(axis, rank: shape.count)
        let (outer, extent, inner) = axisLayout(shape, axis)
        precondition(indices.allSatisfy { $0 >= 0 && $0 < extent }, "gather: index out of 0..<\(extent)")
        var outShape = shape
        outShape[axis] = indices.count
        let k = indices.count
        let result = Tensor(shape: outShape) { out in
            value.storage.withUnsafeBufferPointer { src in
                for o in 0..<outer {
                    for (j, index) in indices.enumerated() {
                        (out.baseAddress! + (o * k + j) * inner)
                            .initialize(from: src.baseAddress! + (o * extent + index) * inner, count: inner)
                    }
                }
            }
        }
        return graph.record(result, inputs: [self]) { graph, g in
            var full = [Float](repeating: 0, count: outer * extent * inner)
            g.storage.withUnsafeBufferPointer { gb in
                full.withUnsafeMutableBufferPointer { fb in
                    for o in 0..<outer {
                        for (j, index) in indices.enumerated() {
                            let dst = fb.baseAddress! + (o * extent + index) * inner
                            let src = gb.baseAddress! + (o * k + j) * inner
                            for i in 0..<inner { dst[i] += src[i] }
                        }
                    }
                }
            }
            graph.accumulate(Tensor(shape: shape, storage: full), into: self)
        }
    }
}
