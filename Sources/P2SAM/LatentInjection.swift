/// How a sampled latent `z` (256 values) enters the mask decoder (see docs/p2sam-model.md).
public enum LatentInjection: String, Sendable, Codable, CaseIterable {
    /// Official code: `Fcomb([z ; no_mask_embed])` replaces the dense prompt embedding.
    case dense
    /// Paper text: `z` is one extra sparse prompt token.
    case sparse
    /// `z` is added to each of P²SAM's reader tokens (mask token context `isolated` only): LiteMedSAM's decoder and
    /// the image path never see it, so only how the readers read the decoder varies between samples.
    case reader
    /// `z` is added to each reader's output token, after the two-way transformer and before the hypernetwork MLP that
    /// turns it into mask weights (mask token context `isolated` only). The transformer, LiteMedSAM's decoder and the
    /// image path never see it; only the mask weights the readers produce vary between samples.
    case readerOutput = "reader-output"

    /// Whether `z` reaches only P²SAM's reader tokens, which exist in the `isolated` mask token context only.
    public var needsIsolatedContext: Bool {
        switch self {
        case .dense, .sparse: false
        case .reader, .readerOutput: true
        }
    }

    /// The injections a command line or a model file may name, e.g. `dense, sparse, reader or reader-output`.
    public static var spelledOut: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
