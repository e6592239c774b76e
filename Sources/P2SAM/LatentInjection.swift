/// How a sampled latent `z` (256 values) enters the mask decoder (see docs/p2sam-model.md).
public enum LatentInjection: String, Sendable, Codable, CaseIterable {
    /// Official code: `Fcomb([z ; no_mask_embed])` replaces the dense prompt embedding.
    case dense
    /// Paper text: `z` is one extra sparse prompt token.
    case sparse
    /// `z` is added to each of P²SAM's reader tokens (mask token context `isolated` only): LiteMedSAM's decoder and
    /// the image path never see it, so only how the readers read the decoder varies between samples.
    case reader
}
