import Foundation
import LiteMedSAM
import P2SAM
import SAMAutograd
import SAMLayers
import SAMTensor

/// The differentiable P²SAM network (`docs/p2sam-model.md`, "Forward pass"): P2SAM's layers
/// (`P2SAMLayers`: prompt encoder, decoder with 9 mask tokens, assembling, PGN, Fcomb) run with
/// `Recording` over a `ParameterSet`, plus the LoRA-adapted encoder for stage 1 with LoRA.
public final class P2SAMNetwork {
    public let configuration: P2SAMConfiguration
    public let parameters: ParameterSet
    /// P²SAM's layers declared over `parameters`; run with `Recording` they read `parameters` by key (their
    /// own values, copied from `parameters` at initialisation, are used only for the frozen positional
    /// encoding).
    public let layers: P2SAMLayers
    /// The recorded encoder (frozen weights, the LoRA factors of `parameters`) for stage 1 with LoRA; nil
    /// when training from cached embeddings.
    public let encoder: RecordedImageEncoder?

    /// - Parameters:
    ///   - configuration: the model's configuration.
    ///   - parameters: every trainable and frozen tensor by key (`ModelInitialisation`, a model file).
    ///   - encoder: needed for LoRA training (`parameters` then holds the LoRA factors).
    public init(configuration: P2SAMConfiguration, parameters: ParameterSet, encoder: RecordedImageEncoder? = nil) {
        self.configuration = configuration
        self.parameters = parameters
        self.encoder = encoder
        layers = Self.layers(of: parameters, configuration: configuration)
    }

    /// P²SAM's layers declared over the parameters of `parameters` other than encoder LoRA factors, strictly:
    /// the set must hold exactly the keys and shapes of a stage-1 or stage-2 model of `configuration` (a
    /// programming error otherwise: model files are checked against `ModelInitialisation` when read).
    static func layers(of parameters: ParameterSet, configuration: P2SAMConfiguration) -> P2SAMLayers {
        var weights: [String: NamedWeight] = [:]
        for name in parameters.names where !LoRAParameters.isFactor(name) {
            let value = parameters[name].value
            weights[name] = NamedWeight(shape: value.shape, values: value.storage)
        }
        var store = WeightStore(weights)
        do {
            let layers = try P2SAMLayers(&store, configuration: configuration, stage: P2SAMLayers.stage(of: store))
            try store.finish()
            return layers
        } catch {
            preconditionFailure("P2SAMNetwork: the parameters do not hold a P²SAM model of \(configuration): \(error)")
        }
    }

    /// Whether the model has a PGN (stage 2).
    public var hasPGN: Bool { layers.pgn != nil }

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

    /// The PGN's input `[128, 128, 1]` from the NCHW `(3, 256, 256)` model input
    /// (`PromptGenerationNetwork.input(fromModelInput:)`).
    public static func pgnInput(fromModelInput x: [Float]) -> Tensor {
        PromptGenerationNetwork.input(fromModelInput: Tensor(shape: [3, 256, 256], storage: x))
    }

    /// The PGN's Gaussian `(μ, σ)`, `[256]` each, for a PGN input `[128, 128, 1]`.
    func latentGaussian(_ w: Recording, pgnInput: Tensor) -> (mean: Variable, standardDeviation: Variable) {
        guard let pgn = layers.pgn else { preconditionFailure("the network has no PGN (a stage-1 model)") }
        return pgn.forward(w, w.constant(pgnInput))
    }

    /// B latent samples `z = μ + σ ε` `[B, 256]` for the PGN input `pgnInput`, ε given `[B, 256]`.
    func latentSamples(_ w: Recording, pgnInput: Tensor, noise: Tensor) -> Variable {
        let (mean, deviation) = latentGaussian(w, pgnInput: pgnInput)
        let dim = configuration.latentDim
        return mean.reshaped([1, dim]) + deviation.reshaped([1, dim]) * w.constant(noise)
    }

    // MARK: Presence

    /// Whether the model has a presence head.
    public var hasPresenceHead: Bool { layers.presence != nil }

    /// The presence logit `[1, 1]` for the features `[512]` (`PresenceHead.features`).
    func presenceLogit(_ w: Recording, features: Tensor) -> Variable {
        guard let presence = layers.presence else { preconditionFailure("the network has no presence head") }
        return presence.logit(w, features: w.constant(features.reshaped([1, PresenceHead.featureCount])))
    }

