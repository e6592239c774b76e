import Foundation
import LiteMedSAM
import P2SAM
import SAMAutograd
import SAMLayers
import SAMTensor

/// The differentiable P²SAM network (`docs/p2sam-model.md`, "Forward pass"): PGN, injection, decoder
/// with 9 mask tokens, assembling. Holds the parameters and the constants derived from them once
/// (dense positional encoding, the full-box corner encodings).
public final class P2SAMNetwork {
    public let configuration: P2SAMConfiguration
    public let parameters: ParameterSet
    /// LiteMedSAM's mask decoder layers with `configuration.maskTokenCount` tokens, run with `Recording`
    /// (they read `parameters` by key; their own values, copied from `parameters` at initialisation, are
    /// not used).
    let decoder: MaskDecoder
    /// `[1, 4096, 256]`.
    let positionalEncoding: Tensor
    /// `[2, 256]`: positional part of the full-box corners.
    let fullBoxEncoding: Tensor
    let encoding: FourierEncoding
    /// The recorded encoder (frozen weights, the LoRA factors of `parameters`) for stage 1 with LoRA; nil
    /// when training from cached embeddings.
    public let encoder: RecordedImageEncoder?

    /// - Parameter encoder: needed for LoRA training (`parameters` then holds the LoRA factors).
    public init(configuration: P2SAMConfiguration, parameters: ParameterSet, encoder: RecordedImageEncoder? = nil) {
        self.configuration = configuration
        self.parameters = parameters
        self.encoder = encoder
        decoder = Self.decoderLayers(of: parameters, maskTokenCount: configuration.maskTokenCount)
        encoding = FourierEncoding(
            gaussianMatrix: parameters["prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"].value)
        positionalEncoding = encoding.grid(side: 64)
        fullBoxEncoding = encoding.boxCorners(x0: 0, y0: 0, x1: 255, y1: 255)
    }

    /// The mask decoder's layers declared over the decoder parameters of `parameters`, strictly: the set
    /// must hold exactly the keys and shapes of a `maskTokenCount`-token decoder (a programming error
    /// otherwise: model files are checked against `ModelInitialisation` when read).
    static func decoderLayers(of parameters: ParameterSet, maskTokenCount: Int) -> MaskDecoder {
        let prefix = MaskDecoder.defaultKey + "."
        var weights: [String: NamedWeight] = [:]
        for name in parameters.names where name.hasPrefix(prefix) {
            let value = parameters[name].value
            weights[name] = NamedWeight(shape: value.shape, values: value.storage)
        }
        var store = WeightStore(weights)
        do {
            let decoder = try MaskDecoder(&store, maskTokenCount: maskTokenCount)
            try store.finish()
            return decoder
        } catch {
            preconditionFailure(
                "P2SAMNetwork: the parameters do not hold a \(maskTokenCount)-token mask decoder: \(error)")
        }
    }

    /// Whether the model has a PGN (stage 2).
    public var hasPGN: Bool { parameters.contains("pgn.head.weight") }

    /// Rank of the encoder's LoRA factors in `parameters`, or nil.
    public var loraRank: Int? { LoRAParameters.rank(of: parameters) }

    /// The image embedding `[64, 64, 256]` from the `layers.0` output `[128, 128, 128]` through the
    /// LoRA-adapted encoder (differentiable in the LoRA factors).
    func adaptedEmbedding(_ w: Recording, layerZeroOutput: Tensor) -> Variable {
        guard let encoder else { preconditionFailure("adaptedEmbedding needs the network's differentiable encoder") }
        return encoder.embedding(on: w.graph, fromLayerZeroOutput: layerZeroOutput)
    }

