import Foundation
import LiteMedSAM
import Optimisers
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import Training

/// U-MedSAM's fine-tuning recipe on the generic `Trainer` (`SPECS.md` section 4, issue 11):
///
/// - trained: the mask decoder (+ the prompt encoder's learned embeddings and/or encoder LoRA factors, per
///   `UMedSAMTrainableParts`) and the learned loss weights σ;
/// - per example: a prompt from the ground truth (box jittered outward by U{0…5} px; mixed prompts for
///   MPA-lite), the single-mask logits and IoU prediction through the `Recording` forward, the four terms
///   (`UMedSAMLoss`) combined by the chosen weighting;
/// - AdamW (lr 5e-5, betas (0.9, 0.999), weight decay 0.01 on the model; σ in its own group without
///   decay), ReduceLROnPlateau(min, 0.9, patience 5, cooldown 0) on the validation criterion, batch 2;
/// - sharpness-aware minimisation (`SharpnessAwareGradient`, ρ 0.05) on the model parameters, σ not
///   perturbed; a NaN stops the run (`NonFinitePolicy.stop`), the last good model kept.
///
/// Validation (when cases are given) scores DSC and NSD with boxes jittered as in training, each case's
/// box from its own stream; the criterion is 1 − mean DSC.
public final class UMedSAMTrainer {
    public let network: UMedSAMNetwork
    public let options: UMedSAMOptions
    public let trainer: Trainer<UMedSAMCase, UMedSAMFigures>
    /// Called with (cases scored, cases) after each case of every scoring pass (validation, `score`): with
    /// encoder LoRA each case runs the adapted encoder, so a pass takes a while.
    public var scoringProgress: ((Int, Int) -> Void)?

    /// The recipe over `network` (whose σ count must match `options`).
    ///
    /// - Parameters:
    ///   - network: the trainable network (`UMedSAMNetwork(backbone:lossTermCount:)` with
    ///     `options.terms.count` σ, or none for fixed weights).
    ///   - options: the recipe's settings.
    /// - Throws: `UMedSAMError.invalidOptions` for bad settings or a σ count that does not match.
    public init(network: UMedSAMNetwork, options: UMedSAMOptions) throws {
        try options.validate()
        let learned = options.weighting.uncertainty != nil
        guard (network.sigmas?.count) == (learned ? options.terms.count : nil) else {
            throw UMedSAMError.invalidOptions(
                "the network has \(network.sigmas?.count ?? 0) loss weights, the options need \(learned ? options.terms.count : 0)"
            )
        }
        self.network = network
        self.options = options
        let promptKeys = Set(PromptEncoder.learnedEmbeddingWeightKeys())
        guard network.loraRank == options.encoderLoRARank else {
            throw UMedSAMError.invalidOptions(
                "the network's encoder LoRA rank (\(network.loraRank.map(String.init) ?? "none")) does not match the options' (\(options.encoderLoRARank.map(String.init) ?? "none"))"
            )
        }
        var model = TrainableSelection.prefixes([MaskDecoder.defaultKey + "."])
        if options.trainable.trainsPromptEncoder { model = model.union(.names(promptKeys)) }
        if options.trainable.trainsEncoderLoRA { model = model.union(.names(Set(network.loraFactorNames))) }
        let sigma = TrainableSelection.names([UMedSAMNetwork.sigmaKey])
        let opts = options
        let configuration = TrainerConfiguration(
            epochs: options.epochs, batchSize: options.batchSize, seed: options.seed,
            schedule: .reduceOnPlateau(
                factor: options.plateauFactor, patience: options.plateauPatience, cooldown: options.plateauCooldown),
            gradientRule: options.sharpnessAware
                ? SharpnessAwareGradient(radius: options.radius, perturbed: model) : PlainGradient(),
            nonFinitePolicy: .stop, criterionName: "1 - validation DSC", restoresBestAtEnd: true)
        // AdamW with decay on the model; the loss weights σ in a group of their own without decay.
        let makeOptimiser: ([Parameter]) -> Adam = { trained in
            let weights = trained.filter { $0.name != UMedSAMNetwork.sigmaKey }
            let sigmas = trained.filter { $0.name == UMedSAMNetwork.sigmaKey }
            var groups = [ParameterGroup(weights, learningRate: opts.learningRate, weightDecay: opts.weightDecay)]
            if !sigmas.isEmpty {
                groups.append(ParameterGroup(sigmas, learningRate: opts.learningRate, weightDecay: 0))
            }
            return Adam(groups: groups, beta1: opts.beta1, beta2: opts.beta2, epsilon: 1e-8)
        }
        do {
            trainer = try Trainer(
                parameters: network.parameters, trainable: learned ? model.union(sigma) : model,
                optimiser: makeOptimiser, configuration: configuration
            ) { item, w, random in Self.loss(item, w, random: random, network: network, options: opts) }
        } catch let error as TrainingError {
            throw UMedSAMError.invalidOptions(error.description)
        }
        trainer.exampleName = { "\($0.dataset) case \($0.caseID)" }
    }

