import SAMLayers

/// `image_encoder.layers.N.downsample`: 1x1 `Conv2d_BN` + GELU, depthwise 3x3 `Conv2d_BN`
/// (stride 2, or 1 when the output has 320 channels, as upstream hard-codes) + GELU, 1x1 `Conv2d_BN`.
/// `[H, W, inDim]` → `[H', W', outDim]`.
struct PatchMerging: Sendable, DeclaresParameters {
    let conv1: PointwiseConvolutionBatchNormLayer
    let conv2: DepthwiseConvolutionBatchNormLayer
    let conv3: PointwiseConvolutionBatchNormLayer

    /// Output dimensions for which upstream TinyViT keeps stride 1.
    static let strideOneOutputDims: Set<Int> = [320, 448, 576]

    init(_ store: inout WeightStore, _ key: String, inDim: Int, outDim: Int) throws {
        conv1 = try PointwiseConvolutionBatchNormLayer(&store, "\(key).conv1", in: inDim, out: outDim)
        let stride = Self.strideOneOutputDims.contains(outDim) ? 1 : 2
        conv2 = try DepthwiseConvolutionBatchNormLayer(&store, "\(key).conv2", channels: outDim, stride: stride)
        conv3 = try PointwiseConvolutionBatchNormLayer(&store, "\(key).conv3", in: outDim, out: outDim)
    }

    var parameterDeclarations: [ParameterDeclaration] {
        conv1.parameterDeclarations + conv2.parameterDeclarations + conv3.parameterDeclarations
    }

    func forward<C: ForwardContext>(_ c: C, _ input: C.Value) -> C.Value {
        let expanded = c.pointwiseConvolution(input, conv1, adding: nil, gelu: true)
        let mixed = c.depthwiseConvolutionGELU(expanded, conv2)
        return c.pointwiseConvolution(mixed, conv3)
    }
}
