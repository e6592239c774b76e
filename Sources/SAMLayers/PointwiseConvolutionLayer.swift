import SAMTensor

/// A bias-free 1x1 `nn.Conv2d` at a key prefix: `prefix.weight` `(out, in, 1, 1)` (SAM's `neck.0`).
/// On NHWC maps it is a linear layer over channels: `[…, in]` → `[…, out]`.
public struct PointwiseConvolutionLayer: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `image_encoder.neck.0`.
    public let key: String
    /// The weight as `(out, in)`, no bias, for tape-free forwards.
    public let linear: Linear

    /// Reads the bias-free 1x1 convolution `key.weight` `(out, in, 1, 1)` strictly.
    public init(_ store: inout WeightStore, _ key: String, in inChannels: Int, out outChannels: Int) throws {
        self.key = key
        let weight = try store.take("\(key).weight", shape: [outChannels, inChannels, 1, 1])
        linear = Linear(weight: weight, bias: nil, inFeatures: inChannels, outFeatures: outChannels)
    }

    public var inChannels: Int { linear.inFeatures }
    public var outChannels: Int { linear.outFeatures }
    public var weightKey: String { "\(key).weight" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [ParameterDeclaration(key: weightKey, shape: [outChannels, inChannels, 1, 1])]
    }
}
