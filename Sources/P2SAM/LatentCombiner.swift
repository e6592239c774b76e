import LiteMedSAM
import SAMLayers
import SAMTensor

/// `fcomb`: the dense injection's four 1x1 convolutions (Linear 512→256, ReLU, 256→256, ReLU,
/// 256→256, ReLU, 256→256) applied to `[z ; no_mask_embed]`. Both inputs are constant over the
/// 64x64 grid, so the dense prompt embedding is the resulting vector at every position.
public struct LatentCombiner: Sendable, DeclaresParameters {
    /// The key prefix of Fcomb in a P²SAM model file.
    public static let defaultKey = "fcomb"
    /// `layers.0…3`.
    public let layers: [LinearLayer]

    /// Reads every `prefix.*` weight from `store`, strictly.
    public init(_ store: inout WeightStore, prefix: String = defaultKey, latentDim: Int = 256, embedDim: Int = 256)
        throws
    {
        layers = try (0..<4).map { i in
            try LinearLayer(
                &store, "\(prefix).layers.\(i)", in: i == 0 ? latentDim + embedDim : embedDim, out: embedDim)
        }
    }

    public var parameterDeclarations: [ParameterDeclaration] { layers.parameterDeclarations }

    /// The dense vector `[embedDim]` for one latent `z` `[latentDim]` and the no-mask embedding
    /// `[embedDim]`, in context `c`.
    public func forward<C: ForwardContext>(_ c: C, latent z: C.Value, noMaskEmbed: C.Value) -> C.Value {
        var x = c.concatenate([z, noMaskEmbed], alongAxis: 0)
        for (i, layer) in layers.enumerated() {
            x = c.linear(x, layer)
            if i < layers.count - 1 { c.applyReLU(&x) }
        }
        return x
    }

    /// The dense vector for latent `z` and the dense no-mask embedding (tape-free).
    public func callAsFunction(latent z: [Float], noMaskEmbed: [Float]) -> [Float] {
        forward(
            TapeFree(), latent: Tensor(shape: [z.count], storage: z),
            noMaskEmbed: Tensor(shape: [noMaskEmbed.count], storage: noMaskEmbed)
        ).storage
    }
}
