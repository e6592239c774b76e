import SAMLayers

/// SAM's decoder `MLP` at a key prefix (`layers.0 … layers.{n−1}`, ReLU between layers, none after
/// the last). Used for the hypernetworks (256 → 256 → 256 → 32) and the IoU head (256 → 256 → 256 → tokens).
public struct DecoderMLP: Sendable, DeclaresParameters {
    public let key: String
    public let layers: [LinearLayer]

    init(_ store: inout WeightStore, _ key: String, input: Int, hidden: Int, output: Int, depth: Int) throws {
        self.key = key
        var layers: [LinearLayer] = []
        for i in 0..<depth {
            let inFeatures = i == 0 ? input : hidden
            let outFeatures = i == depth - 1 ? output : hidden
            layers.append(try LinearLayer(&store, "\(key).layers.\(i)", in: inFeatures, out: outFeatures))
        }
        self.layers = layers
    }

    public var parameterDeclarations: [ParameterDeclaration] { layers.parameterDeclarations }

    /// Applies the MLP over the last dimension: `[…, input]` → `[…, output]`.
    public func forward<C: ForwardContext>(_ context: C, _ input: C.Value) -> C.Value {
        var x = input
        for (i, layer) in layers.enumerated() {
            x = context.linear(x, layer)
            if i < layers.count - 1 { context.applyReLU(&x) }
        }
        return x
    }
}

/// `transformer.layers.N.mlp` at a key prefix: `lin2(ReLU(lin1(x)))`.
struct TransformerMLP: Sendable, DeclaresParameters {
    let lin1: LinearLayer
    let lin2: LinearLayer

    init(_ store: inout WeightStore, _ key: String, dim: Int, hidden: Int) throws {
        lin1 = try LinearLayer(&store, "\(key).lin1", in: dim, out: hidden)
        lin2 = try LinearLayer(&store, "\(key).lin2", in: hidden, out: dim)
    }

    var parameterDeclarations: [ParameterDeclaration] { [lin1, lin2].parameterDeclarations }

    /// `[…, dim]` → `[…, dim]`.
    func forward<C: ForwardContext>(_ context: C, _ input: C.Value) -> C.Value {
        var hidden = context.linear(input, lin1)
        context.applyReLU(&hidden)
        return context.linear(hidden, lin2)
    }
}
