import AutoMedSAM
import Foundation
import LiteMedSAM
import Optimisers
import SAMAutograd
import SAMLayers
import Training

/// AutoMedSAM's recipe on the generic `Trainer`: the image encoder is frozen (cached embeddings), the class
/// prompt encoder, the mask decoder and (when learned) the loss weights train with AdamW (weight decay
/// 0.01; the decoder at its own rate when `decoderLearningRate` is set), ReduceLROnPlateau (factor 0.9, patience 5) on the validation criterion `1 − mean Dice`; the
/// best epoch is written as an AutoMedSAM model file, and `<output>.resume.safetensors` after every epoch.
public struct AutoMedSAMTrainingRun {
    public var network: AutoMedSAMNetwork
    public var options: AutoMedSAMTrainingOptions
    public var training: [AutoMedSAMExample]
    public var validation: [AutoMedSAMExample]
    public var output: URL
    /// Provenance written into the model file besides the configuration (dataset, base checkpoint, …).
    public var provenance: [String: String]
    /// Receives progress and notices; nil for a silent run.
    public var observer: (any TrainingObserver)?
    /// The run's data as one line (datasets, caps, augmentation), kept in the resume file: a resume with other data
    /// is refused. Empty: not recorded.
    public var data: String

    /// A run of `network` with `options` on `training`, validated on `validation`, writing `output` with
    /// `provenance` in its metadata, reporting to `observer`; `data` describes the data for the resume check.
    public init(
        network: AutoMedSAMNetwork, options: AutoMedSAMTrainingOptions, training: [AutoMedSAMExample],
        validation: [AutoMedSAMExample], output: URL, provenance: [String: String] = [:],
        observer: (any TrainingObserver)? = nil, data: String = ""
    ) {
        self.data = data
        self.network = network
        self.options = options
        self.training = training
        self.validation = validation
        self.output = output
        self.provenance = provenance
        self.observer = observer
    }

    /// The trainable selection: the class prompt encoder, the decoder, and λ when learned.
    public var trainable: TrainableSelection {
        let prefixes = [ClassPromptEncoder.defaultKey + ".", MaskDecoder.defaultKey + "."]
        return options.weighting == .learned
            ? .prefixes(prefixes + [AutoMedSAMNetwork.lossSigmasKey]) : .prefixes(prefixes)
    }

    /// The trainer of this run (exposed for tests: `step` trains exactly the selection).
    public func makeTrainer() throws -> Trainer<AutoMedSAMExample, AutoMedSAMValidation> {
        let (network, weighting, options) = (network, options.weighting, options)
        // Two AdamW groups: the decoder at its own rate (when set), everything else at `learningRate`.
        let makeOptimiser: ([Parameter]) -> Adam = { trained in
            let decoderPrefix = MaskDecoder.defaultKey + "."
            let decoder = trained.filter { $0.name.hasPrefix(decoderPrefix) }
            var groups = [
                ParameterGroup(
                    trained.filter { !$0.name.hasPrefix(decoderPrefix) }, learningRate: options.learningRate,
                    weightDecay: 0.01)
            ]
            if !decoder.isEmpty {
                groups.append(
                    ParameterGroup(
                        decoder, learningRate: options.decoderLearningRate ?? options.learningRate, weightDecay: 0.01))
            }
            return Adam(groups: groups)
        }
        let trainer = try Trainer<AutoMedSAMExample, AutoMedSAMValidation>(
            parameters: network.parameters, trainable: trainable, optimiser: makeOptimiser,
            configuration: TrainerConfiguration(
                epochs: options.epochs, batchSize: options.batchSize, seed: options.seed,
                schedule: .reduceOnPlateau(factor: 0.9, patience: 5), nonFinitePolicy: .skipStep,
                criterionName: "1 - validation Dice")
        ) { example, w, random in
            network.loss(example, w, random: random, weighting: weighting)
        }
        trainer.exampleName = { "\($0.caseID) class \($0.classID)" }
        return trainer
    }

