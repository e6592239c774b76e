import SAMLayers
import SAMTensor

/// `prompt_encoder.mask_downscaling`: SAM's mask-prompt path, turning a `[256, 256]` logit map in the model
/// frame into the dense prompt embedding `[64, 64, 256]` (NHWC) that replaces `no_mask_embed`.
///
/// Layers (upstream `nn.Sequential` indices, which the checkpoint keys carry): `0` Conv 1→4 (k2 s2),
/// `1` LayerNorm2d(4, eps 1e-6), `2` GELU (exact), `3` Conv 4→16 (k2 s2), `4` LayerNorm2d(16, eps 1e-6),
/// `5` GELU, `6` Conv 16→256 (1x1). Both k2 s2 convolutions tile their input exactly (no padding). The
/// forward is tape-free only: no trainer trains it yet.
struct MaskDownscaling: Sendable, DeclaresParameters {
    /// `(weight, bias)` of the convolutions 0, 3 and 6.
    let convolutions: [(weight: ParameterTensor, bias: ParameterTensor)]
    /// The LayerNorm2d layers 1 and 4 (eps 1e-6).
    let norms: [LayerNormLayer]

    init(_ store: inout WeightStore, _ key: String, hidden: Int, embedDim: Int) throws {
        let quarter = hidden / 4
        func convolution(_ index: Int, out: Int, in inChannels: Int, kernel: Int) throws -> (
            weight: ParameterTensor, bias: ParameterTensor
        ) {
            (
                try ParameterTensor(&store, "\(key).\(index).weight", shape: [out, inChannels, kernel, kernel]),
                try ParameterTensor(&store, "\(key).\(index).bias", shape: [out])
            )
        }
        let first = try convolution(0, out: quarter, in: 1, kernel: 2)
        let firstNorm = try LayerNormLayer(&store, "\(key).1", dim: quarter, eps: 1e-6)
        let second = try convolution(3, out: hidden, in: quarter, kernel: 2)
        let secondNorm = try LayerNormLayer(&store, "\(key).4", dim: hidden, eps: 1e-6)
        let last = try convolution(6, out: embedDim, in: hidden, kernel: 1)
        convolutions = [first, second, last]
        norms = [firstNorm, secondNorm]
    }

    var parameterDeclarations: [ParameterDeclaration] {
        convolutions.flatMap { $0.weight.parameterDeclarations + $0.bias.parameterDeclarations }
            + norms.parameterDeclarations
    }

