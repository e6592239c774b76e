import Optimisers
import Training

/// Hyper-parameters of one training run (stage 1 or 2).
public struct TrainingOptions: Sendable, Codable, Equatable {
    /// 1: mask decoder, prompt-encoder embeddings and assembling weights; 2: PGN (+ Fcomb).
    public var stage: Int
    public var epochs: Int
    /// Adam learning rate (stage 1 default 1e-3; stage 2 default 1e-4, the paper's 1e-5 is very slow).
    public var learningRate: Float
    /// Cases per optimiser step (gradients averaged).
    public var batchSize: Int
    public var seed: UInt64
    /// Stage 2: how samples are matched to raters.
    public var setLoss: SetLoss
    /// Stage 2 with a set loss: samples K per case.
    public var samples: Int
    /// Stage 2: L2 coefficient on the PGN weights.
    public var l2: Float
    /// Samples per validation case for GED (stage 2).
    public var validationSamples: Int
    /// Clip the global gradient norm to this value when set.
    public var maxGradientNorm: Float?
    /// Which validation figure picks the saved model; nil = `ModelSelection.default(for:)`.
    public var selection: ModelSelection?
    /// Stage 1: also train LoRA factors of this rank on the q and v projections of every TinyViT attention
    /// block (the encoder then runs, differentiably, from each case's cached `layers.0` output); nil = off,
    /// the frozen encoder's cached embeddings are used. Missing in older resume files = nil.
    public var loraRank: Int?
    /// Stage 1: also train on empty rater masks (nil/false = the paper: one random non-empty rater, cases
    /// whose raters are all empty skipped). For data where "no lesion" is a common answer (LIDC: 41 % of
    /// the rater masks are empty), so that the decoder learns to return an empty mask at all.
    public var stageOneIncludesEmpty: Bool?
    /// Box prompts drawn from the raters' masks in stages 1 and 2 (box-following P²SAM); nil = the paper's
    /// recipe, the model's default prompt in every step. Missing in older resume files = nil.
    public var boxPrompts: TrainingBoxPrompts?
    /// Stage 2: train only the presence head (its BCE; no decoder runs, so an epoch is cheap), e.g. to fit it
    /// longer after a stage-2 run. nil/false = the normal stage 2.
    public var presenceOnly: Bool?
    /// With `presenceOnly`: the prompts the head is fitted with; nil = `PresencePromptSource.training` (missing in
    /// older resume files = nil). `.proposal` needs the trainer's `ProposalPresencePrompts`.
    public var presencePrompts: PresencePromptSource?
    /// Decay d of an exponential moving average of the trained weights (`ExponentialMovingAverage`): validation,
    /// model selection and the saved model use the averaged weights; nil = off (missing in older resume files = nil).
    public var emaDecay: Float?
    /// Stage 2: the PGN head's log σ rows (weight and bias, `PromptGenerationNetwork.logDeviationRows`) step with
    /// the learning rate times this scale (`Adam.scaleLearningRate`), the μ rows and the rest of the PGN with the
    /// learning rate; nil = 1 (missing in older resume files = nil). Training only: the model file is unchanged.
    public var logSigmaLearningRateScale: Float?

    /// The raters stage 1 may pick for `item`.
    public func stageOneCandidates(_ item: TrainingCase) -> [Int] {
        stageOneIncludesEmpty == true ? Array(item.raters.indices) : item.nonEmptyRaters
    }

    /// The selection criterion in force.
    public var effectiveSelection: ModelSelection { selection ?? .default(stage: stage, setLoss: setLoss) }

    /// Options of one training stage; every default is the documented recipe (`docs/training.md`).
    public init(
        stage: Int, epochs: Int = 10, learningRate: Float? = nil, batchSize: Int = 2, seed: UInt64 = 1,
        setLoss: SetLoss = .none, samples: Int = 4, l2: Float = 1e-5, validationSamples: Int = 8,
        maxGradientNorm: Float? = nil, selection: ModelSelection? = nil, loraRank: Int? = nil,
        stageOneIncludesEmpty: Bool? = nil, boxPrompts: TrainingBoxPrompts? = nil, presenceOnly: Bool? = nil,
        presencePrompts: PresencePromptSource? = nil, emaDecay: Float? = nil, logSigmaLearningRateScale: Float? = nil
    ) {
        self.stage = stage
        self.epochs = epochs
        self.learningRate = learningRate ?? (stage == 1 ? 1e-3 : 1e-4)
        self.batchSize = batchSize
        self.seed = seed
        self.setLoss = setLoss
        self.samples = samples
        self.l2 = l2
        self.validationSamples = validationSamples
        self.maxGradientNorm = maxGradientNorm
        self.selection = selection
        self.loraRank = loraRank
        self.stageOneIncludesEmpty = stageOneIncludesEmpty
        self.boxPrompts = boxPrompts
        self.presenceOnly = presenceOnly
        self.presencePrompts = presencePrompts
        self.emaDecay = emaDecay
        self.logSigmaLearningRateScale = logSigmaLearningRateScale
    }

