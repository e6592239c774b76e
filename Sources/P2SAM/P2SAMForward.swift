import LiteMedSAM
import SAMLayers
import SAMTensor

/// P²SAM's decoder forward for one image and B latent samples (docs/p2sam-model.md, "Forward pass",
/// steps 5–7), written once against `ForwardContext`: the sampler runs it tape-free, training records it.
extension P2SAMLayers {
    /// The mask decoder's features with the latent injected.
    ///
    /// - Parameters:
    ///   - c: the forward context.
    ///   - embedding: the image embedding `[1, P, dim]` (P = 4096 for a 64x64 embedding).
    ///   - promptTokens: the prompt's sparse tokens `[Ns, dim]` (shared by every sample), or `[B, Ns, dim]` (sample b
    ///     has its own prompt, e.g. a jittered box), or nil for none.
    ///   - latents: z `[B, latentDim]`, or nil without a latent (stage 1): sparse injection then uses a zero
    ///     token, dense injection the plain `no_mask_embed`, reader and reader-output injection plain readers.
    ///   - batch: B.
    /// - Returns: the features of B prompts (`tokenOutputs` `[B, 1 + K + Ns (+1), dim]`; with an isolated token
    ///   context, mask tokens 4…K−1 are readers of LiteMedSAM's decoder, `MaskDecoder.features(…, coreMaskTokens:)`).
    ///   `imageKeys` are `[B, P, dim]`, or `[1, P, dim]` with reader-output injection and a shared prompt, whose
    ///   transformer then runs once.
    public func decoderFeatures<C: ForwardContext>(
        _ c: C, embedding: C.Value, promptTokens: C.Value?, latents: C.Value?, batch: Int
    ) -> DecoderFeatures<C.Value> {
        let dim = promptEncoder.embedDim
        let pixels = c.shape(of: embedding)[1]
        let promptShape = promptTokens.map { c.shape(of: $0) }
        let perSamplePrompts = promptShape?.count == 3
        precondition(
            !perSamplePrompts || promptShape?[0] == batch,
            "P²SAM decoder: per-sample prompt tokens \(promptShape ?? []) for \(batch) samples")
        let singlePrompt =
            perSamplePrompts ? nil : promptTokens.map { c.reshape($0, [1, c.shape(of: $0)[0], dim]) }
        // Reader-output injection with one prompt decodes that prompt once (below): no B-fold copy of it.
        let decodesPromptOnce =
            configuration.injection == .readerOutput && latents != nil && configuration.maskTokenContext == .isolated
            && !perSamplePrompts
        var sparseParts: [C.Value] = []
        if perSamplePrompts, let promptTokens {
            sparseParts.append(promptTokens)
        } else if let singlePrompt, !decodesPromptOnce {
            sparseParts.append(
                batch == 1 ? singlePrompt : c.concatenate(Array(repeating: singlePrompt, count: batch), alongAxis: 0))
        }
        let image: C.Value
        var readerOffsets: C.Value? = nil
        var readerOutputOffsets: C.Value? = nil
        switch (configuration.injection, latents, combiner) {
        case (.dense, let latents?, let combiner?):
            // Fcomb([z ; no_mask_embed]) per sample, the same vector at every position.
            let noMask = c.reshape(promptEncoder.denseEmbedding(c), [dim])
            let dense = (0..<batch).map { b in
                let z = c.reshape(c.slice(latents, alongAxis: 0, b..<(b + 1)), [configuration.latentDim])
                return c.reshape(combiner.forward(c, latent: z, noMaskEmbed: noMask), [1, 1, dim])
            }
            image = c.sum(embedding, c.concatenate(dense, alongAxis: 0))  // [1, P, dim] + [B, 1, dim]
        case (.sparse, _, _):
            let z = latents ?? c.constant(Tensor(shape: [batch, configuration.latentDim]))
            sparseParts.append(c.reshape(z, [batch, 1, dim]))
            image = c.sum(embedding, promptEncoder.denseEmbedding(c))
        case (.reader, let latents?, _):
            // z added to every reader's starting token, [B, 1, dim]; without a latent the readers are plain.
            readerOffsets = c.reshape(latents, [batch, 1, dim])
            image = c.sum(embedding, promptEncoder.denseEmbedding(c))
        case (.readerOutput, let latents?, _):
            // z added to every reader's output token, [B, 1, dim]; without a latent the readers are plain.
            readerOutputOffsets = c.reshape(latents, [batch, 1, dim])
            image = c.sum(embedding, promptEncoder.denseEmbedding(c))
        default:
            image = c.sum(embedding, promptEncoder.denseEmbedding(c))
        }
        let positionalEncoding = c.constant(promptEncoder.densePositionalEncoding.reshaped([1, pixels, dim]))
        let sparseTokens = sparseParts.isEmpty ? nil : c.concatenate(sparseParts, alongAxis: 1)
        switch configuration.maskTokenContext {
        case .shared:
            return maskDecoder.features(
                c, image: image, positionalEncoding: positionalEncoding, sparseTokens: sparseTokens, batch: batch)
        case .isolated:
            // LiteMedSAM's decoder (IoU token, its 4 mask tokens, the sparse tokens) with P²SAM's outputs as readers.
            let coreMaskTokens = configuration.maskTokenContext.coreMaskTokenCount
            if let readerOutputOffsets {
                // Nothing before the hypernetworks sees z: with a shared prompt the transformer runs once for all B
                // samples, with per-sample prompts once per prompt.
                let plain = maskDecoder.features(
                    c, image: image, positionalEncoding: positionalEncoding,
                    sparseTokens: perSamplePrompts ? sparseTokens : singlePrompt, batch: perSamplePrompts ? batch : 1,
                    coreMaskTokens: coreMaskTokens)
                return maskDecoder.features(
                    c, expanding: plain, coreMaskTokens: coreMaskTokens, readerOutputOffsets: readerOutputOffsets)
            }
            return maskDecoder.features(
                c, image: image, positionalEncoding: positionalEncoding, sparseTokens: sparseTokens, batch: batch,
                coreMaskTokens: coreMaskTokens, readerOffsets: readerOffsets)
        }
    }

    /// The assembled logits `Σᵢ wᵢ · logitᵢ` over P²SAM's output tokens (`assembledTokens`), `[B, 1, 16·P]` (the 256x256 model
    /// frame for a 64x64 embedding). Logits are linear in the hypernetwork outputs, so the outputs are
    /// assembled first and one mask is computed per sample.
    ///
    /// - Parameters:
    ///   - c: the forward context.
    ///   - embedding: the image embedding `[1, P, dim]`.
    ///   - promptTokens: the prompt's sparse tokens `[Ns, dim]` (shared) or `[B, Ns, dim]` (per sample), or nil for none.
    ///   - latents: z `[B, latentDim]`, or nil without a latent (stage 1).
    ///   - batch: B.
    ///   - weights: w `[K − 1]`; nil for the stored weights (training passes its parametrisation).
    public func assembledLogits<C: ForwardContext>(
        _ c: C, embedding: C.Value, promptTokens: C.Value?, latents: C.Value?, batch: Int,
        assemblingWeights weights: C.Value? = nil
    ) -> C.Value {
        let features = decoderFeatures(
            c, embedding: embedding, promptTokens: promptTokens, latents: latents, batch: batch)
        let hyper = maskDecoder.hypernetworkOutputs(c, features, maskTokenIndices: assembledTokens)
        let fused = c.weightedSum(hyper, weights: weights ?? c.value(of: assemblingWeights))
        return maskDecoder.maskLogits(c, hypernetworkOutputs: fused, features)
    }
}
