import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling

/// What a method gets for one case.
struct EvaluationInput {
    /// LiteMedSAM on the case image (the encoder has run).
    var segmenter: LiteMedSAMSegmenter
    /// The case image as given to the model (windowed / scaled to 0...255).
    var picture: MedicalImage
    /// The simulated box prompt (image pixels, inside the image).
    var box: BoundingBox
    /// n, the number of masks to produce.
    var count: Int
    /// The method's random source (seeded per case).
    var random: SeededRandom
}

/// What a method returns for one case.
struct EvaluationOutput {
    /// The method's single answer, scored against the majority-vote mask.
    var final: BinaryMask
    /// The n masks scored against the raters (GED, HM-IoU, D_max, D_mean).
    var samples: [BinaryMask]
    /// Mean entropy (bits) of the method's uncertainty map, when it has one.
    var meanEntropy: Double? = nil
    /// UGPA: whether the refinement was accepted.
    var accepted: Bool? = nil
}

/// One method of `p2sam evaluate`. To add a method: conform a struct, add a case to
/// `EvaluationMethodName` and one line to `EvaluateCommand.makeMethod()`.
protocol EvaluationMethod {
    /// False for methods that need no box (cases with empty raters are then not skipped).
    var needsBox: Bool { get }
    func run(_ input: EvaluationInput) throws -> EvaluationOutput
}

extension EvaluationMethod {
    var needsBox: Bool { true }
}

/// Plain LiteMedSAM: one box, the deterministic mask repeated n times.
struct SingleBoxMethod: EvaluationMethod {
    func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        let mask = try input.segmenter.probabilities(for: [ImagePrompt(box: input.box)])[0].mask()
        return EvaluationOutput(final: mask, samples: Array(repeating: mask, count: input.count), meanEntropy: 0)
    }
}

/// Box ensemble: n boxes from N(box, σ²) per coordinate; final = mean probability > 0.5.
struct BoxJitterMethod: EvaluationMethod {
    var jitterFraction: Double

    func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        let result = try MultiPromptEnsemble(boxCount: input.count, jitterFraction: jitterFraction)
            .run(input.segmenter, box: input.box, random: input.random)
        return EvaluationOutput(
            final: result.mask, samples: result.samples.map { $0.mask() }, meanEntropy: result.meanEntropy)
    }
}

/// UR-SAM: n shifted boxes; final = the rectified mask (or the ensemble / a fixed-threshold baseline).
struct URSAMMethod: EvaluationMethod {
    enum Output: String, CaseIterable { case rectified, ensemble, fpc, fnc, fpnc }
    var ratio: Double
    var rectification: UncertaintyRectification
    var output: Output

    func run(_ input: EvaluationInput) throws -> EvaluationOutput {
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

/// MedSAM-U: UGMP with n jittered boxes, then UGPA; the n masks of the accepted stage are the samples.
/// With `refine == false` this is UGMP alone.
struct MedSAMUMethod: EvaluationMethod {
    var adaptation: PromptAdaptation
    var refine: Bool

    func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        var method = adaptation
        method.ensemble.boxCount = input.count
        if !refine { method.maxRounds = 0 }
        let result = try method.run(input.segmenter, box: input.box, random: input.random)
        return EvaluationOutput(
            final: result.final.mask, samples: result.final.samples.map { $0.mask() },
            meanEntropy: result.final.meanEntropy, accepted: refine ? result.accepted : nil)
    }
}
