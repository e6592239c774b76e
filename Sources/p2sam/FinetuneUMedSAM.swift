import ArgumentParser
import Foundation
import LiteMedSAM
import MultiRaterData
import Optimisers
import TorchCheckpoint
import Training
import UMedSAMTraining

extension UMedSAMLossWeighting: ExpressibleByArgument {}
extension UMedSAMTrainableParts: ExpressibleByArgument {}
extension UMedSAMPromptMode: ExpressibleByArgument {}

/// The options of `p2sam finetune --recipe umedsam`.
struct UMedSAMFinetuneOptions: ParsableArguments {
    @Option(
        name: .customLong("loss-weights"), help: "umedsam: code (0.5/σ²·L + log(1+σ²)) | paper (+ log σ) | fixed (Σ L)."
    )
    var lossWeights: UMedSAMLossWeighting = .code

    @Option(help: "umedsam: loss terms, comma-separated from dice, bce, iou, shape.")
    var terms = "dice,bce,iou,shape"

    @Flag(
        name: .customLong("sharpness-aware"), inversion: .prefixedNo,
        help: "umedsam: sharpness-aware minimisation (two passes per step; loss weights not perturbed).")
    var sharpnessAware = true

    @Option(help: "umedsam: SAM radius ρ.")
    var rho: Float = 0.05

    @Option(
        help: """
            umedsam: trained parts: decoder | decoder+prompt | decoder+lora | decoder+prompt+lora (+lora: rank-r \
            LoRA on the encoder's attention q and v; the encoder then runs at every step, so embeddings are \
            not cached and a step costs several seconds; the model file gets the LoRA merged into qkv).
            """)
    var trainable: UMedSAMTrainableParts = .decoder

    @Option(
        name: .customLong("lora-rank"), help: "umedsam: rank of the encoder LoRA with a +lora --trainable (default 4).")
    var loraRank: Int?

    @Option(help: "umedsam: training prompts: box | mixed (MPA-lite: box, box + 1-3 points, or 1-3 points).")
    var prompts: UMedSAMPromptMode = .box

    @Option(name: .customLong("box-jitter"), help: "umedsam: maximum outward shift of each box side (model px).")
    var boxJitter = 5

    @Option(name: .customLong("weight-decay"), help: "umedsam: AdamW weight decay.")
    var weightDecay: Float = 0.01

    /// The loss terms, or nil when one is unknown.
    var parsedTerms: [UMedSAMLossTerm]? {
        let names = terms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = names.map(UMedSAMLossTerm.init(rawValue:))
        return parsed.contains(nil) || parsed.isEmpty ? nil : parsed.map { $0! }
    }

    func validate() throws {
        if parsedTerms == nil {
            throw ValidationError("--terms must list dice, bce, iou and/or shape, comma-separated (got '\(terms)')")
        }
        if boxJitter < 0 { throw ValidationError("--box-jitter must be >= 0") }
        if !(rho > 0) { throw ValidationError("--rho must be positive") }
        if let loraRank {
            if !trainable.trainsEncoderLoRA {
                throw ValidationError("--lora-rank needs --trainable decoder+lora or decoder+prompt+lora")
            }
            if loraRank < 1 { throw ValidationError("--lora-rank must be at least 1") }
        }
    }
}

