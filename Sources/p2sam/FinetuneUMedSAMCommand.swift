import ArgumentParser
import Foundation
import LiteMedSAM
import MultiRaterData

/// `p2sam finetune --recipe umedsam --dataset SPEC … --output MODEL`: the U-MedSAM recipe's options; fine-tunes
/// LiteMedSAM and writes a LiteMedSAM model file that every command takes with `--backbone MODEL`.
struct FinetuneUMedSAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune --recipe umedsam",
        abstract: "Fine-tune LiteMedSAM with U-MedSAM's recipe on one or more datasets; writes a LiteMedSAM model.",
        discussion: """
            Data: each --dataset SPEC is split by sorted case id, the last --holdout fraction (default 0.2, \
            the canonical 80/20 of hc18, ph2 and shenzhen-cxr) validating; --train-dataset SPEC trains on all \
            its cases and --val-dataset SPEC validates on all (e.g. acdc train/ and val/). --max-train-cases \
            and --max-val-cases keep the first N of each part (sorted ids). Settings for one dataset follow \
            its SPEC after '#': SPEC#split=PROTOCOL[/FOLD] (a --split-protocol protocol: train on its train \
            part, validate on its validation part, e.g. sorted-names for qubiq and bu-bil-d1, \
            leave-one-group-out/0 for lidc-real), #window=lung (CT window of this dataset; default --window), \
            #target=gold (BU-BIL's fused GoldStandard/ masks instead of the experts' majority), \
            #augment=flips (this dataset's training views; default --augment); join several with ',', e.g. \
            'npz:lidc_crops_128.npz#split=leave-one-group-out/0,window=lung'. The ground \
            truth is the raters' majority (rater 0 for single-rater data); cases with an empty ground truth \
            cannot give a box and are skipped and counted (before the --max-*-cases caps). Embeddings of the frozen encoder are cached under --cache-dir (the keys \
            of `p2sam train` and `p2sam embed --dataset`).

            Output: MODEL is a LiteMedSAM model file (safetensors, every LiteMedSAM tensor, format \
            litemedsam-model-v1), written atomically when an epoch is the best so far (lowest 1 - validation \
            DSC, else training loss); MODEL.resume.safetensors keeps the state after every epoch (--resume). \
            A NaN loss stops the run and names the last good model. Use it with `segment`, `ursam`, \
            `medsamu`, `evaluate`, `train` … --backbone MODEL.

            Scores (before and after): DSC and NSD (tolerance 2 px) of the validation cases in the 256 \
            model frame cropped to the image, boxes from the ground truth moved outward by U{0..PX} px per \
            side for each PX of --report-jitter (seeded per case, so every model sees the same boxes).
            """)

    @Option(
        help: ArgumentHelp(
            "A dataset split by --holdout or its #split= (repeatable; SPEC[#split=…,window=…,target=…,augment=…]).",
            valueName: "SPEC"))
    var dataset: [String] = []

    @Option(
        name: .customLong("train-dataset"), help: ArgumentHelp("A dataset used only for training.", valueName: "SPEC"))
    var trainDataset: [String] = []

    @Option(
        name: .customLong("val-dataset"), help: ArgumentHelp("A dataset used only for validation.", valueName: "SPEC"))
    var valDataset: [String] = []

    @Option(help: "Fraction of each --dataset (last by sorted case id) held out for validation.")
    var holdout = 0.2

    @Option(
        name: .customLong("max-train-cases"), help: "Keep at most N training cases per dataset (first by sorted id).")
    var maxTrainCases: Int?

    @Option(
        name: .customLong("max-val-cases"), help: "Keep at most N validation cases per dataset (first by sorted id).")
    var maxValCases: Int?

    @Option(help: ArgumentHelp("The fine-tuned LiteMedSAM model to write (.safetensors).", valueName: "MODEL"))
    var output: String

    @Option(help: "Epochs.")
    var epochs = 3

    @Option(help: "Examples per optimiser step.")
    var batch = 2

    @Option(name: .customLong("lr"), help: "AdamW learning rate.")
    var learningRate: Float = 5e-5

    @Option(help: "Random seed (data order, prompts, report boxes).")
    var seed: UInt64 = 1

    @Flag(help: "Continue from MODEL.resume.safetensors.")
    var resume = false

    @Option(
        help:
            "Intensity window for CT (lung | soft-tissue | ursam | LOWER,UPPER), every dataset without its own #window=. Default: keep 0..255 images, min-max others."
    )
    var window: String?

    @Option(
        help:
            "Geometric augmentation of every dataset's training part without its own #augment=: none | flips (each case also mirrored left-right, top-bottom and both: 4 views) | dihedral (also the quarter turns and transposes: 8 views). Each view is a training case with its own cached embedding, so an epoch takes that many times longer; validation is not augmented. Only where the anatomy has no fixed orientation in the image (skin lesions, cells); not for cardiac MR or chest X-rays in a standard orientation. Default: none."
    )
    var augment: TrainingAugmentation = .none

    @Option(name: .customLong("cache-dir"), help: "Embedding cache folder (default ~/.cache/p2sam/embeddings).")
    var cacheDir: String?

    @Option(name: .customLong("report-jitter"), help: "Box offsets (max px per side) the before/after scores use.")
    var reportJitter = "0,5"

    @Option(
        name: .customLong("report-points"),
        help: "Also score with this many positive points drawn from the ground truth and no box (0: off; MPA-lite).")
    var reportPoints = 0

    @Option(help: "Write the run's report as JSON.")
    var json: String?

    @Flag(name: .customLong("no-progress"), help: "No progress bar.")
    var noProgress = false

    @OptionGroup var umedsam: UMedSAMFinetuneOptions

    @OptionGroup var model: ModelOptions

    func validate() throws {
        if dataset.isEmpty && trainDataset.isEmpty {
            throw ValidationError("give at least one --dataset SPEC (or --train-dataset SPEC)")
        }
        if !(holdout >= 0 && holdout < 1) { throw ValidationError("--holdout must be in [0, 1)") }
        if let n = maxTrainCases, n < 1 { throw ValidationError("--max-train-cases must be at least 1") }
        if let n = maxValCases, n < 0 { throw ValidationError("--max-val-cases must be at least 0") }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if !(learningRate > 0) { throw ValidationError("--lr must be positive") }
        if reportPoints < 0 { throw ValidationError("--report-points must be >= 0") }
        if reportJitters == nil {
            throw ValidationError("--report-jitter must be comma-separated pixels >= 0, e.g. 0,5")
        }
        if let window, IntensityWindow(parsing: window) == nil { throw ValidationError("bad --window '\(window)'") }
        if !output.hasSuffix(".safetensors") { throw ValidationError("--output must end in .safetensors") }
    }

    /// The box offsets of the before/after scores.
    var reportJitters: [Int]? {
        let values = reportJitter.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return values.map { $0! }
    }

    func run() throws {
        try runWithExit {
            try FinetuneUMedSAM.run(self)
        }
    }
}
