import Foundation
import LiteMedSAM
import MultiRaterData
import MultiRaterMetrics
import Optimisers
import P2SAM
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import Training

/// Trains one stage of P²SAM (`docs/p2sam-model.md`, "Training losses").
///
/// - Stage 1: the mask decoder, the prompt encoder's `no_mask_embed`, `point_embeddings.*`,
///   `not_a_point_embed` and the assembling weights; target = a uniformly random non-empty rater
///   (cases whose raters are all empty are skipped); no PGN (sparse mode: z = 0 token).
/// - Stage 2: only the PGN (+ Fcomb in dense mode); target = a uniformly random rater (empty allowed),
///   or K samples matched to the raters (`SetLoss`), or the energy distance of K samples to all
///   raters; + L2 on the PGN weights.
///
/// A recipe on the generic `Trainer`: this type supplies the trained selection (`isTrainable`), the
/// per-case loss (`loss(_:_:random:)`), the re-normalisation of official assembling weights after each
/// update and the validation figures (`validate`); `Trainer` owns Adam, the steps, the NaN guard and
/// clipping, and `TrainingRun` its epoch loop.
///
/// Randomness: epoch e uses its own GSL mt19937 seeded from `(seed, e)` for the data order, the rater
/// choices and ε, so a run is reproducible and resumes exactly at an epoch boundary.
public final class P2SAMTrainer {
    public let network: P2SAMNetwork
    public let options: TrainingOptions
    /// The generic trainer running this stage's steps.
    public let trainer: Trainer<TrainingCase, ValidationResult>
    /// Adam over the trained parameters.
    public var optimizer: Adam { trainer.optimiser }
    /// Names of the trained parameters.
    public var trainableNames: [String] { trainer.trainableNames }
    /// The presence head's prompts with `PresencePromptSource.proposal`, else nil.
    public let proposalPrompts: ProposalPresencePrompts?

    static let stageOnePromptKeys = Set(PromptEncoder.learnedEmbeddingWeightKeys())

    /// Whether parameter `name` is trained in `stage` (stage 1 includes the encoder's LoRA factors when
    /// the model has them; stage 2 keeps them frozen).
    public static func isTrainable(_ name: String, stage: Int) -> Bool {
        if stage == 1 {
            return (name.hasPrefix(MaskDecoder.defaultKey + ".") && !name.hasPrefix(MaskDecoder.iouHeadKey() + "."))
                || stageOnePromptKeys.contains(name) || name == P2SAMLayers.assemblingWeightsKey
                || LoRAParameters.isFactor(name)
        }
        return P2SAMLayers.isStageTwoKey(name)
    }

    /// The stage `options.stage` recipe on `network`'s parameters (trained selection, loss, Adam).
    ///
    /// - Parameters:
    ///   - network: the model being trained (its parameters are updated in place).
    ///   - options: the run's hyper-parameters.
    ///   - proposalPrompts: the model's own proposal boxes per training case, required exactly when
    ///     `options.presencePrompts` is `.proposal` (the presence head is then fitted on draws from them).
    public init(network: P2SAMNetwork, options: TrainingOptions, proposalPrompts: ProposalPresencePrompts? = nil)
        throws
    {
        try options.validate()
        if (options.presencePrompts == .proposal) != (proposalPrompts != nil) {
            throw P2SAMTrainingError.invalidOptions(
                "proposal prompts are given exactly with presence prompts `proposal` (and only then)")
        }
        if options.stage == 2 && !network.hasPGN {
            throw P2SAMTrainingError.invalidModel(
                "stage 2 needs the PGN parameters (add them with ModelInitialisation.addStageTwoModules)")
        }
        if options.stage == 1 && options.loraRank != network.loraRank {
            throw P2SAMTrainingError.invalidOptions(
                "the model's LoRA rank is \(network.loraRank.map(String.init) ?? "none"), the options ask for \(options.loraRank.map(String.init) ?? "none")"
            )
        }
        if options.stage == 1 && options.loraRank != nil && network.encoder == nil {
            throw P2SAMTrainingError.invalidModel(
                "LoRA training needs the network's differentiable encoder (P2SAMNetwork(…, encoder:))")
        }
        self.network = network
        self.options = options
        self.proposalPrompts = proposalPrompts
        let fixedWeights = network.configuration.assembling == .single
        let stage = options.stage
        if options.presenceOnly == true && !network.hasPresenceHead {
            throw P2SAMTrainingError.invalidModel(
                "--presence-only needs a model with a presence head (stage 2 trained with --presence head)")
        }
        let presenceOnly = options.presenceOnly == true
        let selection = TrainableSelection { name in
            if presenceOnly { return name.hasPrefix(PresenceHead.defaultKey + ".") }
            return Self.isTrainable(name, stage: stage) && !(fixedWeights && name == P2SAMLayers.assemblingWeightsKey)
        }
        do {
            trainer = try Trainer(
                parameters: network.parameters, trainable: selection,
                optimiser: .adam(learningRate: options.learningRate),
                configuration: TrainerConfiguration(
                    epochs: options.epochs, batchSize: options.batchSize, seed: options.seed,
                    maxGradientNorm: options.maxGradientNorm,
                    criterionName: "validation \(options.effectiveSelection.rawValue)", averageDecay: options.emaDecay)
            ) { item, w, random in
                try Self.loss(
                    item, w, random: random, network: network, options: options, proposalPrompts: proposalPrompts)
            }
        } catch let error as TrainingError {
            throw P2SAMTrainingError(error)
        }
        if let scale = options.logSigmaLearningRateScale, let pgn = network.layers.pgn {
            for key in [pgn.head.weightKey] + (pgn.head.biasKey.map { [$0] } ?? []) {
                trainer.optimiser.scaleLearningRate(of: network.parameters[key], rows: pgn.logDeviationRows, by: scale)
            }
        }
        trainer.exampleName = { "case \($0.caseID)" }
        if network.configuration.assembling == .official {
            let parameters = network.parameters
            trainer.afterUpdate = { Self.normaliseOfficialAssembling(parameters) }
        }
    }

