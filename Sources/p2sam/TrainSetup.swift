import ArgumentParser
import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMLayers
import SAMTensor
import Training

/// Builds the network of `p2sam train`: a fresh stage-1 model, or one read from `--init`.
enum TrainModelSetup {
    static func network(command c: TrainCommand, store: WeightStore, checkpointSHA256: String) throws -> P2SAMNetwork {
        let requestedInjection = try c.injection.map { text -> LatentInjection in
            guard let i = LatentInjection(rawValue: text) else {
                throw ValidationError("--injection must be \(LatentInjection.spelledOut)")
            }
            return i
        }
        guard let prompt = DefaultPrompt(rawValue: c.prompt) else {
            throw ValidationError("--prompt must be none or full-box")
        }
        guard let assembling = AssemblingParametrisation(rawValue: c.assembling) else {
            throw ValidationError("--assembling must be free, official or single")
        }
        let widths = c.pgnWidths.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--pgn-widths needs 4 positive integers, e.g. 32,64,128,192")
        }

        guard let initial = c.initial else {
            let context = c.tokenContext ?? .shared
            if let requestedInjection, requestedInjection.needsIsolatedContext && context != .isolated {
                throw ValidationError(
                    "--injection \(requestedInjection.rawValue) adds z to P²SAM's reader tokens, so it needs --token-context isolated"
                )
            }
            var configuration = P2SAMConfiguration(
                maskTokenCount: P2SAMConfiguration.maskTokenCount(context: context),
                injection: requestedInjection ?? .sparse, defaultPrompt: prompt, assembling: assembling,
                pgnWidths: widths)
            configuration.maskTokenContext = context
            let parameters = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: c.seed)
            if c.stage == 1, let rank = c.loraRank { LoRAParameters.add(to: parameters, rank: rank, seed: c.seed) }
            return P2SAMNetwork(
                configuration: configuration, parameters: parameters, encoder: try encoder(c, parameters, store))
        }
        let loaded = try P2SAMModelFile.readTrainable(
            URL(fileURLWithPath: initial), backbone: store, baseCheckpointSHA256: checkpointSHA256)
        // A stage-1 model has no latent, so reader and reader-output stage-1 models are the same computation:
        // stage 2 may start either from the other.
        let switchesReaderInjection =
            c.stage == 2 && loaded.stage == 1 && requestedInjection?.needsIsolatedContext == true
            && loaded.configuration.injection.needsIsolatedContext
        if let requestedInjection, requestedInjection != loaded.configuration.injection, !switchesReaderInjection {
            throw ValidationError(
                "--injection \(requestedInjection.rawValue) contradicts \(initial) (a \(loaded.configuration.injection.rawValue) model)"
            )
        }
        if let context = c.tokenContext, context != loaded.configuration.maskTokenContext {
            throw ValidationError(
                "--token-context \(context.rawValue) contradicts \(initial) (a model with mask token context \(loaded.configuration.maskTokenContext.rawValue))"
            )
        }
        if c.stage == 1 && loaded.stage != 1 {
            throw ValidationError("stage 1 can only continue from a stage-1 model; \(initial) is stage \(loaded.stage)")
        }
        if c.stage == 1, let rank = c.loraRank {
            if let loadedRank = LoRAParameters.rank(of: loaded.parameters) {
                guard loadedRank == rank else {
                    throw ValidationError("--lora-rank \(rank) contradicts \(initial) (LoRA rank \(loadedRank))")
                }
            } else {
                LoRAParameters.add(to: loaded.parameters, rank: rank, seed: c.seed)
            }
        }
        var configuration = loaded.configuration
        configuration.assembling = assembling
        if c.stage == 2 && loaded.stage == 1 {
            if switchesReaderInjection, let requestedInjection { configuration.injection = requestedInjection }
            configuration.pgnWidths = widths
            configuration.presenceHead = c.presence == "head"
            configuration.logDeviationBound = c.logSigmaBound ?? .clamp
            configuration.logDeviationCeiling =
                c.logSigmaCeiling ?? PromptGenerationNetwork.defaultLogDeviationRange.upperBound
            ModelInitialisation.addStageTwoModules(to: loaded.parameters, configuration: configuration, seed: c.seed)
        } else {
            if let bound = c.logSigmaBound, bound != configuration.logDeviationBound {
                throw ValidationError(
                    "--log-sigma-bound \(bound.rawValue) contradicts \(initial) (a stage-2 model with log σ bound \(configuration.logDeviationBound.rawValue))"
                )
            }
            if let ceiling = c.logSigmaCeiling, ceiling != configuration.logDeviationCeiling {
                throw ValidationError(
                    "--log-sigma-ceiling \(ceiling) contradicts \(initial) (a stage-2 model with log σ ceiling \(configuration.logDeviationCeiling))"
                )
            }
        }
        return P2SAMNetwork(
            configuration: configuration, parameters: loaded.parameters,
            encoder: try encoder(c, loaded.parameters, store))
    }

    /// Whether the run adds fresh stage-2 modules (stage 2 from a stage-1 `--init`).
    static func addsStageTwo(command c: TrainCommand) -> Bool {
        guard c.stage == 2, let initial = c.initial,
            let metadata = try? P2SAMModelFile.readMetadata(contentsOf: URL(fileURLWithPath: initial))
        else { return false }
        return metadata["stage"] == "1"
    }

    /// The recorded encoder for stage 1 with LoRA, else nil.
    static func encoder(_ c: TrainCommand, _ parameters: ParameterSet, _ store: WeightStore) throws
        -> RecordedImageEncoder?
    {
        c.stage == 1 && LoRAParameters.rank(of: parameters) != nil
            ? try RecordedImageEncoder(backbone: store, lora: parameters) : nil
    }
}

