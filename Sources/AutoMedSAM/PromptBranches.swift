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

    /// Whether the dense branch exists.
    public var hasDense: Bool { self != .sparse }
    /// Whether the sparse branch exists.
    public var hasSparse: Bool { self != .dense }
}
