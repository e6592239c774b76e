import SAMLayers
import SAMTensor

/// `image_encoder`: LiteMedSAM's TinyViT. Input `(3, 256, 256)` in [0, 1] (NCHW, as produced by
/// the preprocessing); output the image embedding `[64, 64, 256]` (NHWC).
///
/// Stage layout (see REFERENCE): patch embed at 256² (64 ch) → stage 0, 2 MBConv, merge to 128²
/// (128 ch) → stage 1, 2 blocks, window 7, merge to 64² (160 ch) → stage 2, 6 blocks, window 14,
/// merge with stride 1 (320 ch) → stage 3, 2 blocks, window 7 → neck to 256 ch.
public struct TinyViTEncoder: Sendable {
    public let configuration: TinyViTConfiguration
    let patchEmbed: PatchEmbed
    /// `layers.0.blocks`.
    let convBlocks: [MBConv]
    /// `layers.N.blocks` for N = 1, 2, 3.
    let transformerStages: [[TinyViTBlock]]
    /// `layers.N.downsample` for N = 0, 1, 2.
    let downsamples: [PatchMerging]
    let neck: Neck

    public init(
        _ store: inout WeightStore, prefix: String = "image_encoder", configuration: TinyViTConfiguration = .liteMedSAM
    ) throws {
        self.configuration = configuration
        let dims = configuration.embedDims
        patchEmbed = try PatchEmbed(
            &store, "\(prefix).patch_embed", inChannels: configuration.inChannels, embedDim: dims[0])
        convBlocks = try (0..<configuration.depths[0]).map {
            try MBConv(
                &store, "\(prefix).layers.0.blocks.\($0)", channels: dims[0],
                expandRatio: configuration.mbconvExpandRatio)
        }
        var stages: [[TinyViTBlock]] = []
        for stage in 1..<dims.count {
            stages.append(
                try (0..<configuration.depths[stage]).map {
                    try TinyViTBlock(
                        &store, "\(prefix).layers.\(stage).blocks.\($0)", dim: dims[stage],
                        heads: configuration.heads[stage], windowSize: configuration.windowSizes[stage],
                        mlpRatio: configuration.mlpRatio)
                })
        }
        transformerStages = stages
        downsamples = try (0..<(dims.count - 1)).map {
            try PatchMerging(&store, "\(prefix).layers.\($0).downsample", inDim: dims[$0], outDim: dims[$0 + 1])
        }
        neck = try Neck(
            &store, "\(prefix).neck", inChannels: dims[dims.count - 1], outChannels: configuration.neckChannels)
    }

    /// Runs the encoder.
    ///
    /// - Parameters:
    ///   - input: `[3, 256, 256]` planar (NCHW without the batch), values in [0, 1].
    ///   - observe: called with intermediate `[H, W, C]` maps, named `patch_embed`,
    ///     `layers.0.blocks.0`, `layers.0.blocks`, `layers.N` (stage outputs incl. downsample),
    ///     `layers.N.blocks.0`, `neck.1`; for parity tests.
    /// - Returns: the embedding `[64, 64, 256]` (NHWC).
    public func callAsFunction(_ input: Tensor, observe: ((String, Tensor) -> Void)? = nil) -> Tensor {
        let size = configuration.inputSize
        precondition(
            input.shape == [configuration.inChannels, size, size],
            "encoder input must be [3, \(size), \(size)], got \(input.shape)")
        var x = Self.planarToInterleaved(input)
        x = patchEmbed(x)
        observe?("patch_embed", x)
        for (index, block) in convBlocks.enumerated() {
            x = block(x)
            if index == 0 { observe?("layers.0.blocks.0", x) }
        }
        observe?("layers.0.blocks", x)
        x = downsamples[0](x)
        observe?("layers.0", x)
        for (offset, blocks) in transformerStages.enumerated() {
            let stage = offset + 1
            for (index, block) in blocks.enumerated() {
                x = block(x)
                if index == 0 { observe?("layers.\(stage).blocks.0", x) }
            }
            if stage < downsamples.count { x = downsamples[stage](x) }
            observe?("layers.\(stage)", x)
        }
        return neck(x, observe: observe)
    }

    /// `[C, H, W]` → `[H, W, C]`.
    static func planarToInterleaved(_ planar: Tensor) -> Tensor {
        let (c, h, w) = (planar.shape[0], planar.shape[1], planar.shape[2])
        return Tensor(shape: [h, w, c]) { out in
            for ch in 0..<c { for i in 0..<(h * w) { out[i * c + ch] = planar.storage[ch * h * w + i] } }
        }
    }
}
