import SAMTensor

/// Helpers that read common PyTorch modules out of a `WeightStore` by key prefix.
extension WeightStore {
    /// `nn.Linear` at `prefix` (`prefix.weight` `(out, in)`, `prefix.bias` `(out)`).
    public mutating func linear(_ prefix: String, in inFeatures: Int, out outFeatures: Int, bias hasBias: Bool = true)
        throws
        -> Linear
    {
        let weight = try take("\(prefix).weight", shape: [outFeatures, inFeatures])
        let bias = hasBias ? try take("\(prefix).bias", shape: [outFeatures]) : nil
        return Linear(weight: weight, bias: bias, inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// `nn.LayerNorm` / `LayerNorm2d` at `prefix`.
    public mutating func layerNorm(_ prefix: String, dim: Int, eps: Float) throws -> LayerNorm {
        LayerNorm(
            weight: try take("\(prefix).weight", shape: [dim]),
            bias: try take("\(prefix).bias", shape: [dim]), eps: eps)
    }
}
