import SAMLayers
import SAMTensor

/// `image_encoder.layers.N.blocks.M` for N ≥ 1, on `[H, W, dim]`:
/// `x += attn(x)`; `x = local_conv(x)` (depthwise 3x3 `Conv2d_BN`, no residual, no activation);
/// `x += mlp(x)` with `mlp = fc2(GELU(fc1(norm(x))))`.
struct TinyViTBlock: Sendable {
    let attn: WindowAttention
    let localConv: DepthwiseConv3x3
    let mlpNorm: LayerNorm
    let fc1: Linear
    let fc2: Linear

    init(_ store: inout WeightStore, _ prefix: String, dim: Int, heads: Int, windowSize: Int, mlpRatio: Int) throws {
        attn = try WindowAttention(&store, "\(prefix).attn", dim: dim, heads: heads, windowSize: windowSize)
        localConv = try DepthwiseConv3x3(&store, "\(prefix).local_conv", channels: dim, stride: 1)
        mlpNorm = try store.layerNorm("\(prefix).mlp.norm", dim: dim, eps: 1e-5)
        fc1 = try store.linear("\(prefix).mlp.fc1", in: dim, out: dim * mlpRatio)
        fc2 = try store.linear("\(prefix).mlp.fc2", in: dim * mlpRatio, out: dim)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = attn(input)
        x.add(input)
        x = localConv(x)
        var hidden = fc1(mlpNorm(x))
        hidden.applyGELU()
        x.add(fc2(hidden))
        return x
    }
}
