import SAMLayers

/// `mask_decoder.transformer.layers.N`: token self-attention, token→image cross-attention, MLP on
/// the tokens, image→token cross-attention; each followed by a LayerNorm (eps 1e-5).
/// Layer 0 (`skipFirstLayerPE`) replaces the queries with their self-attention (no residual, no PE).
struct TwoWayAttentionBlock: Sendable, DeclaresParameters {
    let selfAttn: AttentionLayer
    let norm1: LayerNormLayer
    let crossAttnTokenToImage: AttentionLayer
    let norm2: LayerNormLayer
    let mlp: TransformerMLP
    let norm3: LayerNormLayer
    let norm4: LayerNormLayer
    let crossAttnImageToToken: AttentionLayer
    let skipFirstLayerPE: Bool

    init(
        _ store: inout WeightStore, _ key: String, dim: Int, heads: Int, mlpDim: Int, downsampleRate: Int,
        skipFirstLayerPE: Bool
    ) throws {
        selfAttn = try AttentionLayer(&store, "\(key).self_attn", dim: dim, heads: heads, downsampleRate: 1)
        norm1 = try LayerNormLayer(&store, "\(key).norm1", dim: dim, eps: 1e-5)
        crossAttnTokenToImage = try AttentionLayer(
            &store, "\(key).cross_attn_token_to_image", dim: dim, heads: heads, downsampleRate: downsampleRate)
        norm2 = try LayerNormLayer(&store, "\(key).norm2", dim: dim, eps: 1e-5)
        mlp = try TransformerMLP(&store, "\(key).mlp", dim: dim, hidden: mlpDim)
        norm3 = try LayerNormLayer(&store, "\(key).norm3", dim: dim, eps: 1e-5)
        norm4 = try LayerNormLayer(&store, "\(key).norm4", dim: dim, eps: 1e-5)
        crossAttnImageToToken = try AttentionLayer(
            &store, "\(key).cross_attn_image_to_token", dim: dim, heads: heads, downsampleRate: downsampleRate)
        self.skipFirstLayerPE = skipFirstLayerPE
    }

    var parameterDeclarations: [ParameterDeclaration] {
        selfAttn.parameterDeclarations + norm1.parameterDeclarations + crossAttnTokenToImage.parameterDeclarations
            + norm2.parameterDeclarations + mlp.parameterDeclarations + norm3.parameterDeclarations
            + norm4.parameterDeclarations + crossAttnImageToToken.parameterDeclarations
    }

    /// - Parameters:
    ///   - queries, queryPE: `[B, T, dim]`.
    ///   - keys: `[Bk, 4096, dim]`, `Bk` = B or 1 (shared); `keyPE`: `[1, 4096, dim]`.
    /// - Returns: updated queries `[B, T, dim]` and keys `[B, 4096, dim]`.
    func forward<C: ForwardContext>(_ c: C, queries input: C.Value, keys: C.Value, queryPE: C.Value, keyPE: C.Value)
        -> (queries: C.Value, keys: C.Value)
    {
        var queries: C.Value
        if skipFirstLayerPE {
            queries = c.attention(query: input, key: input, value: input, selfAttn)
        } else {
            let q = c.sum(input, queryPE)
            let attended = c.attention(query: q, key: q, value: input, selfAttn)
            queries = input
            c.add(&queries, attended)
        }
        c.normalize(&queries, norm1)

        let keysWithPE = c.sum(keys, keyPE)
        let toImage = c.attention(query: c.sum(queries, queryPE), key: keysWithPE, value: keys, crossAttnTokenToImage)
        c.add(&queries, toImage)
        c.normalize(&queries, norm2)

        let mixed = mlp.forward(c, queries)
        c.add(&queries, mixed)
        c.normalize(&queries, norm3)

        // Image → token: the image positions query the tokens.
        // In place: a second `[B, 4096, dim]` buffer here raised the decoder's peak memory by ~45 MB at 64 prompts.
        var newKeys = c.attention(
            query: keysWithPE, key: c.sum(queries, queryPE), value: queries, crossAttnImageToToken)
        c.add(&newKeys, keys)
        c.normalize(&newKeys, norm4)
        return (queries, newKeys)
    }
}

/// `mask_decoder.transformer`: two `TwoWayAttentionBlock`s, then a final token→image attention and
/// `norm_final_attn`.
struct TwoWayTransformer: Sendable, DeclaresParameters {
    let layers: [TwoWayAttentionBlock]
    let finalAttnTokenToImage: AttentionLayer
    let normFinalAttn: LayerNormLayer

    init(
        _ store: inout WeightStore, _ key: String, depth: Int = 2, dim: Int = 256, heads: Int = 8, mlpDim: Int = 2048,
        downsampleRate: Int = 2
    ) throws {
        layers = try (0..<depth).map {
            try TwoWayAttentionBlock(
                &store, "\(key).layers.\($0)", dim: dim, heads: heads, mlpDim: mlpDim,
                downsampleRate: downsampleRate, skipFirstLayerPE: $0 == 0)
        }
        finalAttnTokenToImage = try AttentionLayer(
            &store, "\(key).final_attn_token_to_image", dim: dim, heads: heads, downsampleRate: downsampleRate)
        normFinalAttn = try LayerNormLayer(&store, "\(key).norm_final_attn", dim: dim, eps: 1e-5)
    }

    var parameterDeclarations: [ParameterDeclaration] {
        layers.parameterDeclarations + finalAttnTokenToImage.parameterDeclarations + normFinalAttn.parameterDeclarations
    }

    /// - Parameters:
    ///   - image: `[Bk, 4096, dim]` image embedding plus dense prompt embedding (Bk = B or 1).
    ///   - imagePE: `[1, 4096, dim]`.
    ///   - tokens: `[B, T, dim]` (IoU token, mask tokens, sparse prompt tokens).
    /// - Returns: `hs` `[B, T, dim]` and the updated image keys `[B, 4096, dim]`.
    func forward<C: ForwardContext>(_ c: C, image: C.Value, imagePE: C.Value, tokens: C.Value) -> (
        hs: C.Value, keys: C.Value
    ) {
        var queries = tokens
        var keys = image
        for layer in layers {
            (queries, keys) = layer.forward(c, queries: queries, keys: keys, queryPE: tokens, keyPE: imagePE)
        }
        let attention = c.attention(
            query: c.sum(queries, tokens), key: c.sum(keys, imagePE), value: keys, finalAttnTokenToImage)
        c.add(&queries, attention)
        c.normalize(&queries, normFinalAttn)
        return (queries, keys)
    }
}
