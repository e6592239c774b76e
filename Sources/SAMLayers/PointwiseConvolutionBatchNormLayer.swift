import SAMTensor

/// A 1x1 `Conv2d_BN` (TinyViT's `patch_embed.seq.*`, MBConv and patch-merging `conv1`/`conv3`) at a key
/// prefix (keys: `ConvolutionBatchNormKeys`). On NHWC maps it is a linear layer over channels:
/// `[…, in]` → `[…, out]`; tape-free forwards use the BatchNorm folded into the weight and a bias.
public struct PointwiseConvolutionBatchNormLayer: Sendable, DeclaresParameters {
    public let keys: ConvolutionBatchNormKeys
    /// The folded weight `(out, in)` and bias `(out)`, for tape-free forwards.
    public let linear: Linear

    /// Reads the `Conv2d_BN` at `key` (`.c.weight` `(out, in, 1, 1)`, `.bn.*` `(out)`) strictly and folds the
    /// BatchNorm.
    public init(_ store: inout WeightStore, _ key: String, in inChannels: Int, out outChannels: Int) throws {
        keys = ConvolutionBatchNormKeys(key, out: outChannels, inPerGroup: inChannels, kernel: 1)
        let folded = try keys.folded(from: &store)
        linear = Linear(weight: folded.weight, bias: folded.bias, inFeatures: inChannels, outFeatures: outChannels)
    }

    public var key: String { keys.key }
    public var inChannels: Int { linear.inFeatures }
    public var outChannels: Int { linear.outFeatures }
    public var parameterDeclarations: [ParameterDeclaration] { keys.parameterDeclarations }
}
