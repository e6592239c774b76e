import ArgumentParser
import AutoMedSAM
import AutoMedSAMTraining
import Evaluation
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import SAMTensor
import TorchCheckpoint
import Training

/// `p2sam evaluate --method automedsam|class-box` on a label-map dataset: per-class and mean DSC and NSD
/// (τ = 2 px) over every slice of `--dataset labels:ROOT` (ROOT is the evaluation set, e.g. `acdc/val`).
///
/// - `automedsam --model MODEL`: every class of the dataset segmented with no prompt.
/// - `class-box [--box-margin PX]`: pretrained LiteMedSAM prompted with each present class's tight box
///   (`[minX, minY, maxX+1, maxY+1]`) grown by PX pixels per side (the oracle baseline).
///
/// Embeddings are cached in `$P2SAM_EMBEDDING_CACHE` (default `~/.cache/p2sam/embeddings`), under the same
/// keys as `finetune --recipe automedsam`.
struct EvaluateAutoMedSAM {
    let command: EvaluateCommand

    func run() throws {
        try runWithExit {
            try OutputLocation.prepareFiles(command.json)
            let spec = try FinetuneAutoMedSAM.labelSpec(command.data.dataset, option: "--dataset")
            guard command.boxMargin >= 0 else { throw ValidationError("--box-margin must be >= 0") }
            if command.method == .automedsam && command.p2samModel == nil {
                throw ValidationError("--method automedsam needs --model MODEL.safetensors")
            }
            if command.method != .automedsam && (command.absentRule != nil || command.fitAbsentRule != nil) {
                throw ValidationError("--absent-rule and --fit-absent-rule apply to --method automedsam only")
            }
            if command.method != .automedsam && (command.presenceModel != nil || command.fitPresenceModel != nil) {
                throw ValidationError("--presence-model and --fit-presence-model apply to --method automedsam only")
            }
            if command.absentRule != nil && command.fitAbsentRule != nil {
                throw ValidationError(
                    "--fit-absent-rule fits on unfiltered masks: do not combine it with --absent-rule")
            }
            if command.presenceModel != nil && (command.fitPresenceModel != nil || command.fitAbsentRule != nil) {
                throw ValidationError(
                    "--fit-presence-model and --fit-absent-rule fit on unfiltered masks: do not combine them with --presence-model"
                )
            }
            if command.absentRule != nil && (command.presenceModel != nil || command.fitPresenceModel != nil) {
                throw ValidationError(
                    "--absent-rule and the presence model are alternatives: do not combine --absent-rule with --presence-model or --fit-presence-model"
                )
            }
            try OutputLocation.prepareFiles(command.fitAbsentRule)
            try OutputLocation.prepareFiles(command.fitPresenceModel)
            let rule = try command.absentRule.map { try AbsentClassRule(contentsOf: URL(fileURLWithPath: $0)) }
            let presence = try command.presenceModel.map {
                try ClassPresenceModel(contentsOf: URL(fileURLWithPath: $0))
            }
            var observations: [AbsentClassRule.Observation] = []
            var presenceObservations: [ClassPresenceModel.Observation] = []
            let file = try command.p2samModel.map { try AutoMedSAMModelFile(contentsOf: URL(fileURLWithPath: $0)) }
            let dataset = try FinetuneAutoMedSAM.readLabels(spec, limits: command.data.limits)
            if let file {
                try rule?.check(against: file.configuration.classIDs)
                try presence?.check(against: file.configuration.classIDs)
                let missing = dataset.classes.keys.filter { file.configuration.classes[$0] == nil }.sorted()
                guard missing.isEmpty else {
                    throw ValidationError(
                        "the dataset's class id(s) \(missing) are not among the model's classes \(file.configuration.classIDs)"
                    )
                }
            }
            let url = try command.model.checkpointURL
            let store = try LiteMedSAMCheckpoint.weights(at: url, verifyChecksum: !command.model.skipChecksum)
            let sha =
                command.model.skipChecksum
                ? try SHA256.hexDigest(ofFileAt: url.path) : LiteMedSAMCheckpoint.officialSHA256
            let base = try LiteMedSAMModel(weights: store)
            let automedsam = try file.map { try AutoMedSAMModel(file: $0, base: base) }
            let predictor = LiteMedSAMPredictor(model: base)
            let cacheFolder =
                ProcessInfo.processInfo.environment["P2SAM_EMBEDDING_CACHE"]
                ?? (NSHomeDirectory() + "/.cache/p2sam/embeddings")
            let preparation = AutoMedSAMDataPreparation(
                datasetKey: "labels:" + dataset.root.standardizedFileURL.path, checkpointSHA256: sha,
                cache: try EmbeddingCache(directory: URL(fileURLWithPath: cacheFolder)),
                configuration: try AutoMedSAMConfiguration(classes: dataset.classes, branches: .both))
            if let maxSlices = command.maxSlices, maxSlices < 1 { throw ValidationError("--max-slices must be >= 1") }
            let slices = FinetuneAutoMedSAM.evenlySpaced(
                command.limit.map { Array(dataset.cases.prefix($0)) } ?? dataset.cases, limit: command.maxSlices)
            let ids = dataset.classes.keys.sorted()
            try presence?.check(against: ids)
            var scores: [MultiClassCaseScore] = []
            let start = Date()
            for (n, item) in slices.enumerated() {
                let embedding = try preparation.embedding(of: item, embedder: base.embed)
                let size = LiteMedSAMPreprocessor.targetSize(height: item.height, width: item.width)
                let embedded = EmbeddedImage(
                    embedding: embedding, originalHeight: item.height, originalWidth: item.width,
                    resizedHeight: size.height, resizedWidth: size.width)
                let truths = ids.map { item.mask(ofClass: $0) }
                if let automedsam {
                    let raw = try automedsam.segment(embedded, classIDs: ids)
                    let result = try presence?.applied(to: raw) ?? rule?.applied(to: raw) ?? raw
                    for (k, id) in ids.enumerated() {
                        let prediction = try BinaryMask(width: item.width, height: item.height, bytes: result.masks[k])
                        let score = try MultiClassCaseScore(
                            caseID: item.caseID, classID: id, prediction: prediction, truth: truths[k])
                        scores.append(score)
                        observations.append(
                            AbsentClassRule.Observation(
                                classID: id, present: score.present, dice: score.dice,
                                areaFraction: Double(score.predictedPixels) / Double(item.width * item.height)))
                        if command.fitPresenceModel != nil {
                            presenceObservations.append(
                                ClassPresenceModel.Observation(
                                    classID: id, present: score.present, dice: score.dice,
                                    drawn: score.predictedPixels > 0,
                                    features: try ClassPresenceFeatures.of(raw, classID: id, contextClassIDs: ids)))
                        }
                    }
                } else {
                    for (k, id) in ids.enumerated() where !truths[k].isEmpty {
                        let box = Self.box(of: truths[k], margin: command.boxMargin)
                        let mask = try predictor.segment(embedded, prompts: [ImagePrompt(box: box)])[0].masks[0]
                        let prediction = try BinaryMask(width: item.width, height: item.height, bytes: mask.pixels)
                        scores.append(
                            try MultiClassCaseScore(
                                caseID: item.caseID, classID: id, prediction: prediction, truth: truths[k]))
                    }
                }
                if (n + 1) % 20 == 0 || n + 1 == slices.count {
                    FileHandle.standardError.write(
                        Data(
                            String(
                                format: "\r%d/%d slices, %.1f s ", n + 1, slices.count, Date().timeIntervalSince(start)
                            ).utf8))
                }
            }
            FileHandle.standardError.write(Data("\n".utf8))
            let description =
                command.method == .automedsam
                ? "automedsam(\(command.p2samModel!)\(command.absentRule.map { ", absent rule \($0)" } ?? "")"
                    + "\(command.presenceModel.map { ", presence model \($0)" } ?? ""))"
                : "class-box(LiteMedSAM, tight box + \(command.boxMargin) px)"
            let report = MultiClassReport(
                method: description, dataset: command.data.dataset, classNames: dataset.classes, cases: scores)
            print("\(report.method) on \(report.dataset): \(report.slices) slices")
            print("class                      n     DSC     NSD   absent (with prediction)")
            for c in report.classes {
                let label = "\(c.id) \(c.name)".padding(toLength: 24, withPad: " ", startingAt: 0)
                print(
                    label
                        + String(
                            format: " %4d  %.4f  %.4f   %d (%d)", c.n, c.dice, c.nsd, c.absent, c.absentWithPrediction))
            }
            print(
                "mean".padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(format: "%.4f  %.4f", report.meanDice, report.meanNSD))
            if let path = command.fitAbsentRule {
                let fitted = AbsentClassRule.fitted(to: observations)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(fitted).write(to: URL(fileURLWithPath: path), options: .atomic)
                print(
                    "absent-class rule fitted on \(report.slices) slices (minimum area, fraction of the image): "
                        + fitted.minimumAreaFraction.keys.sorted().map {
                            String(format: "%d: %.5f", $0, fitted.minimumAreaFraction[$0]!)
                        }.joined(separator: ", ") + " -> \(path)")
            }
            if let path = command.fitPresenceModel {
                let fitted = try ClassPresenceModel.fitted(to: presenceObservations, contextClassIDs: ids)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(fitted).write(to: URL(fileURLWithPath: path), options: .atomic)
                print(
                    "presence model fitted on \(report.slices) slices (threshold on p(present); drawn masks present/absent): "
                        + fitted.classes.keys.sorted().map { id in
                            let c = fitted.classes[id]!
                            return String(
                                format: "%d: %.3f (%d/%d)", id, c.threshold, c.presentExamples, c.absentExamples)
                        }.joined(separator: ", ") + " -> \(path)")
            }
            if let json = command.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                try encoder.encode(report).write(to: URL(fileURLWithPath: json), options: .atomic)
            }
        }
    }

    /// The tight box `[minX, minY, maxX+1, maxY+1]` of `mask` grown by `margin` pixels per side, inside the image.
    static func box(of mask: BinaryMask, margin: Int) -> BoundingBox {
        var (x0, y0, x1, y1) = (mask.width, mask.height, 0, 0)
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask[x, y] {
                x0 = min(x0, x)
                y0 = min(y0, y)
                x1 = max(x1, x + 1)
                y1 = max(y1, y + 1)
            }
        }
        return BoundingBox(
            x0: Double(max(0, x0 - margin)), y0: Double(max(0, y0 - margin)),
            x1: Double(min(mask.width, x1 + margin)), y1: Double(min(mask.height, y1 + margin)))
    }
}