    /// Runs the remaining epochs; returns the history (including resumed epochs). A new run (not resumed)
    /// first sets the class tokens, when the model has them, from the training examples
    /// (`AutoMedSAMNetwork.initialiseClassTokens(from:)`).
    public func run(resume: Bool = false) throws -> [EpochRecord<AutoMedSAMValidation>] {
        guard !training.isEmpty else { throw AutoMedSAMError.invalidInput("no training example") }
        if !resume { network.initialiseClassTokens(from: training) }
        let trainer = try makeTrainer()
        let (network, validation, output, options) = (network, validation, output, options)
        var metadata = network.configuration.metadata.merging(provenance) { own, _ in own }
        metadata["training_options"] = String(
            decoding: try ResumeFileJSON.encoder.encode(options), as: UTF8.self)
        trainer.observer = observer
        if !validation.isEmpty {
            trainer.validation = {
                let figures = try AutoMedSAMValidation.score(validation, network: network)
                return ValidationScore(figures: figures, criterion: 1 - figures.meanDice)
            }
        }
        trainer.onBest = { record in
            var meta = metadata
            meta["epochs"] = String(record.epoch)
            try AutoMedSAMModelFile.write(network.modelTensors, metadata: meta, to: output)
        }
        trainer.epochSummary = { record in
            let dice =
                record.validation.map { v in
                    String(format: "val Dice %.4f (", v.meanDice)
                        + v.classDice.keys.sorted().map { String(format: "%@: %.3f", $0, v.classDice[$0]!) }
                        .joined(separator: ", ") + ")"
                } ?? "no validation"
            let sigmas = network.parameters[AutoMedSAMNetwork.lossSigmasKey].value.storage
                .map { String(format: "%.3f", $0) }.joined(separator: " ")
            return String(
                format: "epoch %d/%d: train loss %.4f, %@, lr %.2e, λ [%@], %.1f s%@", record.epoch, options.epochs,
                record.trainLoss, dice, record.learningRate, sigmas, record.seconds,
                record.isBest ? " *best, saved" : "")
        }
        let modelEncoder = JSONEncoder()
        modelEncoder.outputFormatting = [.sortedKeys]
        let model = String(decoding: try modelEncoder.encode(network.configuration.metadata), as: UTF8.self)
        let checkpoint = ResumeCheckpoint(
            url: ResumeCheckpoint.url(besides: output), format: "automedsam-resume-v1", kind: "AutoMedSAM",
            bestModel: output,
            metadata: [
                "options": String(decoding: try ResumeFileJSON.encoder.encode(options), as: UTF8.self),
                "configuration": model, ResumeCheckpoint.dataKey: data,
            ]
        ) { [data] meta in
            // Compared as configurations, not as text: a resume file written before an entry existed (e.g.
            // `class_coding`) holds its default.
            let saved = meta["configuration"].flatMap {
                try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
            }.flatMap { try? AutoMedSAMConfiguration(metadata: $0) }
            guard saved == network.configuration else {
                throw AutoMedSAMError.invalidInput(
                    "the model's configuration (classes, branches, noise, positional input, class tokens, class coding) differs from the resume file's"
                )
            }
            // Files written before the data entry check the configuration and options only.
            try ResumeCheckpoint.checkData(
                saved: meta[ResumeCheckpoint.dataKey], current: data, keep: "datasets, caps and augmentation")
            guard let text = meta["options"],
                var saved = try? ResumeFileJSON.decoder.decode(AutoMedSAMTrainingOptions.self, from: Data(text.utf8))
            else { throw AutoMedSAMError.invalidInput("the resume file is not an AutoMedSAM resume file") }
            saved.epochs = options.epochs
            guard saved == options else {
                throw AutoMedSAMError.invalidInput(
                    "the run's options differ from the resume file's (only --epochs may change)")
            }
        }
        return try trainer.run(training: training, checkpoint: checkpoint, resume: resume)
    }
}
