import SAMTensor

/// `nn.Linear` at a key prefix: `prefix.weight` `(out, in)` and `prefix.bias` `(out)`; `y = x Wᵀ + b`
/// over the last dimension.
public struct LinearLayer: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `mask_decoder.transformer.layers.0.mlp.lin1`.
    public let key: String
    /// The weights for tape-free forwards.
    public let linear: Linear

    /// Reads `key.weight` `(out, in)` and, when `bias`, `key.bias` `(out)` from `store`, strictly.
    public init(_ store: inout WeightStore, _ key: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true)
        throws
    {
        self.key = key
        linear = try store.linear(key, in: inFeatures, out: outFeatures, bias: bias)
    }

    /// The layer with `delta` `(out, in)` added to its weight (e.g. a merged low-rank update); same keys.
    public func addingToWeight(_ delta: [Float]) -> LinearLayer {
        precondition(delta.count == linear.weight.count, "\(key): weight update has \(delta.count) values")
        var weight = linear.weight
        for i in weight.indices { weight[i] += delta[i] }
        return LinearLayer(
            key: key,
            linear: Linear(
                weight: weight, bias: linear.bias, inFeatures: linear.inFeatures, outFeatures: linear.outFeatures))
    }

    private init(key: String, linear: Linear) {
        self.key = key
        self.linear = linear
    }

    public var inFeatures: Int { linear.inFeatures }
    public var outFeatures: Int { linear.outFeatures }
    /// `key.weight`.
    public var weightKey: String { "\(key).weight" }
    /// `key.bias`, or nil for a bias-free layer.
    public var biasKey: String? { linear.bias == nil ? nil : "\(key).bias" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [ParameterDeclaration(key: weightKey, shape: [outFeatures, inFeatures])]
            + (biasKey.map { [ParameterDeclaration(key: $0, shape: [outFeatures])] } ?? [])
    }
}
