import PromptUncertainty

/// MedSAM-U: UGMP with n jittered boxes, then UGPA; the n masks of the accepted stage are the samples.
/// With `refine == false` this is UGMP alone.
public struct MedSAMUMethod: EvaluationMethod {
    public var adaptation: PromptAdaptation
    public var refine: Bool

    /// MedSAM-U with its prompt adaptation settings; `refine` false stops after UGMP.
    public init(adaptation: PromptAdaptation, refine: Bool) {
        self.adaptation = adaptation
        self.refine = refine
    }

    public func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        var method = adaptation
        method.ensemble.boxCount = input.count
        if !refine { method.maxRounds = 0 }
        let result = try method.run(input.segmenter, box: input.box, random: input.random)
        return EvaluationOutput(
            final: result.final.mask, samples: result.final.samples.map { $0.mask() },
            meanEntropy: result.final.meanEntropy, accepted: refine ? result.accepted : nil)
    }
}
