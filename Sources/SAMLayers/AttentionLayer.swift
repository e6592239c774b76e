import SAMTensor

/// SAM's `Attention` module at a key prefix (`q_proj`, `k_proj`, `v_proj` to
/// `internalDim = dim / downsampleRate`, heads as contiguous channel chunks, scale
/// `1/√(internalDim/heads)`, `out_proj` back to `dim`). Run it through a `ForwardContext`.
public struct AttentionLayer: Sendable, DeclaresParameters {
    public let key: String
    public let dim: Int
    public let internalDim: Int
    public let heads: Int
    public let qProj: LinearLayer
    public let kProj: LinearLayer
    public let vProj: LinearLayer
    public let outProj: LinearLayer

    /// Reads the four projections at `key` strictly: `dim` → `dim / downsampleRate` over `heads` heads.
    public init(_ store: inout WeightStore, _ key: String, dim: Int, heads: Int, downsampleRate: Int) throws {
        self.key = key
        self.dim = dim
        self.internalDim = dim / downsampleRate
        self.heads = heads
        qProj = try LinearLayer(&store, "\(key).q_proj", in: dim, out: internalDim)
        kProj = try LinearLayer(&store, "\(key).k_proj", in: dim, out: internalDim)
        vProj = try LinearLayer(&store, "\(key).v_proj", in: dim, out: internalDim)
        outProj = try LinearLayer(&store, "\(key).out_proj", in: internalDim, out: dim)
    }

    public var parameterDeclarations: [ParameterDeclaration] {
        [qProj, kProj, vProj, outProj].parameterDeclarations
    }

    /// The tape-free attention given already projected `[Bq, Nq, I]`, `[Bk, Nk, I]`, `[Bk, Nk, I]`
    /// (`Bq` and `Bk` equal or one of them 1): one fused kernel per (batch, head) pair, then `out_proj`.
    /// Returns `[max(Bq, Bk), Nq, dim]`.
    public func attend(projectedQueries q: Tensor, projectedKeys k: Tensor, projectedValues v: Tensor) -> Tensor {
        let (bq, nq) = (q.shape[0], q.shape[1])
        let (bk, nk) = (k.shape[0], k.shape[1])
        precondition(v.shape[0] == bk && v.shape[1] == nk, "attention: keys \(k.shape) vs values \(v.shape)")
        precondition(bq == bk || bq == 1 || bk == 1, "attention: batch \(bq) vs \(bk)")
        let batch = max(bq, bk)
        let width = internalDim
        let headWidth = internalDim / heads
        let scale = 1 / Float(headWidth).squareRoot()
        var mixed = Tensor(shape: [batch, nq, width])
        q.storage.withUnsafeBufferPointer { qb in
            k.storage.withUnsafeBufferPointer { kb in
                v.storage.withUnsafeBufferPointer { vb in
                    mixed.storage.withUnsafeMutableBufferPointer { ob in
                        let sq = SharedPointer(qb.baseAddress!)
                        let sk = SharedPointer(kb.baseAddress!)
                        let sv = SharedPointer(vb.baseAddress!)
                        let so = SharedMutablePointer(ob.baseAddress!)
                        let qStride = bq == 1 ? 0 : nq * width
                        let kStride = bk == 1 ? 0 : nk * width
                        Parallel.forEachChunk(of: batch * heads) { pairs in
                            var scores = [Float](repeating: 0, count: nq * nk)
                            scores.withUnsafeMutableBufferPointer { sb in
                                let s = sb.baseAddress!
                                for pair in pairs {
                                    let b = pair / heads
                                    let h = pair % heads
                                    let qh = sq.base + b * qStride + h * headWidth
                                    let kh = sk.base + b * kStride + h * headWidth
                                    let vh = sv.base + b * kStride + h * headWidth
                                    GEMM.single(false, true, nq, nk, headWidth, scale, qh, width, kh, width, 0, s, nk)
                                    Normalization.softmaxRows(s, rows: nq, cols: nk)
                                    GEMM.single(
                                        false, false, nq, headWidth, nk, 1, s, nk, vh, width, 0,
                                        so.base + b * nq * width + h * headWidth, width)
                                }
                            }
                        }
                    }
                }
            }
        }
        return outProj.linear(mixed)
    }
}
