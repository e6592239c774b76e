import SAMAutograd
import SAMTensor

/// The inference forward context: values are `Tensor`s and every operation calls the fast kernels
/// directly (CBLAS GEMM for linear layers, the fused per-head attention kernel, in-place
/// LayerNorm and activations); nothing is recorded.
public struct TapeFree: ForwardContext, Sendable {
    /// The tape-free context (stateless).
    public init() {}

    public func shape(of x: Tensor) -> [Int] { x.shape }

    /// GEMM over the rows of `x`; a single vector (rank 1, e.g. P²SAM's PGN head and Fcomb) runs the
    /// scalar dot-product loop of `Linear.apply(to:)` instead.
    public func linear(_ x: Tensor, _ layer: LinearLayer) -> Tensor {
        x.rank == 1 ? Tensor(shape: [layer.outFeatures], storage: layer.linear.apply(to: x.storage)) : layer.linear(x)
    }

    public func normalize(_ x: inout Tensor, _ layer: LayerNormLayer) { layer.norm.applyInPlace(&x) }

    public func applyReLU(_ x: inout Tensor) { x.applyReLU() }

    public func applyGELU(_ x: inout Tensor) { x.applyGELU() }

    public func add(_ x: inout Tensor, _ y: Tensor) {
        if x.shape == y.shape { return x.add(y) }
        precondition(
            y.shape.first == 1 && x.shape.dropFirst() == y.shape.dropFirst(), "add: \(x.shape) += \(y.shape)")
        let period = y.count
        x.storage.withUnsafeMutableBufferPointer { xb in
            y.storage.withUnsafeBufferPointer { yb in
                for start in stride(from: 0, to: xb.count, by: period) {
                    for i in 0..<period { xb[start + i] += yb[i] }
                }
            }
        }
    }

    public func sum(_ x: Tensor, _ y: Tensor) -> Tensor {
        if x.rank == 3, y.rank == 3, x.shape[0] == 1, y.shape[1] == 1, y.shape[0] > 1, x.shape[1] > 1 {
            return Self.outerSum(rows: x, perBatch: y)
        }
        if x.rank == 3, y.rank == 3, y.shape[0] == 1, x.shape[1] == 1, x.shape[0] > 1, y.shape[1] > 1 {
            return Self.outerSum(rows: y, perBatch: x)
        }
        return broadcastSum(x, y)
    }

