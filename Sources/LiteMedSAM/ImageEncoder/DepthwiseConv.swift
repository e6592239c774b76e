import SAMLayers
import SAMTensor

/// A depthwise 3x3 `Conv2d_BN` (groups = channels, padding 1) with its BatchNorm folded in.
struct DepthwiseConv3x3: Sendable {
    let channels: Int
    let stride: Int
    /// `(3, 3, channels)`.
    let weight: [Float]
    let bias: [Float]

    init(_ store: inout WeightStore, _ prefix: String, channels: Int, stride: Int) throws {
        let folded = try store.conv2dBN(prefix, out: channels, inPerGroup: 1, kernel: 3)
        self.channels = channels
        self.stride = stride
        self.weight = Convolution.prepareDepthwise3x3(folded.weight, channels: channels)
        self.bias = folded.bias
    }

    /// `[H, W, C]` → `[H', W', C]` with `H' = (H - 1) / stride + 1`.
    func callAsFunction(_ input: Tensor) -> Tensor {
        let (height, width) = (input.shape[0], input.shape[1])
        let outH = Convolution.outputSide(height, stride: stride)
        let outW = Convolution.outputSide(width, stride: stride)
        return Tensor(shape: [outH, outW, channels]) { out in
            input.storage.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        Convolution.depthwise3x3(
                            x.baseAddress!, height: height, width: width, channels: channels,
                            weight: w.baseAddress!, bias: b.baseAddress!, stride: stride,
                            output: out.baseAddress!)
                    }
                }
            }
        }
    }
}

extension Linear {
    /// Applies a pointwise layer to an `[H, W, C]` map, giving `[H, W, outFeatures]`.
    func pointwise(_ input: Tensor) -> Tensor { self(input) }
}
