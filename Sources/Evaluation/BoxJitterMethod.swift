import PromptUncertainty

/// Box ensemble: n boxes from N(box, σ²) per coordinate (σ = `jitterFraction` x side); final = mean
/// probability > 0.5.
public struct BoxJitterMethod: EvaluationMethod {
    public var jitterFraction: Double

    /// The box-jitter baseline with box σ = `jitterFraction` of the box side.
    public init(jitterFraction: Double) { self.jitterFraction = jitterFraction }

    public func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        let result = try MultiPromptEnsemble(boxCount: input.count, jitterFraction: jitterFraction)
            .run(input.segmenter, box: input.box, random: input.random)
        return EvaluationOutput(
            final: result.mask, samples: result.samples.map { $0.mask() }, meanEntropy: result.meanEntropy)
    }
}
