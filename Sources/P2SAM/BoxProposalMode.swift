/// How `P2SAMSampler` uses a model's box proposal (`BoxProposal`) when the caller gives no prompt; no effect on a
/// model without one, nor when the caller gives a box or points.
public enum BoxProposalMode: String, Sendable, Codable, CaseIterable {
    /// Ignore the proposal: the model's default prompt, exactly as a model without one.
    case off
    /// Every sample is prompted with the proposal's mean box `raw + offset`.
    case mean
    /// Sample k is prompted with its own box drawn from the proposal's Gaussian over the corners (between-rater
    /// spread of the box), its presence probability computed for that box.
    case sampled
}
