import SAMTensor

/// `nn.ConvTranspose2d` with kernel 2 and stride 2 at a key prefix: `prefix.weight` `(in, out, 2, 2)`,
/// `prefix.bias` `(out)`. On NHWC activations `[H, W, in]` → `[2H, 2W, out]` (SAM's output upscaling).
public struct TransposedConvolutionLayer: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `mask_decoder.output_upscaling.0`.
    public let key: String
    public let inChannels: Int
    public let outChannels: Int
    /// The weight rearranged for `Convolution.transposed2x2` (tape-free forwards).
    let preparedWeight: [Float]
    /// `outChannels` values.
    let bias: [Float]

    /// Reads `key.weight` `(in, out, 2, 2)` and `key.bias` `(out)` from `store`, strictly.
    public init(_ store: inout WeightStore, _ key: String, in inChannels: Int, out outChannels: Int) throws {
        self.key = key
        self.inChannels = inChannels
        self.outChannels = outChannels
        let weight = try store.take("\(key).weight", shape: [inChannels, outChannels, 2, 2])
        preparedWeight = Convolution.prepareTransposed2x2(weight, inChannels: inChannels, outChannels: outChannels)
        bias = try store.take("\(key).bias", shape: [outChannels])
    }

    public var weightKey: String { "\(key).weight" }
    public var biasKey: String { "\(key).bias" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [
            ParameterDeclaration(key: weightKey, shape: [inChannels, outChannels, 2, 2]),
            ParameterDeclaration(key: biasKey, shape: [outChannels]),
        ]
    }

    /// Tape-free forward of one NHWC image `[H, W, in]` (H = W) → `[2H, 2W, out]`.
    public func apply(_ input: Tensor) -> Tensor {
        let side = input.shape[0]
        precondition(
            input.rank == 3 && input.shape[1] == side && input.shape[2] == inChannels,
            "transposed convolution \(key): input \(input.shape), want [H, H, \(inChannels)]")
        return Tensor(shape: [2 * side, 2 * side, outChannels]) { out in
            input.storage.withUnsafeBufferPointer { x in
                preparedWeight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        Convolution.transposed2x2(
                            x.baseAddress!, height: side, width: side, inChannels: inChannels,
                            weight: w.baseAddress!, bias: b.baseAddress!, outChannels: outChannels,
                            output: out.baseAddress!)
                    }
                }
            }
        }
    }
}
