import ArgumentParser
import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMTensor
import TorchCheckpoint

extension BoxProposalRegion: ExpressibleByArgument {}

/// `p2sam train`: stage 1 or stage 2 of P²SAM on a multi-rater dataset (`docs/p2sam-model.md`).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train P²SAM: stage 1 (decoder with 9 mask tokens) or stage 2 (prompt generation network).",
        discussion: """
            Image embeddings are computed once per case with LiteMedSAM's encoder and cached in memory and \
            under --cache-dir (Float16, keyed by dataset, window, case and checkpoint sha256). Each epoch \
            validates on the validation split (loss, and GED of --validation-samples samples in stage 2); \
            the best model by validation loss (or GED, --select-by) is written to --output, and <output>.resume.safetensors \
            after every epoch (use --resume to continue). Stage 2 needs --init (the stage-1 model).
            """)

    @Option(help: "1 (decoder, prompt embeddings, assembling weights) or 2 (PGN, + Fcomb for dense).")
    var stage: Int

    @OptionGroup var data: DatasetOptions

    @OptionGroup var split: SplitOptions

    @Option(help: "Training subset: first-500 (the first 500 training cases in index order).")
    var subset: String?

    @Option(name: .customLong("validation-split"), help: "Split validated each epoch: validation | test | none.")
    var validationSplit: String = "validation"

    @Option(help: "Output model file (.safetensors): the best epoch by validation loss.")
    var output: String?

    @Flag(
        name: .customLong("evaluate-only"),
        help:
            "Do not train: score the --init model on --validation-split (loss, and GED of --validation-samples samples)."
    )
    var evaluateOnly = false

    @Option(
        name: .customLong("init"),
        help: "Initial model: stage 2 needs the stage-1 model; stage 1 may continue from a stage-1 model.")
    var initial: String?

    @Option(
        help:
            "dense | sparse | reader | reader-output (stage 1; stage 2 takes it from --init, or switches a reader stage-1 model to reader-output). reader adds z to P²SAM's reader tokens, reader-output to their output tokens; both need --token-context isolated."
    )
    var injection: String?

    @Option(
        help:
            "Default prompt: none | full-box (stage 1; default full-box: lower validation loss and faster convergence than none on QUBIQ)."
    )
    var prompt: String = DefaultPrompt.fullBox.rawValue

    @Option(
        help:
            "Assembling weights: free | official (w_0 = 1 − Σ others) | single (no assembling: token 1 alone, the ablation)."
    )
    var assembling: String = AssemblingParametrisation.free.rawValue

    @Option(
        name: .customLong("token-context"),
        help:
            "Mask token context (stage 1; stage 2 takes it from --init): shared (the paper's 9 tokens) | isolated (LiteMedSAM's decoder kept whole, P²SAM's 8 outputs only read it)."
    )
    var tokenContext: MaskTokenContext?

    @Option(
        name: .customLong("pgn-widths"),
        help: "PGN block widths (stage 2 from a stage-1 model), e.g. 32,64,128,192 or 16,32,64,128 (light).")
    var pgnWidths: String = "32,64,128,192"

    @Option(help: "Epochs.") var epochs: Int = 10
    @Option(help: "Adam learning rate (default: 1e-3 stage 1, 1e-4 stage 2).") var lr: Float?
    @Option(help: "Cases per optimiser step.") var batch: Int = 2
    @Option(parsing: .unconditional, help: "Seed (GSL mt19937) for initialisation, data order, rater choice and ε.")
    var seed: UInt64 = 1
    @Option(
        name: .customLong("set-loss"),
        help:
            "Stage 2 loss: energy (default: GED surrogate over K samples and all raters) | paper (the paper's loss alone, which collapses sample diversity, see README; alias none) | best-of-k | hungarian."
    )
    var setLoss: String?
    @Option(
        name: .customLong("select-by"),
        help:
            "Keep the epoch with the lowest validation loss | ged (default: ged for stage 2 with a set loss, else loss)."
    ) var selectBy: String?
    @Option(help: "Stage 2 set loss: samples K per case.") var samples: Int = 4
    @Option(name: .customLong("validation-samples"), help: "Samples per validation case for GED (stage 2).")
    var validationSamples: Int = 8
    @Option(help: "Stage 2: L2 coefficient on the PGN weights.") var l2: Float = 1e-5
    @Option(name: .customLong("max-grad-norm"), help: "Clip the global gradient norm.") var maxGradNorm: Float?
    @Option(
        name: .customLong("lora-rank"),
        help:
            "Stage 1: also train LoRA of this rank (e.g. 4) on q and v of every TinyViT attention block (the encoder then runs in every step from cached layers.0 outputs; slower). Default: off (cached embeddings of the frozen encoder)."
    )
    var loraRank: Int?
    @Option(
        name: .customLong("stage1-raters"),
        help:
            "Stage 1 targets: non-empty (the paper: a random non-empty rater; all-empty cases skipped) | all (empty masks too, for data where 'no lesion' is common, e.g. LIDC)."
    )
    var stageOneRaters: String = "non-empty"
    @Option(
        name: .customLong("train-prompt"),
        help:
            "Prompts in training (stages 1 and 2): box (default: the box of a random rater's mask, ±2 px, scaled 0.6–1.5 and shifted ±10 px in the 256 frame, or the full-image prompt with --full-image-probability; the model then follows a user's box) | default (the paper: the model's default prompt only)."
    )
    var trainPrompt: String = "box"
    @Option(
        name: .customLong("full-image-probability"),
        help: "With --train-prompt box: probability of the full-image prompt instead of a box (default 0.25).")
    var fullImageProbability: Double = 0.25
    @Option(
        help:
            "Stage 2 from a stage-1 model: head (default: a presence head predicts from the image embedding whether a rater draws any lesion, trained on the fraction of non-empty rater masks; samples are empty in that proportion, the masks model the non-empty raters) | none (the paper: every sample is a mask)."
    )
    var presence: String = "head"
    @Flag(
        name: .customLong("presence-only"),
        help:
            "Stage 2 from a model with a presence head: train only the head (its BCE on the fraction of non-empty rater masks; no decoder runs, so epochs are cheap). Use with --validation-split none."
    )
    var presenceOnly = false
    @Option(
        name: .customLong("presence-prompt"),
        help:
            "With --presence-only: the prompts the head is fitted with: training (default: the training prompts, a rater's augmented box or the full image) | proposal (the model's own box proposal, drawn per step around the box of its own mask, as the samples see it without a user's box; needs a model with a box proposal; the head is refitted from weight 0 and the base-rate bias)."
    )
    var presencePrompt: PresencePromptSource = .training
    @Flag(
        name: .customLong("box-proposal-only"),
        help:
            "Stage 2 from a stage-2 model: fit only its box proposal (used when no box is given): the tight box of the model's own mask for the default prompt and z = μ, against the training raters' boxes (mean offset and σ per corner; no gradient steps). Writes the model with the proposal to --output."
    )
    var boxProposalOnly = false
    @Flag(
        name: .customLong("presence-evidence-only"),
        help:
            "Stage 2 from a stage-2 model with a presence head: fit only the presence evidence (statistics of the model's own mask inside the prompt: max and mean probability, log predicted area) added to the head's logit, by logistic regression on the training raters' non-empty fraction (the head frozen; prompts: the model's proposed box, if it has a box proposal, and 4 training-prompt draws per case). Writes the model to --output."
    )
    var presenceEvidenceOnly = false
    @Option(
        name: .customLong("box-proposal-spread"),
        help: "With --box-proposal-only: multiply the fitted σ of the box corners by this factor (> 0; default 1).")
    var boxProposalSpread: Float = 1
    @Option(
        name: .customLong("box-proposal-cases"),
        help:
            "With --box-proposal-only: the cases the proposal is fitted on: training (default: the model's training cases) | validation (the cases of --validation-split: images the model was not trained on, so the fitted offsets and σ reflect its errors on new images)."
    )
    var boxProposalCases: BoxProposalCases = .training
    @Option(
        name: .customLong("box-proposal-refinement"),
        help:
            "With --box-proposal-only: refine the raw box by up to K more decodes (z = μ), each prompted by the previous raw box, stopping when the box stops moving; the proposal is fitted to the refined box and K is stored in the model (metadata box_proposal_refinement). Default 0: one decode, as before."
    )
    var boxProposalRefinement = 0
    @Option(
        name: .customLong("box-proposal-region"),
        help:
            "With --box-proposal-only: which positive pixels of the model's own mask the raw box encloses: all (default: every one, so a stray speck stretches the box) | largest (only the largest connected region: for a target that is one object, such as a cell or a nodule). Used in every refinement decode and stored in the model (metadata box_proposal_region)."
    )
    var boxProposalRegion: BoxProposalRegion = .all
    @Option(
        name: .customLong("box-proposal-presence-draw"),
        help:
            "With --box-proposal-only, a model with a presence head: the presence draw stored for when the proposal prompts the samples (independent | stratified | image; default: none stored, i.e. independent)."
    )
    var boxProposalPresenceDraw: PresenceDraw?
    @Option(
        name: .customLong("box-proposal-presence-shift"),
        help:
            "With --box-proposal-only, a model with a presence head: the presence logit shift stored for when the proposal prompts the samples (default 0; negative: more empty samples)."
    )
    var boxProposalPresenceShift: Float = 0
    @Option(
        name: .customLong("presence-evidence"),
        help:
            "With --presence-evidence-only: add (default: the evidence is added to the presence head's logit) | replace (the evidence alone gives the presence logit; the head's weights are set to 0)."
    )
    var presenceEvidenceMode: String = "add"
    @Option(
        name: .customLong("log-sigma-bound"),
        help:
            "Stage 2 from a stage-1 model: how the PGN bounds log σ to [−10, 5]: clamp (default: a hard clamp; its gradient is 0 past the bound) | smooth (a soft clip whose gradient never vanishes; stored as metadata log_sigma_bound)."
    )
    var logSigmaBound: LogDeviationBound?
    @Option(
        name: .customLong("log-sigma-ceiling"),
        help:
            "Stage 2 from a stage-1 model: the largest log σ the PGN may output, C in (−10, 5] (default 5, σ ≤ 148); a lower C bounds the latent spread in training and, stored as metadata log_sigma_ceiling, in sampling."
    )
    var logSigmaCeiling: Float?
    @Option(
        name: .customLong("log-sigma-lr-scale"),
        help:
            "Stage 2: the learning rate of the PGN head's log σ half (its weight and bias rows) is --lr times S (S >= 0; default 1 = one rate; 0 keeps log σ's head rows fixed while μ trains). Training only: the model file is sampled as any other."
    )
    var logSigmaLRScale: Float?
    @Option(
        name: .customLong("ema-decay"),
        help:
            "Keep an exponential moving average of the trained weights with decay D in (0, 1) (e.g. 0.9), updated after every step: validation, the kept epoch and the saved model use the averaged weights, the steps the raw ones. Default: off (the last step's weights)."
    )
    var emaDecay: Float?
    @Option(
        name: .customLong("max-train-cases"),
        help:
            "Train on at most the first N cases of the training part (split order; quick runs). The dataset's own size cap is --max-cases."
    )
    var maxTrainCases: Int?
    @Option(
        name: .customLong("max-val-cases"),
        help: "Validate on at most the first N cases of the validated split (split order).")
    var maxValidationCases: Int?
    @Option(
        name: .customLong("train-fraction"),
        help:
            "Learning curves: train on ⌈F·n⌉ of the n training cases (0 < F ≤ 1), evenly spaced over the training part in split order (deterministic); validation unchanged."
    )
    var trainFraction: Double?
    @Option(
        help:
            "Geometric augmentation of the training part: none | flips (each case also mirrored left-right, top-bottom and both: 4 views) | dihedral (also the quarter turns and transposes: 8 views). Each view is a training case of its own with its own embedding (computed once, cached), so an epoch takes that many times longer; validation cases are not augmented. Only where the anatomy has no fixed orientation in the image (cells, skin lesions, nodule crops). Default: none."
    )
    var augment: TrainingAugmentation = .none
    @Option(help: "CT intensity window: lung | soft-tissue | ursam | LOWER,UPPER (as `p2sam data export`).") var window:
        String?
    @Option(name: .customLong("cache-dir"), help: "Embedding cache folder (default ~/.cache/p2sam/embeddings).")
    var cacheDir: String?
    @Flag(name: .customLong("no-disk-cache"), help: "Keep embeddings in memory only.") var noDiskCache = false
    @Flag(help: "Continue from <output>.resume.safetensors.") var resume = false
    @Flag(help: "No progress bar (epoch summaries are still printed on stderr).") var quiet = false
    @Option(help: "Free-form notes for the model file.") var notes: String = ""

    @OptionGroup var model: ModelOptions

    func run() throws {
        try runWithExit { try withInitIntensity().train() }
    }

    /// This run with the `--init` model's recorded intensity mapping (`ModelIntensity`) unless `--window` or
    /// `--normalize` says otherwise, so that a later stage sees the intensities the earlier one learnt from.
    func withInitIntensity() throws -> TrainCommand {
        // A missing --init is reported where the model is read, after the options are checked.
        guard let initial, FileManager.default.fileExists(atPath: initial) else { return self }
        let intensity = try ModelIntensity.announced(
            window: window, normalize: data.normalize, models: [URL(fileURLWithPath: initial)])
        var resolved = self
        resolved.window = intensity.window
        resolved.data.normalize = intensity.normalize
        return resolved
    }

    /// The training itself, with the intensity mapping settled.
    func train() throws {
        _ = try trainingOptions(loraRank: nil)
        if !evaluateOnly {
            guard let output else { throw ValidationError("--output MODEL.safetensors is required") }
            try InputChecks.outputFile(output, option: "--output")
        }
        let progress = TrainingProgress(enabled: !quiet, messages: true)
        let store = try LiteMedSAMCheckpoint.weights(at: model.checkpointURL, verifyChecksum: !model.skipChecksum)
        let sha =
            model.skipChecksum
            ? try SHA256.hexDigest(ofFileAt: model.checkpointURL.path) : LiteMedSAMCheckpoint.officialSHA256
        let network = try TrainModelSetup.network(command: self, store: store, checkpointSHA256: sha)
        // Stage 1 trains the model's LoRA (from --lora-rank, or continued from an --init LoRA model).
        let options = try trainingOptions(loraRank: stage == 1 ? network.loraRank : nil)
        let split = try TrainDataSetup.load(
            command: self, store: store, checkpointSHA256: sha, network: network, progress: progress)
        progress.message(
            "training stage \(stage) (\(network.configuration.injection.rawValue) injection, prompt \(network.configuration.defaultPrompt.rawValue)\(network.loraRank.map { ", encoder LoRA rank \($0)" + (stage == 1 ? "" : " frozen") } ?? "")) on \(split.training.count) cases, validating on \(split.validation.count); \(network.parameters.scalarCount) parameters"
        )
        if boxProposalOnly {
            let fittedOn = boxProposalCases == .training ? split.training : split.validation
            try fitBoxProposal(
                network: network, cases: fittedOn,
                casesName: boxProposalCases == .training
                    ? "training" : (validationSplit == "test" ? "test" : "validation"),
                splitName: split.name)
            return
        }
        if presenceEvidenceOnly {
            try fitPresenceEvidence(network: network, training: split.training, splitName: split.name)
            return
        }
        if stage == 2 && network.hasPresenceHead && TrainModelSetup.addsStageTwo(command: self) {
            let fractions = split.training.map { Double($0.nonEmptyRaters.count) / Double($0.raters.count) }
            let fraction = fractions.reduce(0, +) / Double(max(fractions.count, 1))
            ModelInitialisation.setPresenceBias(network.parameters, nonEmptyFraction: fraction)
            progress.message(
                String(
                    format: "presence head: starts at the training base rate of non-empty rater masks %.3f",
                    fraction))
        }
        var proposalPrompts: ProposalPresencePrompts?
        if options.presencePrompts == .proposal {
            let prompts = try ProposalPresencePrompts(network: network, cases: split.training)
            let fractions = split.training.map { Double($0.nonEmptyRaters.count) / Double($0.raters.count) }
            let fraction = fractions.reduce(0, +) / Double(max(fractions.count, 1))
            ModelInitialisation.resetPresenceHead(network.parameters, nonEmptyFraction: fraction)
            progress.message(
                String(
                    format:
                        "presence head refitted on the model's own box proposal: %d of %d training cases have a proposed box (the rest: the default prompt); starts at the base rate %.3f",
                    prompts.rawBoxes.count, split.training.count, fraction))
            proposalPrompts = prompts
        }
        let trainer = try P2SAMTrainer(network: network, options: options, proposalPrompts: proposalPrompts)
        if evaluateOnly {
            guard let result = try trainer.validate(split.validation) else {
                throw ValidationError("no case to evaluate on (all rater masks empty?)")
            }
            print(
                String(
                    format: "%@ split of %@: %d cases, loss %.4f, GED (n = %d) %.4f, sample diversity %.4f",
                    validationSplit, split.name,
                    split.validation.count, result.loss, stage == 1 ? 1 : validationSamples, result.ged,
                    result.sampleDiversity))
            return
        }
        guard let output else { throw ValidationError("--output MODEL.safetensors is required") }
        progress.message(
            "trainable: \(trainer.optimizer.parameters.reduce(0) { $0 + $1.value.count }) values in \(trainer.trainableNames.count) tensors"
        )
        let outputURL = URL(fileURLWithPath: output)
        let provenance = TrainingProvenance(output: outputURL, resuming: resume)
        provenance.messages.forEach(progress.message)
        let metadata = P2SAMModelFile.metadata(
            configuration: network.configuration, stage: stage, baseCheckpointSHA256: sha,
            dataset: (try? DatasetSpec(parsing: data.dataset).portableDescription) ?? data.dataset,
            split: split.name, epochs: epochs, seed: seed,
            notes: notesText(options)
        ).merging(provenance.metadata) { recipe, _ in recipe }
            .merging(augment == .none ? [:] : [TrainingAugmentation.metadataKey: augment.rawValue]) { recipe, _ in
                recipe
            }
            // The intensity mapping, so that sampling a dataset applies it again (`ModelIntensity`).
            .merging(TrainingIntensity(window: window, normalize: data.normalize).metadata) { recipe, _ in recipe }
        try FileManager.default.createDirectory(
            at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let run = TrainingRun(
            trainer: trainer, training: split.training, validation: split.validation,
            output: outputURL, metadata: metadata, progress: progress)
        let history = try run.run(resume: resume)
        TrainReport.print(history, output: output)
    }

    /// `--box-proposal-only`: fits the box proposal of the stage-2 `network` on `cases` (the `casesName` part of
    /// `splitName`) and writes the model (the `--init` file's tensors and metadata plus the proposal) to `--output`.
    func fitBoxProposal(network: P2SAMNetwork, cases: [TrainingCase], casesName: String, splitName: String) throws {
        guard let output, let initial else { throw ValidationError("--box-proposal-only needs --init and --output") }
        guard network.hasPGN else {
            throw ValidationError("--box-proposal-only needs a stage-2 model (\(initial) is stage 1)")
        }
        let started = Date()
        let fit = BoxProposalFit(
            network: network, cases: cases, refinementPasses: boxProposalRefinement, region: boxProposalRegion
        ).spread(by: boxProposalSpread)
        guard fit.pairCount > 0 else {
            throw CommandError(
                fit.casesWithoutProposal > 0
                    ? "the box proposal has nothing to fit: the model's own mask (default prompt, z = μ) is empty on all \(fit.casesWithoutProposal) \(casesName) cases with a non-empty rater mask, so it proposes no box (a model collapsed to \"no lesion\": look at its samples, or retrain stage 2)"
                    : "the box proposal has nothing to fit: no \(casesName) case has a non-empty rater mask"
            )
        }
        if (boxProposalPresenceDraw != nil || boxProposalPresenceShift != 0) && !network.hasPresenceHead {
            throw ValidationError(
                "--box-proposal-presence-draw/--box-proposal-presence-shift need a model with a presence head (\(initial) has none)"
            )
        }
        fit.store(in: network.parameters)
        var configuration = network.configuration
        configuration.boxProposal = true
        configuration.proposalPresenceDraw = boxProposalPresenceDraw
        configuration.proposalPresenceShift = boxProposalPresenceShift
        configuration.proposalRefinementPasses = boxProposalRefinement
        configuration.proposalRegion = boxProposalRegion
        func coordinates(_ values: [Float]) -> String {
            values.map { String(format: "%.1f", $0) }.joined(separator: ",")
        }
        try writeRefitted(
            network: network, configuration: configuration, initial: initial, output: output,
            note:
                "box proposal fitted on \(cases.count) \(casesName) cases of \(splitName) (\(fit.pairCount) rater boxes; offset \(coordinates(fit.offset)), σ \(coordinates(fit.standardDeviation)) px\(boxProposalSpread == 1 ? "" : ", spread × \(boxProposalSpread)")\(boxProposalRefinement == 0 ? "" : "; raw box refined by up to \(boxProposalRefinement) passes")\(boxProposalRegion == .all ? "" : "; raw box of the largest region")\(boxProposalPresenceDraw.map { "; presence draw \($0.rawValue)" } ?? "")\(boxProposalPresenceShift == 0 ? "" : "; presence shift \(boxProposalPresenceShift)"))"
        )
        print(
            String(
                format:
                    "box proposal: %d rater boxes of %d %@ cases (%d without a proposed box), offset [%@], σ [%@] px (256 frame), %.1f s",
                fit.pairCount, cases.count, casesName, fit.casesWithoutProposal, coordinates(fit.offset),
                coordinates(fit.standardDeviation), Date().timeIntervalSince(started)))
        print("model: \(output)")
    }

    /// `--presence-evidence-only`: fits the presence evidence of the stage-2 `network` (with a presence head) on
    /// `training` and writes the model (the `--init` file's tensors and metadata plus the evidence) to `--output`.
    func fitPresenceEvidence(network: P2SAMNetwork, training: [TrainingCase], splitName: String) throws {
        guard let output, let initial else {
            throw ValidationError("--presence-evidence-only needs --init and --output")
        }
        guard network.hasPGN, network.hasPresenceHead else {
            throw ValidationError(
                "--presence-evidence-only needs a stage-2 model with a presence head (stage 2 trained with --presence head)"
            )
        }
        let started = Date()
        let replacing = presenceEvidenceMode == "replace"
        let examples = PresenceEvidenceFit.examples(
            network: network, cases: training, seed: seed, replacingHead: replacing)
        guard !examples.isEmpty else { throw CommandError("the presence evidence has no training case to fit on") }
        let fit = PresenceEvidenceFit(examples: examples)
        if replacing { fit.storeReplacingHead(in: network.parameters) } else { fit.store(in: network.parameters) }
        var configuration = network.configuration
        configuration.presenceEvidence = true
        let weights = fit.weight.map { String(format: "%.3f", $0) }.joined(separator: ",")
        try writeRefitted(
            network: network, configuration: configuration, initial: initial, output: output,
            note: String(
                format:
                    "presence evidence (%@) fitted on %d prompts of %d cases of %@ (weight %@, bias %.3f; cross-entropy %.4f → %.4f)",
                replacing ? "replacing the head" : "added to the head", fit.exampleCount, training.count, splitName,
                weights, fit.bias, fit.lossBefore, fit.lossAfter))
        print(
            String(
                format:
                    "presence evidence: %d prompts of %d training cases, weight [%@] (max p, mean p, log area), bias %.3f, cross-entropy %.4f → %.4f, %.1f s",
                fit.exampleCount, training.count, weights, fit.bias, fit.lossBefore, fit.lossAfter,
                Date().timeIntervalSince(started)))
        print("model: \(output)")
    }

    /// Writes `network`'s parameters as a stage-2 model of `configuration` to `output`: the `initial` file's
    /// metadata with the architecture of `configuration` and `note` appended to its notes.
    func writeRefitted(
        network: P2SAMNetwork, configuration: P2SAMConfiguration, initial: String, output: String, note: String
    ) throws {
        let initMetadata = try P2SAMModelFile.readMetadata(contentsOf: URL(fileURLWithPath: initial))
        var metadata = initMetadata.merging(configuration.metadata) { _, new in new }
        metadata["notes"] = [initMetadata["notes"], note].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: "; ")
        let outputURL = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(
            at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try P2SAMModelFile.write(network.parameters, stage: 2, metadata: metadata, to: outputURL)
    }

    func trainingOptions(loraRank effectiveLoRARank: Int?) throws -> TrainingOptions {
        let requested = setLoss ?? (stage == 2 ? SetLoss.energy.rawValue : SetLoss.none.rawValue)
        guard let loss = SetLoss(rawValue: requested == "paper" ? SetLoss.none.rawValue : requested) else {
            throw ValidationError("--set-loss must be energy, paper (alias none), best-of-k or hungarian")
        }
        let selection = try selectBy.map { value -> ModelSelection in
            guard let parsed = ModelSelection(rawValue: value) else {
                throw ValidationError("--select-by must be loss or ged")
            }
            return parsed
        }
        guard stage == 1 || stage == 2 else { throw ValidationError("--stage must be 1 or 2") }
        if let loraRank {
            guard stage == 1 else {
                throw ValidationError("--lora-rank applies to stage 1 (stage 2 keeps a stage-1 model's LoRA frozen)")
            }
            guard loraRank >= 1 else { throw ValidationError("--lora-rank must be >= 1") }
        }
        guard ["non-empty", "all"].contains(stageOneRaters) else {
            throw ValidationError("--stage1-raters must be non-empty or all")
        }
        if stage == 2 && stageOneRaters == "all" { throw ValidationError("--stage1-raters applies to stage 1 only") }
        if stage == 2 && initial == nil {
            throw ValidationError("stage 2 needs --init MODEL.safetensors (the stage-1 model)")
        }
        if evaluateOnly && initial == nil { throw ValidationError("--evaluate-only needs --init MODEL.safetensors") }
        if boxProposalOnly && (stage != 2 || initial == nil) {
            throw ValidationError("--box-proposal-only needs --stage 2 and --init MODEL.safetensors (a stage-2 model)")
        }
        guard boxProposalSpread > 0 && boxProposalSpread.isFinite else {
            throw ValidationError("--box-proposal-spread must be a positive number, got \(boxProposalSpread)")
        }
        let maximumPasses = P2SAMConfiguration.maximumProposalRefinementPasses
        guard (0...maximumPasses).contains(boxProposalRefinement) else {
            throw ValidationError(
                "--box-proposal-refinement must be an integer in 0...\(maximumPasses), got \(boxProposalRefinement)")
        }
        if boxProposalCases != .training && !boxProposalOnly {
            throw ValidationError("--box-proposal-cases needs --box-proposal-only")
        }
        if boxProposalCases == .validation && validationSplit == "none" {
            throw ValidationError(
                "--box-proposal-cases validation fits on the cases of --validation-split, which is none; give --validation-split validation or test"
            )
        }
        if boxProposalRefinement != 0 && !boxProposalOnly {
            throw ValidationError("--box-proposal-refinement needs --box-proposal-only")
        }
        if boxProposalRegion != .all && !boxProposalOnly {
            throw ValidationError("--box-proposal-region needs --box-proposal-only")
        }
        guard boxProposalPresenceShift.isFinite else {
            throw ValidationError("--box-proposal-presence-shift must be a finite number")
        }
        guard ["add", "replace"].contains(presenceEvidenceMode) else {
            throw ValidationError("--presence-evidence must be add or replace")
        }
        if presenceEvidenceOnly && (stage != 2 || initial == nil) {
            throw ValidationError(
                "--presence-evidence-only needs --stage 2 and --init MODEL.safetensors (a stage-2 model with a presence head)"
            )
        }
        if [boxProposalOnly, presenceEvidenceOnly, presenceOnly, evaluateOnly].filter({ $0 }).count > 1 {
            throw ValidationError(
                "--box-proposal-only, --presence-evidence-only, --presence-only and --evaluate-only exclude each other")
        }
        if evaluateOnly && validationSplit == "none" {
            throw ValidationError("--evaluate-only needs --validation-split validation or test")
        }
        guard ["box", "default"].contains(trainPrompt) else {
            throw ValidationError("--train-prompt must be box or default")
        }
        for (name, value) in [("--max-train-cases", maxTrainCases), ("--max-val-cases", maxValidationCases)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, got \(value)") }
        }
        if let trainFraction, !(trainFraction > 0 && trainFraction <= 1) {
            throw ValidationError("--train-fraction must be in (0, 1], got \(trainFraction)")
        }
        guard ["head", "none"].contains(presence) else { throw ValidationError("--presence must be head or none") }
        if logSigmaBound != nil && stage != 2 { throw ValidationError("--log-sigma-bound applies to stage 2") }
        if let logSigmaCeiling {
            guard stage == 2 else { throw ValidationError("--log-sigma-ceiling applies to stage 2") }
            guard PromptGenerationNetwork.isAllowedLogDeviationCeiling(logSigmaCeiling) else {
                throw ValidationError(
                    "--log-sigma-ceiling: " + PromptGenerationNetwork.ceilingRequirement(found: String(logSigmaCeiling))
                )
            }
        }
        guard (0...1).contains(fullImageProbability) else {
            throw ValidationError("--full-image-probability must be in [0, 1], got \(fullImageProbability)")
        }
        let options = TrainingOptions(
            stage: stage, epochs: epochs, learningRate: lr, batchSize: batch, seed: seed,
            setLoss: loss, samples: samples, l2: l2, validationSamples: validationSamples,
            maxGradientNorm: maxGradNorm, selection: selection, loraRank: effectiveLoRARank,
            stageOneIncludesEmpty: stageOneRaters == "all" ? true : nil,
            boxPrompts: trainPrompt == "box" ? TrainingBoxPrompts(fullImageProbability: fullImageProbability) : nil,
            presenceOnly: presenceOnly ? true : nil, presencePrompts: presencePrompt == .proposal ? .proposal : nil,
            emaDecay: emaDecay, logSigmaLearningRateScale: logSigmaLRScale == 1 ? nil : logSigmaLRScale)
        do { try options.validate() } catch { throw ValidationError("\(error)") }
        return options
    }

    func notesText(_ options: TrainingOptions) -> String {
        var parts = ["lr \(options.learningRate)", "batch \(options.batchSize)", "assembling \(assembling)"]
        if stage == 2 {
            parts.append(
                "set loss \(options.setLoss.rawValue)" + (options.setLoss == .none ? "" : " K=\(options.samples)"))
        }
        parts.append("selected by validation \(options.effectiveSelection.rawValue)")
        if options.presenceOnly == true {
            parts.append(
                options.presencePrompts == .proposal
                    ? "presence head only, refitted on the model's own box proposal" : "presence head only")
        }
        if let tokenContext, tokenContext != .shared { parts.append("mask token context \(tokenContext.rawValue)") }
        if let rank = options.loraRank { parts.append("encoder LoRA rank \(rank)") }
        if let decay = options.emaDecay { parts.append("weights averaged (EMA decay \(decay))") }
        if let scale = options.logSigmaLearningRateScale { parts.append("log σ head rows at lr × \(scale)") }
        if let box = options.boxPrompts {
            parts.append(
                "box prompts from a random rater (±\(box.perturbation) px, scale \(box.minimumScale)–\(box.maximumScale), shift ±\(box.shift) px, full image p = \(box.fullImageProbability))"
            )
        } else {
            parts.append("default prompt only")
        }
        if options.stageOneIncludesEmpty == true { parts.append("stage-1 targets include empty raters") }
        if augment != .none {
            parts.append("training views: \(augment.rawValue) (\(augment.views.count) per case)")
        }
        if let window { parts.append("window \(window)") }
        if let initial { parts.append("init \(URL(fileURLWithPath: initial).lastPathComponent)") }
        if !notes.isEmpty { parts.append(notes) }
        return parts.joined(separator: ", ")
    }
}

extension LogDeviationBound: ExpressibleByArgument {}

extension MaskTokenContext: ExpressibleByArgument {}

extension PresencePromptSource: ExpressibleByArgument {}

extension TrainingAugmentation: ExpressibleByArgument {}
