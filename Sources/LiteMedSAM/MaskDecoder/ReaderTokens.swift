import SAMLayers

/// Reader tokens: extra mask tokens that read the decoder without changing it.
///
/// The decoder's **core** tokens (`[iou_token, core mask tokens, sparse prompt tokens]`) and the image run exactly
/// as without readers. A reader token passes through every block like a token, but
/// - in the token self-attention its query sees the core tokens' keys and its own key, never another reader's;
/// - in the image→token attention no image position sees a reader's key (the image path ignores readers).
/// Token→image attention, the MLP and the LayerNorms act on each token alone, so a reader runs them as any token.
/// The core's outputs and the image keys are therefore those of the decoder without readers, and every reader is
/// computed as if it were the only extra token. The positional encoding of a reader is its own starting token, as
/// for the core tokens.
extension TwoWayAttentionBlock {
    /// One block for the readers, given the block's inputs.
    ///
    /// - Parameters:
    ///   - readers: the readers `[B, R, dim]` entering the block; `readerPE` their starting tokens `[B, R, dim]`.
    ///   - core: the core tokens `[B, T, dim]` entering the block; `corePE` their starting tokens `[B, T, dim]`.
    ///   - keys: the image keys `[Bk, P, dim]` entering the block (Bk = B or 1); `keyPE`: `[1, P, dim]`.
    /// - Returns: the readers leaving the block, `[B, R, dim]`.
    func readerForward<C: ForwardContext>(
        _ c: C, readers input: C.Value, readerPE: C.Value, core: C.Value, corePE: C.Value, keys: C.Value,
        keyPE: C.Value
    ) -> C.Value {
        var readers: C.Value
        if skipFirstLayerPE {
            readers = readerSelfAttention(
                c, queries: input, readerKeys: input, readerValues: input, coreKeys: core, coreValues: core)
        } else {
            let q = c.sum(input, readerPE)
            let attended = readerSelfAttention(
                c, queries: q, readerKeys: q, readerValues: input, coreKeys: c.sum(core, corePE), coreValues: core)
            readers = input
            c.add(&readers, attended)
        }
        c.normalize(&readers, norm1)

        let toImage = c.attention(
            query: c.sum(readers, readerPE), key: c.sum(keys, keyPE), value: keys, crossAttnTokenToImage)
        c.add(&readers, toImage)
        c.normalize(&readers, norm2)

        let mixed = mlp.forward(c, readers)
        c.add(&readers, mixed)
        c.normalize(&readers, norm3)
        return readers
    }

    /// The self-attention of each reader over the core tokens and itself: reader r's keys and values are
    /// `[core ; reader r]`. Readers are folded into the batch (`[B·R, 1, dim]` queries against `[B·R, T + 1, dim]`
    /// keys), so no reader sees another. Returns `[B, R, dim]`.
    private func readerSelfAttention<C: ForwardContext>(
        _ c: C, queries: C.Value, readerKeys: C.Value, readerValues: C.Value, coreKeys: C.Value, coreValues: C.Value
    ) -> C.Value {
        let readerShape = c.shape(of: queries)
        let (batch, count, dim) = (readerShape[0], readerShape[1], readerShape[2])
        let coreCount = c.shape(of: coreKeys)[1]
        /// `[B, R, dim]` → `[B·R, 1, dim]`.
        func folded(_ x: C.Value) -> C.Value { c.reshape(x, [batch * count, 1, dim]) }
        /// `[B, T, dim]` → `[B·R, T, dim]`, batch element b repeated for each of its R readers.
        func repeated(_ x: C.Value) -> C.Value {
            if count == 1 { return x }
            let rows = c.reshape(x, [batch, 1, coreCount * dim])
            return c.reshape(
                c.concatenate(Array(repeating: rows, count: count), alongAxis: 1), [batch * count, coreCount, dim])
        }
        let keys = c.concatenate([repeated(coreKeys), folded(readerKeys)], alongAxis: 1)
        let values = c.concatenate([repeated(coreValues), folded(readerValues)], alongAxis: 1)
        let attended = c.attention(query: folded(queries), key: keys, value: values, selfAttn)
        return c.reshape(attended, [batch, count, dim])
    }
}

