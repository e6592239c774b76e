import SAMLayers

/// `image_encoder.neck`: 1x1 conv (no bias) 320 → 256, LayerNorm2d (eps 1e-6), 3x3 conv (no bias,
/// padding 1) 256 → 256, LayerNorm2d. `[64, 64, 320]` → `[64, 64, 256]`.
struct Neck: Sendable, DeclaresParameters {
    let conv0: PointwiseConvolutionLayer
    let norm1: LayerNormLayer
    let conv2: Convolution3x3Layer
    let norm3: LayerNormLayer

    init(_ store: inout WeightStore, _ key: String, inChannels: Int, outChannels: Int) throws {
        conv0 = try PointwiseConvolutionLayer(&store, "\(key).0", in: inChannels, out: outChannels)
        norm1 = try LayerNormLayer(&store, "\(key).1", dim: outChannels, eps: 1e-6)
        conv2 = try Convolution3x3Layer(&store, "\(key).2", in: outChannels, out: outChannels, bias: false)
        norm3 = try LayerNormLayer(&store, "\(key).3", dim: outChannels, eps: 1e-6)
    }

    var parameterDeclarations: [ParameterDeclaration] {
        conv0.parameterDeclarations + norm1.parameterDeclarations + conv2.parameterDeclarations
            + norm3.parameterDeclarations
    }

    /// The neck output; `observe` receives the map after the first LayerNorm2d as `neck.1`.
    func forward<C: ForwardContext>(_ c: C, _ input: C.Value, observe: ((String, C.Value) -> Void)? = nil) -> C.Value {
        var x = c.pointwiseConvolution(input, conv0)
        c.normalize(&x, norm1)
        observe?("neck.1", x)
        var y = c.convolution3x3(x, conv2)
        c.normalize(&y, norm3)
        return y
    }
}
