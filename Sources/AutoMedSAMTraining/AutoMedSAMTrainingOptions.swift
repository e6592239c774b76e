import AutoMedSAM

/// How AutoMedSAM's loss terms are combined (paper Eq. 17).
public enum LossWeighting: String, Sendable, Codable, CaseIterable {
    /// `Σ_j 0.5/λ_j² · L_j + log(1 + λ_j²)` with learned `λ_j` (initialised to 1).
    case learned
    /// The same with `λ_j = 1` fixed: `0.5 · Σ_j L_j` (the paper's Table 7 ablation; the constant is dropped).
    case fixed
}

/// The settings of an AutoMedSAM training run (stored in the resume file; a resume must match them
/// except `epochs`).
public struct AutoMedSAMTrainingOptions: Sendable, Codable, Equatable {
    public var branches: PromptBranches
    /// T of the diffusion noise; 0 turns it off.
    public var noiseSteps: Int
    /// Sigmoid on the dense branch's element-wise attention.
    public var denseAttentionSigmoid: Bool
    public var weighting: LossWeighting
    public var epochs: Int
    /// AdamW learning rate (the paper: 5e-4) of the class prompt encoder and λ.
    public var learningRate: Float
    /// AdamW learning rate of the mask decoder; nil: `learningRate` (the paper trains both at 5e-4).
    public var decoderLearningRate: Float?
    /// Examples (slice, class) per optimiser step.
    public var batchSize: Int
    public var seed: UInt64
    /// Train on absent classes too (target: an empty mask; no distillation term), so the model learns to
    /// answer "not in this slice".
    public var includeAbsentClasses: Bool

    /// Options with the paper's defaults: both branches, T = 10, sigmoid attention, learned weights, AdamW 5e-4
    /// for everything (`decoderLearningRate` nil).
    public init(
        branches: PromptBranches = .both, noiseSteps: Int = 10, denseAttentionSigmoid: Bool = true,
        weighting: LossWeighting = .learned, epochs: Int = 10, learningRate: Float = 5e-4, batchSize: Int = 4,
        seed: UInt64 = 1, includeAbsentClasses: Bool = true, decoderLearningRate: Float? = nil
    ) {
        self.decoderLearningRate = decoderLearningRate
        self.branches = branches
        self.noiseSteps = noiseSteps
        self.denseAttentionSigmoid = denseAttentionSigmoid
        self.weighting = weighting
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
        self.includeAbsentClasses = includeAbsentClasses
    }
}
