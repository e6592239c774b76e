import Foundation
import Optimisers

/// One of U-MedSAM's four loss terms (`UMedSAMLoss`).
public enum UMedSAMLossTerm: String, Sendable, Codable, CaseIterable {
    /// Soft Dice with squared denominators on `σ(logits)` (`Loss.squaredDice`).
    case dice
    /// Binary cross-entropy with logits.
    case bce
    /// MSE of the IoU head's prediction against the real IoU of the thresholded mask.
    case iou
    /// The shape-distance loss against the ground truth's boundary-aware map (`Loss.shapeDistance`).
    case shape
}

/// How the loss terms are combined.
public enum UMedSAMLossWeighting: String, Sendable, Codable, CaseIterable {
    /// The released code: `Σ 0.5/σ² · L + log(1 + σ²)`, σ learned (initialised to 1).
    case code
    /// The paper's Eq. 1: `Σ 0.5/σ² · L + log σ`, σ learned (initialised to 1).
    case paper
    /// Fixed equal weights: `Σ L` (the paper's Table 3 ablation; nothing learned).
    case fixed

    /// The learned form, or nil for fixed weights.
    public var uncertainty: UncertaintyWeighting? {
        switch self {
        case .code: return .code
        case .paper: return .paper
        case .fixed: return nil
        }
    }
}

/// Which parts of LiteMedSAM a fine-tuning run trains (the loss weights train whenever they are learned).
public enum UMedSAMTrainableParts: String, Sendable, Codable, CaseIterable {
    /// The mask decoder (U-MedSAM's released code).
    case decoder
    /// The mask decoder and the prompt encoder's learned embeddings (points, box corners, no-mask).
    case decoderAndPromptEncoder = "decoder+prompt"
    /// The mask decoder and rank-r LoRA factors on the q and v projections of every TinyViT attention block
    /// (`LoRAParameters`); the image encoder runs at every step (embeddings cannot be cached).
    case decoderAndLoRA = "decoder+lora"
    /// The mask decoder, the prompt encoder's learned embeddings and the encoder LoRA factors.
    case decoderPromptAndLoRA = "decoder+prompt+lora"

    /// Whether the prompt encoder's learned embeddings train.
    public var trainsPromptEncoder: Bool { self == .decoderAndPromptEncoder || self == .decoderPromptAndLoRA }

    /// Whether encoder LoRA factors train (the embeddings are then computed at every step).
    public var trainsEncoderLoRA: Bool { self == .decoderAndLoRA || self == .decoderPromptAndLoRA }
}

/// The prompts drawn from the ground truth during training.
public enum UMedSAMPromptMode: String, Sendable, Codable, CaseIterable {
    /// The tight box, each side shifted outward by U{0…jitter} model pixels (U-MedSAM).
    case box
    /// MedSAM-U's multi-prompt training, CPU-sized (MPA-lite): per example one of box; box + 1–3 positive
    /// points; 1–3 positive points only (each with probability 1/3), points uniform in the ground truth.
    case mixed
}

/// The settings of a U-MedSAM fine-tuning run (defaults: the released code, `SPECS.md` section 4 and
/// issue 11).
public struct UMedSAMOptions: Sendable, Codable, Equatable {
    public var terms: [UMedSAMLossTerm]
    public var weighting: UMedSAMLossWeighting
    /// Sharpness-aware minimisation (two passes per step; the loss weights are not perturbed).
    public var sharpnessAware: Bool
    /// SAM's radius ρ.
    public var radius: Float
    public var trainable: UMedSAMTrainableParts
    /// The encoder LoRA rank with a `+lora` trainable part (nil there: `defaultLoRARank`); must be nil
    /// otherwise.
    public var loraRank: Int?
    public var prompts: UMedSAMPromptMode
    /// Maximum outward shift of each box side in model (256) pixels.
    public var boxJitter: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var weightDecay: Float
    public var beta1: Float
    public var beta2: Float
    /// ReduceLROnPlateau (mode min) on the validation criterion: factor, patience, cooldown.
    public var plateauFactor: Float
    public var plateauPatience: Int
    public var plateauCooldown: Int
    public var seed: UInt64

    /// The released U-MedSAM settings unless given: all four terms, the code's weighting, decoder only,
    /// boxes jittered by up to 5 px, AdamW lr 5e-5, betas (0.9, 0.999), weight decay 0.01,
    /// ReduceLROnPlateau(0.9, patience 5, cooldown 0), batch 2; sharpness-aware with ρ 0.05 as the paper.
    /// `loraRank` applies to a `+lora` trainable part only.
    public init(
        terms: [UMedSAMLossTerm] = UMedSAMLossTerm.allCases, weighting: UMedSAMLossWeighting = .code,
        sharpnessAware: Bool = true, radius: Float = 0.05, trainable: UMedSAMTrainableParts = .decoder,
        loraRank: Int? = nil, prompts: UMedSAMPromptMode = .box, boxJitter: Int = 5, epochs: Int = 3,
        batchSize: Int = 2,
        learningRate: Float = 5e-5, weightDecay: Float = 0.01, beta1: Float = 0.9, beta2: Float = 0.999,
        plateauFactor: Float = 0.9, plateauPatience: Int = 5, plateauCooldown: Int = 0, seed: UInt64 = 1
    ) {
        self.terms = terms
        self.weighting = weighting
        self.sharpnessAware = sharpnessAware
        self.radius = radius
        self.trainable = trainable
        self.loraRank = loraRank
        self.prompts = prompts
        self.boxJitter = boxJitter
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.plateauFactor = plateauFactor
        self.plateauPatience = plateauPatience
        self.plateauCooldown = plateauCooldown
        self.seed = seed
    }

    /// The LoRA rank of a `+lora` trainable part when none is given.
    public static let defaultLoRARank = 4

    /// The encoder LoRA rank this run trains, or nil without encoder LoRA.
    public var encoderLoRARank: Int? { trainable.trainsEncoderLoRA ? (loraRank ?? Self.defaultLoRARank) : nil }

    /// Throws `UMedSAMError.invalidOptions` naming the first bad setting.
    public func validate() throws {
        func fail(_ why: String) throws { throw UMedSAMError.invalidOptions(why) }
        if terms.isEmpty { try fail("at least one loss term is needed") }
        if Set(terms).count != terms.count { try fail("a loss term is listed twice") }
        if sharpnessAware && !(radius > 0 && radius.isFinite) { try fail("the SAM radius ρ must be positive") }
        if let loraRank {
            if !trainable.trainsEncoderLoRA { try fail("a LoRA rank needs a +lora trainable part (decoder+lora)") }
            if loraRank < 1 { try fail("the LoRA rank must be >= 1") }
        }
        if boxJitter < 0 { try fail("the box jitter must be >= 0 pixels") }
        if epochs < 1 { try fail("epochs must be >= 1") }
        if batchSize < 1 { try fail("the batch size must be >= 1") }
        if !(learningRate > 0 && learningRate.isFinite) { try fail("the learning rate must be positive") }
        if !(weightDecay >= 0) { try fail("the weight decay must be >= 0") }
        if !(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1) { try fail("AdamW betas must be in [0, 1)") }
        if !(plateauFactor > 0 && plateauFactor <= 1) { try fail("the plateau factor must be in (0, 1]") }
        if plateauPatience < 0 || plateauCooldown < 0 { try fail("plateau patience and cooldown must be >= 0") }
    }
}
