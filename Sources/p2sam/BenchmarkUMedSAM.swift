import Foundation
import LiteMedSAM
import SAMTensor
import SeededSampling
import UMedSAMTraining

/// U-MedSAM fine-tuning rows of `p2sam benchmark --training`: one optimiser step over a batch of 2 cached
/// cases (decoder trainable, four loss terms, AdamW), plain and sharpness-aware. Issue 11's targets: 300 ms
/// per case plain, 600 ms sharpness-aware.
enum BenchmarkUMedSAM {
    static let batch = 2

    static func rows(backbone: ModelOptions, runs: Int, peak: Double) throws -> [BenchmarkRow] {
        let store = try LiteMedSAMCheckpoint.weights(at: backbone.checkpointURL, verifyChecksum: !backbone.skipChecksum)
        let random = SeededRandom(seed: 11)
        let cases = (0..<batch).map { i -> UMedSAMCase in
            let embedding = Tensor(
                shape: [64, 64, 256], storage: (0..<(64 * 64 * 256)).map { _ in Float(random.gaussian(sigma: 0.3)) })
            var mask = [UInt8](repeating: 0, count: 256 * 256)
            for y in 80..<(150 + 10 * i) { for x in 90..<(170 + 10 * i) { mask[y * 256 + x] = 1 } }
            return UMedSAMCase(
                dataset: "benchmark", caseID: "\(i)", embedding: embedding, mask: mask, resizedHeight: 256,
                resizedWidth: 256)
        }
        var rows: [BenchmarkRow] = []
        for (label, sharpness, target) in [("plain", false, 300.0), ("sharpness-aware", true, 600.0)] {
            let network = try UMedSAMNetwork(backbone: store, lossTermCount: UMedSAMLossTerm.allCases.count)
            let recipe = try UMedSAMTrainer(
                network: network, options: UMedSAMOptions(sharpnessAware: sharpness, batchSize: batch))
            var step: UInt64 = 0
            ResidentMemory.resetPeak()
            let time = try BenchmarkClock.measure(runs: max(3, runs / 2), warmup: 1) {
                step += 1
                _ = try recipe.step(cases, random: SeededRandom(seed: step))
            }
            rows.append(
                BenchmarkRow(
                    name: "U-MedSAM step (\(label)), \(batch) cached cases", ms: time, perUnit: batch,
                    target: target * Double(batch), gflop: 0, peak: peak, rss: ResidentMemory.peakBytes()))
        }
        return rows
    }
}