    /// Runs the downscaling on one mask (tape-free).
    ///
    /// - Parameters:
    ///   - mask: `side x side` logits, row-major (`side` = 4 x the embedding side, 256 for LiteMedSAM).
    ///   - side: the mask's side.
    /// - Returns: `[side / 4, side / 4, embedDim]` (NHWC).
    func forward(mask: [Float], side: Int) -> Tensor {
        precondition(mask.count == side * side && side % 4 == 0, "mask must be \(side)x\(side) with side % 4 == 0")
        let hidden = convolutions[1].weight.shape[0]
        let embedDim = convolutions[2].weight.shape[0]
        let quarter = hidden / 4
        let w0 = convolutions[0].weight.values
        let b0 = convolutions[0].bias.values
        let w3 = convolutions[1].weight.values
        let b3 = convolutions[1].bias.values
        let w6 = convolutions[2].weight.values
        let b6 = convolutions[2].bias.values

        // Stage 1: Conv 1→quarter, k2 s2, into NHWC [half, half, quarter].
        let half = side / 2
        var first = [Float](repeating: 0, count: half * half * quarter)
        for y in 0..<half {
            for x in 0..<half {
                let a = mask[(2 * y) * side + 2 * x]
                let b = mask[(2 * y) * side + 2 * x + 1]
                let c = mask[(2 * y + 1) * side + 2 * x]
                let d = mask[(2 * y + 1) * side + 2 * x + 1]
                let base = (y * half + x) * quarter
                for o in 0..<quarter {
                    let w = o * 4
                    first[base + o] = b0[o] + w0[w] * a + w0[w + 1] * b + w0[w + 2] * c + w0[w + 3] * d
                }
            }
        }
        Self.normaliseAndActivate(&first, rows: half * half, norm: norms[0])

        // Stage 2: Conv quarter→hidden, k2 s2, into NHWC [outSide, outSide, hidden].
        let outSide = half / 2
        // Weight [hidden, quarter, 2, 2] rearranged to [ky, kx, quarter, hidden] for contiguous inner loops.
        var w3t = [Float](repeating: 0, count: 4 * quarter * hidden)
        for o in 0..<hidden {
            for i in 0..<quarter {
                for k in 0..<4 { w3t[(k * quarter + i) * hidden + o] = w3[(o * quarter + i) * 4 + k] }
            }
        }
        var second = [Float](repeating: 0, count: outSide * outSide * hidden)
        for y in 0..<outSide {
            for x in 0..<outSide {
                let base = (y * outSide + x) * hidden
                for o in 0..<hidden { second[base + o] = b3[o] }
                for k in 0..<4 {
                    let source = ((2 * y + k / 2) * half + 2 * x + k % 2) * quarter
                    for i in 0..<quarter {
                        let v = first[source + i]
                        let row = (k * quarter + i) * hidden
                        for o in 0..<hidden { second[base + o] += w3t[row + o] * v }
                    }
                }
            }
        }
        Self.normaliseAndActivate(&second, rows: outSide * outSide, norm: norms[1])

        // Stage 3: 1x1 Conv hidden→embedDim.
        var w6t = [Float](repeating: 0, count: hidden * embedDim)
        for d in 0..<embedDim { for i in 0..<hidden { w6t[i * embedDim + d] = w6[d * hidden + i] } }
        let pixels = outSide * outSide
        return Tensor(shape: [outSide, outSide, embedDim]) { out in
            for p in 0..<pixels {
                let base = p * embedDim
                for d in 0..<embedDim { out[base + d] = b6[d] }
                for i in 0..<hidden {
                    let v = second[p * hidden + i]
                    let row = i * embedDim
                    for d in 0..<embedDim { out[base + d] += w6t[row + d] * v }
                }
            }
        }
    }

    /// LayerNorm2d over the channels of each pixel (NHWC rows), then exact GELU, in place.
    private static func normaliseAndActivate(_ values: inout [Float], rows: Int, norm: LayerNormLayer) {
        values.withUnsafeMutableBufferPointer { buffer in
            norm.norm.weight.withUnsafeBufferPointer { w in
                norm.norm.bias.withUnsafeBufferPointer { b in
                    Normalization.layerNorm(
                        buffer.baseAddress!, rows: rows, dim: norm.dim, weight: w, bias: b, eps: norm.eps,
                        output: buffer.baseAddress!)
                }
            }
            Elementwise.gelu(buffer)
        }
    }
}

extension PromptEncoder {
    /// The dense prompt embedding of a mask prompt (SAM's `_embed_masks`): `mask_downscaling` applied to
    /// `[256, 256]` logits in the model frame (`4 x embeddingSide` per side).
    ///
    /// - Returns: `[64, 64, embedDim]` (NHWC), to pass as ``DenseEmbedding/perPrompt(_:)`` or
    ///   ``DenseEmbedding/shared(_:)``.
    public func denseEmbedding(maskInput: MaskInput) -> Tensor {
        maskDownscaling.forward(mask: maskInput.logits, side: MaskInput.side)
    }

    /// The no-mask dense embedding as a full `[64, 64, embedDim]` map (`no_mask_embed` at every cell),
    /// for batches that mix prompts with and without a mask input.
    public func noMaskDenseMap() -> Tensor {
        let cells = embeddingSide * embeddingSide
        return Tensor(shape: [embeddingSide, embeddingSide, embedDim]) { out in
            for p in 0..<cells { for d in 0..<embedDim { out[p * embedDim + d] = noMaskEmbed[d] } }
        }
    }
}
