import SAMTensor

/// TinyViT's `Conv2d_BN` at a key prefix: a bias-free convolution `prefix.c` followed by a BatchNorm2d
/// `prefix.bn` (eps 1e-5, inference statistics). Its keys and shapes:
///
/// | key | shape |
/// |---|---|
/// | `prefix.c.weight` | `(out, in/groups, k, k)` |
/// | `prefix.bn.weight`, `prefix.bn.bias`, `prefix.bn.running_mean`, `prefix.bn.running_var` | `(out)` |
///
/// (`prefix.bn.num_batches_tracked` is ignored by `WeightStore`.) Tape-free layers fold the
/// normalisation into the convolution once, at load: `w' = w γ / √(var + eps)`, `b' = β − mean γ / √(var + eps)`.
public struct ConvolutionBatchNormKeys: Sendable, Equatable, DeclaresParameters {
    /// BatchNorm2d's epsilon.
    public static let epsilon = 1e-5

    /// The key prefix, e.g. `image_encoder.layers.1.blocks.0.local_conv`.
    public let key: String
    public let outChannels: Int
    /// Input channels per group (1 for a depthwise convolution).
    public let inPerGroup: Int
    public let kernel: Int

    /// The keys of a `Conv2d_BN` at `key` with `outChannels` outputs, `inPerGroup` inputs per group and a
    /// square `kernel`.
    public init(_ key: String, out outChannels: Int, inPerGroup: Int, kernel: Int) {
        self.key = key
        self.outChannels = outChannels
        self.inPerGroup = inPerGroup
        self.kernel = kernel
    }

    /// `(out, in/groups, k, k)`.
    public var convolutionWeightKey: String { "\(key).c.weight" }
    /// γ `(out)`.
    public var scaleKey: String { "\(key).bn.weight" }
    /// β `(out)`.
    public var shiftKey: String { "\(key).bn.bias" }
    public var runningMeanKey: String { "\(key).bn.running_mean" }
    public var runningVarianceKey: String { "\(key).bn.running_var" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [ParameterDeclaration(key: convolutionWeightKey, shape: [outChannels, inPerGroup, kernel, kernel])]
            + [scaleKey, shiftKey, runningMeanKey, runningVarianceKey].map {
                ParameterDeclaration(key: $0, shape: [outChannels])
            }
    }

    /// Takes the five tensors from `store` (strictly) and folds the BatchNorm into the convolution.
    ///
    /// - Returns: the folded weight in PyTorch layout `(out, in/groups, k, k)` and bias `(out)`.
    public func folded(from store: inout WeightStore) throws -> (weight: [Float], bias: [Float]) {
        var weight = try store.take(convolutionWeightKey, shape: [outChannels, inPerGroup, kernel, kernel])
        let gamma = try store.take(scaleKey, shape: [outChannels])
        let beta = try store.take(shiftKey, shape: [outChannels])
        let mean = try store.take(runningMeanKey, shape: [outChannels])
        let variance = try store.take(runningVarianceKey, shape: [outChannels])
        let perOutput = inPerGroup * kernel * kernel
        var bias = [Float](repeating: 0, count: outChannels)
        for o in 0..<outChannels {
            // Fold in Double so the folded weights carry no extra rounding beyond the final cast.
            let scale = Double(gamma[o]) / (Double(variance[o]) + Self.epsilon).squareRoot()
            for i in 0..<perOutput { weight[o * perOutput + i] = Float(Double(weight[o * perOutput + i]) * scale) }
            bias[o] = Float(Double(beta[o]) - Double(mean[o]) * scale)
        }
        return (weight, bias)
    }

    /// `1 / √(var + eps)` per output channel, computed in Double as the fold does (for contexts that fold
    /// on the fly from the running variance, a buffer that is never trained).
    public static func inverseStandardDeviations(runningVariance: [Float]) -> [Float] {
        runningVariance.map { Float(1 / (Double($0) + epsilon).squareRoot()) }
    }
}
