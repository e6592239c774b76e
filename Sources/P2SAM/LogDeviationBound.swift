/// How the PGN bounds log σ to its `PromptGenerationNetwork.logDeviationRange` (metadata `log_sigma_bound`).
public enum LogDeviationBound: String, Sendable, Codable, CaseIterable {
    /// A hard clamp, `min(max(x, −10), 5)`: the files written before the key existed. Its gradient is 0 outside
    /// the range, so a log σ pushed past the ceiling in stage 2 gets no gradient through the clamp (the samples'
    /// spread can still change through the other dimensions and μ; measured in `docs/p2sam-results.md`).
    case clamp
    /// The smooth bound `SmoothClamp` (near the identity inside the range, a gradient that never vanishes): a
    /// log σ past the ceiling still receives the loss's gradient and can shrink again.
    case smooth

    /// Metadata key of the bound (absent: `clamp`).
    public static let metadataKey = "log_sigma_bound"
}