extension TwoWayTransformer {
    /// The transformer with reader tokens (see `TwoWayAttentionBlock.readerForward`).
    ///
    /// - Parameters:
    ///   - image: `[Bk, P, dim]` image embedding plus dense prompt embedding (Bk = B or 1); `imagePE`: `[1, P, dim]`.
    ///   - tokens: the core tokens `[B, T, dim]`.
    ///   - readers: the reader tokens `[B, R, dim]`.
    /// - Returns: the core's `hs` `[B, T, dim]` and image keys `[B, P, dim]` (those of `forward(_:image:imagePE:tokens:)`,
    ///   computed by the same operations), and the readers' outputs `[B, R, dim]`.
    func forward<C: ForwardContext>(_ c: C, image: C.Value, imagePE: C.Value, tokens: C.Value, readers: C.Value)
        -> (hs: C.Value, keys: C.Value, readers: C.Value)
    {
        var queries = tokens
        var keys = image
        var readerQueries = readers
        for layer in layers {
            readerQueries = layer.readerForward(
                c, readers: readerQueries, readerPE: readers, core: queries, corePE: tokens, keys: keys, keyPE: imagePE)
            (queries, keys) = layer.forward(c, queries: queries, keys: keys, queryPE: tokens, keyPE: imagePE)
        }
        let keysWithPE = c.sum(keys, imagePE)
        let attention = c.attention(
            query: c.sum(queries, tokens), key: keysWithPE, value: keys, finalAttnTokenToImage)
        c.add(&queries, attention)
        c.normalize(&queries, normFinalAttn)
        let readerAttention = c.attention(
            query: c.sum(readerQueries, readers), key: keysWithPE, value: keys, finalAttnTokenToImage)
        c.add(&readerQueries, readerAttention)
        c.normalize(&readerQueries, normFinalAttn)
        return (queries, keys, readerQueries)
    }
}

extension MaskDecoder {
    /// As `features(_:image:positionalEncoding:sparseTokens:batch:)`, with mask tokens `coreMaskTokens..<K` as
    /// readers: the core is `[iou_token, mask tokens 0..<coreMaskTokens, sparse tokens]`, so with
    /// `coreMaskTokens` = 4 and LiteMedSAM's weights the core and the image are LiteMedSAM's decoder exactly, and
    /// every reader is a token that sees them but is seen by nothing.
    ///
    /// `tokenOutputs` keep the plain layout `[B, 1 + K + Ns, dim]` (IoU token, the K mask tokens in order, the
    /// sparse tokens), so `hypernetworkOutputs` and `iouPredictions` index them as usual.
    ///
    /// - Parameters:
    ///   - c: the forward context.
    ///   - image: image embedding plus dense prompt embedding, `[1 or B, P, dim]` (P = 4096).
    ///   - positionalEncoding: the prompt encoder's dense PE, `[1, P, dim]`.
    ///   - sparseTokens: sparse prompt tokens `[B, Ns, dim]` (part of the core), or nil for none.
    ///   - batch: B.
    ///   - coreMaskTokens: the mask tokens of the core, in 1..<K.
    ///   - readerOffsets: `[B, 1, dim]` added to every reader's starting token (and so to its positional encoding),
    ///     one row per batch element; nil for none. The core and the image never see it.
    public func features<C: ForwardContext>(
        _ c: C, image: C.Value, positionalEncoding: C.Value, sparseTokens: C.Value?, batch: Int,
        coreMaskTokens: Int, readerOffsets: C.Value? = nil
    ) -> DecoderFeatures<C.Value> {
        precondition(
            coreMaskTokens >= 1 && coreMaskTokens < maskTokenCount,
            "decoder readers: \(coreMaskTokens) core mask tokens of \(maskTokenCount)")
        let readerCount = maskTokenCount - coreMaskTokens
        let masks = c.rows(of: maskTokens)
        let learned = c.concatenate(
            [c.rows(of: iouToken), c.slice(masks, alongAxis: 0, 0..<coreMaskTokens)], alongAxis: 0)
        var core = c.reshape(learned, [1, 1 + coreMaskTokens, transformerDim])
        var readers = c.reshape(
            c.slice(masks, alongAxis: 0, coreMaskTokens..<maskTokenCount), [1, readerCount, transformerDim])
        if batch > 1 { core = c.concatenate(Array(repeating: core, count: batch), alongAxis: 0) }
        if let readerOffsets {
            readers = c.sum(readers, readerOffsets)  // [1, R, dim] + [B, 1, dim] → [B, R, dim]
        } else if batch > 1 {
            readers = c.concatenate(Array(repeating: readers, count: batch), alongAxis: 0)
        }
        if let sparseTokens { core = c.concatenate([core, sparseTokens], alongAxis: 1) }
        let (hs, keys, readerOutputs) = transformer.forward(
            c, image: image, imagePE: positionalEncoding, tokens: core, readers: readers)
        let coreCount = c.shape(of: hs)[1]
        var parts = [c.slice(hs, alongAxis: 1, 0..<(1 + coreMaskTokens)), readerOutputs]
        if coreCount > 1 + coreMaskTokens {
            parts.append(c.slice(hs, alongAxis: 1, (1 + coreMaskTokens)..<coreCount))
        }
        return DecoderFeatures(tokenOutputs: c.concatenate(parts, alongAxis: 1), imageKeys: keys)
    }

