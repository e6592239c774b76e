import Foundation
import MultiRaterData
import P2SAM
import SAMTensor
import Training

/// One stage's run on the generic `Trainer`: validation every epoch, the best model by validation loss
/// or GED (`TrainingOptions.effectiveSelection`) written to `output` as a P²SAM model file, a resume
/// file after every epoch, and the NaN guard.
///
/// The resume file `<output>.resume.safetensors` (`ResumeCheckpoint`, format `p2sam-resume-v1`) holds the
/// current parameters, Adam's moments, the completed epoch count, Adam's step, the best validation figure
/// so far, the per-epoch history and the run's `TrainingOptions` (a resume must match them, except
/// `epochs`); with per-epoch seeded randomness this resumes exactly.
public struct TrainingRun {
    public var trainer: P2SAMTrainer
    public var training: [TrainingCase]
    public var validation: [TrainingCase]
    public var output: URL
    /// The contract metadata (`P2SAMModelFile.metadata`); `epochs` and `notes` are filled in per save.
    public var metadata: [String: String]
    /// Receives progress and notices (the library itself never prints); nil for a silent run.
    public var progress: (any TrainingObserver)?

    /// A run of `trainer` on the `training` and `validation` cases, writing the model to `output` with `metadata`,
    /// reporting to `progress`.
    public init(
        trainer: P2SAMTrainer, training: [TrainingCase], validation: [TrainingCase], output: URL,
        metadata: [String: String], progress: (any TrainingObserver)? = nil
    ) {
        self.trainer = trainer
        self.training = training
        self.validation = validation
        self.output = output
        self.metadata = metadata
        self.progress = progress
    }

    /// `<output>.resume.safetensors`.
    public static func sidecarURL(for output: URL) -> URL { ResumeCheckpoint.url(besides: output) }

    /// Runs the remaining epochs; returns every epoch's report (including resumed ones).
    public func run(resume: Bool = false) throws -> [EpochReport] {
        let options = trainer.options
        let eligible =
            options.stage == 1 ? training.filter { !options.stageOneCandidates($0).isEmpty } : training
        guard !eligible.isEmpty else {
            throw P2SAMTrainingError.invalidData(
                "every rater mask of the \(training.count) training case(s) is empty: stage 1 has nothing to learn from (it trains on non-empty masks; check the masks, or use --stage1-raters all)"
            )
        }
        let core = trainer.trainer
        let (recipe, validation, output, metadata) = (trainer, validation, output, metadata)
        core.observer = progress
        core.validation = {
            try recipe.validate(validation).map { Self.selectionScore($0, selection: options.effectiveSelection) }
        }
        core.onBest = { record in
            var meta = metadata
            meta["epochs"] = String(record.epoch)
            meta["notes"] = [
                metadata["notes"] ?? "",
                String(
                    format: "best of %d epochs by validation %@: train %.4f, validation %@, val GED %@",
                    options.epochs, options.effectiveSelection.rawValue, record.trainLoss,
                    record.validation.map { String(format: "%.4f", $0.loss) } ?? "n/a",
                    record.validation.map { String(format: "%.4f", $0.ged) } ?? "n/a"),
            ]
            .filter { !$0.isEmpty }.joined(separator: "; ")
            try P2SAMModelFile.write(recipe.network.parameters, stage: options.stage, metadata: meta, to: output)
        }
        core.epochSummary = { record in
            let validated = record.validation
            return String(
                format:
                    "epoch %d/%d: train loss %.4f, val loss %@, val GED %@ (sample diversity %@%@)%@, %.1f s (%.2f cases/s)%@",
                record.epoch, options.epochs, record.trainLoss,
                validated.map { String(format: "%.4f", $0.loss) } ?? "n/a",
                validated.map { String(format: "%.4f", $0.ged) } ?? "n/a",
                validated.map { String(format: "%.4f", $0.sampleDiversity) } ?? "n/a",
                validated.flatMap { v in
                    v.emptySampleFraction.map { samples in
                        String(
                            format: ", empty samples %.0f %% (raters %.0f %%)", 100 * samples,
                            100 * (v.emptyRaterFraction ?? 0))
                    }
                } ?? "",
                validated?.logDeviation.map {
                    String(
                        format: ", log σ mean %.3f max %.3f, %.1f %% at the ceiling", $0.mean, $0.maximum,
                        100 * $0.ceilingFraction)
                } ?? "",
                record.seconds, record.casesPerSecond,
                record.isBest
                    ? " *best, saved"
                    : validated?.samplesAllEmptyAgainstRaters == true ? " (samples all empty: not kept)" : "")
        }
        defer {
            core.observer = nil
            core.validation = nil
            core.onBest = nil
            core.epochSummary = nil
        }
        do {
            return try core.run(training: eligible, checkpoint: try checkpoint(), resume: resume).map(EpochReport.init)
        } catch let error as TrainingError {
            throw P2SAMTrainingError(error)
        }
    }

