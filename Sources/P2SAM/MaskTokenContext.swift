/// Which tokens P²SAM's output tokens share the decoder with (metadata `mask_token_context`,
/// docs/p2sam-model.md).
public enum MaskTokenContext: String, Sendable, Codable, CaseIterable {
    /// The paper's layout (files without the key): 9 mask tokens, token 0 = LiteMedSAM's single-mask token and
    /// tokens 1…8 = P²SAM's outputs, all attending to each other and all seen by the image.
    case shared
    /// LiteMedSAM's decoder kept whole: the core is the IoU token, the checkpoint's own 4 mask tokens and the
    /// sparse tokens; P²SAM's 8 outputs are mask tokens 4…11, **readers** that see the core and themselves but
    /// are seen by no other token and by no image position (`MaskDecoder.features(…, coreMaskTokens:)`).
    case isolated

    /// The metadata key (absent: `shared`).
    public static let metadataKey = "mask_token_context"

    /// The mask tokens before P²SAM's outputs: LiteMedSAM's token 0 (`shared`) or all 4 of its tokens
    /// (`isolated`).
    public var coreMaskTokenCount: Int {
        switch self {
        case .shared: return 1
        case .isolated: return 4
        }
    }

    /// The decoder's mask tokens with `outputs` P²SAM outputs.
    public func maskTokenCount(outputs: Int) -> Int { coreMaskTokenCount + outputs }
}