/// The training and validation cases of `p2sam train`, with cached embeddings.
enum TrainDataSetup {
    struct Split {
        var name: String
        var training: [TrainingCase]
        var validation: [TrainingCase]
    }

    /// Stage 1 with LoRA: cases hold the `layers.0` output (memory only). A model with a (frozen) LoRA
    /// otherwise: embeddings of the merged encoder, cached under a key that includes the factors' digest.
    static func load(
        command c: TrainCommand, store: WeightStore, checkpointSHA256: String, network: P2SAMNetwork,
        progress: TrainingProgress
    ) throws -> Split {
        try DatasetOptions.checkNormalization(c.data.normalize, window: c.window)
        let dataset = try c.data.load(showingProgress: !c.quiet)
        guard !dataset.cases.isEmpty else { throw CommandError("the dataset has no cases") }
        let splitProtocol = c.split.effectiveProtocol
        let manifest = splitProtocol.manifest(for: dataset, seed: c.seed)
        var fold = try c.split.selectedFold(of: manifest)
        if let subset = c.subset {
            guard subset == "first-500" else { throw ValidationError("--subset must be first-500") }
            fold = DatasetSplitter.firstTraining(fold)
        }
        if let fraction = c.trainFraction { fold = DatasetSplitter.trainingFraction(fold, fraction) }
        var trainIndices = fold.train
        var validationIndices: [Int]
        switch c.validationSplit {
        case "validation", "val": validationIndices = fold.validation
        case "test": validationIndices = fold.test
        case "none": validationIndices = []
        default: throw ValidationError("--validation-split must be validation, test or none")
        }
        if let n = c.maxTrainCases { trainIndices = Array(trainIndices.prefix(n)) }
        if let n = c.maxValidationCases { validationIndices = Array(validationIndices.prefix(n)) }
        guard !trainIndices.isEmpty else {
            throw SplitOptions.emptyPartError(part: "train", fold: fold, manifest: manifest, dataset: dataset)
        }
        if validationIndices.isEmpty && c.validationSplit != "none" {
            throw SplitOptions.emptyPartError(
                part: c.validationSplit == "test" ? "test" : "validation", fold: fold, manifest: manifest,
                dataset: dataset)
        }
        var window: IntensityWindow?
        if let text = c.window {
            guard let w = IntensityWindow(parsing: text) else { throw ValidationError("bad --window '\(text)'") }
            window = w
        }
        let directory: URL? =
            c.noDiskCache ? nil : URL(fileURLWithPath: c.cacheDir ?? (NSHomeDirectory() + "/.cache/p2sam/embeddings"))
        let cache = try EmbeddingCache(directory: directory)
        let trainsLoRA = c.stage == 1 && network.loraRank != nil
        let frozenLoRA = !trainsLoRA && network.loraRank != nil
        let cacheIdentity =
            checkpointSHA256
            + (frozenLoRA ? "+lora-" + (LoRAParameters.fingerprint(of: network.parameters) ?? "") : "")
        let preparation = TrainingDataPreparation(
            datasetKey: dataset.source, window: window, windowName: c.window ?? c.data.normalizationCacheName,
            checkpointSHA256: cacheIdentity, cache: cache)
        // Stage 1 with LoRA needs only layers.0, which the factors do not touch: the plain encoder.
        let encoderLoRA = frozenLoRA ? network.parameters : ParameterSet()
        var encoder: TinyViTEncoder?
        let started = Date()
        let embed: TrainingDataPreparation.Embedder = { input in
            if encoder == nil { encoder = try! LoRAParameters.encoder(backbone: store, adaptedBy: encoderLoRA) }
            return encoder!(input)
        }
        let layerZero: TrainingDataPreparation.Embedder? =
            trainsLoRA
            ? { input in
                if encoder == nil { encoder = try! LoRAParameters.encoder(backbone: store, adaptedBy: encoderLoRA) }
                return encoder!.layerZeroOutput(input)
            } : nil
        // Augmented views are added to the training part only, after the split: a view stays with its case.
        let trainingCases = try c.augment.expand(trainIndices.map { dataset.cases[$0] })
        let all = trainingCases + validationIndices.map { dataset.cases[$0] }
        if c.augment != .none {
            progress.message(
                "augmentation \(c.augment.rawValue): \(trainIndices.count) training cases seen in \(c.augment.views.count) views each, \(trainingCases.count) training cases (validation not augmented)"
            )
        }
        let bar = ProgressBar(
            trainsLoRA ? "encoder layers.0 pre-pass" : "embedding pre-pass", total: all.count, unit: "cases",
            enabled: !c.quiet)
        let prepared = try preparation.prepare(all, embedder: embed, layerZero: layerZero) {
            done, _ in
            bar.update(done)
        }
        bar.finish()
        if trainsLoRA {
            progress.message(
                String(
                    format: "layers.0 outputs (LoRA training): %d cases in %.1f s", all.count,
                    Date().timeIntervalSince(started)))
        } else {
            progress.message(
                String(
                    format: "embeddings%@: %d cases in %.1f s (%d cached, %d computed)",
                    frozenLoRA ? " (LoRA-merged encoder)" : "",
                    all.count, Date().timeIntervalSince(started), cache.hits, cache.misses))
        }
        return Split(
            name: "\(splitProtocol.rawValue):\(fold.name)",
            training: Array(prepared.prefix(trainingCases.count)),
            validation: Array(prepared.suffix(validationIndices.count)))
    }
}

