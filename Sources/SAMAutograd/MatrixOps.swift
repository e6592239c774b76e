import SAMTensor

/// `C_i = op(A_i) op(B_i)` (or `+=` when `accumulate`) for `batch` row-major products.
///
/// A batch stride of 0 repeats one matrix for every item. When `cStride` is 0 all products add
/// into one C, sequentially. Large products use the parallel `GEMM.multiply`; many small ones are
/// spread over the workers instead.
func batchedGEMM(
    transposeA: Bool, transposeB: Bool, batch: Int, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, aStride: Int, b: UnsafePointer<Float>, bStride: Int,
    c: UnsafeMutablePointer<Float>, cStride: Int, accumulate: Bool
) {
    let lda = transposeA ? m : k
    let ldb = transposeB ? k : n
    if cStride == 0 || m * n * k >= GEMM.parallelThreshold || batch == 1 {
        for i in 0..<batch {
            let beta: Float = accumulate || (cStride == 0 && i > 0) ? 1 : 0
            GEMM.multiply(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                a: a + i * aStride, lda: lda, b: b + i * bStride, ldb: ldb,
                beta: beta, c: c + i * cStride, ldc: n)
        }
        return
    }
    GEMM.configure()
    let sa = SharedPointer(a)
    let sb = SharedPointer(b)
    let sc = SharedMutablePointer(c)
    Parallel.forEachChunk(of: batch) { items in
        for i in items {
            GEMM.single(
                transposeA, transposeB, m, n, k, 1, sa.base + i * aStride, lda,
                sb.base + i * bStride, ldb, accumulate ? 1 : 0, sc.base + i * cStride, n)
        }
    }
}

