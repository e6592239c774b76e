import SAMTensor

/// TinyViT's `Attention` inside non-overlapping windows (`image_encoder.layers.N.blocks.M.attn`) at a key
/// prefix: LeViT-style multi-head self-attention with the LayerNorm inside the module and learned
/// relative position biases.
///
/// | key | shape |
/// |---|---|
/// | `prefix.norm.weight`, `prefix.norm.bias` | `(dim)` |
/// | `prefix.qkv.weight`, `prefix.qkv.bias` | `(3·dim, dim)`, `(3·dim)` (optionally LoRA-adapted) |
/// | `prefix.proj.weight`, `prefix.proj.bias` | `(dim, dim)`, `(dim)` |
/// | `prefix.attention_biases` | `(heads, ws²)` |
///
/// Upstream semantics, which every context reproduces:
/// - the `[H, W, dim]` map is zero-padded bottom/right to whole windows *before* the LayerNorm, so padded
///   tokens are not masked: they equal the LayerNorm's bias β and act as keys and values, their q/k/v row
///   being `qkv(β)`;
/// - `qkv` output channels are interleaved per head: `[q_h0, k_h0, v_h0, q_h1, …]`, `keyDim = dim / heads`;
/// - `attn = softmax(q kᵀ · keyDim^-0.5 + ab[h])` with `ab[h][i][j] = attention_biases[h][relativeOffsets[i·ws² + j]]`;
/// - heads are concatenated head-major, then `proj`.
///
/// The structure runs as `proj(windowAttention(qkv(norm(x))))` through a `ForwardContext`; the context's
/// `windowAttention` does the windowing, padding and per-head attention.
public struct WindowAttentionLayer: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `image_encoder.layers.1.blocks.0.attn`.
    public let key: String
    public let dim: Int
    public let heads: Int
    public let windowSize: Int
    public let norm: LayerNormLayer
    public let qkv: LoRALinearLayer
    public let proj: LinearLayer
    /// `(heads, N, N)` with `N = windowSize²`: the gathered `attention_biases`, for tape-free forwards.
    let expandedBias: [Float]
    /// `qkv(β)`, the q/k/v row of every zero-padded token, for tape-free forwards.
    let paddingRow: [Float]

    /// The `qkv` projection of the attention at `key` and where LoRA factors go on it (q and v rows).
    public static func qkvLayout(key: String, dim: Int, heads: Int) -> LoRALinearLayer.Layout {
        let keyDim = dim / heads
        return LoRALinearLayer.Layout(
            key: "\(key).qkv", inFeatures: dim, outFeatures: 3 * dim, groups: heads,
            targets: [
                LoRALinearLayer.Target(name: "lora_q", offset: 0, width: keyDim),
                LoRALinearLayer.Target(name: "lora_v", offset: 2 * keyDim, width: keyDim),
            ])
    }

    /// Reads TinyViT's `Attention` at `key` (`norm`, `qkv`, `proj`, `attention_biases`) strictly.
    ///
    /// - Parameters:
    ///   - store: the state dict.
    ///   - key: the module's key prefix, e.g. `image_encoder.layers.1.blocks.0.attn`.
    ///   - dim: channels; `heads` heads of `dim / heads` channels each.
    ///   - heads: attention heads.
    ///   - windowSize: the side of the square attention windows.
    ///   - loraRank: the rank of LoRA factors on `qkv` to read and merge, or nil for none.
    public init(_ store: inout WeightStore, _ key: String, dim: Int, heads: Int, windowSize: Int, loraRank: Int?)
        throws
    {
        precondition(dim % heads == 0, "window attention \(key): dim \(dim) is not a multiple of \(heads) heads")
        self.key = key
        self.dim = dim
        self.heads = heads
        self.windowSize = windowSize
        norm = try LayerNormLayer(&store, "\(key).norm", dim: dim, eps: 1e-5)
        qkv = try LoRALinearLayer(&store, Self.qkvLayout(key: key, dim: dim, heads: heads), rank: loraRank)
        proj = try LinearLayer(&store, "\(key).proj", in: dim, out: dim)
        let biases = try store.take(Self.biasesKey(key), shape: [heads, windowSize * windowSize])
        let offsets = Self.relativeOffsets(windowSize: windowSize)
        let n = windowSize * windowSize
        expandedBias = (0..<heads).flatMap { h in offsets.map { biases[h * n + $0] } }
        paddingRow = qkv.linear.linear.apply(to: norm.norm.bias)
    }

    /// `prefix.attention_biases`, `(heads, ws²)`.
    public var biasesKey: String { Self.biasesKey(key) }

    static func biasesKey(_ key: String) -> String { "\(key).attention_biases" }
    /// Channels per head of q, k and v.
    public var keyDim: Int { dim / heads }

    public var parameterDeclarations: [ParameterDeclaration] {
        norm.parameterDeclarations + qkv.parameterDeclarations + proj.parameterDeclarations
            + [ParameterDeclaration(key: biasesKey, shape: [heads, windowSize * windowSize])]
    }

    /// For every pair of tokens `(i, j)` of a window (row-major, `i · ws² + j`), the index of their bias in
    /// a row of `attention_biases`: `|Δrow| · ws + |Δcolumn|` (upstream's `attention_bias_idxs`).
    public static func relativeOffsets(windowSize ws: Int) -> [Int] {
        let n = ws * ws
        var out = [Int](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { out[i * n + j] = abs(i / ws - j / ws) * ws + abs(i % ws - j % ws) }
        }
        return out
    }

    /// The tape-free windowed attention before `proj`: `[H, W, 3·dim]` q/k/v rows (`qkv(norm(x))` of the
    /// unpadded map) → `[H, W, dim]`, heads concatenated. One pass per window (in parallel): gather the
    /// window's rows (the padding row outside the map), per head a fused scaled-score GEMM, bias, softmax
    /// and value GEMM, then scatter the real tokens back.
    public func attend(projected: Tensor) -> Tensor {
        precondition(
            projected.rank == 3 && projected.shape[2] == 3 * dim,
            "window attention \(key): q/k/v rows \(projected.shape), want [H, W, \(3 * dim)]")
        let (height, width) = (projected.shape[0], projected.shape[1])
        let ws = windowSize
        let windowsDown = (height + ws - 1) / ws
        let windowsAcross = (width + ws - 1) / ws
        let n = ws * ws
        let keyDim = keyDim
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
        return merged
    }
}
