import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import SAMLayers
import SAMTensor
import SeededSampling

/// Initialisations of `docs/p2sam-model.md` ("Initialisation for stage 1", Fcomb, PGN head).
///
/// All random draws come from one GSL mt19937 (`SeededRandom`) in a fixed order, so a seed fixes the model.
public enum ModelInitialisation {
    /// Checkpoint tensors copied into the P²SAM model (everything except the image encoder).
    static func isDecoderOrPromptKey(_ key: String) -> Bool {
        key.hasPrefix(MaskDecoder.defaultKey + ".") || key.hasPrefix(PromptEncoder.defaultKey + ".")
    }

    /// The stage-1 starting point: prompt encoder and mask decoder from LiteMedSAM's checkpoint, widened to
    /// `configuration.maskTokenCount` tokens, plus the assembling weights.
    ///
    /// With 9 tokens, tokens 1…8 and hypernetwork MLPs 1…8 are copies of token 0 and MLP 0 plus Gaussian
    /// noise of standard deviation `0.02 ×` that tensor's standard deviation (draw order: token rows 1…8,
    /// then MLPs 1…8, layers 0…2, weight then bias, elements in row-major order); IoU-head rows 1…8 copy
    /// row 0. With the checkpoint's own token count (4) every tensor is copied unchanged (parity checks).
    /// With `configuration.maskTokenContext` = `isolated` (12 tokens) tokens 0…3, MLPs 0…3 and IoU-head rows 0…3
    /// are the checkpoint's, unchanged, and tokens, MLPs and IoU-head rows 4…11 are the copies of token 0 (same
    /// noise, same draw order).
    /// The decoder's keys come from its layer declarations (`MaskDecoder`).
    ///
    /// - Parameters:
    ///   - store: a LiteMedSAM state dict (`LiteMedSAMCheckpoint.weights(at:)`).
    ///   - configuration: the P²SAM configuration (token count, injection, assembling, token context).
    ///   - seed: the seed of the Gaussian noise on the copied tokens and MLPs.
    ///   - tokenNoiseScale: the noise's standard deviation as a fraction of each copied tensor's (0.02; 0 makes
    ///     exact copies, for checks).
    /// - Throws: `P2SAMTrainingError.invalidModel` when the checkpoint's decoder cannot be read, or an isolated
    ///   context does not have LiteMedSAM's 4 mask tokens plus 8 outputs.
    public static func stageOne(
        from store: WeightStore, configuration: P2SAMConfiguration, seed: UInt64, tokenNoiseScale: Double = 0.02
    ) throws -> ParameterSet {
        var store = store
        let k = configuration.maskTokenCount
        let checkpointTokens = MaskDecoder.maskTokenCount(in: store) ?? 4
        let context = configuration.maskTokenContext
        // Tokens (and MLPs, IoU-head rows) kept from the checkpoint; the others copy token 0.
        let kept = context.coreMaskTokenCount
        guard !configuration.injection.needsIsolatedContext || context == .isolated else {
            throw P2SAMTrainingError.invalidModel(
                "\(configuration.injection.rawValue) injection needs the isolated mask token context")
        }
        if context == .isolated {
            guard checkpointTokens == kept, k == MaskTokenContext.isolated.maskTokenCount(outputs: 8) else {
                throw P2SAMTrainingError.invalidModel(
                    "mask token context \(context.rawValue) needs a checkpoint with \(kept) mask tokens and \(MaskTokenContext.isolated.maskTokenCount(outputs: 8)) tokens in the model, found \(checkpointTokens) and \(k)"
                )
            }
        }
        let checkpointDecoder: MaskDecoder
        do {
            var probe = store
            checkpointDecoder = try MaskDecoder(&probe, maskTokenCount: checkpointTokens)
        } catch let error as WeightLoadingError {
            throw P2SAMTrainingError.invalidModel("the checkpoint's mask decoder: \(error.description)")
        }
        let maskTokensKey = checkpointDecoder.maskTokens.weightKey
        let firstHypernetwork = checkpointDecoder.hypernetworks[0]
        let firstHypernetworkKeys = Set(firstHypernetwork.parameterDeclarations.map(\.key))
        let otherHypernetworkKeys = Set(
            checkpointDecoder.hypernetworks.dropFirst().flatMap(\.parameterDeclarations).map(\.key))
        let iouOutputKeys = Set(checkpointDecoder.iouHead.layers.last!.parameterDeclarations.map(\.key))
        let set = ParameterSet()
        let random = SeededRandom(seed: seed)
        var firstHypernetworkValues: [String: Tensor] = [:]
        for key in store.keys where isDecoderOrPromptKey(key) {
            guard let shape = store.shape(of: key) else { continue }
            let values = try store.take(key, shape: shape)
            let tensor = Tensor(shape: shape, storage: values)
            if k == checkpointTokens {
                set.add(key, tensor)
                continue
            }
            if key == maskTokensKey {
                let dim = shape[1]
                let row0 = Array(values[0..<dim])
                let sigma = tokenNoiseScale * standardDeviation(row0)
                var rows = Array(values[0..<(kept * dim)])
                for _ in kept..<k { rows += row0.map { $0 + Float(random.gaussian(sigma: sigma)) } }
                set.add(key, Tensor(shape: [k, dim], storage: rows))
            } else if firstHypernetworkKeys.contains(key) {
                set.add(key, tensor)
                firstHypernetworkValues[key] = tensor
            } else if otherHypernetworkKeys.contains(key) {
                // The checkpoint's MLPs 1…3 stay in an isolated context (its tokens 1…3 do).
                if kept > 1 { set.add(key, tensor) }
                continue
            } else if iouOutputKeys.contains(key) {
                let rowSize = shape.count == 2 ? shape[1] : 1
                let row0 = Array(values[0..<rowSize])
                let newShape = shape.count == 2 ? [k, shape[1]] : [k]
                let rows =
                    Array(values[0..<(kept * rowSize)]) + Array([[Float]](repeating: row0, count: k - kept).joined())
                set.add(key, Tensor(shape: newShape, storage: rows))
            } else {
                set.add(key, tensor)
            }
        }
        if k != checkpointTokens {
            // MLPs 1…k−1 after all token noise, in a fixed order (layers 0…2, weight then bias).
            for i in kept..<k {
                let target = MaskDecoder.hypernetworkKey(token: i)
                for declaration in firstHypernetwork.parameterDeclarations {
                    guard let t = firstHypernetworkValues[declaration.key] else {
                        throw P2SAMTrainingError.invalidModel("checkpoint lacks \(declaration.key)")
                    }
                    let sigma = tokenNoiseScale * standardDeviation(t.storage)
                    let noisy = t.storage.map { $0 + Float(random.gaussian(sigma: sigma)) }
                    set.add(
                        target + declaration.key.dropFirst(firstHypernetwork.key.count),
                        Tensor(shape: t.shape, storage: noisy))
                }
            }
        }
        let outputs = max(k - kept, 1)
        let weights =
            configuration.assembling == .single
            ? (0..<outputs).map { $0 == 0 ? Float(1) : 0 } : [Float](repeating: 1 / Float(outputs), count: outputs)
        set.add(P2SAMLayers.assemblingWeightsKey, Tensor(shape: [outputs], storage: weights))
        return set
    }

