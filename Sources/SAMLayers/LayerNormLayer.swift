import SAMTensor

/// `nn.LayerNorm` / SAM's `LayerNorm2d` (on NHWC) at a key prefix: `prefix.weight`, `prefix.bias`
/// `(dim)`; normalises over the last dimension.
public struct LayerNormLayer: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `mask_decoder.transformer.norm_final_attn`.
    public let key: String
    /// The weights and epsilon for tape-free forwards.
    public let norm: LayerNorm

    /// Reads `key.weight` and `key.bias` (`dim` each) from `store`, strictly; `eps` is added to the variance.
    public init(_ store: inout WeightStore, _ key: String, dim: Int, eps: Float) throws {
        self.key = key
        norm = try store.layerNorm(key, dim: dim, eps: eps)
    }

    public var dim: Int { norm.dim }
    public var eps: Float { norm.eps }
    public var weightKey: String { "\(key).weight" }
    public var biasKey: String { "\(key).bias" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [ParameterDeclaration(key: weightKey, shape: [dim]), ParameterDeclaration(key: biasKey, shape: [dim])]
    }
}
