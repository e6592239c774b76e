import SAMTensor

/// `nn.Conv2d` with a 3x3 kernel, stride 1 and zero padding 1 at a key prefix: `prefix.weight`
/// `(out, in, 3, 3)` and, unless bias-free, `prefix.bias` `(out)`. On NHWC activations `[H, W, in]` →
/// `[H, W, out]` (SAM's bias-free `neck.2`, P²SAM's prompt generation network).
public struct Convolution3x3Layer: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `image_encoder.neck.2` or `pgn.blocks.0.convs.0`.
    public let key: String
    public let inChannels: Int
    public let outChannels: Int
    /// The weight rearranged to `(out, 3, 3, in)` for `Convolution.dense3x3` (tape-free forwards), and the
    /// bias, as a `Linear` on 3x3 patches (`9 · in → out`) for `applyInGEMMPrecision`.
    let patchLinear: Linear
    var preparedWeight: [Float] { patchLinear.weight }
    /// `outChannels` values, or nil for a bias-free convolution.
    var bias: [Float]? { patchLinear.bias }

    /// Reads `key.weight` `(out, in, 3, 3)` and, when `bias`, `key.bias` `(out)` from `store`, strictly.
    public init(_ store: inout WeightStore, _ key: String, in inChannels: Int, out outChannels: Int, bias: Bool = true)
        throws
    {
        self.key = key
        self.inChannels = inChannels
        self.outChannels = outChannels
        let weight = try store.take("\(key).weight", shape: [outChannels, inChannels, 3, 3])
        patchLinear = Linear(
            weight: Convolution.prepareDense3x3(weight, outChannels: outChannels, inChannels: inChannels),
            bias: bias ? try store.take("\(key).bias", shape: [outChannels]) : nil, inFeatures: 9 * inChannels,
            outFeatures: outChannels)
    }

    /// `key.weight`.
    public var weightKey: String { "\(key).weight" }
    /// `key.bias`, or nil for a bias-free convolution.
    public var biasKey: String? { bias == nil ? nil : "\(key).bias" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [ParameterDeclaration(key: weightKey, shape: [outChannels, inChannels, 3, 3])]
            + (biasKey.map { [ParameterDeclaration(key: $0, shape: [outChannels])] } ?? [])
    }

    /// Tape-free forward of one NHWC image `[H, W, in]` → `[H, W, out]` (im2col and one GEMM).
    public func apply(_ input: Tensor) -> Tensor {
        precondition(
            input.rank == 3 && input.shape[2] == inChannels,
            "convolution \(key): input \(input.shape), want [H, W, \(inChannels)]")
        let (height, width) = (input.shape[0], input.shape[1])
        return Tensor(shape: [height, width, outChannels]) { out in
            input.storage.withUnsafeBufferPointer { x in
                preparedWeight.withUnsafeBufferPointer { w in
                    if let bias {
                        bias.withUnsafeBufferPointer { b in
                            Convolution.dense3x3(
                                x.baseAddress!, height: height, width: width, inChannels: inChannels,
                                weight: w.baseAddress!, bias: b, outChannels: outChannels, output: out.baseAddress!)
                        }
                    } else {
                        Convolution.dense3x3(
                            x.baseAddress!, height: height, width: width, inChannels: inChannels,
                            weight: w.baseAddress!, bias: nil, outChannels: outChannels, output: out.baseAddress!)
                    }
                }
            }
        }
    }

    /// Tape-free forward of `images` NHWC images stacked along the rows, `[images · H · W, in]` →
    /// `[images · H · W, out]`, with the GEMM in `GEMMPrecision.current` (per image, one GEMM over its 3x3
    /// patches through the layer's `Linear`, so bf16 when selected). In f32 it computes what `apply` does
    /// image by image (same patches, same SGEMM, bias added after). `apply` itself always stays f32.
    ///
    /// - Parameters:
    ///   - input: `[images · height · width, in]` (or any shape with that many values).
    ///   - images: how many images are stacked.
    ///   - height: rows per image.
    ///   - width: columns per image.
    public func applyInGEMMPrecision(_ input: Tensor, images: Int, height: Int, width: Int) -> Tensor {
        let plane = height * width
        precondition(
            input.count == images * plane * inChannels,
            "convolution \(key): \(input.count) values, want \(images) x \(height) x \(width) x \(inChannels)")
        let columns = 9 * inChannels
        // One image's patches at a time (a buffer the allocator reuses), the GEMM writing into its rows.
        // `Convolution.patches3x3` writes every value (zeros for the padding): no zero fill.
        let count = plane * columns
        var patches = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        return Tensor(shape: [images * plane, outChannels]) { out in
            input.storage.withUnsafeBufferPointer { x in
                patches.withUnsafeMutableBufferPointer { buffer in
                    for b in 0..<images {
                        Convolution.patches3x3(
                            x.baseAddress! + b * plane * inChannels, height: height, width: width,
                            inChannels: inChannels, into: buffer.baseAddress!)
                        patchLinear.apply(
                            buffer.baseAddress!, rows: plane, output: out.baseAddress! + b * plane * outChannels)
                    }
                }
            }
        }
    }
}
