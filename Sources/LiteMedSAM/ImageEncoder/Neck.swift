import SAMLayers
import SAMTensor

/// `image_encoder.neck`: 1x1 conv (no bias) 320 → 256, LayerNorm2d (eps 1e-6), 3x3 conv (no bias,
/// padding 1) 256 → 256, LayerNorm2d. `[64, 64, 320]` → `[64, 64, 256]`.
struct Neck: Sendable {
    let conv0: Linear
    let norm1: LayerNorm
    /// `neck.2.weight` rearranged to `(256, 3, 3, 256)`.
    let conv2Weight: [Float]
    let norm3: LayerNorm
    let outChannels: Int

    init(_ store: inout WeightStore, _ prefix: String, inChannels: Int, outChannels: Int) throws {
        self.outChannels = outChannels
        conv0 = try store.pointwiseConv("\(prefix).0", in: inChannels, out: outChannels)
        norm1 = try store.layerNorm("\(prefix).1", dim: outChannels, eps: 1e-6)
        let weight = try store.take("\(prefix).2.weight", shape: [outChannels, outChannels, 3, 3])
        conv2Weight = Convolution.prepareDense3x3(weight, outChannels: outChannels, inChannels: outChannels)
        norm3 = try store.layerNorm("\(prefix).3", dim: outChannels, eps: 1e-6)
    }

    /// The neck output, and the intermediate after the first LayerNorm2d for `observe`.
    func callAsFunction(_ input: Tensor, observe: ((String, Tensor) -> Void)? = nil) -> Tensor {
        var x = conv0(input)
        norm1.applyInPlace(&x)
        observe?("neck.1", x)
        let (height, width) = (x.shape[0], x.shape[1])
        var y = Tensor(shape: [height, width, outChannels]) { out in
            x.storage.withUnsafeBufferPointer { src in
                conv2Weight.withUnsafeBufferPointer { w in
                    Convolution.dense3x3(
                        src.baseAddress!, height: height, width: width, inChannels: outChannels,
                        weight: w.baseAddress!, bias: nil, outChannels: outChannels,
                        output: out.baseAddress!)
                }
            }
        }
        norm3.applyInPlace(&y)
        return y
    }
}
