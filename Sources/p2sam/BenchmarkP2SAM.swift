import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM

/// P²SAM rows of `p2sam benchmark`: one image + N samples end to end (preprocess, encoder, PGN,
/// N decodes, fusion, resize and threshold to the image size; no file writing).
enum BenchmarkP2SAM {
    /// The rows; `boxJitter`: also the row of a caller's box jittered per sample (not a peer stage).
    ///
    /// A model without encoder LoRA shares `encoder` (the LiteMedSAM predictor's, already in memory), as a program
    /// holding both would: the process then holds one backbone, as `p2sam sample` does. A LoRA model merges its
    /// factors into a second copy of the backbone's weights.
    static func rows(
        modelURL: URL, backbone: ModelOptions, encoder: TinyViTEncoder, runs: Int, slowRuns: Int, warmup: Int,
        peak: Double, boxJitter: Bool
    ) throws -> [BenchmarkRow] {
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            print("P²SAM rows skipped: no model at \(modelURL.path) (pass --p2sam-model)")
            return []
        }
        let file = try P2SAMModelFile(contentsOf: modelURL)
        let model =
            file.loraRank == nil
            ? try P2SAMModel(file: file, imageEncoder: encoder)
            : try P2SAMModel(
                file: file,
                backbone: LiteMedSAMCheckpoint.weights(
                    at: backbone.checkpointURL, verifyChecksum: !backbone.skipChecksum))
        let sampler = P2SAMSampler(model: model)
        let image = BenchmarkCommand.pipelineImage()
        var rows: [BenchmarkRow] = []
        for (count, target) in [(16, 900.0), (100, 3000.0)] {
            let time = try BenchmarkClock.measure(runs: count == 100 ? slowRuns : runs, warmup: warmup) {
                let prepared = try sampler.prepare(image)
                _ = try sampler.sample(prepared, count: count, seed: 1)
            }
            rows.append(
                BenchmarkRow(
                    name: "P²SAM (\(model.configuration.injection.rawValue)) 1 image + \(count) samples", ms: time,
                    perUnit: count,
                    target: target,
                    gflop: BenchmarkCommand.encoderGFLOP + Double(count) * BenchmarkCommand.decoderGFLOPPerPrompt * 1.3,
                    peak: peak, rss: ResidentMemory.peakBytes(), stage: "p2sam_\(count)"))
        }
        guard boxJitter else { return rows }
        // A caller's box jittered per sample (F 0.1, as `sample --box … --box-jitter 0.1`): every sample has its own
        // prompt, so the decoder cannot share one prompt's work across the samples.
        var jittered = sampler
        jittered.boxJitter = try PromptBoxJitter(fraction: 0.1)
        let prompt = ImagePrompt(box: BoundingBox(x0: 40, y0: 28, x1: 90, y1: 74))
        let time = try BenchmarkClock.measure(runs: runs, warmup: warmup) {
            let prepared = try jittered.prepare(image, prompt: prompt)
            _ = try jittered.sample(prepared, count: 16, seed: 1)
        }
        rows.append(
            BenchmarkRow(
                name: "P²SAM (\(model.configuration.injection.rawValue)) 1 image + 16 samples, box jitter 0.1",
                ms: time,
                perUnit: 16, target: nil,
                gflop: BenchmarkCommand.encoderGFLOP + 16 * BenchmarkCommand.decoderGFLOPPerPrompt * 1.3, peak: peak,
                rss: ResidentMemory.peakBytes()))
        return rows
    }
}
