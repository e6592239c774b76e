import LiteMedSAM
import SAMLayers
import SAMTensor

/// `fcomb`: the dense injection's four 1x1 convolutions (Linear 512→256, ReLU, 256→256, ReLU,
/// 256→256, ReLU, 256→256) applied to `[z ; no_mask_embed]`. Both inputs are constant over the
/// 64x64 grid, so the dense prompt embedding is the resulting vector at every position.
public struct LatentCombiner: Sendable {
    let layers: [Linear]

    public init(_ store: inout WeightStore, prefix: String = "fcomb", latentDim: Int = 256, embedDim: Int = 256) throws
    {
        layers = try (0..<4).map { i in
            let inFeatures = i == 0 ? latentDim + embedDim : embedDim
            return Linear(
                weight: try store.take("\(prefix).layers.\(i).weight", shape: [embedDim, inFeatures]),
                bias: try store.take("\(prefix).layers.\(i).bias", shape: [embedDim]),
                inFeatures: inFeatures, outFeatures: embedDim)
        }
    }

    /// The dense vector for latent `z` and the dense no-mask embedding.
    public func callAsFunction(latent z: [Float], noMaskEmbed: [Float]) -> [Float] {
        var x = z + noMaskEmbed
        for (i, layer) in layers.enumerated() {
            x = layer.apply(to: x)
            if i < layers.count - 1 { x = x.map { Swift.max($0, 0) } }
        }
        return x
    }
}
