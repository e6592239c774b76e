import LiteMedSAM
import MedImageIO
import MultiRaterMetrics
import SeededSampling

/// UR-SAM (training-free): prompt augmentation by uniform box shifts, ensemble, entropy, and
/// uncertainty rectification (paper §III-C/D). Everything is per 2-D image and per target.
public struct URSAM: Sendable {
    /// Number of shifted boxes n (default 3).
    public var count: Int = 3
    /// Shift ratio r: each coordinate moves by `U[-r·L, r·L]`, L = max(H, W) (default 0.01).
    public var ratio: Double = 0.01
    /// Add the original box to the n shifted ones (paper: no).
    public var includeOriginalBox = false
    public var rectification = UncertaintyRectification()

    /// UR-SAM with `count` boxes shifted by up to `ratio · L`, optionally the original box, and the given
    /// rectification (the properties of the same names).
    public init(
        count: Int = 3, ratio: Double = 0.01, includeOriginalBox: Bool = false,
        rectification: UncertaintyRectification = UncertaintyRectification()
    ) {
        self.count = count
        self.ratio = ratio
        self.includeOriginalBox = includeOriginalBox
        self.rectification = rectification
    }

    /// Everything UR-SAM computes for one image.
    public struct Result: Sendable {
        /// The boxes decoded, in order (the original first when included).
        public var boxes: [BoundingBox]
        /// One probability map per box.
        public var samples: [ProbabilityMap]
        /// Mean, entropy (bits) and variance of the samples.
        public var statistics: SampleStatistics
        /// The ensembled mask `ȳ > 0.5`.
        public var ensemble: BinaryMask
        /// Rectified mask, uncertain region and threshold.
        public var rectified: UncertaintyRectification.Result
        /// The fixed-threshold baselines (Unc-FPC / FNC / FPNC at level 0.5) for the same ensemble.
        public func corrected(_ kind: FixedThresholdCorrection.Kind, level: Float = 0.5) -> BinaryMask {
            try! FixedThresholdCorrection(kind: kind, level: level).correct(ensemble, entropy: statistics.entropy)
        }
    }

    /// The n augmented boxes for `box` (clipped to the image).
    public func boxes(around box: BoundingBox, frame: ImageFrame, random: SeededRandom) throws -> [BoundingBox] {
        guard count >= 1 else { throw PromptUncertaintyError.invalidCount(name: "count", value: count) }
        guard ratio >= 0, ratio.isFinite else {
            throw PromptUncertaintyError.invalidParameter("ratio \(ratio) must be >= 0")
        }
        let augmenter = BoxAugmenter(frame: frame)
        let shifted = try augmenter.boxes(count) { augmenter.uniformShift(box, ratio: ratio, random: random) }
        return includeOriginalBox ? [box] + shifted : shifted
    }

    /// Runs UR-SAM for `box` (validated with ``PromptBoxCheck``: partly outside boxes are clipped).
    public func run(
        _ segmenter: some PromptedSegmenter, intensity: IntensityMap, box: BoundingBox,
        random: SeededRandom
    ) throws -> Result {
        let frame = segmenter.frame
        let checked = try PromptBoxCheck.check(box, width: frame.width, height: frame.height).box
        let boxes = try boxes(around: checked, frame: frame, random: random)
        let samples = try segmenter.probabilities(for: boxes.map { ImagePrompt(box: $0) })
        let statistics = try SampleStatistics(probabilities: samples)
        let rectified = try rectification.rectify(
            mean: statistics.mean, entropy: statistics.entropy,
            intensity: intensity, box: checked)
        return Result(
            boxes: boxes, samples: samples, statistics: statistics,
            ensemble: statistics.meanMask(), rectified: rectified)
    }
}
