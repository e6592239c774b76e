import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import SAMTensor

/// `p2sam benchmark`: LiteMedSAM speed and memory, beside PyTorch figures stored from another machine
/// (labelled so; only ratios measured in one run on one machine count).
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract:
            "Time the LiteMedSAM encoder, decoder and pipeline; print them beside stored PyTorch figures from another machine.",
        discussion: """
            The PyTorch column is NOT measured here: it holds figures stored from one earlier run of PyTorch \
            2.13 CPU, 2 threads, on another machine (shared/golden/timing.json and timing_glibc_no_mmap.json: \
            default allocator / glibc told not to mmap-trim), for the order of magnitude only. Compare \
            runtimes only within one run on one machine. FLOP counts are PyTorch's own counter: encoder \
            75 GFLOP, decoder 3.6 GFLOP per prompt.
            """)

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 7

    @Option(help: "Untimed warm-up runs per measurement.")
    var warmup = 2

    @Option(help: "P²SAM model for the sampling rows. Default: the bundled default model, when present.")
    var p2samModel: String?

    @Flag(
        help:
            "Also time P²SAM stage-2 training steps (paper loss and energy K = 4) on the P²SAM model and U-MedSAM fine-tuning steps (plain and sharpness-aware); their memory is reported in their rows, not in the inference peak."
    )
    var training = false

    @OptionGroup var model: ModelOptions

    static let encoderGFLOP = 75.0
    static let decoderGFLOPPerPrompt = 3.6

    func run() throws {
        let loadStart = Date()
        let predictor = try model.loadPredictor()
        print(
            String(
                format: "model loaded in %.0f ms; %d workers", Date().timeIntervalSince(loadStart) * 1000,
                Parallel.workerCount))
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
        let bar = ProgressBar("benchmark", total: training ? 8 : 7, unit: "measurements")
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
                name: "image encoder", ms: encoder, perUnit: nil, reference: (1288, 618),
                gflop: Self.encoderGFLOP, peak: peak, rss: ResidentMemory.peakBytes()))
        advance()

        var generator = SeededBoxes(seed: 0)
        for count in [1, 16, 64] {
            let prompts = (0..<count).map { _ in Prompt(box: generator.nextBox(side: 256)) }
            ResidentMemory.resetPeak()
            let time = BenchmarkClock.measure(runs: count == 64 ? max(3, runs / 2) : runs, warmup: warmup) {
                _ = predictor.model.decode(prompts, embedding: embedding, selection: .multimask)
            }
            let reference: (Double, Double) = count == 1 ? (47.8, 43.9) : count == 16 ? (1270, 618) : (7311, 2580)
            rows.append(
                BenchmarkRow(
                    name: "prompt enc + decoder, \(count) prompt\(count == 1 ? "" : "s")", ms: time,
                    perUnit: count, reference: reference,
                    gflop: Self.decoderGFLOPPerPrompt * Double(count), peak: peak, rss: ResidentMemory.peakBytes()))
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
                name: "1 image + 16 prompts (pipeline)", ms: pipeline, perUnit: nil, reference: (2550, 1337),
                gflop: Self.encoderGFLOP + 16 * Self.decoderGFLOPPerPrompt, peak: peak, rss: ResidentMemory.peakBytes())
        )
        advance()
        rows += try BenchmarkUncertaintyRows.rows(
            predictor: predictor, image: image, runs: runs, warmup: warmup, peak: peak)
        advance()
        _ = embedding
        let p2samURL =
            p2samModel.map { URL(fileURLWithPath: $0) }
            ?? (try? P2SAMModelLocation.locate()) ?? URL(fileURLWithPath: P2SAMModelLocation.bundledRelativePath)
        rows += try BenchmarkP2SAM.rows(modelURL: p2samURL, backbone: model, runs: runs, warmup: warmup, peak: peak)
        advance()
        let inferencePeak = ResidentMemory.peakBytes()
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
                        "process peak RSS (inference phases; freed memory is kept for reuse): %.0f MB (stored PyTorch figure from another machine: 1,069 MiB = 1,121 MB; target <= 400 MB)",
                    Double(rss) / 1e6))
        }
        print(
            "targets (2 cores): encoder <= 500 ms, decoder <= 25 ms/prompt at batch 16, 1 image + 16 prompts <= 900 ms, peak RSS <= 400 MB; UR-SAM (1 image + 3 boxes) <= 600 ms, UGPA <= 750 ms"
        )
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
    /// PyTorch (default allocator, no-mmap allocator) in ms for the whole row.
    let reference: (Double, Double)
    let gflop: Double
    let peak: Double
    let rss: Int?
    /// What the reference column holds: PyTorch figures, or (P²SAM rows) the issue's target.
    var referenceLabel = "PyTorch"

    static func printTable(_ rows: [BenchmarkRow]) {
        let header = [
            "measurement", "Swift median (min-max) ms", "per prompt",
            "stored PyTorch ms, other machine (default / no-mmap)",
            "per prompt",
            "GFLOP/s", "of SGEMM peak", "peak RSS",
        ]
        var lines = [header]
        for row in rows {
            let per = row.perUnit.map { String(format: "%.1f", row.ms.median / Double($0)) } ?? ""
            let refPer =
                row.perUnit.map {
                    String(format: "%.1f / %.1f", row.reference.0 / Double($0), row.reference.1 / Double($0))
                } ?? ""
            let rate = row.gflop / (row.ms.median / 1000)
            lines.append([
                row.name, String(format: "%.1f (%.1f-%.1f)", row.ms.median, row.ms.min, row.ms.max), per,
                row.referenceLabel == "PyTorch"
                    ? String(format: "%.0f / %.0f", row.reference.0, row.reference.1)
                    : String(format: "target <= %.0f", row.reference.0),
                row.referenceLabel == "PyTorch" ? refPer : "",
                String(format: "%.0f", rate), String(format: "%.0f %%", 100 * rate / row.peak),
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