/// The summary `p2sam train` prints on stdout.
enum TrainReport {
    static func print(_ history: [EpochReport], output: String) {
        Swift.print("epoch  train_loss  val_loss  val_ged  seconds  cases/s")
        for r in history {
            Swift.print(
                String(
                    format: "%5d  %10.4f  %8@  %7@  %7.1f  %7.2f%@", r.epoch, r.trainLoss,
                    r.validationLoss.map { String(format: "%.4f", $0) } ?? "n/a",
                    r.validationGED.map { String(format: "%.4f", $0) } ?? "n/a", r.seconds, r.casesPerSecond,
                    r.isBest ? "  best" : ""))
        }
        Swift.print("model: \(output)")
        guard let kept = history.last(where: \.isBest) else { return }
        if kept.validationSamplesAllEmpty {
            Diagnostics.warn(
                String(
                    format:
                        "every epoch draws only empty masks on the validation cases, where %.0f %% of the rater masks mark something: the model has collapsed to \"no lesion\" (kept epoch %d by its criterion). Check its samples before use; another --seed, --select-by loss or fewer epochs may avoid it.",
                    100 * (1 - (kept.validationEmptyRaterFraction ?? 0)), kept.epoch))
        } else if let passed = history.first(where: { $0.validationSamplesAllEmpty && !$0.isBest }) {
            let epochs = history.filter(\.validationSamplesAllEmpty).map { String($0.epoch) }
            Swift.print(
                "passed over epoch\(epochs.count == 1 ? "" : "s") \(epochs.joined(separator: ", ")): every validation sample was empty where \(String(format: "%.0f", 100 * (1 - (passed.validationEmptyRaterFraction ?? 0)))) % of the rater masks mark something (collapsed to \"no lesion\"); kept epoch \(kept.epoch)"
            )
        }
    }
}
