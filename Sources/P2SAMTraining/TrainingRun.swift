import Foundation
import MultiRaterData
import P2SAM
import SAMAutograd
import SAMTensor
import SeededSampling
import TorchCheckpoint

/// The epoch loop of one stage: seeded data order, progress bar, validation every epoch, the best model by
/// validation loss or GED (`TrainingOptions.effectiveSelection`) written to `output`, a resume sidecar after every epoch, and a NaN guard.
///
/// The sidecar `<output>.resume.safetensors` holds the current parameters (`param/<name>`), Adam's
/// moments (`adam.m/…`, `adam.v/…`) and, in its metadata, the completed epoch count, Adam's step, the best
/// validation loss so far and the per-epoch history; with per-epoch seeded randomness this resumes exactly.
public struct TrainingRun {
    public var trainer: P2SAMTrainer
    public var training: [TrainingCase]
    public var validation: [TrainingCase]
    public var output: URL
    /// The contract metadata (`P2SAMModelFile.metadata`); `epochs` and `notes` are filled in per save.
    public var metadata: [String: String]
    /// Receives progress and notices (the library itself never prints); nil for a silent run.
    public var progress: (any TrainingObserver)?

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
    public static func sidecarURL(for output: URL) -> URL {
        URL(fileURLWithPath: output.path + ".resume.safetensors")
    }

    /// The GSL generator of epoch `epoch` (0-based) of a run seeded `seed`.
    static func epochRandom(seed: UInt64, epoch: Int) -> SeededRandom {
        SeededRandom(seed: seed &* 1_000_003 &+ UInt64(epoch) &+ 1)
    }