    /// The features of B samples that differ only after the transformer: `single`'s token outputs (`[1, T, dim]`, one
    /// prompt, as from `features(_:image:positionalEncoding:sparseTokens:batch:coreMaskTokens:readerOffsets:)` with
    /// batch 1) repeated B times, with `readerOutputOffsets` added to every reader's output token (mask tokens
    /// `coreMaskTokens..<K`, before the hypernetwork MLPs).
    ///
    /// The image keys stay `single`'s `[1, P, dim]`: nothing before the hypernetworks sees the offsets, so the
    /// transformer and the output upscaling run once for all B samples (`maskLogits` takes image keys of batch 1 with
    /// hypernetwork outputs of batch B). Features of B prompts (`[B, T, dim]`, `[B, P, dim]`, one prompt per sample)
    /// are not repeated: sample b's readers get row b of the offsets.
    ///
    /// - Parameters:
    ///   - c: the forward context.
    ///   - single: the features of one prompt, `tokenOutputs` `[1, 1 + K + Ns, dim]`, `imageKeys` `[1, P, dim]`, or of
    ///     B prompts (leading dimension B).
    ///   - coreMaskTokens: the mask tokens of the core, in 1..<K; the readers are mask tokens `coreMaskTokens..<K`.
    ///   - readerOutputOffsets: `[B, 1, dim]`, one row per sample, added to every reader's output token.
    /// - Returns: `tokenOutputs` `[B, 1 + K + Ns, dim]` and `single`'s image keys.
    public func features<C: ForwardContext>(
        _ c: C, expanding single: DecoderFeatures<C.Value>, coreMaskTokens: Int, readerOutputOffsets: C.Value
    ) -> DecoderFeatures<C.Value> {
        let tokens = single.tokenOutputs
        let shape = c.shape(of: tokens)
        let batch = c.shape(of: readerOutputOffsets)[0]
        precondition(
            (shape[0] == 1 || shape[0] == batch) && coreMaskTokens >= 1 && coreMaskTokens < maskTokenCount
                && shape[1] >= 1 + maskTokenCount,
            "decoder reader outputs: token outputs \(shape) for \(batch) offsets with \(coreMaskTokens) core mask tokens"
                + " of \(maskTokenCount)")
        let readerTokens = (1 + coreMaskTokens)..<(1 + maskTokenCount)
        let prompts = shape[0]
        func repeated(_ x: C.Value) -> C.Value {
            prompts == batch ? x : c.concatenate(Array(repeating: x, count: batch), alongAxis: 0)
        }
        let readerSlice = c.slice(tokens, alongAxis: 1, readerTokens)
        let readers =
            prompts == batch && batch > 1
            // [B, R, dim] + [B, R, dim]: each sample's offset repeated over its R readers.
            ? c.sum(
                readerSlice,
                c.concatenate(Array(repeating: readerOutputOffsets, count: readerTokens.count), alongAxis: 1))
            // [1, R, dim] + [B, 1, dim] → [B, R, dim].
            : c.sum(readerSlice, readerOutputOffsets)
        var parts = [repeated(c.slice(tokens, alongAxis: 1, 0..<readerTokens.lowerBound)), readers]
        if shape[1] > readerTokens.upperBound {
            parts.append(repeated(c.slice(tokens, alongAxis: 1, readerTokens.upperBound..<shape[1])))
        }
        return DecoderFeatures(tokenOutputs: c.concatenate(parts, alongAxis: 1), imageKeys: single.imageKeys)
    }
}
