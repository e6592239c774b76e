import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import SAMTensor

/// `p2sam benchmark`: LiteMedSAM speed and memory on this machine, with the share of CPU time other
/// processes took. Peers (ONNX Runtime, OpenVINO, PyTorch) are measured in the same run by
/// `scripts/benchmark-peers.sh`, which reads `--json`.
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Time the LiteMedSAM encoder, decoder and pipeline on this machine.",
        discussion: """
            Prints no figures from other runtimes or machines: to compare with ONNX Runtime, OpenVINO and \
            PyTorch, run scripts/benchmark-peers.sh, which runs this command and each peer interleaved in one \
            run and reports ratios. The target column holds the project's targets. FLOP counts are PyTorch's \
            own counter: encoder 75 GFLOP, decoder 3.6 GFLOP per prompt; AutoMedSAM's class prompt encoder is \
            counted from its layers' shapes (3.4 GFLOP per class for the default configuration).
            """)

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 7

    @Option(help: "Untimed warm-up runs per measurement.")
    var warmup = 2

    @Option(help: "P²SAM model for the sampling rows. Default: the bundled default model, when present.")
    var p2samModel: String?

    @Option(
        name: .customLong("automedsam-model"),
        help:
            "AutoMedSAM model for the AutoMedSAM rows (1 slice x 3 classes; 20-slice NIfTI volume). Default: a randomly initialised class prompt encoder of the same shape (same computation)."
    )
    var automedsamModel: String?

    @Flag(
        help:
            "Also time P²SAM stage-2 training steps (paper loss and energy K = 4) on the P²SAM model and U-MedSAM fine-tuning steps (plain and sharpness-aware); their memory is reported in their rows, not in the inference peak."
    )
    var training = false

    @Flag(
        help:
            "Only the stages scripts/benchmark-peers.sh compares (encoder, decoder, pipeline, P²SAM), with one timed run of the slowest ones (decoder at 64 prompts, P²SAM + 100)."
    )
    var peerStages = false

    @Option(help: "Worker threads (default: the active processors).")
    var threads: Int?

    @Option(help: "Also write the measurements as JSON (docs/schemas/benchmark-report.schema.json).")
    var json: String?

    @OptionGroup var model: ModelOptions

    @OptionGroup var precisionOption: PrecisionOption

    /// Timed runs of the slowest rows (decoder at 64 prompts, P²SAM + 100 samples).
    var slowRuns: Int { peerStages ? 1 : max(3, runs / 2) }

    static let encoderGFLOP = 75.0
    static let decoderGFLOPPerPrompt = 3.6

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1 (got \(runs))") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative (got \(warmup))") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        if let json { try InputChecks.outputFile(json, option: "--json") }
    }

    func run() throws {
        let precision = precisionOption.apply()
        if let threads { Parallel.workerCount = threads }
        let runStart = MachineLoad.sample()
        let loadStart = Date()
        let predictor = try model.loadPredictor()
        print(
            String(
                format: "model loaded in %.0f ms; %d workers", Date().timeIntervalSince(loadStart) * 1000,
                Parallel.workerCount))
        print(
            "CPU: \(MachineLoad.cpuModel() ?? "unknown") (\(CPUFeatures.summary)); linear-layer GEMMs in \(precision.rawValue)"
        )
        print("OpenBLAS: \(BLASKernelSelection.configuration()); kernels: \(BLASKernelSelection.coreName())")
        let loadBefore = MachineLoad.sample()
        let peak = SGEMMPeak.measure()
        let loadAfter = MachineLoad.sample()
        print(
            String(
                format:
                    "measured SGEMM peak: %.0f GFLOP/s (2048³, OpenBLAS single-threaded calls split over the cores)",
                peak))
        if let loadBefore, let loadAfter {
            let share = MachineLoad.othersShare(from: loadBefore, to: loadAfter)
            print(
                String(format: "other processes' share of the CPU time during that measurement: %.0f %%", 100 * share))
            if let warning = MachineLoad.busyWarning(othersShare: share) { Diagnostics.warn(warning) }
        }
        let bar = ProgressBar("benchmark", total: training ? 9 : 8, unit: "measurements")
        var step = 0
        func advance() {
            step += 1
            bar.update(step)
        }

        let input = Self.benchmarkInput()
        var rows: [BenchmarkRow] = []

        ResidentMemory.resetPeak()
        var embedding = predictor.model.embed(input)
        let encoder = BenchmarkClock.measure(runs: runs, warmup: warmup) { embedding = predictor.model.embed(input) }
        rows.append(
            BenchmarkRow(
                name: "image encoder", ms: encoder, perUnit: nil, target: 500,
                gflop: Self.encoderGFLOP, peak: peak, rss: ResidentMemory.peakBytes(), stage: "encoder"))
        advance()

        var generator = SeededBoxes(seed: 0)
        for count in [1, 16, 64] {
            let prompts = (0..<count).map { _ in Prompt(box: generator.nextBox(side: 256)) }
            ResidentMemory.resetPeak()
            let time = BenchmarkClock.measure(runs: count == 64 ? slowRuns : runs, warmup: warmup) {
                _ = predictor.model.decode(prompts, embedding: embedding, selection: .multimask)
            }
            rows.append(
                BenchmarkRow(
                    name: "prompt enc + decoder, \(count) prompt\(count == 1 ? "" : "s")", ms: time,
                    perUnit: count, target: count == 16 ? 25 * 16 : nil,
                    gflop: Self.decoderGFLOPPerPrompt * Double(count), peak: peak, rss: ResidentMemory.peakBytes(),
                    stage: "decoder_\(count)"))
            advance()
        }

        // Whole pipeline: a 128x128 grey image, 16 boxes in its pixels, masks back at 128x128.
        let image = Self.pipelineImage()
        let boxes = (0..<16).map { _ in generator.nextBoundingBox(side: 128) }
        ResidentMemory.resetPeak()
        let pipeline = try BenchmarkClock.measure(runs: runs, warmup: warmup) {
            let embedded = try predictor.embed(image)
            _ = try predictor.segment(embedded, prompts: boxes.map { ImagePrompt(box: $0) }, selection: .multimask)
        }
        rows.append(
            BenchmarkRow(
                name: "1 image + 16 prompts (pipeline)", ms: pipeline, perUnit: nil, target: 900,
                gflop: Self.encoderGFLOP + 16 * Self.decoderGFLOPPerPrompt, peak: peak, rss: ResidentMemory.peakBytes(),
                stage: "pipeline_16"))
        advance()
        if !peerStages {
            rows += try BenchmarkUncertaintyRows.rows(
                predictor: predictor, image: image, runs: runs, warmup: warmup, peak: peak)
        }
        advance()
        _ = embedding
        let p2samURL =
            p2samModel.map { URL(fileURLWithPath: $0) }
            ?? (try? P2SAMModelLocation.locate()) ?? URL(fileURLWithPath: P2SAMModelLocation.bundledRelativePath)
        rows += try BenchmarkP2SAM.rows(
            modelURL: p2samURL, backbone: model, encoder: predictor.model.imageEncoder, runs: runs, slowRuns: slowRuns,
            warmup: warmup, peak: peak, boxJitter: !peerStages)
        advance()
        // Issue 17's process target covers LiteMedSAM, UR-SAM, MedSAM-U and P²SAM; the AutoMedSAM rows after this
        // report their own peaks against their own target (600 MB).
        let inferencePeak = ResidentMemory.peakBytes()
        if !peerStages {
            rows += try BenchmarkAutoMedSAM.rows(
                modelPath: automedsamModel, predictor: predictor, backbone: model, runs: runs, slowRuns: slowRuns,
                warmup: warmup, peak: peak)
        }
        advance()
        if training {
            rows += try BenchmarkTraining.rows(
                modelURL: p2samURL, backbone: model, predictor: predictor, runs: runs, warmup: warmup, peak: peak)
            rows += try BenchmarkUMedSAM.rows(backbone: model, runs: runs, peak: peak)
            advance()
        }
        bar.finish()
        BenchmarkRow.printTable(rows)
        if let rss = inferencePeak {
            print(
                String(
                    format:
                        "process peak RSS after the LiteMedSAM, UR-SAM, MedSAM-U and P²SAM rows (freed memory is kept for reuse): %.0f MB (target <= 300 MB)",
                    Double(rss) / 1e6))
        }
        var runShare: Double?
        if let runStart, let runEnd = MachineLoad.sample() {
            let share = MachineLoad.othersShare(from: runStart, to: runEnd)
            runShare = share
            print(String(format: "other processes' share of the CPU time during the whole run: %.0f %%", 100 * share))
        }
        print("peers (ONNX Runtime, OpenVINO, PyTorch) in the same run: scripts/benchmark-peers.sh")
        if let json {
            try BenchmarkReport(
                cpuModel: MachineLoad.cpuModel(), workers: Parallel.workerCount, runs: runs, warmup: warmup,
                precision: precision.rawValue,
                sgemmPeakGFLOPS: peak, othersCPUShare: runShare, inferencePeakRSSBytes: inferencePeak, rows: rows
            ).write(to: URL(fileURLWithPath: json))
        }
    }

    /// The golden synthetic image formula's texture at 256x256, preprocessed-style input `[3, 256, 256]`.
    static func benchmarkInput() -> Tensor {
        Tensor(shape: [3, 256, 256]) { out in
            for c in 0..<3 {
                for y in 0..<256 {
                    for x in 0..<256 {
                        let u = Float(x) / 255
                        let v = Float(y) / 255
                        let disk: Float = hypot(Float(x) - 160, Float(y) - 96) < 36 ? 0.5 : 0
                        out[(c * 256 + y) * 256 + x] = min(
                            1, 0.3 + 0.25 * u + 0.15 * v + 0.06 * sin(6 * u + Float(c)) + disk)
                    }
                }
            }
        }
    }

    static func pipelineImage() -> MedicalImage {
        var pixels = [Float](repeating: 0, count: 128 * 128)
        for y in 0..<128 {
            for x in 0..<128 {
                pixels[y * 128 + x] = Float((x * 3 + y * 5) % 200) + (hypot(Float(x) - 64, Float(y) - 50) < 20 ? 55 : 0)
            }
        }
        return try! MedicalImage(width: 128, height: 128, channels: 1, pixels: pixels)
    }
}

