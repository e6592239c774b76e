import LiteMedSAM
import MedImageIO
import MultiRaterData
import PromptUncertainty
import SeededSampling

/// `p2sam benchmark` rows for the training-free uncertainty methods (issue 4): whole pipelines on the
/// 128x128 benchmark image, encoder included. Their reference column is the target.
enum BenchmarkUncertaintyRows {
    static func rows(predictor: LiteMedSAMPredictor, image: MedicalImage, runs: Int, warmup: Int, peak: Double) throws
        -> [BenchmarkRow]
    {
        let box = BoundingBox(x0: 40, y0: 26, x1: 90, y1: 76)
        let intensity = IntensityMap(image)
        ResidentMemory.resetPeak()
        let ursam = try BenchmarkClock.measure(runs: runs, warmup: warmup) {
            let segmenter = try LiteMedSAMSegmenter(predictor: predictor, picture: image)
            _ = try URSAM(count: 3).run(segmenter, intensity: intensity, box: box, random: SeededRandom(seed: 1))
        }
        let ursamRow = BenchmarkRow(
            name: "UR-SAM: 1 image + 3 shifted boxes + rectification", ms: ursam, perUnit: nil,
            target: 600, gflop: BenchmarkCommand.encoderGFLOP + 3 * BenchmarkCommand.decoderGFLOPPerPrompt,
            peak: peak, rss: ResidentMemory.peakBytes())
        ResidentMemory.resetPeak()
        let ugpa = try BenchmarkClock.measure(runs: runs, warmup: warmup) {
            let segmenter = try LiteMedSAMSegmenter(predictor: predictor, picture: image)
            _ = try PromptAdaptation().run(segmenter, box: box, random: SeededRandom(seed: 1))
        }
        let ugpaRow = BenchmarkRow(
            name: "MedSAM-U UGPA: 1 image + 3 boxes + 3 refined boxes", ms: ugpa, perUnit: nil,
            target: 750, gflop: BenchmarkCommand.encoderGFLOP + 6 * BenchmarkCommand.decoderGFLOPPerPrompt,
            peak: peak, rss: ResidentMemory.peakBytes())
        return [ursamRow, ugpaRow]
    }
}