extension Variable {
    /// A fully connected layer over the last dimension, `x Wᵀ + b` (PyTorch `nn.Linear`).
    ///
    /// - Parameters:
    ///   - weight: `[out, in]`.
    ///   - bias: `[out]`, or nil.
    /// - Returns: `[…, out]` for `self` of shape `[…, in]` (all leading dimensions are rows).
    public func linear(weight: Variable, bias: Variable? = nil) -> Variable {
        let x = value
        let w = weight.value
        precondition(w.rank == 2 && x.shape.last == w.shape[1], "linear: input \(x.shape) vs weight \(w.shape)")
        let (outF, inF) = (w.shape[0], w.shape[1])
        let rows = x.count / inF
        var outShape = x.shape
        outShape[outShape.count - 1] = outF
        if let bias { precondition(bias.shape == [outF], "linear: bias \(bias.shape), want [\(outF)]") }
        let biasValues = bias?.value.storage
        // The tape-free `Linear`'s f32 product (own kernel or OpenBLAS by rows), so both forwards agree bit for bit.
        let y = Tensor(shape: outShape) { out in
            x.storage.withUnsafeBufferPointer { xb in
                w.storage.withUnsafeBufferPointer { wb in
                    func product(_ b: UnsafePointer<Float>?) {
                        LinearKernel.product(
                            xb.baseAddress!, rows: rows, weight: wb.baseAddress!, outFeatures: outF, inFeatures: inF,
                            output: out.baseAddress!, bias: b)
                    }
                    if let biasValues {
                        biasValues.withUnsafeBufferPointer { product($0.baseAddress!) }
                    } else {
                        product(nil)
                    }
                }
            }
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return graph.record(y, inputs: inputs) { graph, g in
            g.storage.withUnsafeBufferPointer { gb in
                if graph.needsGradient(self) {
                    let dx = Tensor(shape: x.shape) { out in
                        w.storage.withUnsafeBufferPointer { wb in
                            GEMM.multiply(
                                m: rows, n: inF, k: outF, a: gb.baseAddress!, lda: outF,
                                b: wb.baseAddress!, ldb: inF, c: out.baseAddress!, ldc: inF)
                        }
                    }
                    graph.accumulate(dx, into: self)
                }
                if graph.needsGradient(weight) {
                    let dw = Tensor(shape: w.shape) { out in
                        x.storage.withUnsafeBufferPointer { xb in
                            GEMM.multiply(
                                transposeA: true, m: outF, n: inF, k: rows, a: gb.baseAddress!, lda: outF,
                                b: xb.baseAddress!, ldb: inF, c: out.baseAddress!, ldc: inF)
                        }
                    }
                    graph.accumulate(dw, into: weight)
                }
            }
            if let bias, graph.needsGradient(bias) {
                graph.accumulate(Broadcasting.reduce(g, to: [outF]), into: bias)
            }
        }
    }

    /// Matrix product `op(a) op(b)` of matrices `[m, k]` or batches `[B, m, k]`.
    ///
    /// A rank-2 operand, or a rank-3 operand with batch 1, is shared by every item of the other's
    /// batch. Attention scores are `matmul(q, k, transposeB: true)` (`[B, N, d] x [B, M, d]ᵀ`),
    /// the mixed values `matmul(p, v)` (`[B, N, M] x [B, M, d]`).
    ///
    /// - Returns: `[B, m, n]`, or `[m, n]` when both operands are rank 2.
    public static func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false)
        -> Variable
    {
        let x = a.value
        let y = b.value
        precondition((2...3).contains(x.rank) && (2...3).contains(y.rank), "matmul: shapes \(x.shape), \(y.shape)")
        let batchA = x.rank == 3 ? x.shape[0] : 1
        let batchB = y.rank == 3 ? y.shape[0] : 1
        precondition(batchA == batchB || batchA == 1 || batchB == 1, "matmul: batch \(batchA) vs \(batchB)")
        let batch = Swift.max(batchA, batchB)
        let (ar, ac) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        let (br, bc) = (y.shape[y.rank - 2], y.shape[y.rank - 1])
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeB ? (bc, br) : (br, bc)
        precondition(k == k2, "matmul: inner dimensions \(k) vs \(k2) (\(x.shape), \(y.shape))")
        let strideA = batchA == 1 ? 0 : m * k
        let strideB = batchB == 1 ? 0 : k * n
        let outShape = x.rank == 2 && y.rank == 2 ? [m, n] : [batch, m, n]
        let result = Tensor(shape: outShape) { out in
            x.storage.withUnsafeBufferPointer { xb in
                y.storage.withUnsafeBufferPointer { yb in
                    batchedGEMM(
                        transposeA: transposeA, transposeB: transposeB, batch: batch, m: m, n: n, k: k,
                        a: xb.baseAddress!, aStride: strideA, b: yb.baseAddress!, bStride: strideB,
                        c: out.baseAddress!, cStride: m * n, accumulate: false)
                }
            }
        }
        return a.graph.record(result, inputs: [a, b]) { graph, g in
            g.storage.withUnsafeBufferPointer { gb in
                let dC = gb.baseAddress!
                if graph.needsGradient(a) {
                    let da = Tensor(shape: x.shape) { out in
                        out.initialize(repeating: 0)
                        y.storage.withUnsafeBufferPointer { yb in
                            if transposeA {  // dA = op(B) dCᵀ, [k, m]
                                batchedGEMM(
                                    transposeA: transposeB, transposeB: true, batch: batch, m: k, n: m, k: n,
                                    a: yb.baseAddress!, aStride: strideB, b: dC, bStride: m * n,
                                    c: out.baseAddress!, cStride: strideA, accumulate: true)
                            } else {  // dA = dC op(B)ᵀ, [m, k]
                                batchedGEMM(
                                    transposeA: false, transposeB: !transposeB, batch: batch, m: m, n: k, k: n,
                                    a: dC, aStride: m * n, b: yb.baseAddress!, bStride: strideB,
                                    c: out.baseAddress!, cStride: strideA, accumulate: true)
                            }
                        }
                    }
                    graph.accumulate(da, into: a)
                }
                if graph.needsGradient(b) {
                    let db = Tensor(shape: y.shape) { out in
                        out.initialize(repeating: 0)
                        x.storage.withUnsafeBufferPointer { xb in
                            if transposeB {  // dB = dCᵀ op(A), [n, k]
                                batchedGEMM(
                                    transposeA: true, transposeB: transposeA, batch: batch, m: n, n: k, k: m,
                                    a: dC, aStride: m * n, b: xb.baseAddress!, bStride: strideA,
                                    c: out.baseAddress!, cStride: strideB, accumulate: true)
                            } else {  // dB = op(A)ᵀ dC, [k, n]
                                batchedGEMM(
                                    transposeA: !transposeA, transposeB: false, batch: batch, m: k, n: n, k: m,
                                    a: xb.baseAddress!, aStride: strideA, b: dC, bStride: m * n,
                                    c: out.baseAddress!, cStride: strideB, accumulate: true)
                            }
                        }
                    }
                    graph.accumulate(db, into: b)
                }
            }
        }
    }
}
