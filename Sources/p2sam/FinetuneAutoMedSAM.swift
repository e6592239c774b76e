import ArgumentParser
import AutoMedSAM
import AutoMedSAMTraining
import Foundation
import LiteMedSAM
import MultiRaterData
import SAMTensor
import TorchCheckpoint
import Training

/// `p2sam finetune --recipe automedsam`: trains AutoMedSAM's class prompt encoder and mask decoder on a
/// label-map dataset (`labels:ROOT`), LiteMedSAM's image encoder frozen (cached embeddings).
struct FinetuneAutoMedSAM: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "finetune --recipe automedsam")

    static let usage = """
        --dataset labels:ROOT --output MODEL.safetensors [--validation labels:ROOT] [--branches both|dense|sparse|dense-tokens] \
        [--noise-steps T (0 = diffusion off)] [--dense-attention sigmoid|linear] [--weighting learned|fixed] \
        [--noise-scale S] [--[no-]positional-input] [--[no-]class-tokens] [--class-coding map|index] \
        [--epochs N] [--lr 5e-4] [--decoder-lr R] [--batch 4] [--seed S] [--max-slices N] [--max-validation-slices N] \
        [--present-only] [--augment none|flips|dihedral] [--cache-dir DIR] [--resume] [--quiet]. Every class of \
        classes.json is a class of the model; each (slice, class) pair is one example (absent classes teach an empty answer unless \
        --present-only). The best epoch by validation Dice is written to MODEL, and MODEL.resume.safetensors \
        after every epoch (--resume continues). The paper's model is --no-class-tokens (without the class tokens \
        the first masks are empty and training stalls; docs/automedsam.md). --branches dense-tokens: the dense \
        branch with the class tokens alone as the sparse prompt (a dense-only ablation whose decoder is prompted).
        """

    @Option(help: "Training data: labels:ROOT (ROOT/<case>/image.png + label.png, classes.json).")
    var dataset: String
    @Option(help: "Validation data (labels:ROOT with the same classes); default: none (select by training loss).")
    var validation: String?
    @Option(help: "Output model file (.safetensors).") var output: String
    @Option(help: "Prompt branches: both | dense | sparse | dense-tokens (dense + the class tokens alone).")
    var branches: String = "both"
    @Option(name: .customLong("noise-steps"), help: "Diffusion noise levels T (σ_t = 1/(t+1)); 0 = off.")
    var noiseSteps = 10
    @Option(
        name: .customLong("noise-scale"), help: "Noise standard deviation factor s (σ_t = s/(t+1); 1 = released code).")
    var noiseScale: Float = 1
    @Flag(
        name: .customLong("positional-input"), inversion: .prefixedNo,
        help: "Add LiteMedSAM's dense positional encoding to the class prompt encoder's input (not in the paper).")
    var positionalInput = false
    @Flag(
        name: .customLong("class-tokens"), inversion: .prefixedNo,
        help: "Learned per-class sparse tokens, initialised to the class's mean box tokens (not in the paper).")
    var classTokens = true
    @Option(name: .customLong("dense-attention"), help: "sigmoid (paper) | linear.") var denseAttention = "sigmoid"
    @Option(
        name: .customLong("class-coding"),
        help: "map (a learned 64x64 map per class, released code) | index (W·i + b of the class index, paper Eq. 2).")
    var classCoding = "map"
    @Option(help: "Loss weighting: learned (0.5/λ² L + log(1+λ²)) | fixed (λ = 1).") var weighting = "learned"
    @Option(help: "Epochs.") var epochs = 10
    @Option(help: "AdamW learning rate (class prompt encoder, λ).") var lr: Float = 5e-4
    @Option(
        name: .customLong("decoder-lr"), help: "AdamW learning rate of the mask decoder (default: --lr, as the paper).")
    var decoderLR: Float?
    @Option(help: "(slice, class) examples per optimiser step.") var batch = 4
    @Option(parsing: .unconditional, help: "Seed (initialisation, order, noise).") var seed: UInt64 = 1
    @Option(name: .customLong("max-slices"), help: "Use at most N training slices (evenly spaced in name order).")
    var maxSlices: Int?
    @Option(name: .customLong("max-validation-slices"), help: "Validate on at most N slices (evenly spaced).")
    var maxValidationSlices: Int?
    @Flag(name: .customLong("present-only"), help: "Train only on classes present in a slice.") var presentOnly = false
    @Option(
        help:
            "Geometric augmentation of the training slices: none | flips (each slice also mirrored left-right, top-bottom and both: 4 views) | dihedral (also the quarter turns and transposes: 8 views). Each view is a training slice with its own cached embedding, so an epoch takes that many times longer; validation is not augmented; --max-slices counts slices before their views. AutoMedSAM prompts by class alone, so it learns where a class lies: only where the classes have no fixed orientation or side in the image (cells, skin lesions), not for cardiac MR, where the right ventricle lies left of the left one in every slice. Default: none."
    )
    var augment: TrainingAugmentation = .none
    @Option(name: .customLong("cache-dir"), help: "Embedding cache folder (default ~/.cache/p2sam/embeddings).")
    var cacheDir: String?
    @Flag(help: "Continue from <output>.resume.safetensors.") var resume = false
    @Flag(help: "No progress bar (epoch summaries are still printed on stderr).") var quiet = false
    @Option(help: "Free-form notes for the model file.") var notes = ""
    @OptionGroup var model: ModelOptions

    /// The options as the library's settings (checked before anything loads).
    func trainingOptions() throws -> AutoMedSAMTrainingOptions {
        guard let parsedBranches = PromptBranches(rawValue: branches) else {
            throw ValidationError("--branches must be both, dense, sparse or dense-tokens")
        }
        if parsedBranches.classTokensAlone, !classTokens {
            throw ValidationError("--branches dense-tokens needs the class tokens (drop --no-class-tokens)")
        }
        guard let parsedWeighting = LossWeighting(rawValue: weighting) else {
            throw ValidationError("--weighting must be learned or fixed")
        }
        guard ["sigmoid", "linear"].contains(denseAttention) else {
            throw ValidationError("--dense-attention must be sigmoid or linear")
        }
        guard ClassCoding(rawValue: classCoding) != nil else {
            throw ValidationError("--class-coding must be map or index")
        }
        guard noiseSteps >= 0 else { throw ValidationError("--noise-steps must be >= 0") }
        guard epochs >= 1, batch >= 1 else { throw ValidationError("--epochs and --batch must be >= 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        if let decoderLR, !(decoderLR > 0 && decoderLR.isFinite) {
            throw ValidationError("--decoder-lr must be positive")
        }
        guard noiseScale > 0, noiseScale.isFinite else { throw ValidationError("--noise-scale must be positive") }
        if let maxSlices, maxSlices < 1 { throw ValidationError("--max-slices must be >= 1") }
        if let maxValidationSlices, maxValidationSlices < 1 {
            throw ValidationError("--max-validation-slices must be >= 1")
        }
        return AutoMedSAMTrainingOptions(
            branches: parsedBranches, noiseSteps: noiseSteps, denseAttentionSigmoid: denseAttention == "sigmoid",
            weighting: parsedWeighting, epochs: epochs, learningRate: lr, batchSize: batch, seed: seed,
            includeAbsentClasses: !presentOnly, decoderLearningRate: decoderLR)
    }

    /// The dataset of a `labels:ROOT` or `brats-labels:ROOT` spec (checked, not read yet).
    static func labelSpec(_ spec: String, option: String) throws -> DatasetSpec {
        let parsed = try DatasetSpec(parsing: spec)
        switch parsed {
        case .labels, .bratsLabels: return parsed
        default:
            throw ValidationError(
                "\(option) must be a label-map dataset labels:ROOT or brats-labels:ROOT, not '\(spec)'")
        }
    }

    /// The label maps of a spec checked by `labelSpec`, within `limits` (slices, decompressed sizes).
    static func readLabels(_ spec: DatasetSpec, limits: DatasetLimits = DatasetLimits()) throws -> LabelMapDataset {
        guard let dataset = try spec.labelMapDataset(limits: limits) else {
            throw ValidationError("not a label-map dataset: \(spec.portableDescription)")
        }
        return dataset
    }

    /// At most `limit` of `items`, evenly spaced (all when nil or enough).
    static func evenlySpaced<T>(_ items: [T], limit: Int?) -> [T] {
        guard let limit, limit < items.count else { return items }
        return (0..<limit).map { items[$0 * items.count / limit] }
    }

    mutating func run() throws {
        try runWithExit {
            let options = try trainingOptions()
            let trainingSpec = try Self.labelSpec(dataset, option: "--dataset")
            let validationSpec = try validation.map { try Self.labelSpec($0, option: "--validation") }
            try InputChecks.outputFile(output, option: "--output")
            let progress = TrainingProgress(enabled: !quiet, messages: true)
            let trainingSet = try Self.readLabels(trainingSpec)
            let validationSet = try validationSpec.map { try Self.readLabels($0) }
            if let validationSet, validationSet.classes != trainingSet.classes {
                throw ValidationError(
                    "the validation classes \(validationSet.classes) differ from the training classes \(trainingSet.classes)"
                )
            }
            let configuration = try AutoMedSAMConfiguration(
                classes: trainingSet.classes, branches: options.branches,
                denseAttentionSigmoid: options.denseAttentionSigmoid, noiseSteps: options.noiseSteps,
                noiseScale: noiseScale, positionalInput: positionalInput, classTokens: classTokens,
                classCoding: ClassCoding(rawValue: classCoding) ?? .map)
            let url = try model.checkpointURL
            let store = try LiteMedSAMCheckpoint.weights(at: url, verifyChecksum: !model.skipChecksum)
            let sha =
                model.skipChecksum ? try SHA256.hexDigest(ofFileAt: url.path) : LiteMedSAMCheckpoint.officialSHA256
            let base = try LiteMedSAMModel(weights: store)
            let cache = try EmbeddingCache(
                directory: URL(fileURLWithPath: cacheDir ?? (NSHomeDirectory() + "/.cache/p2sam/embeddings")))
            func examples(
                _ set: LabelMapDataset, limit: Int?, includeAbsent: Bool, augmentation: TrainingAugmentation = .none,
                name: String
            ) throws -> [AutoMedSAMExample] {
                let chosen = Self.evenlySpaced(set.cases, limit: limit)
                let slices = try augmentation.expand(chosen)
                let preparation = AutoMedSAMDataPreparation(
                    datasetKey: "labels:" + set.root.standardizedFileURL.path, checkpointSHA256: sha, cache: cache,
                    configuration: configuration)
                let start = Date()
                let out = try preparation.prepare(slices, includeAbsent: includeAbsent, embedder: base.embed) {
                    done, total in
                    progress.update(
                        epoch: 0, epochs: 0, done: done, total: total, loss: 0, rate: 0, force: done == total)
                }
                progress.message(
                    String(
                        format: "%@: %d slices%@, %d examples, embeddings in %.1f s (%d cached, %d computed)", name,
                        chosen.count,
                        augmentation == .none
                            ? "" : " in \(augmentation.views.count) views (\(augmentation.rawValue): \(slices.count))",
                        out.count, Date().timeIntervalSince(start), cache.hits, cache.misses))
                return out
            }
            let training = try examples(
                trainingSet, limit: maxSlices, includeAbsent: options.includeAbsentClasses, augmentation: augment,
                name: "training")
            let validating =
                try validationSet.map {
                    try examples($0, limit: maxValidationSlices, includeAbsent: true, name: "validation")
                } ?? []
            let network = try AutoMedSAMNetwork(configuration: configuration, checkpoint: store, seed: seed)
            // What a resume must train on again: the same slices and views (the options are checked on their own).
            let dataDescription = [
                "training \(trainingSpec.portableDescription)", maxSlices.map { "max slices \($0)" },
                "augmentation \(augment.rawValue)",
                validationSpec.map { "validation \($0.portableDescription)" },
                maxValidationSlices.map { "max validation slices \($0)" },
            ].compactMap { $0 }.joined(separator: "; ")
            progress.message(
                "AutoMedSAM (\(options.branches.rawValue) branches, noise T = \(options.noiseSteps), \(options.weighting.rawValue) weights, \(configuration.classCoding.rawValue) class coding, classes \(configuration.classIDs.map { "\($0) \(configuration.classes[$0]!)" }.joined(separator: ", "))): \(training.count) training examples, \(validating.count) validation"
            )
            let provenance = TrainingProvenance(output: URL(fileURLWithPath: output), resuming: resume)
            provenance.messages.forEach(progress.message)
            let run = AutoMedSAMTrainingRun(
                network: network, options: options, training: training, validation: validating,
                output: URL(fileURLWithPath: output),
                provenance: [
                    "base_checkpoint_sha256": sha, "dataset": dataset, "notes": notes,
                    "training_slices": String(Set(training.map(\.caseID)).count / augment.views.count),
                ].merging(augment == .none ? [:] : [TrainingAugmentation.metadataKey: augment.rawValue]) { a, _ in a }
                    .merging(provenance.metadata) { recipe, _ in recipe }, observer: progress,
                data: dataDescription)
            let history = try run.run(resume: resume)
            guard let best = history.min(by: { $0.criterion < $1.criterion }) else { return }
            print(
                String(
                    format: "trained %d epoch(s); best epoch %d (criterion %.4f) written to %@", history.count,
                    best.epoch, best.criterion, output))
        }
    }
}
