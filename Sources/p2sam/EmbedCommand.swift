import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import P2SAMTraining
import ShardedRuns
import TorchCheckpoint
import Training

/// `p2sam embed`: the LiteMedSAM image embedding of one image, as a NumPy file.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write the LiteMedSAM image embedding of an image.",
        discussion: """
            The output is a NumPy v1 .npy file, little-endian float32, shape (1, 256, 64, 64), readable by numpy.load.

            Dataset form: --dataset SPEC --cache-dir CACHE --output DIR fills the embedding cache that \
            `p2sam train --cache-dir CACHE` reads (same keys; give train the same --window), recording each \
            case in DIR/cases.jsonl. With --shard i/n only that shard's cases are embedded; a re-run resumes; \
            `p2sam merge` checks that every case is there.
            """)

    @Option(help: "Input image (PNG: 8/16-bit grey, RGB or RGBA).")
    var image: String?

    @Option(help: "Output .npy file (with --dataset: the run's shard directory).")
    var output: String

    @Option(help: ArgumentHelp("Embed every case of a dataset into the training embedding cache.", valueName: "SPEC"))
    var dataset: String?

    @Option(
        name: .customLong("cache-dir"),
        help: "--dataset: the embedding cache folder (default ~/.cache/p2sam/embeddings, as `p2sam train`).")
    var cacheDir: String?

    @Option(help: "--dataset: intensity window for CT, as `p2sam train --window`.")
    var window: String?

    @Option(
        help:
            "Intensity normalisation to 0..255, as `p2sam train --normalize`: zscore | minmax | window:LO,HI (not with --window). --image: zscore and minmax are applied to the PNG; a window is taken as applied already."
    )
    var normalize: String?

    @Option(help: "--dataset: embed at most this many cases (the first by sorted id).")
    var limit: Int?

    @OptionGroup var sharding: ShardOptions

    @OptionGroup var model: ModelOptions

    @OptionGroup var precisionOption: PrecisionOption

    func validate() throws {
        guard (image == nil) != (dataset == nil) else {
            throw ValidationError("give either --image PNG or --dataset SPEC")
        }
        if dataset == nil && (sharding.shard != nil || cacheDir != nil || window != nil || limit != nil) {
            throw ValidationError("--shard, --cache-dir, --window and --limit belong to the --dataset form")
        }
        if dataset != nil && precisionOption.precision != .f32 {
            throw ValidationError("--precision belongs to the --image form: the embedding cache holds f32 embeddings")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let window, IntensityWindow(parsing: window) == nil { throw ValidationError("bad --window '\(window)'") }
        try DatasetOptions.checkNormalization(normalize, window: window)
    }

    func run() throws {
        if let dataset {
            try runWithExit { try runDataset(dataset) }
            return
        }
        let image = self.image!
        precisionOption.apply()
        let picture = try InputChecks.image(image)
        try InputChecks.outputFile(output, option: "--output")
        // As `sample --image`: a per-image normalisation is applied to the PNG, a window is taken as applied.
        let normalization = try ModelIntensity.forPNG(normalize: normalize, models: [])
        let modelInput = try normalization.map { try ModelIntensity.apply($0, to: picture, name: image) } ?? picture
        let predictor = try model.loadPredictor()
        let embedded = try predictor.embed(modelInput)
        let tensor = embedded.embeddingNCHW()
        try NPY.write(try NumpyArray(float32: tensor.storage, shape: tensor.shape), to: URL(fileURLWithPath: output))
        print(
            "wrote \(output): float32 (1, 256, 64, 64) embedding of \(image) (\(picture.width)x\(picture.height))"
                + (normalization.map { ", intensities normalised \($0.description)" } ?? ""))
    }

    /// The dataset form: one shard (or all) of the cases' embeddings into the training cache.
    private func runDataset(_ spec: String) throws {
        let normalization = normalize.flatMap(IntensityNormalization.init(parsing:))
        let loaded = try DatasetSpec(parsing: spec).load()
        let data = try normalization?.apply(to: loaded) ?? loaded
        let windowName = window ?? normalization?.cacheName  // the cache keys `p2sam train` uses
        let sorted = try Shard.sortedCaseIDs(data.cases.map(\.metadata.caseID))
        let chosen = limit.map { Array(sorted.prefix($0)) } ?? sorted
        let sha =
            model.skipChecksum
            ? try SHA256.hexDigest(ofFileAt: model.checkpointURL.path) : LiteMedSAMCheckpoint.officialSHA256
        let cacheURL = URL(fileURLWithPath: cacheDir ?? (NSHomeDirectory() + "/.cache/p2sam/embeddings"))
            .standardizedFileURL
        let manifest = try ShardManifest(
            kind: "embed", dataset: data.source, split: "all", method: "litemedsam-embedding",
            modelSHA256: "\(model.checkpointURL.lastPathComponent)=\(sha)",
            seed: 0, conventions: "none",
            settings: [
                "window": window ?? "default", "cache_dir": cacheURL.path, "limit": limit.map(String.init) ?? "none",
            ].merging(normalize.map { ["normalize": $0] } ?? [:]) { a, _ in a },
            toolVersion: ToolVersion.current, allCaseIDs: chosen, shard: sharding.value)
        let directory = try ShardOutputFolder.open(output, manifest: manifest)
        let pending = directory.pendingCaseIDs
        if !pending.isEmpty {
            let store = try LiteMedSAMCheckpoint.weights(at: model.checkpointURL, verifyChecksum: !model.skipChecksum)
            try DatasetEmbedding.run(
                dataset: data, caseIDs: pending, store: store, checkpointSHA256: sha,
                window: window.flatMap(IntensityWindow.init(parsing:)), windowName: windowName,
                cache: try EmbeddingCache(directory: cacheURL), directory: directory)
        }
        if let line = ShardOutputFolder.shardDoneLine(manifest, output: output, pendingCount: pending.count) {
            print(line)
            return
        }
        let merged = try ShardMerge.merge([directory.url], as: EmbeddingCaseRecord.self)
        try DatasetEmbedding.report(manifest: merged.manifest, records: merged.records, json: nil)
    }
}
