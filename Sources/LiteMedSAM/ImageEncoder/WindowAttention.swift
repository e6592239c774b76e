import SAMLayers
import SAMTensor

/// `image_encoder.layers.N.blocks.M.attn`: LeViT-style multi-head self-attention inside
/// non-overlapping windows, with the LayerNorm inside the module and learned relative biases.
///
/// Upstream semantics reproduced exactly:
/// - the map is zero-padded bottom/right to a multiple of the window; padded tokens are *not*
///   masked: after the in-module LayerNorm they equal its bias β and act as keys and values;
/// - `qkv` output channels are interleaved per head: `[q_h0, k_h0, v_h0, q_h1, …]`;
/// - `attn = softmax(q kᵀ · keyDim^-0.5 + ab[h])` with `ab[h][i][j] = attention_biases[h][|r_i − r_j| · ws + |c_i − c_j|]`;
/// - heads are concatenated head-major, then `proj`.
struct WindowAttention: Sendable {
    let dim: Int
    let heads: Int
    let keyDim: Int
    let windowSize: Int
    let norm: LayerNorm
    let qkv: Linear
    let proj: Linear
    /// `(heads, N, N)` with `N = windowSize²`: the gathered `attention_biases`.
    let expandedBias: [Float]
    /// `qkv(norm(0)) = qkv(β)`: the q/k/v row of every zero-padded token.
    let paddingRow: [Float]

    init(_ store: inout WeightStore, _ prefix: String, dim: Int, heads: Int, windowSize: Int) throws {
        self.dim = dim
        self.heads = heads
        self.keyDim = dim / heads
        self.windowSize = windowSize
        norm = try store.layerNorm("\(prefix).norm", dim: dim, eps: 1e-5)
        qkv = try store.linear("\(prefix).qkv", in: dim, out: 3 * dim)
        proj = try store.linear("\(prefix).proj", in: dim, out: dim)
        let tokens = windowSize * windowSize
        let biases = try store.take("\(prefix).attention_biases", shape: [heads, tokens])
        expandedBias = Self.expandBiases(biases, heads: heads, windowSize: windowSize)
        paddingRow = qkv.apply(to: norm.bias)
    }

    /// Gathers `(heads, ws²)` biases into `(heads, ws², ws²)` by relative offset `|dr| · ws + |dc|`.
    static func expandBiases(_ biases: [Float], heads: Int, windowSize ws: Int) -> [Float] {
        let n = ws * ws
        var out = [Float](repeating: 0, count: heads * n * n)
        for h in 0..<heads {
            for i in 0..<n {
                for j in 0..<n {
                    let offset = abs(i / ws - j / ws) * ws + abs(i % ws - j % ws)
                    out[(h * n + i) * n + j] = biases[h * n + offset]
                }
            }
        }
        return out
    }

    /// `[H, W, dim]` → `[H, W, dim]` (the attention branch only; the caller adds the residual).
    func callAsFunction(_ input: Tensor) -> Tensor {
        let (height, width) = (input.shape[0], input.shape[1])
        let ws = windowSize
        let windowsDown = (height + ws - 1) / ws
        let windowsAcross = (width + ws - 1) / ws
        let projected = qkv(norm(input))  // [H, W, 3 dim]
        let n = ws * ws
        let rowWidth = 3 * dim
        let headWidth = 3 * keyDim
        let scale = 1 / Float(keyDim).squareRoot()
        var merged = Tensor(shape: [height, width, dim])
        merged.storage.withUnsafeMutableBufferPointer { mergedBuffer in
            let output = SharedMutablePointer(mergedBuffer.baseAddress!)
            projected.storage.withUnsafeBufferPointer { qkvBuffer in
                let rows = SharedPointer(qkvBuffer.baseAddress!)
                paddingRow.withUnsafeBufferPointer { padBuffer in
                    let pad = SharedPointer(padBuffer.baseAddress!)
                    expandedBias.withUnsafeBufferPointer { biasBuffer in
                        let bias = SharedPointer(biasBuffer.baseAddress!)
                        Parallel.forEachChunk(of: windowsDown * windowsAcross) { windows in
                            var window = [Float](repeating: 0, count: n * rowWidth)
                            var scores = [Float](repeating: 0, count: n * n)
                            var heads = [Float](repeating: 0, count: n * dim)
                            window.withUnsafeMutableBufferPointer { win in
                                scores.withUnsafeMutableBufferPointer { att in
                                    heads.withUnsafeMutableBufferPointer { out in
                                        let w = win.baseAddress!
                                        let s = att.baseAddress!
                                        let o = out.baseAddress!
                                        for index in windows {
                                            let top = (index / windowsAcross) * ws
                                            let left = (index % windowsAcross) * ws
                                            // Gather the window's q/k/v rows (padding rows outside the map).
                                            for t in 0..<n {
                                                let y = top + t / ws
                                                let x = left + t % ws
                                                let source =
                                                    (y < height && x < width)
                                                    ? rows.base + (y * width + x) * rowWidth : pad.base
                                                (w + t * rowWidth).update(from: source, count: rowWidth)
                                            }
                                            for h in 0..<self.heads {
                                                let q = w + h * headWidth
                                                let k = q + keyDim
                                                let v = k + keyDim
                                                GEMM.single(
                                                    false, true, n, n, keyDim, scale, q, rowWidth, k, rowWidth, 0, s, n)
                                                let b = bias.base + h * n * n
                                                for e in 0..<(n * n) { s[e] += b[e] }
                                                Normalization.softmaxRows(s, rows: n, cols: n)
                                                GEMM.single(
                                                    false, false, n, keyDim, n, 1, s, n, v, rowWidth, 0, o + h * keyDim,
                                                    dim)
                                            }
                                            // Scatter the real (unpadded) tokens back.
                                            for t in 0..<n {
                                                let y = top + t / ws
                                                let x = left + t % ws
                                                if y < height && x < width {
                                                    (output.base + (y * width + x) * dim).update(
                                                        from: o + t * dim, count: dim)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return proj(merged)
    }
}
