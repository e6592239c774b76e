import SAMTensor

/// A bias-free dense 3x3 `nn.Conv2d` with stride 1 and padding 1 at a key prefix: `prefix.weight`
/// `(out, in, 3, 3)` (SAM's `neck.2`). On NHWC maps `[H, W, in]` → `[H, W, out]`.
public struct Convolution3x3Layer: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `image_encoder.neck.2`.
    public let key: String
    public let inChannels: Int
    public let outChannels: Int
    /// The weight rearranged to `(out, 3, 3, in)` (`Convolution.prepareDense3x3`), tape-free forwards.
    let preparedWeight: [Float]

    public init(_ store: inout WeightStore, _ key: String, in inChannels: Int, out outChannels: Int) throws {
        self.key = key
        self.inChannels = inChannels
        self.outChannels = outChannels
        let weight = try store.take("\(key).weight", shape: [outChannels, inChannels, 3, 3])
        preparedWeight = Convolution.prepareDense3x3(weight, outChannels: outChannels, inChannels: inChannels)
    }

    public var weightKey: String { "\(key).weight" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [ParameterDeclaration(key: weightKey, shape: [outChannels, inChannels, 3, 3])]
    }

    /// Tape-free forward: `[H, W, in]` → `[H, W, out]` (im2col and one GEMM).
    public func apply(_ input: Tensor) -> Tensor {
        precondition(
            input.rank == 3 && input.shape[2] == inChannels,
            "convolution \(key): input \(input.shape), want [H, W, \(inChannels)]")
        let (height, width) = (input.shape[0], input.shape[1])
        return Tensor(shape: [height, width, outChannels]) { out in
            input.storage.withUnsafeBufferPointer { src in
                preparedWeight.withUnsafeBufferPointer { w in
                    Convolution.dense3x3(
                        src.baseAddress!, height: height, width: width, inChannels: inChannels,
                        weight: w.baseAddress!, bias: nil, outChannels: outChannels,
                        output: out.baseAddress!)
                }
            }
        }
    }
}
