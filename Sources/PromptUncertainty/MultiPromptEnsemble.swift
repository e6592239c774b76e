import LiteMedSAM
import MedImageIO
import MultiRaterMetrics
import SeededSampling

/// MedSAM-U's UGMP (Uncertainty-Guided Multi-Prompt, paper §III-B, Eqs. 4–8): N boxes jittered around
/// one box (`N(b, σ²)` per coordinate, σ = fraction × side), each decoded together with the same point
/// set, then the mean probability and the entropy of the mean.
public struct MultiPromptEnsemble: Sendable {
    /// N, boxes per ensemble (default 3).
    public var boxCount: Int = 3
    /// σ as a fraction of the box width/height (default 0.05).
    public var jitterFraction: Double = 0.05

    /// UGMP with `boxCount` boxes jittered by σ = `jitterFraction` × side.
    public init(boxCount: Int = 3, jitterFraction: Double = 0.05) {
        self.boxCount = boxCount
        self.jitterFraction = jitterFraction
    }

    /// One UGMP evaluation.
    public struct Result: Sendable {
        /// The N jittered boxes decoded.
        public var boxes: [BoundingBox]
        /// Points given with every box (positive).
        public var points: [PromptPoint]
        public var samples: [ProbabilityMap]
        public var statistics: SampleStatistics
        /// `ȳ > 0.5`.
        public var mask: BinaryMask { statistics.meanMask() }
        /// Mean entropy (bits) over all pixels: the scalar compared in Eq. 14.
        public var meanEntropy: Double { statistics.meanEntropy }
    }

    /// Runs UGMP around `box` (already inside the image) with `points` attached to each box.
    public func run(
        _ segmenter: some PromptedSegmenter, box: BoundingBox, points: [PromptPoint] = [],
        random: SeededRandom
    ) throws -> Result {
        guard boxCount >= 1 else { throw PromptUncertaintyError.invalidCount(name: "box count", value: boxCount) }
        let augmenter = BoxAugmenter(frame: segmenter.frame)
        let boxes = try augmenter.boxes(boxCount) {
            augmenter.gaussianJitter(box, fraction: jitterFraction, random: random)
        }
        return try run(segmenter, boxes: boxes, points: points)
    }

    /// Runs UGMP on given boxes (e.g. MedSAM-U's benchmark mode, where simulated boxes are the set).
    public func run(_ segmenter: some PromptedSegmenter, boxes: [BoundingBox], points: [PromptPoint] = []) throws
        -> Result
    {
        guard !boxes.isEmpty else { throw PromptUncertaintyError.invalidCount(name: "box count", value: 0) }
        let samples = try segmenter.probabilities(for: boxes.map { ImagePrompt(box: $0, points: points) })
        return Result(
            boxes: boxes, points: points, samples: samples, statistics: try SampleStatistics(probabilities: samples))
    }
}