    /// The weighted loss of one example in `w`'s graph, its prompt drawn from `random`.
    static func loss(
        _ item: UMedSAMCase, _ w: Recording, random: SeededRandom, network: UMedSAMNetwork, options: UMedSAMOptions
    ) -> Variable {
        let prompt = UMedSAMPrompts.training(
            for: item, mode: options.prompts, jitter: options.boxJitter, random: random)
        let (logits, iou) = network.forward(w, case: item, prompt: prompt)
        let terms = UMedSAMLoss.terms(options.terms, logits: logits, iouPrediction: iou, mask: item.mask)
        let sigmas = network.sigmas != nil ? w(UMedSAMNetwork.sigmaKey) : nil
        return UMedSAMLoss.combine(terms, weighting: options.weighting, sigmas: sigmas)
    }

    /// The unweighted terms of one example at the current weights (for reports and tests), in `options.terms`
    /// order.
    ///
    /// - Parameters:
    ///   - item: the example.
    ///   - random: the source of its prompt.
    public func termValues(_ item: UMedSAMCase, random: SeededRandom) -> [Double] {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            let w = Recording(graph: graph, parameters: network.parameters)
            let prompt = UMedSAMPrompts.training(
                for: item, mode: options.prompts, jitter: options.boxJitter, random: random)
            let (logits, iou) = network.forward(w, case: item, prompt: prompt)
            return UMedSAMLoss.terms(options.terms, logits: logits, iouPrediction: iou, mask: item.mask).map {
                Double($0.scalar)
            }
        }
    }

    /// One optimiser step over `batch`; returns the mean loss.
    ///
    /// - Throws: `TrainingError.nonFinite` for a NaN or infinite loss or gradient (nothing is updated).
    public func step(_ batch: [UMedSAMCase], random: SeededRandom) throws -> Double {
        try trainer.step(batch, random: random)
    }

    /// The effective weight `0.5/σ²` of each term (1 with fixed weights), in `options.terms` order.
    public var termWeights: [Float] {
        network.sigmas?.map(UncertaintyWeighting.weight(sigma:)) ?? options.terms.map { _ in 1 }
    }

    /// Scores the current network on `cases` with `prompt` (`UMedSAMScoring`), σ recorded.
    ///
    /// - Parameters:
    ///   - cases: the cases to score.
    ///   - prompt: the prompt kind.
    public func score(_ cases: [UMedSAMCase], prompt: UMedSAMScoring.PromptKind) throws -> UMedSAMFigures {
        try score(cases, prompts: [prompt])[0]
    }

    /// Scores the current network on `cases` with each of `prompts` (one embedding per case for all of them:
    /// with encoder LoRA the adapted encoder runs once per case), σ recorded.
    ///
    /// - Parameters:
    ///   - cases: the cases to score.
    ///   - prompts: the prompt kinds, in the order of the result.
    public func score(_ cases: [UMedSAMCase], prompts: [UMedSAMScoring.PromptKind]) throws -> [UMedSAMFigures] {
        try UMedSAMScoring.score(
            network.snapshot(), cases: cases, prompts: prompts, seed: options.seed, progress: scoringProgress
        ).map {
            var figures = $0
            figures.sigmas = network.sigmas
            return figures
        }
    }

    /// Runs the epochs: validation on `validation` (none: selection by the training loss) after each, `onBest`
    /// with the best model's weights, the resume file in `checkpoint`.
    ///
    /// - Parameters:
    ///   - training: the training cases.
    ///   - validation: the validation cases (may be empty).
    ///   - checkpoint: where the resume state goes (nil: none).
    ///   - resume: continue from `checkpoint`.
    ///   - onBest: called with the fine-tuned state dict whenever an epoch is the best so far.
    /// - Throws: `TrainingError` (non-finite values, a bad resume file) and write errors.
    public func run(
        training: [UMedSAMCase], validation: [UMedSAMCase], checkpoint: ResumeCheckpoint?, resume: Bool,
        onBest: @escaping (WeightStore, EpochRecord<UMedSAMFigures>) throws -> Void
    ) throws -> [EpochRecord<UMedSAMFigures>] {
        let jitter = options.boxJitter
        if !validation.isEmpty {
            trainer.validation = { [unowned self] in
                let figures = try score(validation, prompt: .box(jitter: jitter))
                return ValidationScore(figures: figures, criterion: 1 - figures.overall.dice)
            }
        }
        let network = network
        trainer.onBest = { record in try onBest(try network.currentWeights(), record) }
        return try trainer.run(training: training, checkpoint: checkpoint, resume: resume)
    }
}
