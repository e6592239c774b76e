import SAMLayers
import SAMTensor

/// `image_encoder.layers.0.blocks.N`: TinyViT's inverted-residual block on `[H, W, C]`:
/// 1x1 expand + GELU, depthwise 3x3 + GELU, 1x1 project, residual add, then GELU.
struct MBConv: Sendable {
    let conv1: Linear
    let conv2: DepthwiseConv3x3
    let conv3: Linear

    init(_ store: inout WeightStore, _ prefix: String, channels: Int, expandRatio: Int) throws {
        let hidden = channels * expandRatio
        conv1 = try store.pointwiseConv2dBN("\(prefix).conv1", in: channels, out: hidden)
        conv2 = try DepthwiseConv3x3(&store, "\(prefix).conv2", channels: hidden, stride: 1)
        conv3 = try store.pointwiseConv2dBN("\(prefix).conv3", in: hidden, out: channels)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = conv1(input)
        x.applyGELU()
        x = conv2(x)
        x.applyGELU()
        x = conv3(x)
        x.add(input)
        x.applyGELU()
        return x
    }
}
