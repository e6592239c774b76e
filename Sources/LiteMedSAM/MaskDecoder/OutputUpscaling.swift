import SAMLayers

/// `mask_decoder.output_upscaling`: ConvTranspose 256→64 (k2 s2), LayerNorm2d (eps 1e-6), GELU,
/// ConvTranspose 64→32 (k2 s2), GELU. `[64, 64, 256]` → `[256, 256, 32]` (NHWC), or batched
/// `[B, 64, 64, 256]` → `[B, 256, 256, 32]`.
struct OutputUpscaling: Sendable, DeclaresParameters {
    let conv0: TransposedConvolutionLayer
    let norm1: LayerNormLayer
    let conv3: TransposedConvolutionLayer

    init(_ store: inout WeightStore, _ key: String, dim: Int) throws {
        conv0 = try TransposedConvolutionLayer(&store, "\(key).0", in: dim, out: dim / 4)
        norm1 = try LayerNormLayer(&store, "\(key).1", dim: dim / 4, eps: 1e-6)
        conv3 = try TransposedConvolutionLayer(&store, "\(key).3", in: dim / 4, out: dim / 8)
    }

    var parameterDeclarations: [ParameterDeclaration] {
        conv0.parameterDeclarations + norm1.parameterDeclarations + conv3.parameterDeclarations
    }

    func forward<C: ForwardContext>(_ c: C, _ input: C.Value) -> C.Value {
        var x = c.transposedConvolution(input, conv0)
        c.normalize(&x, norm1)
        c.applyGELU(&x)
        var y = c.transposedConvolution(x, conv3)
        c.applyGELU(&y)
        return y
    }
}