    // MARK: One step

    /// The case's image embedding in `w`'s graph: through the LoRA-adapted encoder from its `layers.0`
    /// output in stage 1 with LoRA, else its cached embedding as a constant.
    func embedding(_ w: Recording, _ item: TrainingCase) throws -> Variable {
        try Self.embedding(w, item, network: network, options: options)
    }

    static func embedding(_ w: Recording, _ item: TrainingCase, network: P2SAMNetwork, options: TrainingOptions)
        throws -> Variable
    {
        guard options.stage == 1 && options.loraRank != nil else {
            guard item.hasEmbedding else {
                throw P2SAMTrainingError.invalidData("case \(item.caseID) has no cached embedding")
            }
            return w.graph.constant(item.embedding)
        }
        guard let layerZero = item.layerZeroOutput else {
            throw P2SAMTrainingError.invalidData(
                "LoRA training needs the encoder's layers.0 output of case \(item.caseID)")
        }
        return network.adaptedEmbedding(w, layerZeroOutput: layerZero)
    }

    /// The loss of one case in `w`'s graph (nil: stage 1 with no rater to pick), drawing the rater
    /// choice and ε from `random`.
    ///
    /// Stage 1: ℓ_seg of the assembled `[1, 65536]` logits against a random candidate rater. Stage 2: K
    /// latent samples `[K, latentDim]` through the PGN, the `[K, 65536]` logits, and ℓ_seg against a
    /// random rater (K = 1), the set loss (samples matched to raters) or the energy distance to all
    /// raters; + L2 on the PGN weights.
    static func loss(
        _ item: TrainingCase, _ w: Recording, random: SeededRandom, network: P2SAMNetwork, options: TrainingOptions,
        proposalPrompts: ProposalPresencePrompts? = nil
    ) throws -> Variable? {
        let graph = w.graph
        var loss: Variable
        if options.stage == 1 {
            let candidates = options.stageOneCandidates(item)
            guard !candidates.isEmpty else { return nil }
            let rater = candidates[random.integer(below: candidates.count)]
            // Box-following: the box of the target rater's own mask (augmented), or the full-image prompt.
            let box = options.boxPrompts?.draw(for: item, rater: rater, random: random)
            let logits = network.assembledLogits(
                w, embedding: try embedding(w, item, network: network, options: options), latent: nil, box: box)
            loss = SegmentationLoss.loss(logits: logits, target: item.target(rater))
        } else {
            let k = options.setLoss == .none ? 1 : options.samples
            let noise = gaussianNoise(random, count: k, dim: network.configuration.latentDim)
            // With a presence head the masks model the non-empty raters and the head models emptiness.
            let raters = network.hasPresenceHead ? item.nonEmptyRaters : Array(item.raters.indices)
            let box = options.boxPrompts?.draw(for: item, raters: raters, random: random)
            var terms: [Variable] = []
            // Presence only, on the model's own proposal: the head sees the box a sample gets without a user's box.
            let presenceBox = proposalPrompts.map { $0.draw(for: item, random: random) } ?? box
            var names: [String] = []
            if let presenceLoss = presenceLoss(item, w, box: presenceBox, network: network) {
                terms.append(presenceLoss)
                names.append("presence loss (the presence head's BCE)")
            }
            if options.presenceOnly == true { return terms.first }
            if !raters.isEmpty {
                terms.append(
                    try maskLoss(
                        item, w, raters: raters, box: box, noise: noise, random: random, network: network,
                        options: options))
                names.append("mask loss (set loss \(options.setLoss.rawValue) of the sampled masks)")
            }
            for (term, name) in zip(terms, names) where !term.scalar.isFinite {
                throw TrainingError.nonFinite("non-finite \(name) \(term.scalar) on case \(item.caseID)")
            }
            guard !terms.isEmpty else { return nil }
            loss = terms.dropFirst().reduce(terms[0], +)
            let pgnPrefix = PromptGenerationNetwork.defaultKey + "."
            let pgnWeights = network.parameters.parameters(withPrefixes: [pgnPrefix]).filter {
                $0.name.hasSuffix(".weight")
            }
            if options.l2 > 0 { loss = loss + Loss.l2Penalty(pgnWeights, in: graph, coefficient: options.l2) }
        }
        return loss
    }

