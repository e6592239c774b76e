import ArgumentParser
import Evaluation
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import P2SAM
import PromptUncertainty
import ShardedRuns

/// The methods `evaluate` knows.
enum EvaluationMethodName: String, CaseIterable, ExpressibleByArgument {
    case single
    case boxJitter = "box-jitter"
    case ursam
    case ugmp
    case medsamu
    case p2sam
    case automedsam
    case classBox = "class-box"
}

extension URSAMMethod.Output: ExpressibleByArgument {}

/// `p2sam evaluate`: a prompt-uncertainty method on a multi-rater dataset with simulated boxes.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate P²SAM, single, box-jitter, ursam, ugmp or medsamu on a multi-rater dataset.",
        discussion: """
            Per case: the box source (--box-from union|majority of the raters, majority = more than half \
            of the K raters, or rater = one random non-empty rater's mask) gives the tight box \
            [minX, minY, maxX+1, maxY+1]; --box-quality makes the prompt: tight, jitter:PX (each side \
            outward by U{0..PX} model-scale pixels, MedSAM), jitter-fraction:F (each side moved by U[-F, F] \
            of the box side) or iou:R \
            (random box with IoU R ± 0.05 to the tight box, rejection sampling, 1000 tries, closest draw \
            as fallback). The box is drawn from its own random stream (seed, case id), so every method \
            sees the same box and a case gets the same masks in any shard or subset. Cases run in sorted id order. Cases whose box source is empty are counted and skipped. \
            Methods (n = --count): single = one box, its mask repeated n times; box-jitter = n boxes from \
            N(box, (σ·side)²), final = mean > 0.5; ursam = n boxes shifted U[±r·max(H,W)], final = rectified \
            (--ursam-output for the ensemble or the Unc-FPC/FNC/FPNC baselines); ugmp = MedSAM-U UGMP (as \
            box-jitter); medsamu = UGMP + UGPA (--points, --rounds); p2sam = n samples of a P²SAM model \
            (--model; its default prompt, or the simulated box with --p2sam-box), final = pixels marked by at \
            least half of the samples. Scores: Dice and IoU of the final mask \
            vs the majority-vote mask; GED, HM-IoU (--hm-iou, default standard), D_max (--dmax, default per-rater; \
            --conventions both adds hm_iou_standard, hm_iou_p2sam, d_max_per_rater, d_max_global), D_mean, the \
            fractions of empty samples and empty rater masks of the n masks vs \
            all raters. JSON: {"mean", "cases"} as in `p2sam score`, each with dice, iou, box_iou, \
            mean_entropy, accepted added, plus the settings and the skipped cases. \
            With --shard i/n --output DIR only shard i's cases run, recorded in DIR/cases.jsonl beside a \
            manifest; `p2sam merge` of all n directories prints and writes this same report (docs/cluster.md).
            """)

    @OptionGroup var data: DatasetOptions

    @Option(help: "p2sam | single | box-jitter | ursam | ugmp | medsamu | automedsam | class-box.")
    var method: EvaluationMethodName

    @Option(help: "Part of the split to evaluate (default: test, the part `train` never sees).")
    var split: SplitPart = .test

    @OptionGroup var splitOptions: SplitOptions

    @Option(
        name: .customLong("box-quality"),
        help:
            "tight | jitter:PX | iou:0.5 | iou:0.75 | jitter-fraction:F (each side moved by U[-F, F] of the box side).")
    var boxQuality: String = "tight"

    @Option(name: .customLong("box-from"), help: "union | majority | rater (one random non-empty rater's mask).")
    var boxFrom: String = "union"

    @Option(help: "Number of masks n per case (>= 1).")
    var count = 3

    @Option(
        parsing: .unconditional,
        help: "Random seed (GSL mt19937; box simulation and methods are seeded per case from it).")
    var seed: UInt64 = 1

    @Option(
        help:
            "Intensity window for CT (lung | soft-tissue | ursam | LOWER,UPPER). Default: keep 0..255 images, min-max others."
    )
    var window: String?

    @Option(name: .customLong("jitter"), help: "box-jitter / ugmp / medsamu: box σ as a fraction of the side.")
    var jitterFraction = 0.05

    @Option(help: "ursam: shift ratio r.")
    var ratio = 0.01

    @Option(name: .customLong("lower-bound"), help: "ursam: literal | midpoint.")
    var lowerBound: UncertaintyRectification.LowerBound = .literal

    @Option(help: "ursam: alpha_h.")
    var alpha: Float = 1.2

    @Option(name: .customLong("ursam-output"), help: "ursam final mask: rectified | ensemble | fpc | fnc | fpnc.")
    var ursamOutput: URSAMMethod.Output = .rectified

    @Option(help: "medsamu: top-k uncertain points in refinement (0 = boxes only).")
    var points = 0

    @Option(help: "medsamu: maximum refinement rounds.")
    var rounds = 1

    @Option(
        name: .customLong("model"),
        help:
            "p2sam: the P²SAM model: \(ModelChoice.names) (bundled; lidc is a mixture of 3 trainings) or a .safetensors path. Default: the bundled default model. Repeat it to pool several models' samples (a mixture: of n, each model draws n/K, with its own τ, presence head and box proposal). automedsam: the AutoMedSAM model."
    )
    var p2samModels: [String] = []

    /// The first `--model` (the only one except for a P²SAM mixture).
    var p2samModel: String? { p2samModels.first }

    @Flag(
        name: .customLong("p2sam-box"),
        help: "p2sam: condition the samples on the simulated box (default: the model's own prompt).")
    var p2samBox = false

    @Option(
        name: .customLong("p2sam-presence"),
        help:
            "p2sam: on (default: a model's presence head makes samples empty in its predicted proportion) | off (decode every sample)."
    )
    var p2samPresence: String = "on"

    @Option(
        name: .customLong("p2sam-box-proposal"),
        help:
            "p2sam without --p2sam-box, for a model with a box proposal: sampled (default: each sample draws its own box from the proposal around the model's own mask) | mean (the proposal's mean box) | off (the model's default prompt)."
    )
    var p2samBoxProposal: BoxProposalMode = .sampled

    @Option(
        name: .customLong("p2sam-presence-draw"),
        help:
            "p2sam, a model with a presence head: independent (each sample's own draw) | stratified (one systematic draw per image: the share of empty samples is the predicted one) | image (all samples empty or all present). Default: the model's (its box proposal's setting when the proposal prompts, else independent)."
    )
    var p2samPresenceDraw: PresenceDraw?

    @Option(
        name: .customLong("p2sam-presence-shift"),
        help:
            "p2sam, a model with a presence head: added to the presence logit (negative: more empty samples). Default: the model's (its box proposal's shift when the proposal prompts, else 0)."
    )
    var p2samPresenceShift: Float?

    @Option(
        name: .customLong("p2sam-latent-temperature"),
        help:
            "p2sam, a stage-2 model: scale the prompt distribution's σ by τ (z = μ + τ·σ·ε; > 0). Default: the model's (its metadata latent_temperature, else 1). Choose τ on --split validation."
    )
    var p2samLatentTemperature: Float?

    @Option(
        name: .customLong("p2sam-box-jitter"),
        help:
            "p2sam with --p2sam-box: each sample also draws its own box from N(box, (F·side)²) per coordinate, box-jitter's draw (0 <= F < 0.5; 0: every sample gets the simulated box). Default: the model's (its metadata box_jitter, else 0)."
    )
    var p2samBoxJitter: Double?

    @Option(
        name: .customLong("p2sam-largest-component"),
        help:
            "p2sam: on keeps only each sample's largest connected foreground region (8-connected), off keeps every region. Default: the model's (on when its box proposal prompts the samples and its metadata box_proposal_largest_component is true, else off)."
    )
    var p2samLargestComponent: OnOff?

    @Option(help: "HM-IoU convention: standard or p2sam.")
    var hmIou: HungarianIoUConvention = .standard

    @Option(help: "D_max convention: per-rater or global.")
    var dmax: MaximumDiceConvention = .perRater

    @Option(
        help:
            "selected (HM-IoU and D_max in the conventions of --hm-iou and --dmax) | both (also hm_iou_standard, hm_iou_p2sam, d_max_per_rater, d_max_global from the same masks)."
    )
    var conventions: String = "selected"

    @Option(help: "Write the report as JSON.")
    var json: String?

    @Option(help: "Evaluate at most this many cases (the first by sorted case id, after the split).")
    var limit: Int?

    @Option(
        help: ArgumentHelp(
            "Write the run's per-case records (cases.jsonl) and manifest to DIR; a re-run resumes. Needed with --shard.",
            valueName: "DIR"))
    var output: String?

    @OptionGroup var sharding: ShardOptions

    @OptionGroup var model: ModelOptions

    func validate() throws {
        if sharding.shard != nil && output == nil {
            throw ValidationError("--shard needs --output DIR (the shard's directory, merged later with `p2sam merge`)")
        }
        if sharding.value.count > 1 && json != nil {
            throw ValidationError("a shard writes no report: give --json to `p2sam merge`")
        }
        if count < 1 { throw ValidationError("--count must be at least 1 (got \(count))") }
        if p2samModels.count > 1 {
            guard method == .p2sam else {
                throw ValidationError(
                    "--model is given \(p2samModels.count) times: only --method p2sam pools several models")
            }
            guard p2samModels.count <= P2SAMMixture.maximumComponentCount else {
                throw ValidationError(
                    "--model is given \(p2samModels.count) times: a mixture holds at most \(P2SAMMixture.maximumComponentCount) models"
                )
            }
        }
        if BoxQuality(boxQuality) == nil {
            throw ValidationError("--box-quality must be tight, jitter:PX or iou:R with 0 < R <= 1")
        }
        if !["union", "majority", "rater"].contains(boxFrom) {
            throw ValidationError("--box-from must be union, majority or rater")
        }
        if !["on", "off"].contains(p2samPresence) { throw ValidationError("--p2sam-presence must be on or off") }
        if let p2samPresenceShift, !p2samPresenceShift.isFinite {
            throw ValidationError("--p2sam-presence-shift must be a finite number")
        }
        try SamplingOptionChecks.latentTemperature(p2samLatentTemperature, option: "--p2sam-latent-temperature")
        if let p2samBoxJitter = try SamplingOptionChecks.boxJitter(p2samBoxJitter, option: "--p2sam-box-jitter") {
            if p2samBoxJitter.isActive && !(method == .p2sam && p2samBox) {
                throw ValidationError(
                    "--p2sam-box-jitter needs --method p2sam --p2sam-box (it jitters the simulated box)")
            }
        }
        if !["selected", "both"].contains(conventions) {
            throw ValidationError("--conventions must be selected or both")
        }
        if let window, IntensityWindow(parsing: window) == nil { throw ValidationError("bad --window '\(window)'") }
        try DatasetOptions.checkNormalization(data.normalize, window: window)
    }

    /// The method object for `--method` (add new methods here).
    func makeMethod() throws -> any EvaluationMethod {
        switch method {
        case .p2sam:
            let choices = try (p2samModels.isEmpty ? [nil] : p2samModels.map(Optional.some)).map {
                try ModelChoice.resolve($0)
            }
            for choice in choices { FileHandle.standardError.write(Data((choice.description + "\n").utf8)) }
            let settings = SamplingSettings(
                boxProposal: p2samBoxProposal, presenceDraw: p2samPresenceDraw, presenceShift: p2samPresenceShift,
                latentTemperature: p2samLatentTemperature, boxJitter: p2samBoxJitter,
                largestComponent: p2samLargestComponent)
            let samplers = try settings.samplers(for: choices, backbone: model)
            var notes: [String] = []
            for sampler in samplers {
                if p2samLargestComponent == nil && !p2samBox && p2samBoxProposal != .off
                    && sampler.model.configuration.proposalKeepsLargestComponent
                {
                    notes.append(
                        "samples prompted by the model's box proposal keep their largest connected region (the model's default; --p2sam-largest-component off keeps every region)"
                    )
                }
                if p2samBox && sampler.effectiveBoxJitter.isActive {
                    let source =
                        p2samBoxJitter == nil ? " (the model's default; --p2sam-box-jitter 0 turns it off)" : ""
                    notes.append("per-sample box jitter \(sampler.effectiveBoxJitter.fraction)\(source)")
                }
            }
            // Models of one recipe (a bundled mixture's files) share their settings: each note once.
            for (index, note) in notes.enumerated() where !notes[..<index].contains(note) {
                FileHandle.standardError.write(Data((note + "\n").utf8))
            }
            if samplers.count > 1 {
                FileHandle.standardError.write(
                    Data("mixture of \(samplers.count) models: each draws n/\(samplers.count) of the samples\n".utf8))
            }
            var method = P2SAMMethod(mixture: try P2SAMMixture(components: samplers), conditionOnBox: p2samBox)
            method.usesPresence = p2samPresence == "on"
            return method
        case .single: return SingleBoxMethod()
        case .boxJitter, .ugmp: return BoxJitterMethod(jitterFraction: jitterFraction)
        case .ursam:
            return URSAMMethod(
                ratio: ratio, rectification: UncertaintyRectification(lowerBound: lowerBound, upperFactor: alpha),
                output: ursamOutput)
        case .medsamu:
            return MedSAMUMethod(
                adaptation: PromptAdaptation(
                    ensemble: MultiPromptEnsemble(jitterFraction: jitterFraction),
                    pointCount: points, maxRounds: rounds), refine: true)
        case .automedsam, .classBox:
            throw ValidationError("\(method.rawValue) is a multi-class method (EvaluateAutoMedSAM)")
        }
    }

    /// The per-sample jitter F this run applies to the simulated box: `--p2sam-box-jitter`, else the P²SAM model's
    /// stored `box_jitter` (0 for files without it); 0 unless `--method p2sam --p2sam-box`.
    func appliedBoxJitter() throws -> Double {
        guard method == .p2sam && p2samBox else { return 0 }
        if let p2samBoxJitter { return p2samBoxJitter }
        // The headers alone: the sampler reads and checks the whole files later.
        let fractions = try p2samModelURLs().map {
            try P2SAMConfiguration(metadata: P2SAMModelFile.readMetadata(contentsOf: $0)).boxJitter.fraction
        }
        if Set(fractions).count > 1 {
            throw ValidationError(
                "the models store different box jitters (\(fractions.map { String($0) }.joined(separator: ", "))): give --p2sam-box-jitter F"
            )
        }
        return fractions[0]
    }

    /// The P²SAM model files of this run (`--model`, each given; else the bundled default).
    func p2samModelURLs() throws -> [URL] {
        p2samModels.isEmpty
            ? [try P2SAMModelLocation.locate()] : try p2samModels.flatMap { try P2SAMModelCard.resolve($0) }
    }

    /// The method as the report names it, with the box jitter F the run applies (`appliedBoxJitter()`; named only
    /// when F ≠ 0, so reports of runs without jitter read as before).
    func methodDescription(boxJitter: Double) -> String {
        method.rawValue + (method == .ursam ? "(\(ursamOutput.rawValue), \(lowerBound.rawValue))" : "")
            + (method == .medsamu ? "(points \(points), rounds \(rounds))" : "")
            + (method == .p2sam
                ? "(\(p2samModels.isEmpty ? P2SAMModelLocation.bundledRelativePath : p2samModels.joined(separator: " + "))\(p2samBox ? ", box" : "")\(p2samPresence == "off" ? ", presence off" : "")\(p2samBoxProposal == .sampled ? "" : ", box proposal \(p2samBoxProposal.rawValue)")\(p2samPresenceDraw.map { ", presence draw \($0.rawValue)" } ?? "")\(p2samPresenceShift.map { ", presence shift \($0)" } ?? "")\(boxJitter != 0 ? ", box jitter \(boxJitter)" : "")\(p2samLargestComponent.map { ", largest component \($0.rawValue)" } ?? ""))"
                : "")
    }

    /// The manifest of this run's shard over `caseIDs`.
    func manifest(dataset: MultiRaterDataset, caseIDs: [String]) throws -> ShardManifest {
        var files = [try model.checkpointURL]
        if method == .p2sam {
            files += try p2samModelURLs()
        }
        // Every option (defaults included): the JSON report carries them as its settings.
        let boxJitter = try appliedBoxJitter()
        let settings = fullSettings(boxJitter: boxJitter).mapValues { $0 ?? "none" }
        return try ShardManifest(
            kind: "evaluate", dataset: dataset.source,
            split: split == .all
                ? "all"
                : "\(splitOptions.effectiveProtocol.rawValue) fold \(splitOptions.fold ?? "0") \(split.rawValue)",
            method: methodDescription(boxJitter: boxJitter), modelSHA256: try ModelDigest.describe(files), seed: seed,
            conventions: "hm-iou \(hmIou.rawValue), dmax \(dmax.rawValue)" + (conventions == "both" ? ", both" : ""),
            settings: settings,
            toolVersion: ToolVersion.current, allCaseIDs: caseIDs, shard: sharding.value)
    }

    /// Every option of this run (nil when unset), as the JSON report's `settings`; `p2sam_box_jitter` = the jitter F the
    /// run applies (`appliedBoxJitter()`, given or the model's) only when F ≠ 0, so earlier run directories still
    /// resume and reports of runs without jitter stay byte-identical.
    func fullSettings(boxJitter: Double) -> [String: String?] {
        let models: String? = p2samModels.isEmpty ? nil : p2samModels.joined(separator: ",")
        return (boxJitter != 0 ? ["p2sam_box_jitter": String(boxJitter)] : [:]).merging(
            p2samLargestComponent.map { ["p2sam_largest_component": $0.rawValue] } ?? [:]
        ) { a, _ in a }.merging([
            "dataset": data.dataset, "brats_drop": data.bratsDrop, "normalize": data.normalize,
            "foreground": data.foreground?.rawValue,
            "method": method.rawValue, "split": split.rawValue,
            "split_protocol": splitOptions.effectiveProtocol.rawValue, "fold": splitOptions.fold ?? "0",
            "box_quality": boxQuality, "box_from": boxFrom, "count": String(count), "seed": String(seed),
            "window": window, "jitter": String(jitterFraction), "ratio": String(ratio),
            "lower_bound": lowerBound.rawValue, "alpha": String(alpha), "ursam_output": ursamOutput.rawValue,
            "points": String(points), "rounds": String(rounds), "model": models, "p2sam_box": String(p2samBox),
            "p2sam_presence": p2samPresence, "p2sam_box_proposal": p2samBoxProposal.rawValue,
            "p2sam_presence_draw": p2samPresenceDraw?.rawValue ?? "model",
            "p2sam_presence_shift": p2samPresenceShift.map { String($0) } ?? "model",
            "p2sam_latent_temperature": p2samLatentTemperature.map { String($0) } ?? "model",
            "hm_iou": hmIou.rawValue, "dmax": dmax.rawValue, "conventions": conventions,
            "limit": limit.map(String.init),
            "skip_checksum": String(model.skipChecksum),
        ]) { a, _ in a }
    }

    @Option(
        name: .customLong("box-margin"),
        help: "class-box: LiteMedSAM prompted with each class's tight box grown by this many pixels per side.")
    var boxMargin = 0

    @Option(
        name: .customLong("max-slices"),
        help: "automedsam / class-box: at most N slices of the label-map dataset, evenly spaced in name order.")
    var maxSlices: Int?

    @Option(
        name: .customLong("absent-rule"),
        help:
            "automedsam: drop class masks smaller than the rule's per-class minimum area (JSON from --fit-absent-rule)."
    )
    var absentRule: String?

    @Option(
        name: .customLong("fit-absent-rule"),
        help:
            "automedsam: fit the per-class minimum-area rule on this (labelled, not reported) dataset and write it as JSON."
    )
    var fitAbsentRule: String?

    @Option(
        name: .customLong("presence-model"),
        help: ArgumentHelp(
            "automedsam: drop class masks the presence model (JSON from --fit-presence-model) judges absent.",
            valueName: "PRESENCE.json"))
    var presenceModel: String?

    @Option(
        name: .customLong("fit-presence-model"),
        help: ArgumentHelp(
            "automedsam: fit the per-class presence model (logistic regression on the masks' area and confidence) on this (labelled, not reported) dataset and write it as JSON.",
            valueName: "PRESENCE.json"))
    var fitPresenceModel: String?

    func run() throws {
        if method == .automedsam || method == .classBox {
            return try EvaluateAutoMedSAM(command: self).run()
        }
        try runWithExit { try withModelIntensity().evaluate() }
    }

    /// This run with `--method p2sam`'s models' own intensity mapping (`ModelIntensity`) unless `--window` or
    /// `--normalize` says otherwise; other methods unchanged.
    func withModelIntensity() throws -> EvaluateCommand {
        guard method == .p2sam else { return self }
        let models =
            p2samModels.isEmpty
            ? [try P2SAMModelLocation.locate()] : try p2samModels.flatMap { try P2SAMModelCard.resolve($0) }
        let intensity = try ModelIntensity.announced(window: window, normalize: data.normalize, models: models)
        var resolved = self
        resolved.window = intensity.window
        resolved.data.normalize = intensity.normalize
        return resolved
    }

    /// The evaluation itself, with the intensity mapping settled.
    func evaluate() throws {
        try OutputLocation.prepareFiles(json)
        let dataset = try data.load()
        let indices = try EvaluateCommandRunner.selectedIndices(
            dataset, part: split, options: splitOptions, seed: seed)
        let sorted = try Shard.sortedCaseIDs(indices.map { dataset.cases[$0].metadata.caseID })
        let chosen = limit.map { Array(sorted.prefix($0)) } ?? sorted
        let manifest = try manifest(dataset: dataset, caseIDs: chosen)
        var runner = EvaluationRunner(
            method: try makeMethod(), quality: BoxQuality(boxQuality)!, boxFromMajority: boxFrom == "majority",
            count: count, seed: seed, window: window.flatMap(IntensityWindow.init(parsing:)),
            conventions: MetricConventions(hungarianIoU: hmIou, maximumDice: dmax), observer: EvaluationProgress())
        runner.bothConventions = conventions == "both"
        runner.boxFromRandomRater = boxFrom == "rater"
        let predictor = try model.loadPredictor()
        if let output {
            let directory = try ShardOutputFolder.open(output, manifest: manifest)
            let pending = directory.pendingCaseIDs
            try runner.run(dataset, caseIDs: pending, predictor: predictor) { try directory.append($0) }
            if let line = ShardOutputFolder.shardDoneLine(manifest, output: output, pendingCount: pending.count) {
                print(line)
                return
            }
            let merged = try ShardMerge.merge([directory.url], as: EvaluationCaseRecord.self)
            try Self.report(EvaluationReport(manifest: merged.manifest, records: merged.records), json: json)
            return
        }
        // Unsharded: the same records, through the same JSON encoding, in the same order, as a merge.
        var records: [ShardRecord<EvaluationCaseRecord>] = []
        try runner.run(dataset, caseIDs: manifest.caseIDs, predictor: predictor) {
            records.append(try ShardRecord<EvaluationCaseRecord>(line: try $0.encodedLine()))
        }
        try Self.report(EvaluationReport(manifest: manifest, records: records), json: json)
    }

    /// Prints the report and writes its JSON (shared with `p2sam merge`).
    static func report(_ report: EvaluationReport, json: String?) throws {
        let file = EvaluationReportFile(report: report)
        print(file.text())
        if let json { try file.writeJSON(to: URL(fileURLWithPath: json)) }
    }
}
