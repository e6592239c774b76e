import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import P2SAM
import ShardedRuns

/// `p2sam sample`: N plausible masks for one image from a P²SAM model.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw N plausible masks for an image with P²SAM.",
        discussion: """
            Writes DIR/sample_000.png … (0/255 masks at the image's size), DIR/frequency.png (fraction of \
            samples marking each pixel, heat map), DIR/entropy.png (binary entropy of that fraction in bits, \
            heat map) — both drawn over the image with a colour bar and its scale, enlarged to at least 512 px — \
            and DIR/grid.png (the first 16 samples drawn over the image, numbered S1…, and with --raters a row \
            of the raters' masks R1… in orange). The same seed gives \
            bit-identical masks. With --raters DIR (PNG masks of expert raters) it prints GED, HM-IoU, D_max \
            and D_mean of the samples against them.

            Dataset form: --dataset SPEC --output DIR samples every case (with the model's own prompt) into \
            DIR/<case>/sample_NNN.png, records each case's scores against its raters in DIR/cases.jsonl and \
            prints the `p2sam score` report. Each case's stream is seeded from (--seed, case id), so a case \
            gets the same masks in any shard. With --shard i/n only that shard's cases are sampled (merge the \
            shard directories with `p2sam merge`); a re-run resumes where it stopped.
            """)

    @Option(help: "Input image (PNG).")
    var image: String?

    @Option(
        help: ArgumentHelp(
            "Sample every case of a dataset instead of one image (see `p2sam data --help`).", valueName: "SPEC"))
    var dataset: String?

    @Option(
        help:
            "--dataset: intensity window for CT (lung | soft-tissue | ursam | LOWER,UPPER). Default: keep 0..255 images, min-max others."
    )
    var window: String?

    @Option(
        help:
            "Intensity normalisation to 0..255, as `p2sam train --normalize`: zscore | minmax | window:LO,HI (not with --window). Default: the one the model was trained with (its metadata), else none. --image: zscore and minmax are applied to the PNG; a window is taken as applied already."
    )
    var normalize: String?

    @Option(help: "--dataset: sample at most this many cases (the first by sorted id).")
    var limit: Int?

    @Option(
        help:
            "Write a JSON report: --image: settings, model sha256s, mean entropy and the scores with --raters; --dataset: the report of an unsharded run (sharded runs: `p2sam merge --json`)."
    )
    var json: String?

    @OptionGroup var sharding: ShardOptions

    @Option(help: "Number of samples (1…\(P2SAMSampler.maximumSampleCount)).")
    var count = 16

    @Option(parsing: .unconditional, help: "Random seed (0…4294967295; GSL's mt19937 uses 32 bits).")
    var seed: UInt64 = 0

    @Option(help: "Output folder.")
    var output: String

    @Option(
        name: .customLong("model"),
        help:
            "P²SAM model: \(ModelChoice.names) (bundled, checked against its model card; lidc is a mixture of 3 trainings) or a .safetensors path. Default: $P2SAM_MODEL, else \(P2SAMModelLocation.bundledRelativePath) (synthetic). Repeat it to pool several models' samples (a mixture: of --count n, each of the K models draws n/K, with its own τ, presence head and box proposal)."
    )
    var models: [String] = []

    /// The first `--model` (the only one except for a mixture).
    var model: String? { models.first }

    @Option(parsing: .unconditional, help: "Optional box x0,y0,x1,y1 (image pixels) conditioning the samples.")
    var box: BoxArgument?

    @Option(
        name: .customLong("point"), parsing: .unconditionalSingleValue,
        help: "Optional point x,y,label conditioning the samples; repeatable.")
    var points: [PointArgument] = []

    @Option(help: "Folder of expert rater masks (PNG) to score the samples against.")
    var raters: String?

    @Option(
        help:
            "Foreground value of the --raters masks: 255 (any non-zero) | 0 (black object) | auto (the value covering less)."
    )
    var foreground: MaskForeground = .nonZero

    @Option(help: "HM-IoU convention for --raters: standard or p2sam.")
    var hmIou: HungarianIoUConvention = .standard

    @Option(help: "D_max convention for --raters: per-rater or global.")
    var dmax: MaximumDiceConvention = .perRater

    @Option(help: "Samples decoded together (memory vs speed).")
    var batch = 8

    @Option(
        name: .customLong("box-proposal"),
        help:
            "Without --box/--point, for a model with a box proposal: sampled (default: each sample draws its own box from the proposal around the model's own mask) | mean (every sample gets the proposal's mean box) | off (the model's default prompt). No effect on other models."
    )
    var boxProposal: BoxProposalMode = .sampled

    @Option(
        name: .customLong("presence-draw"),
        help:
            "For a model with a presence head: independent (each sample's own draw) | stratified (one systematic draw per image: the share of empty samples is the predicted one) | image (all samples empty or all present). Default: the model's (its box proposal's setting when the proposal prompts, else independent)."
    )
    var presenceDraw: PresenceDraw?

    @Option(
        name: .customLong("presence-shift"),
        help:
            "For a model with a presence head: added to the presence logit (negative: more empty samples). Default: the model's (its box proposal's shift when the proposal prompts, else 0)."
    )
    var presenceShift: Float?

    @Option(
        name: .customLong("latent-temperature"),
        help:
            "Stage-2 models: scale the prompt distribution's σ by τ (z = μ + τ·σ·ε; > 0; below 1: samples closer to the model's mean mask). Default: the model's (its metadata latent_temperature, else 1)."
    )
    var latentTemperature: Float?

    @Option(
        name: .customLong("box-jitter"),
        help:
            "With --box: each sample also draws its own box from N(box, (F·side)²) per coordinate (box-jitter's draw; 0 <= F < 0.5; 0: every sample gets the box). Default: the model's (its metadata box_jitter, else 0)."
    )
    var boxJitter: Double?

    @Option(
        name: .customLong("largest-component"),
        help:
            "on: each sample keeps only its largest connected foreground region (8-connected; removes stray specks of a one-object target); off: every region. Default: the model's (on when its box proposal prompts the samples and its metadata box_proposal_largest_component is true, else off)."
    )
    var largestComponent: OnOff?

    @OptionGroup var backbone: ModelOptions

    func validate() throws {
        guard (1...P2SAMSampler.maximumSampleCount).contains(count) else {
            throw ValidationError("--count \(count) is out of range: use 1…\(P2SAMSampler.maximumSampleCount)")
        }
        guard seed <= UInt64(UInt32.max) else {
            throw ValidationError(
                "--seed \(seed) is out of range: use 0…\(UInt32.max) (GSL's mt19937 uses 32 bits of the seed)")
        }
        guard batch >= 1 && batch <= 256 else { throw ValidationError("--batch must be 1…256") }
        guard models.count <= P2SAMMixture.maximumComponentCount else {
            throw ValidationError(
                "--model is given \(models.count) times: a mixture holds at most \(P2SAMMixture.maximumComponentCount) models"
            )
        }
        if let presenceShift, !presenceShift.isFinite {
            throw ValidationError("--presence-shift must be a finite number")
        }
        try SamplingOptionChecks.latentTemperature(latentTemperature, option: "--latent-temperature")
        if let boxJitter = try SamplingOptionChecks.boxJitter(boxJitter, option: "--box-jitter") {
            if boxJitter.isActive && box == nil {
                throw ValidationError("--box-jitter needs --box (it jitters the given box)")
            }
        }
        guard (image == nil) != (dataset == nil) else {
            throw ValidationError("give either --image PNG or --dataset SPEC")
        }
        if dataset == nil && (sharding.shard != nil || limit != nil || window != nil) {
            throw ValidationError("--shard, --limit and --window belong to the --dataset form")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let window, IntensityWindow(parsing: window) == nil { throw ValidationError("bad --window '\(window)'") }
        try DatasetOptions.checkNormalization(normalize, window: window)
        if sharding.value.count > 1 && json != nil {
            throw ValidationError("a shard writes no report: give --json to `p2sam merge`")
        }
    }

    func run() throws {
        if let dataset {
            try runWithExit { try runDataset(dataset) }
            return
        }
        let image = self.image!
        try runWithExit {
            let folder = URL(fileURLWithPath: output)
            let picture = try InputChecks.image(image)
            let prompt = (box != nil || !points.isEmpty) ? ImagePrompt(box: box?.box, points: points.map(\.point)) : nil
            if let prompt { try InputChecks.prompt(prompt, for: picture) }
            try InputChecks.outputFolder(output, option: "--output")
            if let json { try InputChecks.outputFile(json, option: "--json") }
            // Rater masks are read (and checked) before the model runs.
            let raterMasks = try raters.map {
                try Self.raterMasks(in: URL(fileURLWithPath: $0), foreground: foreground)
            }
            if let first = raterMasks?.first, first.width != picture.width || first.height != picture.height {
                throw DataError.invalidFile(
                    path: raters!,
                    reason:
                        "rater masks are \(first.width)x\(first.height), but the image \(image) is \(picture.width)x\(picture.height)"
                )
            }
            try sample(picture: picture, prompt: prompt, folder: folder, raterMasks: raterMasks)
        }
    }

    /// The presence, temperature and largest-component options when given (absent otherwise, so older run directories
    /// still resume).
    private var nonDefaultSamplingSettings: [String: String] {
        (presenceDraw.map { ["presence_draw": $0.rawValue] } ?? [:])
            .merging(presenceShift.map { ["presence_shift": String($0)] } ?? [:]) { a, _ in a }
            .merging(latentTemperature.map { ["latent_temperature": String($0)] } ?? [:]) { a, _ in a }
            .merging(largestComponent.map { ["largest_component": $0.rawValue] } ?? [:]) { a, _ in a }
    }

    /// The chosen models (each `--model`, else the default) in order.
    private func modelChoices() throws -> [ModelChoice] {
        models.isEmpty ? [try ModelChoice.resolve(nil)] : try models.map { try ModelChoice.resolve($0) }
    }

    /// A sampler of each chosen model with this run's sampling options.
    private func samplers(_ choices: [ModelChoice]) throws -> [P2SAMSampler] {
        let settings = SamplingSettings(
            boxProposal: boxProposal, presenceDraw: presenceDraw, presenceShift: presenceShift,
            latentTemperature: latentTemperature, boxJitter: boxJitter, largestComponent: largestComponent,
            batchSize: batch)
        return try settings.samplers(for: choices, backbone: backbone)
    }

    private func sample(picture: MedicalImage, prompt: ImagePrompt?, folder: URL, raterMasks: [BinaryMask]?) throws {
        let choices = try modelChoices()
        let components = try samplers(choices)
        let mixture = try P2SAMMixture(components: components)
        // The model sees the PNG mapped as its training images were; the pictures written show it as it is.
        let normalization = try ModelIntensity.forPNG(normalize: normalize, models: choices.flatMap(\.urls))
        let modelInput =
            try normalization.map { try ModelIntensity.apply($0, to: picture, name: image ?? "image") } ?? picture
        let start = Date()
        let prepared = try mixture.prepare(modelInput, embedded: nil, prompt: prompt)
        var gridMasks: [MaskImage] = []
        var binary: [BinaryMask] = []
        let keepForScore = raters != nil
        let bar = ProgressBar("sampling", total: count, unit: "samples")
        let statistics = try mixture.sample(prepared, count: count, seed: seed) { index, mask in
            try PNG.write(mask, to: folder.appendingPathComponent(String(format: "sample_%03d.png", index)).path)
            if gridMasks.count < 16 { gridMasks.append(mask) }
            if keepForScore {
                binary.append(try BinaryMask(width: mask.width, height: mask.height, bytes: mask.pixels))
            }
            bar.update(index + 1)
        }
        bar.finish()
        let elapsed = Date().timeIntervalSince(start)
        try PNG.write(
            Visualization.heatMapFigure(
                statistics.frequency, width: statistics.width, height: statistics.height, over: picture,
                scale: .frequency), to: folder.appendingPathComponent("frequency.png").path)
        try PNG.write(
            Visualization.heatMapFigure(
                statistics.entropy, width: statistics.width, height: statistics.height, over: picture,
                scale: .entropy, colorMap: .magmaLike), to: folder.appendingPathComponent("entropy.png").path)
        let raterPictures = try (raterMasks ?? []).map {
            try MaskImage(width: $0.width, height: $0.height, pixels: $0.bytes(foreground: 255))
        }
        try PNG.write(
            Visualization.sampleGrid(
                picture, samples: gridMasks, raters: raterPictures, box: prompt?.box, points: prompt?.points ?? [],
                columns: 4, totalSamples: count), to: folder.appendingPathComponent("grid.png").path)
        let meanEntropy = statistics.entropy.reduce(0, +) / Float(max(1, statistics.entropy.count))
        let injections = Self.distinct(components.map { $0.model.configuration.injection.rawValue })
        print(
            String(
                format: "wrote %d samples to %@ in %.2f s (%@ injection); mean pixel entropy %.4f bits", count, output,
                elapsed, injections.joined(separator: "/"), meanEntropy))
        if components.count > 1 {
            let shares = mixture.counts(for: count).map(String.init).joined(separator: "/")
            print("mixture of \(components.count) models: samples \(shares) in the order below")
        }
        let jitters = components.map(\.effectiveBoxJitter.fraction)
        let descriptions = choices.flatMap(\.componentDescriptions)
        for (k, sampler) in components.enumerated() {
            // With one model the lines read as before; a mixture names each model's lines by its position.
            let label = components.count > 1 ? "model \(k + 1): " : ""
            print(
                components.count > 1 ? label + descriptions[k].dropFirst("model: ".count) : descriptions[k])
            let jitter = sampler.effectiveBoxJitter
            if prompt?.box != nil && jitter.isActive {
                print(
                    label + "per-sample box jitter \(jitter.fraction) of the box's sides"
                        + (boxJitter == nil ? " (the model's default; --box-jitter 0 gives every sample the box)" : ""))
            }
            if sampler.model.layers.boxProposal != nil && prompt == nil && boxProposal != .off {
                if let raw = prepared[k].proposedBox {
                    let scale = Float(max(picture.width, picture.height)) / 256
                    let box = raw.map { String(format: "%.0f", $0 * scale) }.joined(separator: ",")
                    print(
                        label
                            + "box proposal (\(boxProposal.rawValue)): the model's own box \(box)\(sampler.model.configuration.proposalRegion == .largest ? " of its largest region" : "") (image pixels, before the fitted offset)"
                    )
                } else {
                    print(label + "box proposal: the model found nothing to box; its default prompt was used")
                }
            }
            if sampler.keepsLargestComponent(for: prepared[k]) {
                print(
                    label + "each sample keeps its largest connected region"
                        + (largestComponent == nil
                            ? " (the model's default; --largest-component off keeps every region)" : ""))
            }
        }
        var score: MultiRaterScore?
        if let masks = raterMasks {
            let s = try MultiRaterScore(
                samples: binary, raters: masks, conventions: MetricConventions(hungarianIoU: hmIou, maximumDice: dmax))
            print(
                String(
                    format:
                        "vs %d raters: GED %.4f  HM-IoU %.4f (%@)  D_max %.4f (%@)  D_mean %.4f  sample diversity %.4f",
                    s.m, s.ged, s.hmIoU, hmIou.rawValue, s.dMax, dmax.rawValue, s.dMean, s.sampleDiversity))
            score = s
        }
        if let json {
            var provenance = ReportProvenance(
                command: "sample",
                settings: [
                    "image": image, "count": String(count), "seed": String(seed), "output": output,
                    "model": choices.flatMap(\.urls).map(\.path).joined(separator: ","), "box": box?.text,
                    "points": points.isEmpty ? nil : points.map(\.text).joined(separator: ";"),
                    "raters": raters, "foreground": foreground.rawValue, "hm_iou": hmIou.rawValue,
                    "dmax": dmax.rawValue,
                    "batch": String(batch), "box_proposal": boxProposal.rawValue,
                    "presence_draw": presenceDraw?.rawValue ?? "model",
                    "presence_shift": presenceShift.map { String($0) } ?? "model",
                    "latent_temperature": latentTemperature.map { String($0) } ?? "model",
                    "checkpoint": try backbone.checkpointURL.path,
                    "skip_checksum": String(backbone.skipChecksum),
                ])
            if prompt?.box != nil && jitters.contains(where: { $0 != 0 }) {
                provenance.settings["box_jitter"] = jitters.map { String($0) }.joined(separator: ",")
            }
            if let largestComponent { provenance.settings["largest_component"] = largestComponent.rawValue }
            if let normalization { provenance.settings["normalize"] = normalization.description }
            try provenance.addCheckpoint(backbone)
            for (k, url) in choices.flatMap(\.urls).enumerated() {
                try provenance.addModel(k == 0 ? "p2sam" : "p2sam_\(k + 1)", at: url)
            }
            let report = SampleReport(
                provenance: provenance, samples: count, injection: injections.joined(separator: "/"),
                meanEntropy: Double(meanEntropy), seconds: elapsed, score: score)
            try report.writeJSON(to: URL(fileURLWithPath: json))
        }
    }

    /// The dataset form: one shard (or the whole run) of P²SAM samples over the dataset's cases.
    private func runDataset(_ spec: String) throws {
        let choices = try modelChoices()
        for choice in choices { FileHandle.standardError.write(Data((choice.description + "\n").utf8)) }
        // The models' own intensity mapping unless --window or --normalize says otherwise.
        let intensity = try ModelIntensity.announced(
            window: window, normalize: normalize, models: choices.flatMap(\.urls))
        let (window, normalize) = (intensity.window, intensity.normalize)
        let loaded = try DatasetSpec(parsing: spec).load()
        let data = try normalize.flatMap(IntensityNormalization.init(parsing:))?.apply(to: loaded) ?? loaded
        let sorted = try Shard.sortedCaseIDs(data.cases.map(\.metadata.caseID))
        let chosen = limit.map { Array(sorted.prefix($0)) } ?? sorted
        guard !chosen.isEmpty else { throw ValidationError("--dataset \(spec) has no cases") }
        let conventions = MetricConventions(hungarianIoU: hmIou, maximumDice: dmax)
        let manifest = try ShardManifest(
            kind: "sample", dataset: data.source, split: "all",
            method:
                "p2sam(\(models.isEmpty ? P2SAMModelLocation.bundledRelativePath : models.joined(separator: " + ")))",
            modelSHA256: try ModelDigest.describe([backbone.checkpointURL] + choices.flatMap(\.urls)), seed: seed,
            conventions: "hm-iou \(hmIou.rawValue), dmax \(dmax.rawValue)",
            settings: [
                "count": String(count), "window": window ?? "default", "limit": limit.map(String.init) ?? "none",
            ].merging(normalize.map { ["normalize": $0] } ?? [:]) { a, _ in a }
                .merging(nonDefaultSamplingSettings) { a, _ in a },
            toolVersion: ToolVersion.current, allCaseIDs: chosen, shard: sharding.value)
        let directory = try ShardOutputFolder.open(output, manifest: manifest)
        let pending = directory.pendingCaseIDs
        if !pending.isEmpty {
            try DatasetSampling.run(
                dataset: data, caseIDs: pending, mixture: try P2SAMMixture(components: samplers(choices)), count: count,
                seed: seed,
                window: window.flatMap(IntensityWindow.init(parsing:)), conventions: conventions, directory: directory)
        }
        if let line = ShardOutputFolder.shardDoneLine(manifest, output: output, pendingCount: pending.count) {
            print(line)
            return
        }
        let merged = try ShardMerge.merge([directory.url], as: SampleCaseRecord.self)
        try DatasetSampling.report(SampledDatasetReport(manifest: merged.manifest, records: merged.records), json: json)
    }

    /// `values` without repeats, in first-seen order.
    static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    /// The rater masks of one case folder, chosen by `MaskFiles.raterFiles` (the rule of `p2sam score`),
    /// with a warning for masks covering more than half of the image.
    static func raterMasks(in folder: URL, foreground: MaskForeground) throws -> [BinaryMask] {
        let files = try MaskFiles.raterFiles(in: folder)
        guard !files.isEmpty else {
            throw DataError.invalidFile(path: folder.path, reason: "--raters folder holds no PNG masks")
        }
        let masks = try files.map {
            ScoreInputs.MaskFile(url: $0, mask: try ImageFiles.readMask($0, foreground: foreground))
        }
        let pair = ScoreInputs.CasePair(name: folder.lastPathComponent, samples: [], raters: masks)
        try ScoreInputs.checkSizes(pair)
        ScoreInputs.coverageWarnings([pair], foreground: foreground).forEach(Diagnostics.warn)
        return masks.map(\.mask)
    }
}

extension BoxProposalMode: ExpressibleByArgument {}
extension PresenceDraw: ExpressibleByArgument {}
