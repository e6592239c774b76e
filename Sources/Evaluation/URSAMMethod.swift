import MultiRaterMetrics
import PromptUncertainty

/// UR-SAM: n shifted boxes; final = the rectified mask (or the ensemble / a fixed-threshold baseline).
public struct URSAMMethod: EvaluationMethod {
    /// Which mask is the final answer.
    public enum Output: String, CaseIterable, Sendable { case rectified, ensemble, fpc, fnc, fpnc }

    /// The shift ratio r (boxes shifted by U[±r·max(H, W)]).
    public var ratio: Double
    public var rectification: UncertaintyRectification
    public var output: Output

    /// UR-SAM with shift ratio `ratio` and `rectification`; `output` receives per-case pictures when given.
    public init(ratio: Double, rectification: UncertaintyRectification, output: Output) {
        self.ratio = ratio
        self.rectification = rectification
        self.output = output
    }

    public func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        let result = try URSAM(count: input.count, ratio: ratio, rectification: rectification)
            .run(input.segmenter, intensity: IntensityMap(input.picture), box: input.box, random: input.random)
        let final: BinaryMask
        switch output {
        case .rectified: final = result.rectified.mask
        case .ensemble: final = result.ensemble
        case .fpc: final = result.corrected(.falsePositive)
        case .fnc: final = result.corrected(.falseNegative)
        case .fpnc: final = result.corrected(.both)
        }
        return EvaluationOutput(
            final: final, samples: result.samples.map { $0.mask() }, meanEntropy: result.statistics.meanEntropy)
    }
}
