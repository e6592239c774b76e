import SAMLayers
import SAMTensor

/// `image_encoder.layers.N.downsample`: 1x1 `Conv2d_BN` + GELU, depthwise 3x3 `Conv2d_BN`
/// (stride 2, or 1 when the output has 320 channels, as upstream hard-codes) + GELU, 1x1 `Conv2d_BN`.
/// `[H, W, inDim]` → `[H', W', outDim]`.
struct PatchMerging: Sendable {
    let conv1: Linear
    let conv2: DepthwiseConv3x3
    let conv3: Linear

    /// Output dimensions for which upstream TinyViT keeps stride 1.
    static let strideOneOutputDims: Set<Int> = [320, 448, 576]

    init(_ store: inout WeightStore, _ prefix: String, inDim: Int, outDim: Int) throws {
        conv1 = try store.pointwiseConv2dBN("\(prefix).conv1", in: inDim, out: outDim)
        let stride = Self.strideOneOutputDims.contains(outDim) ? 1 : 2
        conv2 = try DepthwiseConv3x3(&store, "\(prefix).conv2", channels: outDim, stride: stride)
        conv3 = try store.pointwiseConv2dBN("\(prefix).conv3", in: outDim, out: outDim)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = conv1(input)
        x.applyGELU()
        x = conv2(x)
        x.applyGELU()
        return conv3(x)
    }
}