    /// `[1, N, C] + [B, 1, C]` → `[B, N, C]`: batch element b is `rows` plus the vector `perBatch[b]`.
    static func outerSum(rows: Tensor, perBatch: Tensor) -> Tensor {
        let (n, c, batch) = (rows.shape[1], rows.shape[2], perBatch.shape[0])
        precondition(perBatch.shape[2] == c, "sum: \(rows.shape) + \(perBatch.shape)")
        var out = Tensor(shape: [batch, n, c])
        out.storage.withUnsafeMutableBufferPointer { o in
            rows.storage.withUnsafeBufferPointer { r in
                perBatch.storage.withUnsafeBufferPointer { v in
                    for b in 0..<batch {
                        for i in 0..<n {
                            let base = (b * n + i) * c
                            for j in 0..<c { o[base + j] = r[i * c + j] + v[b * c + j] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Batched operands are projected, attended and projected back one batch element at a time, writing
    /// into the `[B, Nq, dim]` result, so the `[B, N, internalDim]` projections of the decoder's 4,096 image
    /// tokens never exist for the whole batch; batch-1 operands are projected once and shared.
    public func attention(query: Tensor, key: Tensor, value: Tensor, _ layer: AttentionLayer) -> Tensor {
        let batch = max(query.shape[0], key.shape[0], value.shape[0])
        if batch == 1 {
            return layer.attend(
                projectedQueries: layer.qProj.linear(query), projectedKeys: layer.kProj.linear(key),
                projectedValues: layer.vProj.linear(value))
        }
        let sharedQueries = query.shape[0] == 1 ? layer.qProj.linear(query) : nil
        let sharedKeys = key.shape[0] == 1 ? layer.kProj.linear(key) : nil
        let sharedValues = value.shape[0] == 1 ? layer.vProj.linear(value) : nil
        let queryCount = query.shape[1]
        let perElement = queryCount * layer.dim
        return Tensor(shape: [batch, queryCount, layer.dim]) { out in
            for element in 0..<batch {
                let attended = layer.attend(
                    projectedQueries: sharedQueries ?? Self.project(query, element: element, layer.qProj.linear),
                    projectedKeys: sharedKeys ?? Self.project(key, element: element, layer.kProj.linear),
                    projectedValues: sharedValues ?? Self.project(value, element: element, layer.vProj.linear))
                attended.storage.withUnsafeBufferPointer { source in
                    (out.baseAddress! + element * perElement).update(from: source.baseAddress!, count: perElement)
                }
            }
        }
    }

    /// `linear` applied to batch element `element` of `x` (`[B, N, in]`), giving `[1, N, out]`.
    private static func project(_ x: Tensor, element: Int, _ linear: Linear) -> Tensor {
        let rows = x.shape[1]
        return Tensor(shape: [1, rows, linear.outFeatures]) { out in
            x.storage.withUnsafeBufferPointer { source in
                linear.apply(
                    source.baseAddress! + element * rows * linear.inFeatures, rows: rows, output: out.baseAddress!)
            }
        }
    }

    public func transposedConvolution(_ x: Tensor, _ layer: TransposedConvolutionLayer) -> Tensor {
        if x.rank == 3 { return layer.apply(x) }
        precondition(x.rank == 4, "transposed convolution \(layer.key): input \(x.shape), want [B, H, W, C]")
        let (batch, side) = (x.shape[0], x.shape[1])
        let perImage = side * side * x.shape[3]
        var values: [Float] = []
        values.reserveCapacity(batch * 4 * side * side * layer.outChannels)
        for b in 0..<batch {
            let image = Tensor(
                shape: Array(x.shape.dropFirst()), storage: Array(x.storage[(b * perImage)..<((b + 1) * perImage)]))
            values.append(contentsOf: layer.apply(image).storage)
        }
        return Tensor(shape: [batch, 2 * side, 2 * side, layer.outChannels], storage: values)
    }

    public func rows(of table: EmbeddingTable) -> Tensor {
        Tensor(shape: [table.rows, table.dim], storage: table.values)
    }

    public func concatenate(_ parts: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate: no parts")
        var shape = parts[0].shape
        let outer = shape[..<axis].reduce(1, *)
        precondition(
            parts.allSatisfy {
                $0.rank == shape.count && Array($0.shape[..<axis]) == Array(shape[..<axis])
                    && Array($0.shape[(axis + 1)...]) == Array(shape[(axis + 1)...])
            },
            "concatenate: shapes \(parts.map(\.shape)) differ off axis \(axis)")
        let inner = parts.map { $0.count / max(outer, 1) }
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        var values: [Float] = []
        values.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for o in 0..<outer {
            for (part, width) in zip(parts, inner) {
                values.append(contentsOf: part.storage[(o * width)..<((o + 1) * width)])
            }
        }
        return Tensor(shape: shape, storage: values)
    }

    public func slice(_ x: Tensor, alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(
            range.lowerBound >= 0 && range.upperBound <= x.shape[axis], "slice \(range) of axis \(axis) of \(x.shape)")
        let outer = x.shape[..<axis].reduce(1, *)
        let stride = x.shape[(axis + 1)...].reduce(1, *)
        let width = x.shape[axis] * stride
        var values: [Float] = []
        values.reserveCapacity(outer * range.count * stride)
        for o in 0..<outer {
            values.append(
                contentsOf: x.storage[(o * width + range.lowerBound * stride)..<(o * width + range.upperBound * stride)]
            )
        }
        var shape = x.shape
        shape[axis] = range.count
        return Tensor(shape: shape, storage: values)
    }

    public func reshape(_ x: Tensor, _ shape: [Int]) -> Tensor { x.reshaped(shape) }

    public func batchwise(_ inputs: [Tensor], _ body: ([Tensor]) -> Tensor) -> Tensor {
        let batch = inputs[0].shape[0]
        precondition(inputs.allSatisfy { $0.shape[0] == batch }, "batchwise: batches \(inputs.map { $0.shape })")
        if batch == 1 { return body(inputs) }
        var values: [Float] = []
        var elementShape: [Int] = []
        for b in 0..<batch {
            let result = body(inputs.map { slice($0, alongAxis: 0, b..<(b + 1)) })
            if b == 0 {
                elementShape = result.shape
                values.reserveCapacity(batch * result.count)
            }
            precondition(result.shape == elementShape, "batchwise: element shapes \(elementShape) vs \(result.shape)")
            values.append(contentsOf: result.storage)
        }
        return Tensor(shape: [batch] + elementShape.dropFirst(), storage: values)
    }

    public func multiplyTransposed(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (batch, m, k) = (a.shape[0], a.shape[1], a.shape[2])
        let n = b.shape[1]
        precondition(
            a.rank == 3 && b.rank == 3 && b.shape[0] == batch && b.shape[2] == k,
            "multiplyTransposed: \(a.shape) x \(b.shape)ᵀ")
        return Tensor(shape: [batch, m, n]) { out in
            a.storage.withUnsafeBufferPointer { ab in
                b.storage.withUnsafeBufferPointer { bb in
                    for i in 0..<batch {
                        GEMM.multiply(
                            transposeB: true, m: m, n: n, k: k, a: ab.baseAddress! + i * m * k, lda: k,
                            b: bb.baseAddress! + i * n * k, ldb: k, c: out.baseAddress! + i * m * n, ldc: n)
                    }
                }
            }
        }
    }

    // MARK: image encoder

    public func normalized(_ x: Tensor, _ layer: LayerNormLayer) -> Tensor { layer.norm(x) }

    /// The weight with the LoRA update merged at load: one GEMM, as the plain layer.
    public func linear(_ x: Tensor, _ layer: LoRALinearLayer) -> Tensor { layer.linear.linear(x) }

    public func pointwiseConvolution(_ x: Tensor, _ layer: PointwiseConvolutionLayer) -> Tensor { layer.linear(x) }

    /// The BatchNorm folded into the weight at load: one GEMM plus bias.
    public func pointwiseConvolution(_ x: Tensor, _ layer: PointwiseConvolutionBatchNormLayer) -> Tensor {
        layer.linear(x)
    }

    public func depthwiseConvolution(_ x: Tensor, _ layer: DepthwiseConvolutionBatchNormLayer) -> Tensor {
        layer.apply(x)
    }

    /// One GEMM and one epilogue pass (bias, residual, GELU).
    public func linear(_ x: Tensor, _ layer: LinearLayer, adding residual: Tensor?, gelu: Bool) -> Tensor {
        if x.rank == 1 {
            var y = linear(x, layer)
            if let residual { add(&y, residual) }
            if gelu { applyGELU(&y) }
            return y
        }
        return layer.linear.apply(x, adding: residual, gelu: gelu)
    }

    /// One GEMM and one epilogue pass (folded BatchNorm bias, residual, GELU).
    public func pointwiseConvolution(
        _ x: Tensor, _ layer: PointwiseConvolutionBatchNormLayer, adding residual: Tensor?, gelu: Bool
    ) -> Tensor {
        layer.linear.apply(x, adding: residual, gelu: gelu)
    }

    /// GELU applied in the convolution's own pass.
    public func depthwiseConvolutionGELU(_ x: Tensor, _ layer: DepthwiseConvolutionBatchNormLayer) -> Tensor {
        layer.apply(x, gelu: true)
    }

    /// The fused per-window kernel (`WindowAttentionLayer.attend(projected:)`).
    public func windowAttention(_ projected: Tensor, _ layer: WindowAttentionLayer) -> Tensor {
        layer.attend(projected: projected)
    }
}

/// `x + y` where either side may have batch 1 (broadcast over the other's batch).
public func broadcastSum(_ x: Tensor, _ y: Tensor) -> Tensor {
    if x.shape == y.shape {
        var out = x
        out.add(y)
        return out
    }
    let (big, small) = x.count >= y.count ? (x, y) : (y, x)
    // Only a periodic broadcast is a repeat of `small`'s memory: its shape without leading 1s must be a trailing
    // part of `big`'s (e.g. `[1, N, C]` or `[C]` against `[B, N, C]`; not `[B, 1, C]` against `[B, N, C]`).
    let stripped = small.shape.drop { $0 == 1 }
    precondition(
        small.count > 0 && stripped.count <= big.rank && Array(big.shape.suffix(stripped.count)) == Array(stripped),
        "broadcast: \(x.shape) vs \(y.shape) is not a batch-1 or trailing broadcast")
    var out = big
    let period = small.count
    out.storage.withUnsafeMutableBufferPointer { o in
        small.storage.withUnsafeBufferPointer { s in
            for start in stride(from: 0, to: o.count, by: period) {
                Elementwise.add(s, into: UnsafeMutableBufferPointer(rebasing: o[start..<(start + period)]))
            }
        }
    }
    return out
}

// MARK: prompt encoder and P²SAM

extension TapeFree {
    public func constant(_ x: Tensor) -> Tensor { x }

    public func value(of parameter: ParameterTensor) -> Tensor { parameter.tensor }

    public func convolution3x3(_ x: Tensor, _ layer: Convolution3x3Layer) -> Tensor { layer.apply(x) }

    public func averagePool2x2(_ x: Tensor) -> Tensor {
        precondition(x.rank == 3 && x.shape[0] % 2 == 0 && x.shape[1] % 2 == 0, "averagePool2x2: input \(x.shape)")
        let (h, w, c) = (x.shape[0], x.shape[1], x.shape[2])
        return Tensor(shape: [h / 2, w / 2, c]) { out in
            x.storage.withUnsafeBufferPointer { input in
                for y in 0..<(h / 2) {
                    for xx in 0..<(w / 2) {
                        for ch in 0..<c {
                            let a = input[((2 * y) * w + 2 * xx) * c + ch]
                            let b = input[((2 * y) * w + 2 * xx + 1) * c + ch]
                            let d = input[((2 * y + 1) * w + 2 * xx) * c + ch]
                            let e = input[((2 * y + 1) * w + 2 * xx + 1) * c + ch]
                            out[(y * (w / 2) + xx) * c + ch] = (a + b + d + e) * 0.25
                        }
                    }
                }
            }
        }
    }

    /// Sums the positions in order, then divides once by their number.
    public func spatialMean(_ x: Tensor) -> Tensor {
        precondition(x.rank == 3, "spatialMean: input \(x.shape), want [H, W, C]")
        let (positions, c) = (x.shape[0] * x.shape[1], x.shape[2])
        var pooled = [Float](repeating: 0, count: c)
        for i in 0..<positions { for ch in 0..<c { pooled[ch] += x.storage[i * c + ch] } }
        for ch in 0..<c { pooled[ch] /= Float(positions) }
        return Tensor(shape: [c], storage: pooled)
    }

    public func clamp(_ x: inout Tensor, to range: ClosedRange<Float>) {
        for i in x.storage.indices {
            x.storage[i] = Swift.min(Swift.max(x.storage[i], range.lowerBound), range.upperBound)
        }
    }

    public func softClamp(_ x: inout Tensor, to range: ClosedRange<Float>) {
        for i in x.storage.indices {
            x.storage[i] = SmoothClamp.value(x.storage[i], lower: range.lowerBound, upper: range.upperBound)
        }
    }

    /// Computed in Double and rounded once to Float.
    public func applyExponential(_ x: inout Tensor) {
        for i in x.storage.indices { x.storage[i] = Float(exp(Double(x.storage[i]))) }
    }

    /// Accumulates `w₀ x₀ + w₁ x₁ + …` in that order from zero, per batch element and channel.
    public func weightedSum(_ x: Tensor, weights: Tensor) -> Tensor {
        let (batch, k, width) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(x.rank == 3 && weights.shape == [k], "weightedSum: \(x.shape) with weights \(weights.shape)")
        var fused = Tensor(shape: [batch, 1, width])
        for b in 0..<batch {
            for (i, w) in weights.storage.enumerated() {
                for j in 0..<width { fused.storage[b * width + j] += w * x.storage[(b * k + i) * width + j] }
            }
        }
        return fused
    }
}

// MARK: AutoMedSAM's class prompt encoder

extension TapeFree {
    /// The numerically stable sigmoid of each element (`stableSigmoid`).
    public func applySigmoid(_ x: inout Tensor) {
        for i in x.storage.indices { x.storage[i] = stableSigmoid(x.storage[i]) }
    }

    /// Equal shapes element by element; otherwise `y` repeats with period `y.count` over `x`.
    public func product(_ x: Tensor, _ y: Tensor) -> Tensor {
        precondition(
            x.shape == y.shape || (y.rank <= x.rank && Array(x.shape.suffix(y.rank)) == y.shape),
            "product: \(x.shape) ⊙ \(y.shape)")
        var out = x
        let period = y.count
        out.storage.withUnsafeMutableBufferPointer { o in
            y.storage.withUnsafeBufferPointer { v in
                for start in stride(from: 0, to: o.count, by: period) {
                    for i in 0..<period { o[start + i] *= v[i] }
                }
            }
        }
        return out
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
