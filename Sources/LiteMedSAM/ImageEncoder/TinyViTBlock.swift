import SAMLayers

/// `image_encoder.layers.N.blocks.M` for N ≥ 1, on `[H, W, dim]`:
/// `x += proj(windowAttention(qkv(norm(x))))` (`attn`, see `WindowAttentionLayer`); `x = local_conv(x)`
/// (depthwise 3x3 `Conv2d_BN`, no residual, no activation); `x += fc2(GELU(fc1(norm(x))))` (`mlp`).
struct TinyViTBlock: Sendable, DeclaresParameters {
    let attn: WindowAttentionLayer
    let localConv: DepthwiseConvolutionBatchNormLayer
    let mlpNorm: LayerNormLayer
    let fc1: LinearLayer
    let fc2: LinearLayer

    /// The attention module's key under the block's key (`….attn`).
    static func attentionKey(block key: String) -> String { "\(key).attn" }

    /// - Parameter loraRank: the rank of LoRA factors on `attn.qkv` to read and merge, or nil.
    init(
        _ store: inout WeightStore, _ key: String, dim: Int, heads: Int, windowSize: Int, mlpRatio: Int,
        loraRank: Int?
    ) throws {
        attn = try WindowAttentionLayer(
            &store, Self.attentionKey(block: key), dim: dim, heads: heads, windowSize: windowSize, loraRank: loraRank)
        localConv = try DepthwiseConvolutionBatchNormLayer(&store, "\(key).local_conv", channels: dim, stride: 1)
        mlpNorm = try LayerNormLayer(&store, "\(key).mlp.norm", dim: dim, eps: 1e-5)
        fc1 = try LinearLayer(&store, "\(key).mlp.fc1", in: dim, out: dim * mlpRatio)
        fc2 = try LinearLayer(&store, "\(key).mlp.fc2", in: dim * mlpRatio, out: dim)
    }

    var parameterDeclarations: [ParameterDeclaration] {
        attn.parameterDeclarations + localConv.parameterDeclarations + mlpNorm.parameterDeclarations
            + fc1.parameterDeclarations + fc2.parameterDeclarations
    }

    /// `[H, W, dim]` → `[H, W, dim]`.
    func forward<C: ForwardContext>(_ c: C, _ input: C.Value) -> C.Value {
        var x = attention(c, input, adding: input)
        x = c.depthwiseConvolution(x, localConv)
        let hidden = c.linear(c.normalized(x, mlpNorm), fc1, adding: nil, gelu: true)
        return c.linear(hidden, fc2, adding: x, gelu: false)
    }

    /// The attention branch plus `residual`: `residual + proj(windowAttention(qkv(norm(x))))`,
    /// `[H, W, dim]` → `[H, W, dim]` (its `[H, W, 3·dim]` q/k/v rows live only here).
    func attention<C: ForwardContext>(_ c: C, _ input: C.Value, adding residual: C.Value?) -> C.Value {
        let projected = c.linear(c.normalized(input, attn.norm), attn.qkv)
        return c.linear(c.windowAttention(projected, attn), attn.proj, adding: residual, gelu: false)
    }
}
