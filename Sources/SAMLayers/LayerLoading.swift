import SAMTensor

/// Helpers that read common PyTorch modules out of a `WeightStore` by key prefix.
extension WeightStore {
    /// `nn.Linear` at `prefix` (`prefix.weight` `(out, in)`, `prefix.bias` `(out)`).
    public mutating func linear(_ prefix: String, in inFeatures: Int, out outFeatures: Int, bias hasBias: Bool = true)
        throws
        -> Linear
    {
        let weight = try take("\(prefix).weight", shape: [outFeatures, inFeatures])
        let bias = hasBias ? try take("\(prefix).bias", shape: [outFeatures]) : nil
        return Linear(weight: weight, bias: bias, inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// A bias-free 1x1 `nn.Conv2d` at `prefix`, as a `Linear` on NHWC rows.
    public mutating func pointwiseConv(_ prefix: String, in inChannels: Int, out outChannels: Int) throws -> Linear {
        let weight = try take("\(prefix).weight", shape: [outChannels, inChannels, 1, 1])
        return Linear(weight: weight, bias: nil, inFeatures: inChannels, outFeatures: outChannels)
    }

    /// `nn.LayerNorm` / `LayerNorm2d` at `prefix`.
    public mutating func layerNorm(_ prefix: String, dim: Int, eps: Float) throws -> LayerNorm {
        LayerNorm(
            weight: try take("\(prefix).weight", shape: [dim]),
            bias: try take("\(prefix).bias", shape: [dim]), eps: eps)
    }

    /// TinyViT's `Conv2d_BN` at `prefix` (`prefix.c` bias-free conv, `prefix.bn` BatchNorm2d with
    /// eps 1e-5), with the BatchNorm folded into the convolution:
    /// `w' = w γ / √(var + eps)`, `b' = β − mean γ / √(var + eps)`.
    ///
    /// - Returns: the folded weight in PyTorch layout `(out, in/groups, k, k)` and bias `(out)`.
    public mutating func conv2dBN(_ prefix: String, out outChannels: Int, inPerGroup: Int, kernel: Int) throws -> (
        weight: [Float], bias: [Float]
    ) {
        var weight = try take("\(prefix).c.weight", shape: [outChannels, inPerGroup, kernel, kernel])
        let gamma = try take("\(prefix).bn.weight", shape: [outChannels])
        let beta = try take("\(prefix).bn.bias", shape: [outChannels])
        let mean = try take("\(prefix).bn.running_mean", shape: [outChannels])
        let variance = try take("\(prefix).bn.running_var", shape: [outChannels])
        let perOutput = inPerGroup * kernel * kernel
        var bias = [Float](repeating: 0, count: outChannels)
        for o in 0..<outChannels {
            // Fold in Double so the folded weights carry no extra rounding beyond the final cast.
            let scale = Double(gamma[o]) / (Double(variance[o]) + 1e-5).squareRoot()
            for i in 0..<perOutput { weight[o * perOutput + i] = Float(Double(weight[o * perOutput + i]) * scale) }
            bias[o] = Float(Double(beta[o]) - Double(mean[o]) * scale)
        }
        return (weight, bias)
    }

    /// A 1x1 `Conv2d_BN` folded into a `Linear` on NHWC rows.
    public mutating func pointwiseConv2dBN(_ prefix: String, in inChannels: Int, out outChannels: Int) throws -> Linear
    {
        let folded = try conv2dBN(prefix, out: outChannels, inPerGroup: inChannels, kernel: 1)
        return Linear(weight: folded.weight, bias: folded.bias, inFeatures: inChannels, outFeatures: outChannels)
    }
}
