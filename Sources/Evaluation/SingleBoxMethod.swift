import LiteMedSAM
import PromptUncertainty

/// Plain LiteMedSAM: one box, the deterministic mask repeated n times.
public struct SingleBoxMethod: EvaluationMethod {
    /// Plain LiteMedSAM on the simulated box.
    public init() {}

    public func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        let mask = try input.segmenter.probabilities(for: [ImagePrompt(box: input.box)])[0].mask()
        return EvaluationOutput(final: mask, samples: Array(repeating: mask, count: input.count), meanEntropy: 0)
    }
}
