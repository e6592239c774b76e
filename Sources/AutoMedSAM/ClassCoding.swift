/// How AutoMedSAM's class prompt encoder codes a class as a 64x64 map `c` (`ClassProjection`), the map added
/// to the image embedding and concatenated as one extra channel (`docs/automedsam.md`).
public enum ClassCoding: String, Sendable, Codable, CaseIterable {
    /// A learned map per class, `class_projection.weight` `(K, 4096)` (the one-hot class times a `K → 4096`
    /// matrix, no bias): the released code, the default.
    case map
    /// The paper's Eq. 2 read literally: `c = W_c · i + b_c` with a scalar class index `i` and two learned
    /// maps `W_c, b_c ∈ R^{64×64}` (`class_projection.weight` `(4096, 1)`, `class_projection.bias` `(4096)`,
    /// an `nn.Linear(1, 4096)`). `i` is the class's ordinal 1…K among the model's classes in ascending id
    /// order (`ClassProjection.index(ofRow:)`; equal to the class id when the ids are 1…K, as ACDC's).
    case index
}
