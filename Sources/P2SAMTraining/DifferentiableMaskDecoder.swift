import SAMAutograd
import SAMTensor

/// LiteMedSAM's mask decoder (SAM's two-way transformer + output upscaling + hypernetworks) on
/// `SAMAutograd`, with any number of mask tokens and parameters named as in the checkpoint
/// (`mask_decoder.*`). Numerically the same computation as `LiteMedSAM.MaskDecoder`:
///
/// - tokens `[iou_token, mask_tokens (K), sparse prompt tokens]`, which are also the query PE;
/// - layer 0: token self-attention without residual or PE; every layer then token→image
///   cross-attention (internal dim 128), MLP 2048 ReLU, image→token cross-attention, each with a
///   LayerNorm (eps 1e-5); a final token→image attention and `norm_final_attn`;
/// - `output_upscaling`: ConvT 256→64 k2s2, LayerNorm2d(64, eps 1e-6), GELU, ConvT 64→32, GELU;
/// - hypernetwork MLP i (256→256→256→32, ReLU) on mask token i's output; masks = hyper_in · upscaledᵀ.
public struct DifferentiableMaskDecoder: Sendable {
    public let maskTokenCount: Int
    public let heads = 8
    static let prefix = "mask_decoder"

    public init(maskTokenCount: Int) {
        self.maskTokenCount = maskTokenCount
    }

    /// The transformer and upscaling outputs for B prompts.
    struct Features {
        /// Output of every mask token, `[B, K, 256]`.
        var maskTokenOutputs: Variable
        /// Upscaled image features `[B, 65536, 32]` (256x256 pixels, row-major).
        var upscaled: Variable
    }

    /// Runs the transformer and the output upscaling.
    ///
    /// - Parameters:
    ///   - image: image embedding plus dense prompt embedding, `[1 or B, 4096, 256]`.
    ///   - positionalEncoding: the prompt encoder's dense PE, `[1, 4096, 256]`.
    ///   - sparse: sparse prompt tokens `[B, Ns, 256]`, or nil for none.
    ///   - batch: B.
    func features(_ w: GraphWeights, image: Variable, positionalEncoding: Variable, sparse: Variable?, batch: Int) -> Features {
        let p = Self.prefix
        let dim = image.shape[2], pixels = image.shape[1]
        var fixed = Variable.concatenate([w("\(p).iou_token.weight"), w("\(p).mask_tokens.weight")], alongAxis: 0)
            .reshaped([1, 1 + maskTokenCount, dim])
        if batch > 1 { fixed = Variable.concatenate(Array(repeating: fixed, count: batch), alongAxis: 0) }
        let tokens = sparse.map { Variable.concatenate([fixed, $0], alongAxis: 1) } ?? fixed
        var keys = image
        if keys.shape[0] != batch { keys = Variable.concatenate(Array(repeating: keys, count: batch), alongAxis: 0) }

        var queries = tokens
        for layer in 0..<2 {
            let l = "\(p).transformer.layers.\(layer)"
            if layer == 0 {
                queries = attention(w, "\(l).self_attn", q: queries, k: queries, v: queries)
            } else {
                let q = queries + tokens
                queries = queries + attention(w, "\(l).self_attn", q: q, k: q, v: queries)
            }
            queries = w.layerNorm(queries, "\(l).norm1")
            let keysPE = keys + positionalEncoding
            queries = queries + attention(w, "\(l).cross_attn_token_to_image", q: queries + tokens, k: keysPE, v: keys)
            queries = w.layerNorm(queries, "\(l).norm2")
            let hidden = w.linear(queries, "\(l).mlp.lin1").relu()
            queries = w.layerNorm(queries + w.linear(hidden, "\(l).mlp.lin2"), "\(l).norm3")
            keys = w.layerNorm(keys + attention(w, "\(l).cross_attn_image_to_token", q: keysPE, k: queries + tokens, v: queries),
                               "\(l).norm4")
        }
        let final = attention(w, "\(p).transformer.final_attn_token_to_image", q: queries + tokens,
                              k: keys + positionalEncoding, v: keys)
        queries = w.layerNorm(queries + final, "\(p).transformer.norm_final_attn")

        let side = Int(Double(pixels).squareRoot())
        let u = "\(p).output_upscaling"
        var x = keys.reshaped([batch, side, side, dim])
        x = x.transposedConv2x2(weight: w("\(u).0.weight"), bias: w("\(u).0.bias"))
        x = w.layerNorm(x, "\(u).1", eps: 1e-6).gelu()
        x = x.transposedConv2x2(weight: w("\(u).3.weight"), bias: w("\(u).3.bias")).gelu()
        let channels = x.shape[3]
        return Features(maskTokenOutputs: queries.slice(alongAxis: 1, 1..<(1 + maskTokenCount)),
                        upscaled: x.reshaped([batch, 16 * pixels, channels]))
    }

    /// Hypernetwork outputs `[B, n, 32]` of the mask tokens `tokens`.
    func hypernetworkInputs(_ w: GraphWeights, _ features: Features, tokens: [Int]) -> Variable {
        let parts = tokens.map { t in
            w.mlp(features.maskTokenOutputs.slice(alongAxis: 1, t..<(t + 1)), "\(Self.prefix).output_hypernetworks_mlps.\(t)", depth: 3)
        }
        return parts.count == 1 ? parts[0] : Variable.concatenate(parts, alongAxis: 1)
    }

    /// Mask logits `[B, n, 65536]` for hypernetwork inputs `[B, n, 32]`.
    func masks(hyper: Variable, _ features: Features) -> Variable {
        Variable.matmul(hyper, features.upscaled, transposeB: true)
    }

    /// SAM's decoder `Attention`: projections, heads as contiguous channel chunks, scaled softmax, `out_proj`.
    func attention(_ w: GraphWeights, _ prefix: String, q: Variable, k: Variable, v: Variable) -> Variable {
        let qp = w.linear(q, "\(prefix).q_proj"), kp = w.linear(k, "\(prefix).k_proj"), vp = w.linear(v, "\(prefix).v_proj")
        let batch = qp.shape[0], nq = qp.shape[1], nk = kp.shape[1], width = qp.shape[2]
        let headWidth = width / heads
        func split(_ x: Variable, _ n: Int) -> Variable {
            x.reshaped([batch, n, heads, headWidth]).permuted([0, 2, 1, 3]).reshaped([batch * heads, n, headWidth])
        }
        let scale = 1 / Float(headWidth).squareRoot()
        let scores = Variable.matmul(split(qp * scale, nq), split(kp, nk), transposeB: true).softmax()
        let mixed = Variable.matmul(scores, split(vp, nk))
        let merged = mixed.reshaped([batch, heads, nq, headWidth]).permuted([0, 2, 1, 3]).reshaped([batch, nq, width])
        return w.linear(merged, "\(prefix).out_proj")
    }
}