    /// The LoRA-adapted embedding of a `layers.0` output, without gradients (e.g. for checks).
    public func adaptedEmbedding(layerZeroOutput: Tensor) -> Tensor {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            adaptedEmbedding(Recording(graph: graph, parameters: parameters), layerZeroOutput: layerZeroOutput).value
        }
    }

    // MARK: PGN

    /// The PGN's input: the mean of the preprocessed image's 3 channels, 2x2 average-pooled,
    /// `[128, 128, 1]` NHWC, from the NCHW `(3, 256, 256)` model input.
    public static func pgnInput(fromModelInput x: [Float]) -> Tensor {
        let side = 256
        let half = 128
        precondition(x.count == 3 * side * side, "model input must be 3x256x256")
        var out = [Float](repeating: 0, count: half * half)
        for y in 0..<half {
            for xx in 0..<half {
                var s: Float = 0
                for c in 0..<3 {
                    let base = c * side * side
                    s +=
                        x[base + (2 * y) * side + 2 * xx] + x[base + (2 * y) * side + 2 * xx + 1]
                        + x[base + (2 * y + 1) * side + 2 * xx] + x[base + (2 * y + 1) * side + 2 * xx + 1]
                }
                out[y * half + xx] = s / 12
            }
        }
        return Tensor(shape: [half, half, 1], storage: out)
    }

    /// PGN forward: `(μ, log σ)`, each `[256]` (log σ clamped to [−10, 5]).
    func pgn(_ w: Recording, input: Tensor) -> (mean: Variable, logSigma: Variable) {
        var x = w.graph.constant(input)
        for b in 0..<4 {
            if b > 0 { x = x.averagePooled2x2() }
            for c in 0..<3 {
                let weight = w("pgn.blocks.\(b).convs.\(c).weight").permuted([0, 2, 3, 1])
                x = x.conv2d(weight: weight, bias: w("pgn.blocks.\(b).convs.\(c).bias"), padding: 1).relu()
            }
        }
        let out = w.linear(x.globalMeanPool(), "pgn.head")
        let latent = configuration.latentDim
        return (out.slice(alongAxis: 0, 0..<latent), out.slice(alongAxis: 0, latent..<(2 * latent)).clamped(-10, 5))
    }

    // MARK: Decoder with injection

    /// Assembled logits `[B, 65536]` (256x256 model frame) for one image and B latent samples.
    ///
    /// - Parameters:
    ///   - embedding: the image embedding `[64, 64, 256]` (NHWC).
    ///   - latent: z `[B, 256]`; nil in stage 1 (sparse: a zero token; dense: the plain no-mask embedding).
    func assembledLogits(_ w: Recording, embedding: Tensor, latent: Variable?, batch: Int = 1) -> Variable {
        assembledLogits(w, embedding: w.graph.constant(embedding), latent: latent, batch: batch)
    }

    /// As above, for an embedding `[64, 64, 256]` computed in the graph (LoRA).
    func assembledLogits(_ w: Recording, embedding: Variable, latent: Variable?, batch: Int = 1) -> Variable {
        let features = decoderFeatures(w, embedding: embedding, latent: latent, batch: batch)
        let outputs = configuration.outputCount
        let hyper = decoder.hypernetworkOutputs(w, features, maskTokenIndices: Array(1...outputs))  // [B, 8, 32]
        var weights = w("p2sam.assembling_weights")
        if configuration.assembling == .official { weights = weights.officialAssembling() }
        let fused = Variable.matmul(weights.reshaped([1, outputs]), hyper)  // [B, 1, 32]
        return decoder.maskLogits(w, hypernetworkOutputs: fused, features).reshaped([batch, features.upscaled.shape[1]])
    }

    /// Logits `[B, n, 65536]` of mask tokens `tokens` (e.g. `[0]` for LiteMedSAM's single mask).
    func tokenLogits(
        _ w: Recording, embedding: Tensor, latent: Variable?, tokens: [Int], batch: Int = 1,
        box: [Float]? = nil
    ) -> Variable {
        let features = decoderFeatures(
            w, embedding: w.graph.constant(embedding), latent: latent, batch: batch, box: box)
        return decoder.maskLogits(
            w, hypernetworkOutputs: decoder.hypernetworkOutputs(w, features, maskTokenIndices: tokens), features)
    }

    /// Logits `[n, 256, 256]` of mask tokens `tokens` for one embedding, without a latent sample
    /// (stage-1 behaviour), with an explicit box `[x0, y0, x1, y1]` (256 frame) or the model's default prompt.
    public func tokenLogits(embedding: Tensor, tokens: [Int], box: [Float]? = nil) -> Tensor {
        let graph = Graph()
        let w = Recording(graph: graph, parameters: parameters)
        let out = tokenLogits(w, embedding: embedding, latent: nil, tokens: tokens, box: box).value
        return out.reshaped([tokens.count, 256, 256])
    }

    func decoderFeatures(
        _ w: Recording, embedding: Variable, latent: Variable?, batch: Int,
        box explicitBox: [Float]? = nil
    ) -> DecoderFeatures<Variable> {
        let graph = w.graph
        let dim = configuration.latentDim
        let noMask = w("prompt_encoder.no_mask_embed.weight")  // [1, 256]
        var sparseParts: [Variable] = []
        if configuration.defaultPrompt == .fullBox || explicitBox != nil {
            let corners = Variable.concatenate(
                [
                    w("prompt_encoder.point_embeddings.2.weight"),
                    w("prompt_encoder.point_embeddings.3.weight"),
                ], alongAxis: 0)
            let positions =
                explicitBox.map { encoding.boxCorners(x0: $0[0], y0: $0[1], x1: $0[2], y1: $0[3]) } ?? fullBoxEncoding
            var box = (graph.constant(positions) + corners).reshaped([1, 2, dim])
            if batch > 1 { box = Variable.concatenate(Array(repeating: box, count: batch), alongAxis: 0) }
            sparseParts.append(box)
        }
        let dense: Variable
        switch configuration.injection {
        case .sparse:
            let z = latent ?? graph.constant(Tensor(shape: [batch, dim]))
            sparseParts.append(z.reshaped([batch, 1, dim]))
            dense = noMask.reshaped([1, 1, dim])
        case .dense:
            if let latent, parameters.contains("fcomb.layers.0.weight") {
                let noMaskRows =
                    batch == 1 ? noMask : Variable.concatenate(Array(repeating: noMask, count: batch), alongAxis: 0)
                var h = Variable.concatenate([latent, noMaskRows], alongAxis: 1)  // [B, 512]
                for layer in 0..<4 {
                    h = w.linear(h, "fcomb.layers.\(layer)")
                    if layer < 3 { h = h.relu() }
                }
                dense = h.reshaped([batch, 1, dim])
            } else {
                dense = noMask.reshaped([1, 1, dim])
            }
        }
        let image = embedding.reshaped([1, 4096, dim]) + dense
        let sparse =
            sparseParts.isEmpty
            ? nil : (sparseParts.count == 1 ? sparseParts[0] : Variable.concatenate(sparseParts, alongAxis: 1))
        return decoder.features(
            w, image: image, positionalEncoding: graph.constant(positionalEncoding), sparseTokens: sparse, batch: batch)
    }

    // MARK: Tape-free forward (checks against inference)

    /// The PGN's Gaussian `(μ, σ)` (256 values each) for a PGN input `[128, 128, 1]`, without gradients.
    public func latentGaussian(pgnInput: Tensor) -> (mean: [Float], standardDeviation: [Float]) {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            let (mean, logSigma) = pgn(Recording(graph: graph, parameters: parameters), input: pgnInput)
            return (mean.value.storage, logSigma.exp().value.storage)
        }
    }

    /// Assembled logits `[B, 256, 256]` (model frame) for one image embedding `[64, 64, 256]` and B latent
    /// samples, without gradients: the training forward that `P2SAMSampler.fusedLogits` must reproduce.
    public func assembledLogits(embedding: Tensor, latents: [[Float]]) -> Tensor {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            let w = Recording(graph: graph, parameters: parameters)
            let z = graph.constant(
                Tensor(shape: [latents.count, configuration.latentDim], storage: Array(latents.joined())))
            return assembledLogits(w, embedding: embedding, latent: z, batch: latents.count).value
                .reshaped([latents.count, 256, 256])
        }
    }

    // MARK: Sampling

    /// B latent samples `z = μ + σ ε` for the PGN input `pgnInput`, ε given `[B, 256]`.
    func latentSamples(_ w: Recording, pgnInput: Tensor, noise: Tensor) -> Variable {
        let (mean, logSigma) = pgn(w, input: pgnInput)
        let sigma = logSigma.exp()
        let dim = configuration.latentDim
        return mean.reshaped([1, dim]) + sigma.reshaped([1, dim]) * w.graph.constant(noise)
    }
}
