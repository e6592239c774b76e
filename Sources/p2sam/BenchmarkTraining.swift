import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMTensor
import SeededSampling
import Training

/// Stage-2 training rows of `p2sam benchmark`: one optimiser step over a batch of 2 cached cases (PGN
/// forward + backward, decoder forward + backward to the latent, Adam), with the paper's single-sample
/// loss and with the energy set loss (K = 4). The target, one epoch of 500 cached cases per 5
/// minutes, is 600 ms per case.
enum BenchmarkTraining {
    static let batch = 2
    static let targetMsPerCase = 600.0

    static func rows(
        modelURL: URL, backbone: ModelOptions, predictor: LiteMedSAMPredictor, runs: Int, warmup: Int, peak: Double
    ) throws -> [BenchmarkRow] {
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            print("training rows skipped: no model at \(modelURL.path) (pass --p2sam-model)")
            return []
        }
        let cases = try SyntheticCaseGenerator(seed: 5, configuration: SyntheticConfiguration()).generate(count: batch)
        let preparation = TrainingDataPreparation(
            datasetKey: "benchmark", window: nil, windowName: nil,
            checkpointSHA256: LiteMedSAMCheckpoint.officialSHA256,
            cache: try EmbeddingCache(directory: nil))
        let training = try preparation.prepare(cases) { predictor.model.embed($0) }
        var rows: [BenchmarkRow] = []
        for (label, setLoss) in [("paper loss", SetLoss.none), ("energy, K = 4", SetLoss.energy)] {
            // The backbone's state dict is read per row and dropped once the trainable parameters are taken
            // from it, as `p2sam train` does, so its 39 MB are not held through the timed steps.
            let store = try LiteMedSAMCheckpoint.weights(
                at: backbone.checkpointURL, verifyChecksum: !backbone.skipChecksum)
            let loaded = try P2SAMModelFile.readTrainable(
                modelURL, backbone: store, baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256)
            guard loaded.stage == 2 else {
                throw P2SAMTrainingError.invalidModel(
                    "\(modelURL.path) is a stage-\(loaded.stage) model; the training rows need a stage-2 model")
            }
            let network = P2SAMNetwork(configuration: loaded.configuration, parameters: loaded.parameters)
            let trainer = try P2SAMTrainer(
                network: network, options: TrainingOptions(stage: 2, batchSize: batch, setLoss: setLoss, samples: 4))
            var step: UInt64 = 0
            ResidentMemory.resetPeak()
            let time = try BenchmarkClock.measure(runs: max(3, runs / 2), warmup: 1) {
                step += 1
                _ = try trainer.step(training, random: SeededRandom(seed: step))
            }
            rows.append(
                BenchmarkRow(
                    name: "P²SAM stage-2 step (\(label)), \(batch) cases", ms: time, perUnit: batch,
                    target: targetMsPerCase * Double(batch),
                    gflop: 0, peak: peak, rss: ResidentMemory.peakBytes()))
        }
        return rows
    }
}
