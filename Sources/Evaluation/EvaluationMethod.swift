import LiteMedSAM
import MedImageIO
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling

/// What a method gets for one case.
public struct EvaluationInput {
    /// LiteMedSAM on the case image (the encoder has run; `segmenter.image` holds the embedding).
    public var segmenter: LiteMedSAMSegmenter
    /// The case image as given to the model (windowed / scaled to 0...255).
    public var picture: MedicalImage
    /// The simulated box prompt (image pixels, inside the image; the whole image for a method whose
    /// `needsBox` is false).
    public var box: BoundingBox
    /// n, the number of masks to produce.
    public var count: Int
    /// The method's random source, seeded per case (`CaseSeed`, stream `"method"`).
    public var random: SeededRandom

    /// What a method gets for one case: the segmenter on the case's picture, the simulated box, the number of
    /// masks to draw and the case's random stream.
    public init(
        segmenter: LiteMedSAMSegmenter, picture: MedicalImage, box: BoundingBox, count: Int, random: SeededRandom
    ) {
        self.segmenter = segmenter
        self.picture = picture
        self.box = box
        self.count = count
        self.random = random
    }
}

/// What a method returns for one case (masks at the image's size).
public struct EvaluationOutput {
    /// The method's single answer, scored against the majority-vote mask (Dice, IoU).
    public var final: BinaryMask
    /// The n masks scored against the raters (GED, HM-IoU, D_max, D_mean).
    public var samples: [BinaryMask]
    /// Mean entropy (bits) of the method's uncertainty map, when it has one.
    public var meanEntropy: Double?
    /// Whether a refinement was accepted (MedSAM-U's UGPA), for methods that refine.
    public var accepted: Bool?

    /// A method's answer: the final mask, the n sampled masks, and optionally the mean entropy and whether a
    /// refinement was accepted.
    public init(final: BinaryMask, samples: [BinaryMask], meanEntropy: Double? = nil, accepted: Bool? = nil) {
        self.final = final
        self.samples = samples
        self.meanEntropy = meanEntropy
        self.accepted = accepted
    }
}

/// A segmentation method evaluated on multi-rater data by `EvaluationRunner` (and `p2sam evaluate`):
/// per case it gets the embedded image, a simulated box and n, and returns a final mask and n masks.
///
/// ## Adding a method
/// 1. Conform a value type in this module (`Sources/Evaluation/<Name>Method.swift`), or in your own code:
///    `run(_:)` computes the masks from `input.segmenter` (LiteMedSAM with the image embedded) and draws any
///    randomness from `input.random` only, so a case gets the same masks in any shard or subset. Set
///    `needsBox` to false when the method uses no prompt (cases whose raters are all empty then count).
///    A trained method loads its weights in its initialiser, not per case.
/// 2. Library tests in `Tests/EvaluationTests` (or the method's module tests): the masks of a synthetic case
///    (`SyntheticCaseGenerator`) against what the method's own API returns, and its determinism per seed.
/// 3. For `p2sam evaluate`: a case in `EvaluationMethodName` and a line in `EvaluateCommand.makeMethod()`
///    (`Sources/p2sam/EvaluateCommand.swift`), its options, its name in `methodDescription` and in
///    `fullSettings`; a CLI test in `Tests/P2SAMCLITests`; `checks/cli_contract.py` must still pass.
///
/// From code: `EvaluationRunner(method: MyMethod(), …).run(dataset, caseIDs:, predictor:) { record in … }`,
/// then `EvaluationReport(manifest:records:)`.
public protocol EvaluationMethod {
    /// False for methods that need no box (cases with empty raters are then not skipped). Default true.
    var needsBox: Bool { get }
    /// The final mask and the n masks of one case.
    func run(_ input: EvaluationInput) throws -> EvaluationOutput
}

extension EvaluationMethod {
    public var needsBox: Bool { true }
}
