import SAMTensor

/// `mask_decoder.transformer.layers.N`: token self-attention, token→image cross-attention, MLP on
/// the tokens, image→token cross-attention; each followed by a LayerNorm (eps 1e-5).
/// Layer 0 (`skipFirstLayerPE`) replaces the queries with their self-attention (no residual, no PE).
struct TwoWayAttentionBlock: Sendable {
    let selfAttn: DecoderAttention
    let norm1: LayerNorm
    let crossAttnTokenToImage: DecoderAttention
    let norm2: LayerNorm
    let mlp: TransformerMLP
    let norm3: LayerNorm
    let norm4: LayerNorm
    let crossAttnImageToToken: DecoderAttention
    let skipFirstLayerPE: Bool

    init(_ store: inout WeightStore, _ prefix: String, dim: Int, heads: Int, mlpDim: Int, downsampleRate: Int, skipFirstLayerPE: Bool) throws {
        selfAttn = try DecoderAttention(&store, "\(prefix).self_attn", dim: dim, heads: heads, downsampleRate: 1)
        norm1 = try store.layerNorm("\(prefix).norm1", dim: dim, eps: 1e-5)
        crossAttnTokenToImage = try DecoderAttention(&store, "\(prefix).cross_attn_token_to_image", dim: dim, heads: heads, downsampleRate: downsampleRate)
        norm2 = try store.layerNorm("\(prefix).norm2", dim: dim, eps: 1e-5)
        mlp = try TransformerMLP(&store, "\(prefix).mlp", dim: dim, hidden: mlpDim)
        norm3 = try store.layerNorm("\(prefix).norm3", dim: dim, eps: 1e-5)
        norm4 = try store.layerNorm("\(prefix).norm4", dim: dim, eps: 1e-5)
        crossAttnImageToToken = try DecoderAttention(&store, "\(prefix).cross_attn_image_to_token", dim: dim, heads: heads, downsampleRate: downsampleRate)
        self.skipFirstLayerPE = skipFirstLayerPE
    }

    /// - Parameters:
    ///   - queries, queryPE: `[B, T, dim]`.
    ///   - keys: `[Bk, 4096, dim]`, `Bk` = B or 1 (shared); `keyPE`: `[1, 4096, dim]`.
    /// - Returns: updated queries `[B, T, dim]` and keys `[B, 4096, dim]`.
    func callAsFunction(queries input: Tensor, keys: Tensor, queryPE: Tensor, keyPE: Tensor) -> (queries: Tensor, keys: Tensor) {
        var queries: Tensor
        if skipFirstLayerPE {
            queries = selfAttn(q: input, k: input, v: input)
        } else {
            let q = broadcastSum(input, queryPE)
            queries = input
            queries.add(selfAttn(q: q, k: q, v: input))
        }
        norm1.applyInPlace(&queries)

        let keysWithPE = broadcastSum(keys, keyPE)
        queries.add(crossAttnTokenToImage(q: broadcastSum(queries, queryPE), k: keysWithPE, v: keys))
        norm2.applyInPlace(&queries)

        queries.add(mlp(queries))
        norm3.applyInPlace(&queries)

        // Image → token: the image positions query the tokens.
        let tokensWithPE = broadcastSum(queries, queryPE)
        let attention = crossAttnImageToToken
        let update = attention.attend(projectedQueries: attention.qProj(keysWithPE),
                                      projectedKeys: attention.kProj(tokensWithPE),
                                      projectedValues: attention.vProj(queries))
        var newKeys = broadcastSum(update, keys)
        norm4.applyInPlace(&newKeys)
        return (queries, newKeys)
    }
}

/// `mask_decoder.transformer`: two `TwoWayAttentionBlock`s, then a final token→image attention and
/// `norm_final_attn`.
struct TwoWayTransformer: Sendable {
    let layers: [TwoWayAttentionBlock]
    let finalAttnTokenToImage: DecoderAttention
    let normFinalAttn: LayerNorm

    init(_ store: inout WeightStore, _ prefix: String, depth: Int = 2, dim: Int = 256, heads: Int = 8, mlpDim: Int = 2048, downsampleRate: Int = 2) throws {
        layers = try (0..<depth).map {
            try TwoWayAttentionBlock(&store, "\(prefix).layers.\($0)", dim: dim, heads: heads, mlpDim: mlpDim,
                                     downsampleRate: downsampleRate, skipFirstLayerPE: $0 == 0)
        }
        finalAttnTokenToImage = try DecoderAttention(&store, "\(prefix).final_attn_token_to_image", dim: dim, heads: heads, downsampleRate: downsampleRate)
        normFinalAttn = try store.layerNorm("\(prefix).norm_final_attn", dim: dim, eps: 1e-5)
    }

    /// - Parameters:
    ///   - image: `[Bk, 4096, dim]` image embedding plus dense prompt embedding (Bk = B or 1).
    ///   - imagePE: `[1, 4096, dim]`.
    ///   - tokens: `[B, T, dim]` (IoU token, mask tokens, sparse prompt tokens).
    /// - Returns: `hs` `[B, T, dim]` and the updated image keys `[B, 4096, dim]`.
    func callAsFunction(image: Tensor, imagePE: Tensor, tokens: Tensor) -> (hs: Tensor, keys: Tensor) {
        var queries = tokens
        var keys = image
        for layer in layers {
            (queries, keys) = layer(queries: queries, keys: keys, queryPE: tokens, keyPE: imagePE)
        }
        let attention = finalAttnTokenToImage(q: broadcastSum(queries, tokens), k: broadcastSum(keys, imagePE), v: keys)
        queries.add(attention)
        normFinalAttn.applyInPlace(&queries)
        return (queries, keys)
    }
}
