import SAMLayers

/// `image_encoder.patch_embed`: in this LiteMedSAM variant two 1x1 `Conv2d_BN` with a GELU
/// between them, at full 256x256 resolution (no downsampling): `[256, 256, 3]` → `[256, 256, 64]`.
struct PatchEmbed: Sendable, DeclaresParameters {
    /// `seq.0`: 3 → 32.
    let seq0: PointwiseConvolutionBatchNormLayer
    /// `seq.2`: 32 → 64.
    let seq2: PointwiseConvolutionBatchNormLayer

    init(_ store: inout WeightStore, _ key: String, inChannels: Int, embedDim: Int) throws {
        seq0 = try PointwiseConvolutionBatchNormLayer(&store, "\(key).seq.0", in: inChannels, out: embedDim / 2)
        seq2 = try PointwiseConvolutionBatchNormLayer(&store, "\(key).seq.2", in: embedDim / 2, out: embedDim)
    }

    var parameterDeclarations: [ParameterDeclaration] { seq0.parameterDeclarations + seq2.parameterDeclarations }

    /// `[H, W, 3]` → `[H, W, 64]`.
    func forward<C: ForwardContext>(_ c: C, _ input: C.Value) -> C.Value {
        var x = c.pointwiseConvolution(input, seq0)
        c.applyGELU(&x)
        return c.pointwiseConvolution(x, seq2)
    }
}