    /// The model metadata entries that define what the run trains on: a resume must see the same data.
    static let dataKeys = [
        "dataset", "split", TrainingIntensity.windowKey, TrainingIntensity.normalizeKey,
        TrainingAugmentation.metadataKey,
    ]

    /// The data entries of `metadata` as one line, e.g. `dataset=npz:x.npz; split=…; window=lung` (absent keys left
    /// out).
    static func dataDescription(_ metadata: [String: String]) -> String {
        dataKeys.compactMap { key in metadata[key].map { "\(key)=\($0)" } }.joined(separator: "; ")
    }

    /// The resume file of this run; it carries the options and the data entries, and a resume must match them but
    /// for `epochs` (files written before the data entries check the options only).
    func checkpoint() throws -> ResumeCheckpoint {
        let options = trainer.options
        let data = Self.dataDescription(metadata)
        return ResumeCheckpoint(
            url: Self.sidecarURL(for: output), format: "p2sam-resume-v1", kind: "P²SAM", bestModel: output,
            metadata: [
                "options": String(decoding: try ResumeFileJSON.encoder.encode(options), as: UTF8.self),
                ResumeCheckpoint.dataKey: data,
            ]
        ) { meta in
            guard let optionsJSON = meta["options"] else {
                throw P2SAMTrainingError.invalidResumeState(
                    "\(Self.sidecarURL(for: output).lastPathComponent) is not a P²SAM resume file")
            }
            try ResumeCheckpoint.checkData(
                saved: meta[ResumeCheckpoint.dataKey], current: data,
                keep: "dataset, split, intensity mapping and augmentation")
            let saved = try ResumeFileJSON.decoder.decode(TrainingOptions.self, from: Data(optionsJSON.utf8))
            var comparable = saved
            comparable.epochs = options.epochs
            guard comparable == options else {
                throw P2SAMTrainingError.invalidResumeState(
                    "the run's options differ from the saved ones (stage \(saved.stage), lr \(saved.learningRate), batch \(saved.batchSize), seed \(saved.seed), set loss \(saved.setLoss.rawValue)); only --epochs may change"
                )
            }
        }
    }

    /// What keep-best compares for one validation pass: `criterion` under `selection`, and eligibility. A model
    /// whose samples are all empty where raters marked something has collapsed to "no lesion"; a low validation
    /// GED can reward it, so it is ineligible and kept only when every epoch collapsed (`BestEpoch`).
    public static func selectionScore(_ validated: P2SAMTrainer.ValidationResult, selection: ModelSelection)
        -> ValidationScore<P2SAMTrainer.ValidationResult>
    {
        ValidationScore(
            figures: validated, criterion: criterion(validated, trainLoss: .nan, selection: selection),
            isEligible: !validated.samplesAllEmptyAgainstRaters)
    }

    /// The figure minimised by model selection; the training loss when there is no validation result.
    static func criterion(_ validated: P2SAMTrainer.ValidationResult?, trainLoss: Double, selection: ModelSelection)
        -> Double
    {
        guard let validated else { return trainLoss }
        switch selection {
        case .loss: return validated.loss
        case .ged: return validated.ged.isFinite ? validated.ged : validated.loss
        }
    }
}