    /// The presence head's loss: BCE of its logit against the fraction of non-empty raters (nil without a head).
    static func presenceLoss(_ item: TrainingCase, _ w: Recording, box: [Float]?, network: P2SAMNetwork) -> Variable? {
        guard network.hasPresenceHead, item.hasEmbedding else { return nil }
        let features = PresenceHead.features(
            embedding: item.embedding, box: box, resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth)
        let fraction = Float(item.nonEmptyRaters.count) / Float(item.raters.count)
        return Loss.binaryCrossEntropy(
            logits: network.presenceLogit(w, features: features), targets: Tensor(shape: [1, 1], storage: [fraction]))
    }

    /// Stage 2's mask loss over K samples against `raters` (non-empty): one random rater, a matched set or the
    /// energy distance.
    static func maskLoss(
        _ item: TrainingCase, _ w: Recording, raters: [Int], box: [Float]?, noise: Tensor, random: SeededRandom,
        network: P2SAMNetwork, options: TrainingOptions
    ) throws -> Variable {
        let k = noise.shape[0]
        let z = network.latentSamples(w, pgnInput: item.pgnInput, noise: noise)
        // [K, 65536]
        let logits = network.assembledLogits(
            w, embedding: try embedding(w, item, network: network, options: options), latent: z, batch: k, box: box)
        let loss: Variable
        if options.setLoss == .none {
            let rater = raters[random.integer(below: raters.count)]
            loss = SegmentationLoss.loss(logits: logits, target: item.target(rater))
        } else if options.setLoss == .energy {
            let matrix = Tensor(
                shape: [raters.count, 256 * 256], storage: raters.flatMap { item.raters[$0].map { Float($0) } })
            loss = Loss.energyDistance(logits: logits, raters: matrix)
        } else {
            let pixels = logits.shape[1]
            let cost: [[Double]] = logits.value.storage.withUnsafeBufferPointer { all in
                (0..<k).map { s in
                    let row = UnsafeBufferPointer(rebasing: all[(s * pixels)..<((s + 1) * pixels)])
                    return raters.map { SegmentationLoss.value(logits: row, target: item.raters[$0]) }
                }
            }
            let pairs = options.setLoss.pairs(cost: cost)
            var terms: [Variable] = []
            for (s, j) in pairs {
                terms.append(
                    SegmentationLoss.loss(
                        logits: logits.slice(alongAxis: 0, s..<(s + 1)), target: item.target(raters[j])))
            }
            loss = terms.dropFirst().reduce(terms[0], +) * (1 / Float(terms.count))
        }
        return loss
    }

    /// One optimiser step over `batch`; returns the mean loss.
    ///
    /// - Throws: `P2SAMTrainingError.nonFinite` for a NaN or infinite loss or gradient.
    public func step(_ batch: [TrainingCase], random: SeededRandom) throws -> Double {
        do { return try trainer.step(batch, random: random) } catch let error as TrainingError {
            throw P2SAMTrainingError(error)
        }
    }

    /// Stores the effective `w_0 = 1 − Σ w_{1…}` in element 0.
    static func normaliseOfficialAssembling(_ set: ParameterSet) {
        let p = set[P2SAMLayers.assemblingWeightsKey]
        var v = p.value
        v.storage[0] = 1 - v.storage.dropFirst().reduce(0, +)
        p.value = v
    }

    static func gaussianNoise(_ random: SeededRandom, count: Int, dim: Int) -> Tensor {
        Tensor(shape: [count, dim], storage: (0..<(count * dim)).map { _ in Float(random.gaussian()) })
    }

}