    /// Runs the remaining epochs; returns every epoch's report (including resumed ones).
    public func run(resume: Bool = false) throws -> [EpochReport] {
        let options = trainer.options
        let parameters = trainer.network.parameters
        var history: [EpochReport] = []
        var bestLoss = Double.infinity
        var startEpoch = 0
        if resume {
            (startEpoch, bestLoss, history) = try restore()
            progress?.message(
                "resumed after epoch \(startEpoch) (best validation \(options.effectiveSelection.rawValue) \(String(format: "%.4f", bestLoss)))"
            )
        }
        let eligible =
            options.stage == 1
            ? training.indices.filter { !options.stageOneCandidates(training[$0]).isEmpty } : Array(training.indices)
        guard !eligible.isEmpty else {
            throw P2SAMTrainingError.invalidData("no training case has a non-empty rater mask")
        }
        if startEpoch >= options.epochs { return history }
        for epoch in startEpoch..<options.epochs {
            let random = Self.epochRandom(seed: options.seed, epoch: epoch)
            var order = eligible
            random.shuffle(&order)
            let started = Date()
            var lossSum = 0.0
            var done = 0
            var index = 0
            while index < order.count {
                let batch = order[index..<min(order.count, index + options.batchSize)].map { training[$0] }
                let loss: Double
                do {
                    loss = try trainer.step(batch, random: random)
                } catch let error as P2SAMTrainingError {
                    progress?.message("")
                    throw P2SAMTrainingError.nonFinite(
                        "\(error) at epoch \(epoch + 1), case \(done + 1)/\(order.count); stopped. "
                            + (history.isEmpty
                                ? "No epoch finished, no model written."
                                : "The last good model is \(output.path) (best validation \(options.effectiveSelection.rawValue) \(String(format: "%.4f", bestLoss))); resume state after epoch \(history.count) in \(Self.sidecarURL(for: output).lastPathComponent).")
                    )
                }
                lossSum += loss * Double(batch.count)
                done += batch.count
                index += batch.count
                let rate = Double(done) / max(Date().timeIntervalSince(started), 1e-9)
                progress?.update(
                    epoch: epoch + 1, epochs: options.epochs, done: done, total: order.count,
                    loss: lossSum / Double(done), rate: rate)
            }
            let seconds = Date().timeIntervalSince(started)
            let trainLoss = lossSum / Double(max(done, 1))
            let validated = try trainer.validate(validation)
            let criterion = Self.criterion(validated, trainLoss: trainLoss, selection: options.effectiveSelection)
            let isBest = criterion < bestLoss
            var report = EpochReport(
                epoch: epoch + 1, trainLoss: trainLoss, validationLoss: validated?.loss,
                validationGED: validated?.ged, validationDiversity: validated?.sampleDiversity, seconds: seconds,
                casesPerSecond: Double(done) / max(seconds, 1e-9),
                isBest: isBest)
            if isBest {
                bestLoss = criterion
                var meta = metadata
                meta["epochs"] = String(epoch + 1)
                meta["notes"] = [
                    metadata["notes"] ?? "",
                    String(
                        format: "best of %d epochs by validation %@: train %.4f, validation %@, val GED %@",
                        options.epochs, options.effectiveSelection.rawValue, trainLoss,
                        validated.map { String(format: "%.4f", $0.loss) } ?? "n/a",
                        validated.map { String(format: "%.4f", $0.ged) } ?? "n/a"),
                ]
                .filter { !$0.isEmpty }.joined(separator: "; ")
                try P2SAMModelFile.write(parameters, stage: options.stage, metadata: meta, to: output)
            }
            report.isBest = isBest
            history.append(report)
            try saveSidecar(epochsDone: epoch + 1, bestLoss: bestLoss, history: history)
            progress?.message(
                String(
                    format:
                        "epoch %d/%d: train loss %.4f, val loss %@, val GED %@ (sample diversity %@), %.1f s (%.2f cases/s)%@",
                    epoch + 1, options.epochs, trainLoss,
                    validated.map { String(format: "%.4f", $0.loss) } ?? "n/a",
                    validated.map { String(format: "%.4f", $0.ged) } ?? "n/a",
                    validated.map { String(format: "%.4f", $0.sampleDiversity) } ?? "n/a",
                    seconds, report.casesPerSecond, isBest ? " *best, saved" : ""))
        }
        return history
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

    private func saveSidecar(epochsDone: Int, bestLoss: Double, history: [EpochReport]) throws {
        let options = trainer.options
        var tensors: [(name: String, tensor: Tensor)] = trainer.network.parameters.all.map {
            ("param/\($0.name)", $0.value)
        }
        tensors += trainer.optimizer.stateTensors()
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let meta: [String: String] = [
            "format": "p2sam-resume-v1",
            "epochs_done": String(epochsDone),
            "adam_step": String(trainer.optimizer.stepCount),
            "best_loss": String(bestLoss),
            "options": String(decoding: try encoder.encode(options), as: UTF8.self),
            "history": String(decoding: try encoder.encode(history), as: UTF8.self),
        ]
        let bytes = try Safetensors.encode(tensors, metadata: meta)
        try Data(bytes).write(to: Self.sidecarURL(for: output), options: .atomic)
    }

    private func restore() throws -> (Int, Double, [EpochReport]) {
        let url = Self.sidecarURL(for: output)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw P2SAMTrainingError.invalidResumeState("no \(url.lastPathComponent) next to \(output.path)")
        }
        // Parameters and Adam moments must be finite: a NaN carried forward would poison every later epoch.
        let file: SafetensorsFile
        do { file = try Safetensors.read(contentsOf: url, rejectingNonFinite: true) } catch let
            SafetensorsError.nonFiniteValue(name, index)
        {
            throw P2SAMTrainingError.invalidResumeState(
                "\(url.path): tensor '\(name)' has a NaN or infinite value at element \(index); "
                    + "the resume file is damaged (delete it to start over)")
        }
        let meta = file.metadata
        guard meta["format"] == "p2sam-resume-v1", let epochs = meta["epochs_done"].flatMap(Int.init),
            let step = meta["adam_step"].flatMap(Int.init), let best = meta["best_loss"].flatMap(Double.init),
            let optionsJSON = meta["options"], let historyJSON = meta["history"]
        else {
            throw P2SAMTrainingError.invalidResumeState("\(url.lastPathComponent) is not a P²SAM resume file")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let saved = try decoder.decode(TrainingOptions.self, from: Data(optionsJSON.utf8))
        var comparable = saved
        comparable.epochs = trainer.options.epochs
        guard comparable == trainer.options else {
            throw P2SAMTrainingError.invalidResumeState(
                "the run's options differ from the saved ones (stage \(saved.stage), lr \(saved.learningRate), batch \(saved.batchSize), seed \(saved.seed), set loss \(saved.setLoss.rawValue)); only --epochs may change"
            )
        }
        let history = try decoder.decode([EpochReport].self, from: Data(historyJSON.utf8))
        for p in trainer.network.parameters.all {
            guard let t = file.tensors["param/\(p.name)"], t.shape == p.value.shape else {
                throw P2SAMTrainingError.invalidResumeState(
                    "\(url.lastPathComponent) lacks or mis-shapes parameter \(p.name)")
            }
            p.value = t
        }
        trainer.optimizer.restore(step: step, tensors: file.tensors)
        return (epochs, best, history)
    }
}
