import SAMTensor

/// A depthwise 3x3 `Conv2d_BN` (groups = channels, padding 1, stride 1 or 2: TinyViT's `local_conv` and
/// the MBConv / patch-merging `conv2`) at a key prefix (keys: `ConvolutionBatchNormKeys`, weight
/// `(C, 1, 3, 3)`). On NHWC maps `[H, W, C]` → `[H', W', C]` with `H' = (H − 1) / stride + 1`.
public struct DepthwiseConvolutionBatchNormLayer: Sendable, DeclaresParameters {
    public let keys: ConvolutionBatchNormKeys
    public let stride: Int
    /// The folded weight rearranged to `(3, 3, C)` (`Convolution.prepareDepthwise3x3`), tape-free forwards.
    let preparedWeight: [Float]
    /// The folded bias `(C)`.
    let bias: [Float]

    /// Reads the `Conv2d_BN` at `key` (`.c.weight` `(C, 1, 3, 3)`, `.bn.*` `(C)`) strictly and folds the
    /// BatchNorm; `stride` is 1 or 2.
    public init(_ store: inout WeightStore, _ key: String, channels: Int, stride: Int) throws {
        precondition(stride == 1 || stride == 2, "depthwise convolution \(key): stride \(stride) is not 1 or 2")
        keys = ConvolutionBatchNormKeys(key, out: channels, inPerGroup: 1, kernel: 3)
        self.stride = stride
        let folded = try keys.folded(from: &store)
        preparedWeight = Convolution.prepareDepthwise3x3(folded.weight, channels: channels)
        bias = folded.bias
    }

    public var key: String { keys.key }
    public var channels: Int { keys.outChannels }
    public var parameterDeclarations: [ParameterDeclaration] { keys.parameterDeclarations }

    /// The convolution of a raw `[height, width, channels]` map into `output` (`[H', W', channels]`,
    /// `H' = (height − 1) / stride + 1`), followed by exact GELU when `gelu` is true (fused into the
    /// convolution's single pass), for callers that manage their own buffers.
    public func apply(
        _ input: UnsafePointer<Float>, height: Int, width: Int, gelu: Bool = false,
        output: UnsafeMutablePointer<Float>
    ) {
        preparedWeight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Convolution.depthwise3x3(
                    input, height: height, width: width, channels: channels, weight: w.baseAddress!,
                    bias: b.baseAddress!, stride: stride, gelu: gelu, output: output)
            }
        }
    }

    /// Tape-free forward: `[H, W, C]` → `[H', W', C]`, followed by exact GELU when `gelu` is true.
    public func apply(_ input: Tensor, gelu: Bool = false) -> Tensor {
        precondition(
            input.rank == 3 && input.shape[2] == channels,
            "depthwise convolution \(key): input \(input.shape), want [H, W, \(channels)]")
        let (height, width) = (input.shape[0], input.shape[1])
        let outH = Convolution.outputSide(height, stride: stride)
        let outW = Convolution.outputSide(width, stride: stride)
        return Tensor(shape: [outH, outW, channels]) { out in
            input.storage.withUnsafeBufferPointer { x in
                apply(x.baseAddress!, height: height, width: width, gelu: gelu, output: out.baseAddress!)
            }
        }
    }
}
