import SAMTensor

/// `nn.Conv2d` with a 3x3 kernel, stride 1 and zero padding 1 at a key prefix: `prefix.weight`
/// `(out, in, 3, 3)`, `prefix.bias` `(out)`. On NHWC activations `[H, W, in]` → `[H, W, out]`
/// (P²SAM's prompt generation network).
public struct Convolution3x3Layer: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `pgn.blocks.0.convs.0`.
    public let key: String
    public let inChannels: Int
    public let outChannels: Int
    /// The weight rearranged to `(out, 3, 3, in)` for `Convolution.dense3x3` (tape-free forwards).
    let preparedWeight: [Float]
    /// `outChannels` values.
    let bias: [Float]

    public init(_ store: inout WeightStore, _ key: String, in inChannels: Int, out outChannels: Int) throws {
        self.key = key
        self.inChannels = inChannels
        self.outChannels = outChannels
        let weight = try store.take("\(key).weight", shape: [outChannels, inChannels, 3, 3])
        preparedWeight = Convolution.prepareDense3x3(weight, outChannels: outChannels, inChannels: inChannels)
        bias = try store.take("\(key).bias", shape: [outChannels])
    }

    public var weightKey: String { "\(key).weight" }
    public var biasKey: String { "\(key).bias" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [
            ParameterDeclaration(key: weightKey, shape: [outChannels, inChannels, 3, 3]),
            ParameterDeclaration(key: biasKey, shape: [outChannels]),
        ]
    }

    /// Tape-free forward of one NHWC image `[H, W, in]` → `[H, W, out]`.
    public func apply(_ input: Tensor) -> Tensor {
        precondition(
            input.rank == 3 && input.shape[2] == inChannels,
            "convolution \(key): input \(input.shape), want [H, W, \(inChannels)]")
        let (height, width) = (input.shape[0], input.shape[1])
        return Tensor(shape: [height, width, outChannels]) { out in
            input.storage.withUnsafeBufferPointer { x in
                preparedWeight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        Convolution.dense3x3(
                            x.baseAddress!, height: height, width: width, inChannels: inChannels,
                            weight: w.baseAddress!, bias: b, outChannels: outChannels, output: out.baseAddress!)
                    }
                }
            }
        }
    }
}
