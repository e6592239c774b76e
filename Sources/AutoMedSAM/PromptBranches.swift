/// Which of SAM's prompt embeddings AutoMedSAM's class prompt encoder produces (the paper's Table 5
/// ablation). A branch that is off leaves LiteMedSAM's default in its place: no sparse tokens, or the
/// constant `no_mask_embed` as the dense embedding.
public enum PromptBranches: String, Sendable, Codable, CaseIterable {
    /// The dense embedding `[64, 64, 256]` only.
    case dense
    /// The two sparse tokens `[2, 256]` only.
    case sparse
    /// Both (the paper's model).
    case both
    /// The dense embedding, and as the sparse prompt only the class's learned tokens (`sparse.class_tokens`,
    /// `[2, 256]` per class, the same for every image; no sparse branch). Our variant of the dense-only
    /// ablation: the decoder prompted with nothing answers logits of about −17 everywhere and plain
    /// `.dense` never leaves that state, so here the class tokens (initialised to the class's mean box
    /// tokens) stay, while everything image-dependent comes from the dense branch. Needs class tokens.
    case denseWithClassTokens = "dense-tokens"

    /// Whether the dense branch exists.
    public var hasDense: Bool { self != .sparse }
    /// Whether the sparse branch exists.
    public var hasSparse: Bool { self == .sparse || self == .both }
    /// Whether the class tokens are the whole sparse prompt (`.denseWithClassTokens`).
    public var classTokensAlone: Bool { self == .denseWithClassTokens }
}