    /// Adds the PGN (and, for dense injection, Fcomb; with `configuration.presenceHead`, the presence head at weight
    /// and bias 0; with `configuration.boxProposal`, the box proposal at offset 0 and log σ 0; with
    /// `configuration.presenceEvidence`, the evidence at weight and bias 0) to a stage-1 parameter set.
    ///
    /// Convolutions and Fcomb layers 0–2 use PyTorch's default initialisation, U(−1/√fan_in, 1/√fan_in)
    /// for weights and biases (draw order: PGN blocks/convs, weight then bias; then Fcomb layers 0…2).
    /// The PGN head has weight 0, μ-bias 0 and log σ-bias `initialLogSigma`; Fcomb layer 3 has weight 0
    /// and bias = the prompt encoder's `no_mask_embed` weight, so stage 2 starts from stage 1's behaviour.
    public static func addStageTwoModules(
        to set: ParameterSet, configuration: P2SAMConfiguration, seed: UInt64,
        initialLogSigma: Float = Foundation.log(0.1)
    ) {
        let random = SeededRandom(seed: seed &+ 0x5047_4E00)
        func uniform(_ count: Int, fanIn: Int) -> [Float] {
            let bound = 1 / Double(fanIn).squareRoot()
            return (0..<count).map { _ in Float(random.uniform(-bound, bound)) }
        }
        // The modules' keys and shapes come from their layer declarations (a placeholder store hands out zeros).
        var template = WeightStore.placeholder()
        let pgn: PromptGenerationNetwork
        let combiner: LatentCombiner?
        do {
            pgn = try PromptGenerationNetwork(
                &template, widths: configuration.pgnWidths, latentDim: configuration.latentDim)
            combiner =
                configuration.injection == .dense
                ? try LatentCombiner(&template, latentDim: configuration.latentDim) : nil
        } catch {
            preconditionFailure("a placeholder weight store cannot lack a key: \(error)")
        }
        /// Adds the declared parameters of one layer, each U(−1/√fanIn, 1/√fanIn), in declaration order.
        func addUniform(_ layer: some DeclaresParameters, fanIn: Int) {
            for declaration in layer.parameterDeclarations {
                let count = declaration.shape.reduce(1, *)
                set.add(declaration.key, Tensor(shape: declaration.shape, storage: uniform(count, fanIn: fanIn)))
            }
        }
        for convolution in pgn.blocks.joined() { addUniform(convolution, fanIn: convolution.inChannels * 9) }
        let latent = configuration.latentDim
        set.add(pgn.head.weightKey, Tensor(shape: [pgn.head.outFeatures, pgn.head.inFeatures]))
        set.add(
            pgn.head.biasKey!,
            Tensor(
                shape: [2 * latent],
                storage: [Float](repeating: 0, count: latent) + [Float](repeating: initialLogSigma, count: latent)))
        if configuration.presenceHead {
            // Weight 0, bias 0 (p = 0.5); `setPresenceBias` starts it at the training data's base rate.
            let head = PresenceHead.headDeclarations
            for declaration in head { set.add(declaration.key, Tensor(shape: declaration.shape)) }
        }
        if configuration.boxProposal {
            // Offset 0, log σ 0 (σ = 1 px); `p2sam train --box-proposal-only` fits both.
            for declaration in BoxProposal.declarations { set.add(declaration.key, Tensor(shape: declaration.shape)) }
        }
        if configuration.presenceEvidence && configuration.presenceHead {
            // Weight and bias 0 (no effect); `p2sam train --presence-evidence-only` fits them.
            for declaration in PresenceEvidence.declarations {
                set.add(declaration.key, Tensor(shape: declaration.shape))
            }
        }
        guard let combiner, let last = combiner.layers.last else { return }
        for layer in combiner.layers.dropLast() { addUniform(layer, fanIn: layer.inFeatures) }
        set.add(last.weightKey, Tensor(shape: [last.outFeatures, last.inFeatures]))
        set.add(
            last.biasKey!,
            set[EmbeddingTable.weightKey(at: PromptEncoder.noMaskEmbedKey())].value.reshaped([last.outFeatures]))
    }

