import Foundation
import Optimisers
import SAMTensor
import SeededSampling
import TorchCheckpoint

extension Trainer {
    /// Runs the epochs not done yet; returns every epoch's record (with those of a resumed run).
    ///
    /// Epoch `e` shuffles the examples with `epochRandom(seed:epoch:)` and steps through them in batches of
    /// `batchSize`; then `validation` scores the parameters (the moving average's values when
    /// `averageDecay` is set; the raw ones are put back before the next epoch), the epoch whose criterion (validation, else
    /// the training loss) is lowest so far is the best (`onBest` runs; an ineligible validation score is kept only
    /// while no eligible one has been seen, `BestEpoch`), the schedule records the criterion, and the resume file is
    /// written when `checkpoint` is given.
    ///
    /// - Parameters:
    ///   - training: the examples (in a fixed order: the shuffle permutes positions).
    ///   - checkpoint: where to keep the resume state; nil keeps none.
    ///   - resume: continue from `checkpoint`'s file (parameters, optimiser, schedule, epoch, best, history).
    /// - Throws: `TrainingError` (non-finite values, a bad resume file, cancellation) and the method's errors.
    public func run(training: [Example], checkpoint: ResumeCheckpoint? = nil, resume: Bool = false) throws
        -> [EpochRecord<Figures>]
    {
        guard !training.isEmpty else { throw TrainingError.invalidData("no training examples") }
        var history: [EpochRecord<Figures>] = []
        var best = BestEpoch()
        var startEpoch = 0
        if resume {
            guard let checkpoint else {
                throw TrainingError.invalidResumeState("no resume file given (ResumeCheckpoint)")
            }
            (startEpoch, best, history) = try restore(from: checkpoint)
            observer?.message(
                "resumed after epoch \(startEpoch) (best \(configuration.criterionName) \(String(format: "%.4f", best.criterion)))"
            )
        }
        var bestValues: [String: Tensor]?
        let epochs = configuration.epochs
        if startEpoch >= epochs { return history }
        for epoch in startEpoch..<epochs {
            let random = Self.epochRandom(seed: configuration.seed, epoch: epoch)
            var order = Array(training.indices)
            random.shuffle(&order)
            applyLearningRate(multiplier: schedule.multiplier(forEpoch: epoch))
            let started = Date()
            var lossSum = 0.0
            var counted = 0
            var done = 0
            var skipped = 0
            while done < order.count {
                let batch = order[done..<min(order.count, done + configuration.batchSize)].map { training[$0] }
                if configuration.isCancelled?() == true {
                    throw TrainingError.cancelled(
                        "cancelled at epoch \(epoch + 1), case \(done + 1)/\(order.count). "
                            + kept(history: history, best: best, checkpoint: checkpoint))
                }
                do {
                    let loss = try step(batch, random: random)
                    lossSum += loss * Double(batch.count)
                    counted += batch.count
                } catch TrainingError.nonFinite(let detail) {
                    let place = "at epoch \(epoch + 1), case \(done + 1)/\(order.count)"
                    guard configuration.nonFinitePolicy == .skipStep else {
                        observer?.message("")
                        throw TrainingError.nonFinite(
                            "\(detail) \(place); stopped. " + kept(history: history, best: best, checkpoint: checkpoint)
                        )
                    }
                    optimiser.zeroGradients()
                    skipped += 1
                    observer?.message("skipped a step: \(detail) \(place)")
                }
                done += batch.count
                let rate = Double(done) / max(Date().timeIntervalSince(started), 1e-9)
                observer?.update(
                    epoch: epoch + 1, epochs: epochs, done: done, total: order.count,
                    loss: lossSum / Double(max(counted, 1)), rate: rate)
            }
            let seconds = Date().timeIntervalSince(started)
            let trainLoss = lossSum / Double(max(counted, 1))
            // With a moving average, the averaged weights are validated, saved and kept as the best.
            average?.swapIn()
            let score: ValidationScore<Figures>?
            do { score = try validation?() } catch {
                average?.swapOut()
                throw error
            }
            let criterion = score?.criterion ?? trainLoss
            let isEligible = score?.isEligible ?? true
            let isBest = best.isImproved(by: criterion, isEligible: isEligible)
            let record = EpochRecord(
                epoch: epoch + 1, trainLoss: trainLoss, validation: score?.figures, criterion: criterion,
                learningRate: optimiser.groups.first?.learningRate ?? 0, seconds: seconds,
                casesPerSecond: Double(done) / max(seconds, 1e-9), isBest: isBest, skippedSteps: skipped)
            if isBest {
                best.keep(criterion, isEligible: isEligible)
                do { try onBest?(record) } catch {
                    average?.swapOut()
                    throw error
                }
                if configuration.restoresBestAtEnd { bestValues = parameters.snapshot() }
            }
            average?.swapOut()
            schedule.record(criterion)
            history.append(record)
            if let checkpoint { try save(checkpoint, epochsDone: epoch + 1, best: best, history: history) }
            observer?.message(epochSummary?(record) ?? Self.defaultSummary(record, epochs: epochs))
        }
        if let bestValues { parameters.restore(bestValues) }
        return history
    }

