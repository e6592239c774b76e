import SAMTensor

/// SAM's decoder `Attention` (`q_proj`, `k_proj`, `v_proj` to `internalDim = dim / downsampleRate`,
/// heads as contiguous channel chunks, scale `1/√(internalDim/heads)`, `out_proj` back to `dim`).
///
/// Batched: queries are `[B, Nq, dim]`; keys and values are `[Bk, Nk, dim]` with `Bk` either `B`
/// or 1 (one set shared by every batch element, e.g. an image embedding common to all prompts).
struct DecoderAttention: Sendable {
    let dim: Int
    let internalDim: Int
    let heads: Int
    let qProj: Linear
    let kProj: Linear
    let vProj: Linear
    let outProj: Linear

    init(_ store: inout WeightStore, _ prefix: String, dim: Int, heads: Int, downsampleRate: Int) throws {
        self.dim = dim
        self.internalDim = dim / downsampleRate
        self.heads = heads
        qProj = try store.linear("\(prefix).q_proj", in: dim, out: internalDim)
        kProj = try store.linear("\(prefix).k_proj", in: dim, out: internalDim)
        vProj = try store.linear("\(prefix).v_proj", in: dim, out: internalDim)
        outProj = try store.linear("\(prefix).out_proj", in: internalDim, out: dim)
    }

    /// Full attention: projections, per-(batch, head) softmax attention, output projection.
    ///
    /// - Parameters:
    ///   - q: `[Bq, Nq, dim]`; `k` and `v`: `[Bk, Nk, dim]`; the batch is `max(Bq, Bk)`, and a
    ///     side with batch 1 is shared by all.
    /// - Returns: `[B, Nq, dim]`.
    func callAsFunction(q: Tensor, k: Tensor, v: Tensor) -> Tensor {
        attend(projectedQueries: qProj(q), projectedKeys: kProj(k), projectedValues: vProj(v))
    }

    /// The attention given already projected `[Bq, Nq, I]`, `[Bk, Nk, I]`, `[Bk, Nk, I]`; applies `out_proj`.
    func attend(projectedQueries q: Tensor, projectedKeys k: Tensor, projectedValues v: Tensor) -> Tensor {
        let (bq, nq) = (q.shape[0], q.shape[1])
        let (bk, nk) = (k.shape[0], k.shape[1])
        precondition(v.shape[0] == bk && v.shape[1] == nk, "attention: keys \(k.shape) vs values \(v.shape)")
        precondition(bq == bk || bq == 1 || bk == 1, "attention: batch \(bq) vs \(bk)")
        let batch = max(bq, bk)
        let width = internalDim, headWidth = internalDim / heads
        let scale = 1 / Float(headWidth).squareRoot()
        var mixed = Tensor(shape: [batch, nq, width])
        q.storage.withUnsafeBufferPointer { qb in
            k.storage.withUnsafeBufferPointer { kb in
                v.storage.withUnsafeBufferPointer { vb in
                    mixed.storage.withUnsafeMutableBufferPointer { ob in
                        let sq = SharedPointer(qb.baseAddress!), sk = SharedPointer(kb.baseAddress!)
                        let sv = SharedPointer(vb.baseAddress!), so = SharedMutablePointer(ob.baseAddress!)
                        let qStride = bq == 1 ? 0 : nq * width, kStride = bk == 1 ? 0 : nk * width
                        Parallel.forEachChunk(of: batch * heads) { pairs in
                            var scores = [Float](repeating: 0, count: nq * nk)
                            scores.withUnsafeMutableBufferPointer { sb in
                                let s = sb.baseAddress!
                                for pair in pairs {
                                    let b = pair / heads, h = pair % heads
                                    let qh = sq.base + b * qStride + h * headWidth
                                    let kh = sk.base + b * kStride + h * headWidth
                                    let vh = sv.base + b * kStride + h * headWidth
                                    GEMM.single(false, true, nq, nk, headWidth, scale, qh, width, kh, width, 0, s, nk)
                                    Normalization.softmaxRows(s, rows: nq, cols: nk)
                                    GEMM.single(false, false, nq, headWidth, nk, 1, s, nk, vh, width, 0,
                                                so.base + b * nq * width + h * headWidth, width)
                                }
                            }
                        }
                    }
                }
            }
        }
        return outProj(mixed)
    }
}

/// `x + y` where either side may have batch 1 (broadcast over the other's batch).
func broadcastSum(_ x: Tensor, _ y: Tensor) -> Tensor {
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
