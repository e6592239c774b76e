/// Which prompts the presence head is fitted with in `--presence-only` training (`TrainingOptions.presencePrompts`,
/// `p2sam train --presence-prompt`; docs/p2sam-model.md, "Empty or not").
public enum PresencePromptSource: String, Sendable, Codable, CaseIterable {
    /// The training prompts of stage 2 (`TrainingOptions.boxPrompts` over the non-empty raters, or the default
    /// prompt): what a user's box looks like. The default, and the only source before the eighth session.
    case training
    /// The model's own box proposal (`ProposalPresencePrompts`): per case and step one box drawn around the raw
    /// box of the model's own mask, what the samples see when no box is given. Needs a model with a box proposal;
    /// the head is refitted from its initial state (weight 0, bias at the training base rate).
    case proposal
}
