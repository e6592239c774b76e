import SAMLayers

/// `image_encoder.layers.0.blocks.N`: TinyViT's inverted-residual block on `[H, W, C]`:
/// 1x1 expand + GELU, depthwise 3x3 + GELU, 1x1 project, residual add, then GELU
/// (every convolution a `Conv2d_BN`).
struct MBConv: Sendable, DeclaresParameters {
    let conv1: PointwiseConvolutionBatchNormLayer
    let conv2: DepthwiseConvolutionBatchNormLayer
    let conv3: PointwiseConvolutionBatchNormLayer

    init(_ store: inout WeightStore, _ key: String, channels: Int, expandRatio: Int) throws {
        let hidden = channels * expandRatio
        conv1 = try PointwiseConvolutionBatchNormLayer(&store, "\(key).conv1", in: channels, out: hidden)
        conv2 = try DepthwiseConvolutionBatchNormLayer(&store, "\(key).conv2", channels: hidden, stride: 1)
        conv3 = try PointwiseConvolutionBatchNormLayer(&store, "\(key).conv3", in: hidden, out: channels)
    }

    var parameterDeclarations: [ParameterDeclaration] {
        conv1.parameterDeclarations + conv2.parameterDeclarations + conv3.parameterDeclarations
    }

    /// `[H, W, C]` → `[H, W, C]`.
    func forward<C: ForwardContext>(_ c: C, _ input: C.Value) -> C.Value {
        c.invertedResidual(input, expand: conv1, depthwise: conv2, project: conv3)
    }
}
