import SAMTensor

/// The inference forward context: values are `Tensor`s and every operation calls the fast kernels
/// directly (CBLAS GEMM for linear layers, the fused per-head attention kernel, in-place
/// LayerNorm and activations); nothing is recorded.
public struct TapeFree: ForwardContext, Sendable {
    public init() {}

    public func shape(of x: Tensor) -> [Int] { x.shape }

    public func linear(_ x: Tensor, _ layer: LinearLayer) -> Tensor { layer.linear(x) }

    public func normalize(_ x: inout Tensor, _ layer: LayerNormLayer) { layer.norm.applyInPlace(&x) }

    public func applyReLU(_ x: inout Tensor) { x.applyReLU() }

    public func applyGELU(_ x: inout Tensor) { x.applyGELU() }

    public func add(_ x: inout Tensor, _ y: Tensor) { x.add(y) }

    public func sum(_ x: Tensor, _ y: Tensor) -> Tensor { broadcastSum(x, y) }

    public func attention(query: Tensor, key: Tensor, value: Tensor, _ layer: AttentionLayer) -> Tensor {
        layer.attend(
            projectedQueries: layer.qProj.linear(query), projectedKeys: layer.kProj.linear(key),
            projectedValues: layer.vProj.linear(value))
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

    public func convolution(_ x: Tensor, _ layer: Convolution3x3Layer) -> Tensor { layer.apply(x) }

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
    precondition(small.count > 0 && big.count % small.count == 0, "broadcast: \(x.shape) vs \(y.shape)")
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