/// Deterministic random boxes (a small LCG: only for benchmark inputs).
struct SeededBoxes {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return low + (high - low) * Double(state >> 11) / Double(1 << 53)
    }

    /// A box of 16–64 px (scaled to `side`) inside a `side x side` frame.
    mutating func nextBoundingBox(side: Int) -> BoundingBox {
        let s = Double(side) / 256
        let x0 = uniform(0, Double(side) - 64 * s)
        let y0 = uniform(0, Double(side) - 64 * s)
        let w = uniform(16 * s, 64 * s)
        let h = uniform(16 * s, 64 * s)
        return BoundingBox(
            x0: x0.rounded(.down), y0: y0.rounded(.down), x1: min(x0 + w, Double(side - 1)).rounded(.down),
            y1: min(y0 + h, Double(side - 1)).rounded(.down))
    }

    mutating func nextBox(side: Int) -> BoxPrompt {
        let b = nextBoundingBox(side: side)
        return BoxPrompt(x0: Float(b.x0), y0: Float(b.y0), x1: Float(b.x1), y1: Float(b.y1))
    }
}

/// One line of the benchmark table.
struct BenchmarkRow {
    let name: String
    let ms: (median: Double, min: Double, max: Double)
    /// Prompts in the batch, to print a per-prompt figure.
    let perUnit: Int?
    /// The project's target for the whole row (ms), if it has one.
    let target: Double?
    let gflop: Double
    let peak: Double
    let rss: Int?
    /// A short machine-readable name (`encoder`, `decoder_16`, …) for `--json` and the peers script.
    var stage: String? = nil

    static func printTable(_ rows: [BenchmarkRow]) {
        let header = [
            "measurement", "median (min-max) ms", "per prompt", "target ms", "GFLOP/s", "of SGEMM peak", "peak RSS",
        ]
        var lines = [header]
        for row in rows {
            let per = row.perUnit.map { String(format: "%.1f", row.ms.median / Double($0)) } ?? ""
            let rate = row.gflop / (row.ms.median / 1000)
            lines.append([
                row.name, String(format: "%.1f (%.1f-%.1f)", row.ms.median, row.ms.min, row.ms.max), per,
                row.target.map { String(format: "<= %.0f", $0) } ?? "",
                row.gflop > 0 ? String(format: "%.0f", rate) : "",
                row.gflop > 0 ? String(format: "%.0f %%", 100 * rate / row.peak) : "",
                row.rss.map { String(format: "%.0f MB", Double($0) / 1e6) } ?? "n/a",
            ])
        }
        let widths = (0..<header.count).map { column in lines.map { $0[column].count }.max()! }
        for (index, line) in lines.enumerated() {
            print(
                zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
            if index == 0 { print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
    }
}
