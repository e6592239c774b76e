import SAMLayers

/// `prompt_encoder.mask_downscaling` (Conv 1→4 k2 s2, LayerNorm2d, GELU, Conv 4→16 k2 s2, LayerNorm2d,
/// GELU, Conv 16→256 1x1; PyTorch indices 0, 1, 3, 4, 6). Declared so the checkpoint is read strictly and
/// its keys are listed; LiteMedSAM's box and point prompts never run it (mask prompts are not supported),
/// so it has no forward.
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
}
