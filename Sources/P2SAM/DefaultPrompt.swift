import LiteMedSAM

/// The prompt a P²SAM model was trained with and uses when the caller gives none.
public enum DefaultPrompt: String, Sendable, Codable, CaseIterable {
    /// No box or point tokens.
    case none
    /// The full-image box `[0, 0, 255, 255]` in the model frame.
    case fullBox = "full-box"

    /// The prompt in the 256x256 model frame.
    public var prompt: Prompt {
        switch self {
        case .none: return Prompt()
        case .fullBox: return Prompt(box: BoxPrompt(x0: 0, y0: 0, x1: 255, y1: 255))
        }
    }
}
