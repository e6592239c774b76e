import SAMTensor

/// SAM's decoder `MLP` (`layers.0 … layers.{n−1}`, ReLU between layers, none after the last).
/// Used for the hypernetworks (256 → 256 → 256 → 32) and the IoU head (256 → 256 → 256 → tokens).
struct DecoderMLP: Sendable {
    let layers: [Linear]

    init(_ store: inout WeightStore, _ prefix: String, input: Int, hidden: Int, output: Int, depth: Int) throws {
        var layers: [Linear] = []
        for i in 0..<depth {
            let inFeatures = i == 0 ? input : hidden
            let outFeatures = i == depth - 1 ? output : hidden
            layers.append(try store.linear("\(prefix).layers.\(i)", in: inFeatures, out: outFeatures))
        }
        self.layers = layers
    }

    /// Applies the MLP over the last dimension.
    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for (i, layer) in layers.enumerated() {
            x = layer(x)
            if i < layers.count - 1 { x.applyReLU() }
        }
        return x
    }
}

/// `transformer.layers.N.mlp`: `lin2(ReLU(lin1(x)))`.
struct TransformerMLP: Sendable {
    let lin1: Linear
    let lin2: Linear

    init(_ store: inout WeightStore, _ prefix: String, dim: Int, hidden: Int) throws {
        lin1 = try store.linear("\(prefix).lin1", in: dim, out: hidden)
        lin2 = try store.linear("\(prefix).lin2", in: hidden, out: dim)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var hidden = lin1(input)
        hidden.applyReLU()
        return lin2(hidden)
    }
}
