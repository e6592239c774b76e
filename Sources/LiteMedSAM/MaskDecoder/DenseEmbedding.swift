import SAMTensor

/// The dense prompt embedding added to the image embedding before the decoder.
public enum DenseEmbedding: Sendable {
    /// The same vector at every position (LiteMedSAM's `no_mask_embed` when no mask is given),
    /// `embedDim` values.
    case constant([Float])
    /// One `[64, 64, embedDim]` map shared by every prompt of the batch.
    case shared(Tensor)
    /// One `[64, 64, embedDim]` map per prompt.
    case perPrompt([Tensor])
}