    /// Checks ranges; throws `invalidOptions` naming the first problem.
    public func validate() throws {
        guard stage == 1 || stage == 2 else {
            throw P2SAMTrainingError.invalidOptions("stage must be 1 or 2, got \(stage)")
        }
        guard epochs >= 1 else { throw P2SAMTrainingError.invalidOptions("epochs must be >= 1") }
        guard learningRate > 0, learningRate.isFinite else {
            throw P2SAMTrainingError.invalidOptions("learning rate must be positive")
        }
        guard batchSize >= 1 else { throw P2SAMTrainingError.invalidOptions("batch size must be >= 1") }
        guard samples >= 1, validationSamples >= 1 else {
            throw P2SAMTrainingError.invalidOptions("sample counts must be >= 1")
        }
        if stage == 2 && stageOneIncludesEmpty == true {
            throw P2SAMTrainingError.invalidOptions("--stage1-raters applies to stage 1 only")
        }
        if stage == 1 && setLoss != .none {
            throw P2SAMTrainingError.invalidOptions("--set-loss applies to stage 2 only")
        }
        if let loraRank {
            guard stage == 1 else {
                throw P2SAMTrainingError.invalidOptions(
                    "--lora-rank applies to stage 1 only (stage 2 keeps a stage-1 model's LoRA frozen)")
            }
            guard loraRank >= 1 else {
                throw P2SAMTrainingError.invalidOptions("LoRA rank must be >= 1, got \(loraRank)")
            }
        }
        try boxPrompts?.validate()
        if presenceOnly == true && stage != 2 {
            throw P2SAMTrainingError.invalidOptions("--presence-only applies to stage 2 (a model with a presence head)")
        }
        if presencePrompts == .proposal && presenceOnly != true {
            throw P2SAMTrainingError.invalidOptions(
                "--presence-prompt proposal applies to --presence-only (the presence head refitted on the model's own boxes)"
            )
        }
        if let emaDecay, !(emaDecay > 0 && emaDecay < 1) {
            throw P2SAMTrainingError.invalidOptions("--ema-decay must lie in (0, 1), got \(emaDecay)")
        }
        if let scale = logSigmaLearningRateScale {
            guard stage == 2 else {
                throw P2SAMTrainingError.invalidOptions("--log-sigma-lr-scale applies to stage 2 (the PGN)")
            }
            guard RowLearningRateScale.isAllowed(scale) else {
                throw P2SAMTrainingError.invalidOptions(
                    "--log-sigma-lr-scale must be a finite number >= 0, got \(scale)")
            }
            if presenceOnly == true {
                throw P2SAMTrainingError.invalidOptions(
                    "--log-sigma-lr-scale applies to the PGN, which --presence-only does not train")
            }
        }
        if setLoss == .energy && samples < 2 {
            throw P2SAMTrainingError.invalidOptions(
                "the energy set loss needs --samples >= 2 (K = 1 has no diversity term)")
        }
    }
}

/// The validation figure that decides which epoch's model is kept.
public enum ModelSelection: String, Sendable, Codable, CaseIterable {
    /// Lowest mean ℓ_seg (the paper's criterion). In stage 2 it is a mean over samples x raters, which
    /// favours the collapsed "mean" prediction.
    case loss
    /// Lowest validation GED of `validationSamples` samples (rewards matching the raters' spread).
    case ged

    /// `ged` for stage 2 with a set loss (the losses meant to produce diversity), `loss` otherwise.
    public static func `default`(stage: Int, setLoss: SetLoss) -> ModelSelection {
        stage == 2 && setLoss != .none ? .ged : .loss
    }
}

/// What one epoch achieved.
public struct EpochReport: Sendable, Codable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double?
    /// Mean GED over the validation cases (stage 2: `validationSamples` samples; stage 1: the one mask).
    public var validationGED: Double?
    /// Mean pairwise 1 − IoU between the validation samples.
    public var validationDiversity: Double?
    /// Stage 2: the fraction of empty validation samples and of empty validation rater masks
    /// (`P2SAMTrainer.ValidationResult.emptySampleFraction`, `emptyRaterFraction`); nil when not recorded.
    public var validationEmptySampleFraction: Double? = nil
    public var validationEmptyRaterFraction: Double? = nil
    /// Whether every validation sample was empty although some rater marked something
    /// (`P2SAMTrainer.ValidationResult.samplesAllEmptyAgainstRaters`).
    public var validationSamplesAllEmpty = false
    public var seconds: Double
    public var casesPerSecond: Double
    /// Whether this epoch's model was written as the best so far.
    public var isBest: Bool

    /// One epoch's figures (the CLI prints them).
    public init(
        epoch: Int, trainLoss: Double, validationLoss: Double?, validationGED: Double?, validationDiversity: Double?,
        seconds: Double, casesPerSecond: Double, isBest: Bool
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.validationGED = validationGED
        self.validationDiversity = validationDiversity
        self.seconds = seconds
        self.casesPerSecond = casesPerSecond
        self.isBest = isBest
    }
}

extension EpochReport {
    /// The report of one epoch of the generic trainer's history.
    public init(_ record: EpochRecord<P2SAMTrainer.ValidationResult>) {
        self.init(
            epoch: record.epoch, trainLoss: record.trainLoss, validationLoss: record.validation?.loss,
            validationGED: record.validation?.ged, validationDiversity: record.validation?.sampleDiversity,
            seconds: record.seconds, casesPerSecond: record.casesPerSecond, isBest: record.isBest)
        validationEmptySampleFraction = record.validation?.emptySampleFraction
        validationEmptyRaterFraction = record.validation?.emptyRaterFraction
        validationSamplesAllEmpty = record.validation?.samplesAllEmptyAgainstRaters ?? false
    }
}
