import LiteMedSAM
import MedImageIO
import MultiRaterMetrics
import SeededSampling

/// MedSAM-U's UGPA (Uncertainty-Guided Prompt Adaptation, paper §III-C, Eqs. 9–14, Algorithm 1),
/// training-free on LiteMedSAM.
///
/// One round, from the current UGMP result (ȳ, Ū) and its box b:
/// 1. Refined box = bounding box of `Ū > edgeLevel · max(Ū)` (optionally united with `ȳ > 0.5`);
///    if nothing exceeds it or the box is under 2 model pixels on a side, b is kept.
/// 2. Points P* = the `pointCount` most uncertain pixels (positive; optional minimum spacing).
///    Default 0: LiteMedSAM was trained on boxes only and its point prompts give poor masks.
/// 3. (y*, U*) = UGMP(refined box, P*), with fresh Gaussian box jitter.
/// 4. Accept iff `mean(U*) < mean(Ū)`; otherwise stop. Up to `maxRounds` rounds (default 1).
public struct PromptAdaptation: Sendable {
    public var ensemble = MultiPromptEnsemble()
    /// Top-k uncertain points added in refinement rounds (0 = boxes only, UGPA¹; 10 = UGPA⁴).
    public var pointCount = 0
    /// Minimum distance between chosen points in model (256) pixels; 0 = literal top-k.
    public var pointSpacing: Double = 0
    /// τ_e as a fraction of max(Ū) (default 0.5).
    public var edgeLevel: Float = 0.5
    /// Also include `ȳ > 0.5` in the refined box.
    public var includeMeanMask = false
    public var maxRounds = 1

    /// UGPA with the given UGMP settings and round parameters (the properties of the same names).
    public init(
        ensemble: MultiPromptEnsemble = MultiPromptEnsemble(), pointCount: Int = 0, pointSpacing: Double = 0,
        edgeLevel: Float = 0.5, includeMeanMask: Bool = false, maxRounds: Int = 1
    ) {
        self.ensemble = ensemble
        self.pointCount = pointCount
        self.pointSpacing = pointSpacing
        self.edgeLevel = edgeLevel
        self.includeMeanMask = includeMeanMask
        self.maxRounds = maxRounds
    }

    /// A refinement round's outcome.
    public struct Round: Sendable {
        public var box: BoundingBox
        public var points: [PromptPoint]
        public var result: MultiPromptEnsemble.Result
        public var accepted: Bool
        /// True when the uncertainty region gave no usable box and the previous box was reused.
        public var keptPreviousBox: Bool
    }

    /// The initial UGMP, every round tried, and the final choice.
    public struct Result: Sendable {
        public var initialBox: BoundingBox
        public var initial: MultiPromptEnsemble.Result
        public var rounds: [Round]
        /// The last accepted result (the initial one when no round was accepted).
        public var final: MultiPromptEnsemble.Result
        /// True when at least one round was accepted.
        public var accepted: Bool { rounds.contains { $0.accepted } }
    }

    /// The refined box from an entropy map (step 1), or `nil` for the fallback.
    public func refinedBox(statistics s: SampleStatistics) -> BoundingBox? {
        let peak = s.entropy.max() ?? 0
        guard peak > 0 else { return nil }
        var map = s.entropy.map { $0 > edgeLevel * peak ? Float(1) : 0 }
        if includeMeanMask { for i in map.indices where s.mean[i] > 0.5 { map[i] = 1 } }
        guard let box = PointSelection.boundingBox(of: map, width: s.width, height: s.height, above: 0.5) else {
            return nil
        }
        let minimum = 2 * ImageFrame(width: s.width, height: s.height).pixelsPerModelPixel
        return box.width >= minimum && box.height >= minimum ? box : nil
    }

    /// Runs UGMP from `box` (validated: partly outside boxes are clipped), then the UGPA rounds.
    /// `userPoints` join every prompt of the initial UGMP (optional; positive points).
    public func run(
        _ segmenter: some PromptedSegmenter, box: BoundingBox, userPoints: [PromptPoint] = [],
        random: SeededRandom
    ) throws -> Result {
        let frame = segmenter.frame
        let start = try PromptBoxCheck.check(box, width: frame.width, height: frame.height).box
        guard maxRounds >= 0 else {
            throw PromptUncertaintyError.invalidParameter("maxRounds \(maxRounds) must be >= 0")
        }
        try checkPointCount()
        let initial = try ensemble.run(segmenter, box: start, points: userPoints, random: random)
        return try adapt(segmenter, initial: initial, box: start, random: random)
    }

    /// The UGPA rounds from a given UGMP result (e.g. one computed on simulated boxes).
    public func adapt(
        _ segmenter: some PromptedSegmenter, initial: MultiPromptEnsemble.Result, box: BoundingBox,
        random: SeededRandom
    ) throws -> Result {
        try checkPointCount()
        var current = initial
        var currentBox = box
        var rounds: [Round] = []
        let spacing = pointSpacing * segmenter.frame.pixelsPerModelPixel
        for _ in 0..<maxRounds {
            let refined = refinedBox(statistics: current.statistics)
            let nextBox = refined ?? currentBox
            let s = current.statistics
            let points = PointSelection.topUncertainPoints(
                s.entropy, width: s.width, height: s.height,
                count: pointCount, minimumSpacing: spacing)
            let candidate = try ensemble.run(segmenter, box: nextBox, points: points, random: random)
            let accepted = candidate.meanEntropy < current.meanEntropy
            rounds.append(
                Round(
                    box: nextBox, points: points, result: candidate, accepted: accepted, keptPreviousBox: refined == nil
                ))
            guard accepted else { break }
            current = candidate
            currentBox = nextBox
        }
        return Result(initialBox: box, initial: initial, rounds: rounds, final: current)
    }

    /// Refuses a ``pointCount`` above ``Prompt/maximumPointCount`` before any decoding.
    private func checkPointCount() throws {
        guard (0...Prompt.maximumPointCount).contains(pointCount) else {
            throw PromptUncertaintyError.invalidParameter(
                "point count \(pointCount) is outside 0…\(Prompt.maximumPointCount)")
        }
    }
}