/// `p2sam finetune --recipe umedsam`: prepares the cases, scores the starting model, trains, writes the model,
/// scores it again and prints the learned loss weights.
enum FinetuneUMedSAM {
    static func run(_ c: FinetuneUMedSAMCommand) throws {
        let o = c.umedsam
        let options = UMedSAMOptions(
            terms: o.parsedTerms!, weighting: o.lossWeights, sharpnessAware: o.sharpnessAware, radius: o.rho,
            trainable: o.trainable, loraRank: o.loraRank, prompts: o.prompts, boxJitter: o.boxJitter, epochs: c.epochs,
            batchSize: c.batch,
            learningRate: c.learningRate, weightDecay: o.weightDecay, seed: c.seed)
        try options.validate()
        let output = URL(fileURLWithPath: c.output)
        try OutputLocation.prepareFiles(c.output, c.json)
        let backboneURL = try c.model.checkpointURL
        let store = try LiteMedSAMCheckpoint.weights(at: backboneURL, verifyChecksum: !c.model.skipChecksum)
        let sha =
            c.model.skipChecksum
            ? try SHA256.hexDigest(ofFileAt: backboneURL.path) : LiteMedSAMCheckpoint.officialSHA256
        let network = try UMedSAMNetwork(
            backbone: store, lossTermCount: options.weighting == .fixed ? nil : options.terms.count,
            loraRank: options.encoderLoRARank, loraSeed: options.seed)

        // Data.
        let cache = try EmbeddingCache(
            directory: URL(fileURLWithPath: c.cacheDir ?? (NSHomeDirectory() + "/.cache/p2sam/embeddings")))
        cache.keepsInMemory = false  // the cases keep their own Float16 copies
        var preparation = UMedSAMPreparation(window: nil, windowName: nil, checkpointSHA256: sha, cache: cache)
        var encoder: LiteMedSAMModel?
        let embedder: UMedSAMPreparation.Embedder = { input in
            if encoder == nil { encoder = try LiteMedSAMModel(weights: store) }
            return encoder!.embed(input)
        }
        // Encoder LoRA: the cases keep the frozen encoder's layers.0 output; the adapted encoder runs per step.
        let layerZero: UMedSAMPreparation.Embedder? =
            options.encoderLoRARank == nil
            ? nil
            : { input in
                if encoder == nil { encoder = try LiteMedSAMModel(weights: store) }
                return encoder!.imageEncoder.layerZeroOutput(input)
            }
        if let rank = options.encoderLoRARank {
            print(
                "encoder LoRA rank \(rank): embeddings are not cached (the encoder runs at every step and for every validation case; the layers.0 output is kept in memory, 4 MB per case)"
            )
            fflush(nil)
        }
        var training: [UMedSAMCase] = []
        var validation: [UMedSAMCase] = []
        var dataRows: [[String: String]] = []
        // What the run trains on, per dataset: in the resume file (a resume must see the same data) and, for the
        // augmented ones, in the model's metadata.
        var dataLines: [String] = []
        var augmentedDatasets: [String] = []
        for part in try c.dataParts() {
            preparation.window = part.window.flatMap(IntensityWindow.init(parsing:))
            preparation.windowName = part.window
            let labelled = part.dataset.source.hasPrefix("labels:")
            let bar =
                c.noProgress
                ? nil
                : ProgressBar(
                    "embedding \(part.dataset.name)", total: part.train.count + part.validation.count, unit: "cases")
            let t = try preparation.prepare(
                part.dataset, indices: part.train, embedder: embedder, layerZero: layerZero, perClass: labelled
            ) {
                done, _ in bar?.update(done)
            }
            let v = try preparation.prepare(
                part.dataset, indices: part.validation, embedder: embedder, layerZero: layerZero, perClass: labelled
            ) {
                done, _ in bar?.update(part.train.count + done)
            }
            bar?.finish()
            training += t.cases
            validation += v.cases
            let skippedTrain = t.skippedEmpty.count + part.emptyTrain
            let skippedValidation = v.skippedEmpty.count + part.emptyValidation
            let skipped = skippedTrain + skippedValidation
            let views = part.augmentation.views.count
            let viewNote =
                part.augmentation == .none
                ? "" : " (\(t.cases.count / views) in \(views) views, \(part.augmentation.rawValue))"
            print(
                "\(part.spec): \(t.cases.count) training\(viewNote) + \(v.cases.count) validation cases"
                    + (skipped > 0 ? "; \(skipped) skipped (empty ground truth: no box prompt)" : ""))
            fflush(nil)  // stdout, in order with the progress on stderr
            dataRows.append([
                "spec": part.spec, "name": part.dataset.name, "train": String(t.cases.count),
                "validation": String(v.cases.count), "skipped_empty_train": String(skippedTrain),
                "skipped_empty_validation": String(skippedValidation),
                "augmentation": part.augmentation.rawValue, "window": part.window ?? "default",
            ])
            dataLines.append(
                "\(part.spec) (window \(part.window ?? "default"), augmentation \(part.augmentation.rawValue), \(t.cases.count) training + \(v.cases.count) validation cases)"
            )
            if part.augmentation != .none {
                augmentedDatasets.append("\(part.dataset.name)=\(part.augmentation.rawValue)")
            }
        }
        let dataDescription = dataLines.joined(separator: "; ")
        guard !training.isEmpty else {
            throw UMedSAMError.invalidData("no training case with a non-empty ground truth")
        }

        let recipe = try UMedSAMTrainer(network: network, options: options)
        if !c.noProgress {
            var bar: ProgressBar?
            recipe.scoringProgress = { done, total in
                if done == 1 { bar = ProgressBar("scoring validation", total: total, unit: "cases") }
                bar?.update(done)
                if done == total { bar?.finish() }
            }
        }
        // The report's prompts: boxes at each --report-jitter, then --report-points points alone.
        var prompts: [(name: String, kind: UMedSAMScoring.PromptKind)] = c.reportJitters!.map {
            ("box +\($0) px", .box(jitter: $0))
        }
        if c.reportPoints > 0 { prompts.append(("\(c.reportPoints) point(s)", .points(count: c.reportPoints))) }
        var before: [String: UMedSAMFigures] = [:]
        if !validation.isEmpty {
            let figures = try recipe.score(validation, prompts: prompts.map(\.kind))
            for (p, f) in zip(prompts, figures) { before[p.name] = f }
        }

        // Training.
        let optionsJSON = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        let checkpoint = ResumeCheckpoint(
            url: URL(fileURLWithPath: c.output + ".resume.safetensors"), format: "umedsam-resume-v1", kind: "U-MedSAM",
            bestModel: output,
            metadata: [
                "options": optionsJSON, "base_checkpoint_sha256": sha, ResumeCheckpoint.dataKey: dataDescription,
            ]
        ) { meta in
            try ResumeCheckpoint.checkData(
                saved: meta[ResumeCheckpoint.dataKey], current: dataDescription, keep: "datasets, settings and caps")
            guard
                let stored = meta["options"].flatMap({
                    try? JSONDecoder().decode(UMedSAMOptions.self, from: Data($0.utf8))
                })
            else { throw TrainingError.invalidResumeState("the resume file has no U-MedSAM options") }
            var mine = options
            mine.epochs = stored.epochs
            guard stored == mine else {
                throw TrainingError.invalidResumeState(
                    "the resume file was written with other options (only --epochs may change)")
            }
        }
        recipe.trainer.observer = TrainingProgress(enabled: !c.noProgress, messages: true)
        let names = options.terms.map(\.rawValue)
        recipe.trainer.epochSummary = { record in
            var line = String(
                format: "epoch %d/%d: train loss %.4f, lr %.3g, %.1f s", record.epoch, options.epochs, record.trainLoss,
                record.learningRate, record.seconds)
            if let v = record.validation {
                line += String(format: ", validation DSC %.4f NSD %.4f", v.overall.dice, v.overall.nsd)
            }
            if let sigmas = record.validation?.sigmas ?? network.sigmas {
                line +=
                    ", weights "
                    + zip(names, sigmas).map {
                        String(format: "%@ %.3f", $0.0, UncertaintyWeighting.weight(sigma: $0.1))
                    }.joined(separator: " ")
            }
            return line + (record.isBest ? " *best" : "")
        }
        let started = Date()
        let provenance = TrainingProvenance(output: output, resuming: c.resume)
        for line in provenance.messages { print(line) }
        print(
            "training \(training.count) cases x \(options.epochs) epochs, batch \(options.batchSize), \(options.sharpnessAware ? "sharpness-aware (ρ \(options.radius))" : "plain AdamW"), loss weights \(options.weighting.rawValue), trained: \(options.trainable.rawValue)\(options.encoderLoRARank.map { " (LoRA rank \($0))" } ?? ""), prompts \(options.prompts.rawValue)"
        )
        fflush(nil)  // stdout, in order with the progress on stderr
        let history = try recipe.run(
            training: training, validation: validation, checkpoint: checkpoint, resume: c.resume
        ) { weights, record in
            var meta: [String: String] = [
                "recipe": "umedsam", "base_checkpoint_sha256": sha, "options": optionsJSON,
                "epoch": String(record.epoch),
            ].merging(provenance.metadata) { recipe, _ in recipe }
            if let rank = network.loraRank { meta["lora_rank_merged"] = String(rank) }
            if !augmentedDatasets.isEmpty {
                meta[TrainingAugmentation.metadataKey] = augmentedDatasets.joined(separator: ",")
            }
            if let sigmas = network.sigmas {
                meta["loss_sigmas"] = zip(names, sigmas).map { "\($0.0)=\($0.1)" }.joined(separator: ",")
            }
            try LiteMedSAMModelFile.write(weights, metadata: meta, to: output)
        }
        let minutes = Date().timeIntervalSince(started) / 60
        print(String(format: "wrote %@ (%.1f training minutes, under load)", c.output, minutes))
        if let sigmas = network.sigmas {
            print(
                "learned loss weights (0.5/σ², σ): "
                    + zip(names, sigmas).map {
                        String(format: "%@ %.4f (σ %.4f)", $0.0, UncertaintyWeighting.weight(sigma: $0.1), $0.1)
                    }.joined(separator: ", "))
        } else {
            print("loss weights: fixed, 1 per term (" + names.joined(separator: ", ") + ")")
        }

        // Scores of the best model (restored at the end of the run).
        var after: [String: UMedSAMFigures] = [:]
        if !validation.isEmpty {
            let figures = try recipe.score(validation, prompts: prompts.map(\.kind))
            for (p, f) in zip(prompts, figures) { after[p.name] = f }
            printTable(before: before, after: after, prompts: prompts.map(\.name))
        }
        if let json = c.json {
            let report = FinetuneReport(
                recipe: "umedsam", options: options, datasets: dataRows, trainingCases: training.count,
                validationCases: validation.count, trainingMinutes: minutes,
                lossWeights: network.sigmas.map {
                    Dictionary(uniqueKeysWithValues: zip(names, $0.map(UncertaintyWeighting.weight(sigma:))))
                },
                before: before, after: after, history: history)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json), options: .atomic)
        }
    }

    static func printTable(before: [String: UMedSAMFigures], after: [String: UMedSAMFigures], prompts: [String]) {
        func pad(_ text: String, _ width: Int) -> String {
            text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
        }
        print(pad("validation (256 frame, NSD τ 2 px)", 46) + "     n  DSC before  NSD before   DSC after   NSD after")
        for prompt in prompts {
            guard let b = before[prompt], let a = after[prompt] else { continue }
            let rows =
                [("all", b.overall, a.overall)]
                + b.perDataset.keys.sorted().map { ($0, b.perDataset[$0]!, a.perDataset[$0]!) }
            for (name, x, y) in rows {
                print(
                    pad(prompt, 12) + " " + pad(name, 33)
                        + String(format: "%6d %11.4f %11.4f %11.4f %11.4f", x.cases, x.dice, x.nsd, y.dice, y.nsd))
            }
        }
    }
}

/// The JSON report of `p2sam finetune --recipe umedsam` (`docs/schemas/finetune-report.schema.json`).
struct FinetuneReport: Encodable {
    var recipe: String
    var options: UMedSAMOptions
    var datasets: [[String: String]]
    var trainingCases: Int
    var validationCases: Int
    var trainingMinutes: Double
    var lossWeights: [String: Float]?
    var before: [String: UMedSAMFigures]
    var after: [String: UMedSAMFigures]
    var history: [EpochRecord<UMedSAMFigures>]

    enum CodingKeys: String, CodingKey {
        case recipe, options, datasets, before, after, history
        case trainingCases = "training_cases"
        case validationCases = "validation_cases"
        case trainingMinutes = "training_minutes"
        case lossWeights = "loss_weights"
    }
}