    /// Sets the presence head's bias to `logit(fraction)` (fraction clamped to [0.02, 0.98]): the head then starts
    /// at the base rate of non-empty rater masks. No-op for a model without the head.
    public static func setPresenceBias(_ set: ParameterSet, nonEmptyFraction fraction: Double) {
        guard let bias = PresenceHead.headDeclarations.first(where: { $0.shape.count == 1 }),
            set.names.contains(bias.key)
        else { return }
        let p = min(max(fraction, 0.02), 0.98)
        set[bias.key].value = Tensor(shape: bias.shape, storage: [Float(Foundation.log(p / (1 - p)))])
    }

    /// Puts the presence head back to its initial state: weight 0 and the bias at `logit(fraction)` (as
    /// `setPresenceBias`), e.g. before refitting it on other prompts (`PresencePromptSource.proposal`). No-op for a
    /// model without the head.
    public static func resetPresenceHead(_ set: ParameterSet, nonEmptyFraction fraction: Double) {
        for declaration in PresenceHead.headDeclarations where declaration.shape.count == 2 {
            guard set.names.contains(declaration.key) else { return }
            set[declaration.key].value = Tensor(shape: declaration.shape)
        }
        setPresenceBias(set, nonEmptyFraction: fraction)
    }

    static func standardDeviation(_ values: [Float]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count - 1)
        return variance.squareRoot()
    }
}