    /// The presence probability for the features `[512]`, on the training path.
    public func presenceProbability(features: Tensor) -> Float {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            let logit = presenceLogit(Recording(graph: graph, parameters: parameters), features: features).value
            return 1 / (1 + Foundation.exp(-logit.storage[0]))
        }
    }

    // MARK: Decoder with injection

    /// The default prompt's sparse tokens `[Ns, 256]` (learned embeddings read from `parameters`), or nil.
    func promptTokens(_ w: Recording, box: [Float]? = nil) -> Variable? {
        let prompt = box.map { Prompt(box: BoxPrompt(x0: $0[0], y0: $0[1], x1: $0[2], y1: $0[3])) }
        return layers.promptEncoder.sparseEmbedding(w, for: prompt ?? configuration.defaultPrompt.prompt)
    }

    /// Assembled logits `[B, 65536]` (256x256 model frame) for one image and B latent samples.
    ///
    /// - Parameters:
    ///   - embedding: the image embedding `[64, 64, 256]` (NHWC).
    ///   - latent: z `[B, 256]`; nil in stage 1 (sparse: a zero token; dense: the plain no-mask embedding).
    ///   - box: a box prompt `[x0, y0, x1, y1]` in the 256 frame; nil = the model's default prompt.
    func assembledLogits(_ w: Recording, embedding: Tensor, latent: Variable?, batch: Int = 1, box: [Float]? = nil)
        -> Variable
    {
        assembledLogits(w, embedding: w.constant(embedding), latent: latent, batch: batch, box: box)
    }

    /// As above, for an embedding `[64, 64, 256]` computed in the graph (LoRA).
    func assembledLogits(
        _ w: Recording, embedding: Variable, latent: Variable?, batch: Int = 1, box: [Float]? = nil
    ) -> Variable {
        var weights = w.value(of: layers.assemblingWeights)
        if configuration.assembling == .official { weights = weights.officialAssembling() }
        let logits = layers.assembledLogits(
            w, embedding: flattened(embedding), promptTokens: promptTokens(w, box: box), latents: latent, batch: batch,
            assemblingWeights: weights)
        return logits.reshaped([batch, logits.shape[2]])
    }

    /// Logits `[B, n, 65536]` of mask tokens `tokens` (e.g. `[0]` for LiteMedSAM's single mask).
    func tokenLogits(
        _ w: Recording, embedding: Tensor, latent: Variable?, tokens: [Int], batch: Int = 1, box: [Float]? = nil
    ) -> Variable {
        let features = layers.decoderFeatures(
            w, embedding: flattened(w.constant(embedding)), promptTokens: promptTokens(w, box: box), latents: latent,
            batch: batch)
        let decoder = layers.maskDecoder
        return decoder.maskLogits(
            w, hypernetworkOutputs: decoder.hypernetworkOutputs(w, features, maskTokenIndices: tokens), features)
    }

    /// Logits `[n, 256, 256]` of mask tokens `tokens` for one embedding, without a latent sample
    /// (stage-1 behaviour), with an explicit box `[x0, y0, x1, y1]` (256 frame) or the model's default prompt.
    public func tokenLogits(embedding: Tensor, tokens: [Int], box: [Float]? = nil) -> Tensor {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            let w = Recording(graph: graph, parameters: parameters)
            return tokenLogits(w, embedding: embedding, latent: nil, tokens: tokens, box: box).value
                .reshaped([tokens.count, 256, 256])
        }
    }

    /// `[64, 64, 256]` → `[1, 4096, 256]`.
    private func flattened(_ embedding: Variable) -> Variable {
        let shape = embedding.shape
        return embedding.reshaped([1, shape[0] * shape[1], shape[2]])
    }

    // MARK: Without gradients (checks against inference)

    /// The PGN's Gaussian `(μ, σ)` (256 values each) for a PGN input `[128, 128, 1]`, on the training path.
    public func latentGaussian(pgnInput: Tensor) -> (mean: [Float], standardDeviation: [Float]) {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            let (mean, deviation) = latentGaussian(Recording(graph: graph, parameters: parameters), pgnInput: pgnInput)
            return (mean.value.storage, deviation.value.storage)
        }
    }

    /// Assembled logits `[B, 256, 256]` (model frame) for one image embedding `[64, 64, 256]` and B latent
    /// samples on the training path: what `P2SAMSampler.fusedLogits` must reproduce. `box` `[x0, y0, x1, y1]`
    /// (256 frame) prompts instead of the model's default prompt.
    public func assembledLogits(embedding: Tensor, latents: [[Float]], box: [Float]? = nil) -> Tensor {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            let w = Recording(graph: graph, parameters: parameters)
            let z = w.constant(
                Tensor(shape: [latents.count, configuration.latentDim], storage: Array(latents.joined())))
            return assembledLogits(w, embedding: embedding, latent: z, batch: latents.count, box: box).value
                .reshaped([latents.count, 256, 256])
        }
    }

    /// The raw box of the model's box proposal for `item` (`BoxProposal.rawBox` of one decode with the default
    /// prompt and z = μ, then `refinementPasses` passes of `BoxProposal.refinedRawBox`; nil: the configuration's
    /// `proposalRefinementPasses`; the tight box of the positive pixels `region` keeps, nil: the configuration's
    /// `proposalRegion`), `[x0, y0, x1, y1]` in the 256 frame; nil when the model's mask is empty. What
    /// `P2SAMSampler.prepare` computes for the same image. Needs a stage-2 network (the PGN gives μ).
    public func proposalRawBox(
        for item: TrainingCase, refinementPasses: Int? = nil, region: BoxProposalRegion? = nil
    ) -> [Float]? {
        precondition(hasPGN, "the box proposal needs a stage-2 model (z = μ of the PGN)")
        let mean = latentGaussian(pgnInput: item.pgnInput).mean
        let embedding = item.embedding
        let region = region ?? configuration.proposalRegion
        return BoxProposal.refinedRawBox(
            BoxProposal.rawBox(
                logits: assembledLogits(embedding: embedding, latents: [mean]).storage,
                resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth, region: region),
            passes: refinementPasses ?? configuration.proposalRefinementPasses, resizedHeight: item.resizedHeight,
            resizedWidth: item.resizedWidth, region: region,
            logits: { assembledLogits(embedding: embedding, latents: [mean], box: $0).storage })
    }
}
