import SAMLayers

/// The mask decoder's transformer and upscaling outputs for B prompts, in some `ForwardContext`.
public struct DecoderFeatures<Value> {
    /// Output of every token `[B, T, dim]`: the IoU token, the K mask tokens, then the sparse tokens.
    public var tokenOutputs: Value
    /// The transformer's updated image keys `[B, P, dim]` for P embedding pixels (64x64 row-major), or `[1, P, dim]`
    /// when they are the same for every prompt; `maskLogits` upscales them to `[B, 16·P, dim/8]`, one prompt at a
    /// time when tape-free.
    public var imageKeys: Value
}

extension MaskDecoder {
    /// The decoder tokens `[B, 1 + K + Ns, dim]`: IoU token, mask tokens, then `sparseTokens`
    /// (`[B, Ns, dim]`, or nil for none).
    public func tokens<C: ForwardContext>(_ c: C, sparseTokens: C.Value?, batch: Int) -> C.Value {
        let learned = c.concatenate([c.rows(of: iouToken), c.rows(of: maskTokens)], alongAxis: 0)
        var fixed = c.reshape(learned, [1, 1 + maskTokenCount, transformerDim])
        if batch > 1 { fixed = c.concatenate(Array(repeating: fixed, count: batch), alongAxis: 0) }
        guard let sparseTokens else { return fixed }
        return c.concatenate([fixed, sparseTokens], alongAxis: 1)
    }

    /// Runs the two-way transformer and the output upscaling for B prompts, unchunked.
    ///
    /// - Parameters:
    ///   - c: the forward context.
    ///   - image: image embedding plus dense prompt embedding, `[1 or B, P, dim]` (P = 4096).
    ///   - positionalEncoding: the prompt encoder's dense PE, `[1, P, dim]`.
    ///   - sparseTokens: sparse prompt tokens `[B, Ns, dim]`, or nil for none.
    ///   - batch: B.
    public func features<C: ForwardContext>(
        _ c: C, image: C.Value, positionalEncoding: C.Value, sparseTokens: C.Value?,
        batch: Int
    ) -> DecoderFeatures<C.Value> {
        let tokens = tokens(c, sparseTokens: sparseTokens, batch: batch)
        let (hs, keys) = transformer.forward(c, image: image, imagePE: positionalEncoding, tokens: tokens)
        let pixels = c.shape(of: keys)[1]
        let side = Int(Double(pixels).squareRoot())
        precondition(side * side == pixels, "decoder features: \(pixels) embedding pixels are not a square")
        return DecoderFeatures(tokenOutputs: hs, imageKeys: keys)
    }

    /// Hypernetwork outputs `[B, n, dim/8]` of the mask tokens `maskTokenIndices` (each in 0..<K).
    public func hypernetworkOutputs<C: ForwardContext>(
        _ c: C, _ features: DecoderFeatures<C.Value>, maskTokenIndices: [Int]
    ) -> C.Value {
        let parts = maskTokenIndices.map { t in
            hypernetworks[t].forward(c, c.slice(features.tokenOutputs, alongAxis: 1, (1 + t)..<(2 + t)))
        }
        return parts.count == 1 ? parts[0] : c.concatenate(parts, alongAxis: 1)
    }

    /// IoU predictions `[B, 1, K]` of every mask token.
    public func iouPredictions<C: ForwardContext>(_ c: C, _ features: DecoderFeatures<C.Value>) -> C.Value {
        iouHead.forward(c, c.slice(features.tokenOutputs, alongAxis: 1, 0..<1))
    }

    /// Mask logits `[B, n, 16·P]` (`hyper · upscaledᵀ`, the image keys upscaled to `[B, 16·P, dim/8]`) for
    /// hypernetwork outputs `[B, n, dim/8]`; tape-free, one prompt's upscaled features exist at a time. Image keys
    /// of batch 1 serve every one of the B hypernetwork outputs: they are upscaled once and multiplied with all
    /// `B·n` rows at once.
    public func maskLogits<C: ForwardContext>(
        _ c: C, hypernetworkOutputs hyper: C.Value, _ features: DecoderFeatures<C.Value>
    ) -> C.Value {
        let pixels = c.shape(of: features.imageKeys)[1]
        let side = Int(Double(pixels).squareRoot())
        let hyperShape = c.shape(of: hyper)
        if c.shape(of: features.imageKeys)[0] == 1 && hyperShape[0] > 1 {
            let rows = c.reshape(hyper, [1, hyperShape[0] * hyperShape[1], hyperShape[2]])
            let logits = maskLogits(c, hypernetworkOutputs: rows, features)
            return c.reshape(logits, [hyperShape[0], hyperShape[1], 16 * pixels])
        }
        return c.batchwise([hyper, features.imageKeys]) { parts in
            let batch = c.shape(of: parts[1])[0]
            let upscaled = upscaling.forward(c, c.reshape(parts[1], [batch, side, side, transformerDim]))
            return c.multiplyTransposed(parts[0], c.reshape(upscaled, [batch, 16 * pixels, transformerDim / 8]))
        }
    }
}

extension DecoderFeatures: Sendable where Value: Sendable {}
