/// The prompt a P²SAM model was trained with and uses when the caller gives none.
public enum DefaultPrompt: String, Sendable, Codable, CaseIterable {
    /// No box or point tokens.
    case none
    /// The full-image box `[0, 0, 255, 255]` in the model frame.
    case fullBox = "full-box"
}