    /// What a stopped run leaves behind, for its error message.
    func kept(history: [EpochRecord<Figures>], best: BestEpoch, checkpoint: ResumeCheckpoint?) -> String {
        guard !history.isEmpty else { return "No epoch finished, no model written." }
        let figure = "best \(configuration.criterionName) \(String(format: "%.4f", best.criterion))"
        guard let checkpoint else { return "The best epoch so far had \(figure)." }
        let model = checkpoint.bestModel.map { "The last good model is \($0.path) (\(figure)); " } ?? "(\(figure)) "
        return model + "resume state after epoch \(history.count) in \(checkpoint.url.lastPathComponent)."
    }

    static func defaultSummary(_ record: EpochRecord<Figures>, epochs: Int) -> String {
        String(
            format: "epoch %d/%d: train loss %.4f, criterion %.4f, lr %.3g, %.1f s (%.2f cases/s)%@", record.epoch,
            epochs, record.trainLoss, record.criterion, record.learningRate, record.seconds, record.casesPerSecond,
            record.isBest ? " *best" : "")
    }

    // MARK: Resume file

    func save(_ checkpoint: ResumeCheckpoint, epochsDone: Int, best: BestEpoch, history: [EpochRecord<Figures>]) throws
    {
        var tensors: [(name: String, tensor: Tensor)] = parameters.all.map { ("param/\($0.name)", $0.value) }
        tensors += optimiser.stateTensors()
        if let average { tensors += average.parameters.map { ("ema/\($0.name)", average.values[$0.name]!) } }
        var meta = checkpoint.metadata
        meta["format"] = checkpoint.format
        meta["epochs_done"] = String(epochsDone)
        meta["adam_step"] = String(optimiser.stepCount)
        meta["best_loss"] = String(best.criterion)
        meta["best_eligible"] = String(best.isEligible)
        meta["history"] = String(decoding: try ResumeFileJSON.encoder.encode(history), as: UTF8.self)
        if !schedule.isConstant {
            meta["lr_schedule"] = String(decoding: try ResumeFileJSON.encoder.encode(schedule), as: UTF8.self)
        }
        let bytes = try Safetensors.encode(tensors, metadata: meta)
        try Data(bytes).write(to: checkpoint.url, options: .atomic)
    }

    /// Reads the resume file into the parameters, the optimiser and the schedule; returns the epochs
    /// done, the best epoch and the history. A file without `best_eligible` (written before it existed) kept an
    /// eligible best.
    func restore(from checkpoint: ResumeCheckpoint) throws -> (Int, BestEpoch, [EpochRecord<Figures>]) {
        let url = checkpoint.url
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TrainingError.invalidResumeState(
                "no \(url.lastPathComponent)" + (checkpoint.bestModel.map { " next to \($0.path)" } ?? ""))
        }
        // Parameters and moments must be finite: a NaN carried forward would poison every later epoch.
        let file: SafetensorsFile
        do { file = try Safetensors.read(contentsOf: url, rejectingNonFinite: true) } catch let
            SafetensorsError.nonFiniteValue(name, index)
        {
            throw TrainingError.invalidResumeState(
                "\(url.path): tensor '\(name)' has a NaN or infinite value at element \(index); "
                    + "the resume file is damaged (delete it to start over)")
        }
        let meta = file.metadata
        guard meta["format"] == checkpoint.format, let epochs = meta["epochs_done"].flatMap(Int.init),
            let step = meta["adam_step"].flatMap(Int.init), let best = meta["best_loss"].flatMap(Double.init),
            let historyJSON = meta["history"]
        else {
            throw TrainingError.invalidResumeState("\(url.lastPathComponent) is not a \(checkpoint.kind) resume file")
        }
        let bestIsEligible: Bool
        switch meta["best_eligible"] {
        case nil, "true": bestIsEligible = true
        case "false": bestIsEligible = false
        case let other?:
            throw TrainingError.invalidResumeState(
                "\(url.lastPathComponent): best_eligible is '\(other)', expected true or false")
        }
        try checkpoint.check?(meta)
        let history = try ResumeFileJSON.decoder.decode([EpochRecord<Figures>].self, from: Data(historyJSON.utf8))
        let restoredSchedule = try meta["lr_schedule"].map {
            try ResumeFileJSON.decoder.decode(LearningRateSchedule.self, from: Data($0.utf8))
        }
        for p in parameters.all {
            guard let t = file.tensors["param/\(p.name)"], t.shape == p.value.shape else {
                throw TrainingError.invalidResumeState(
                    "\(url.lastPathComponent) lacks or mis-shapes parameter \(p.name)")
            }
            p.value = t
        }
        optimiser.restore(step: step, tensors: file.tensors)
        if let average {
            try average.restore(
                Dictionary(
                    uniqueKeysWithValues: average.parameters.compactMap { p in
                        file.tensors["ema/\(p.name)"].map { (p.name, $0) }
                    }))
        }
        if let restoredSchedule { schedule = restoredSchedule }
        return (epochs, BestEpoch(criterion: best, isEligible: bestIsEligible), history)
    }
}
