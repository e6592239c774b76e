import SAMLayers
import SAMTensor

/// `image_encoder`: LiteMedSAM's TinyViT. Input `(3, 256, 256)` in [0, 1] (NCHW, as produced by
/// the preprocessing); output the image embedding `[64, 64, 256]` (NHWC).
///
/// Stage layout (see REFERENCE): patch embed at 256² (64 ch) → stage 0, 2 MBConv, merge to 128²
/// (128 ch) → stage 1, 2 blocks, window 7, merge to 64² (160 ch) → stage 2, 6 blocks, window 14,
/// merge with stride 1 (320 ch) → stage 3, 2 blocks, window 7 → neck to 256 ch.
///
/// The structure is written once against `ForwardContext` (`layerZeroOutput(_:_:)`,
/// `embedding(_:fromLayerZeroOutput:)`): `callAsFunction` runs it tape-free with the fused inference
/// kernels; training records it (`Recording`) so gradients reach LoRA factors on the attention `qkv`
/// projections. `parameterDeclarations` lists every `image_encoder.*` checkpoint key it reads.
public struct TinyViTEncoder: Sendable, DeclaresParameters {
    /// The key prefix of LiteMedSAM's encoder in its checkpoint.
    public static let defaultKey = "image_encoder"
    public let configuration: TinyViTConfiguration
    /// The rank of the LoRA factors merged into every attention `qkv`, or nil for the plain encoder.
    public let loraRank: Int?
    let patchEmbed: PatchEmbed
    /// `layers.0.blocks`.
    let convBlocks: [MBConv]
    /// `layers.N.blocks` for N = 1, 2, 3.
    let transformerStages: [[TinyViTBlock]]
    /// `layers.N.downsample` for N = 0, 1, 2.
    let downsamples: [PatchMerging]
    let neck: Neck

    /// Reads every `prefix.*` weight from `store`, strictly (missing or mis-shaped keys throw; the caller's
    /// `store.finish()` reports unused ones).
    ///
    /// - Parameters:
    ///   - store: the state dict.
    ///   - prefix: the encoder's key prefix (`image_encoder`).
    ///   - configuration: stage widths, depths, heads and window sizes (LiteMedSAM's by default).
    ///   - loraRank: when given, `store` must also hold LoRA factors of this rank on every attention
    ///     `qkv` (`loraLayouts`); they are merged into the tape-free weights (`W + B·A` on the q and v rows),
    ///     so an adapted encoder runs at the plain encoder's speed.
    public init(
        _ store: inout WeightStore, prefix: String = TinyViTEncoder.defaultKey,
        configuration: TinyViTConfiguration = .liteMedSAM, loraRank: Int? = nil
    ) throws {
        self.configuration = configuration
        self.loraRank = loraRank
        let dims = configuration.embedDims
        patchEmbed = try PatchEmbed(
            &store, "\(prefix).patch_embed", inChannels: configuration.inChannels, embedDim: dims[0])
        convBlocks = try (0..<configuration.depths[0]).map {
            try MBConv(
                &store, Self.blockKey(prefix: prefix, stage: 0, block: $0), channels: dims[0],
                expandRatio: configuration.mbconvExpandRatio)
        }
        var stages: [[TinyViTBlock]] = []
        for stage in 1..<dims.count {
            stages.append(
                try (0..<configuration.depths[stage]).map {
                    try TinyViTBlock(
                        &store, Self.blockKey(prefix: prefix, stage: stage, block: $0), dim: dims[stage],
                        heads: configuration.heads[stage], windowSize: configuration.windowSizes[stage],
                        mlpRatio: configuration.mlpRatio, loraRank: loraRank)
                })
        }
        transformerStages = stages
        downsamples = try (0..<(dims.count - 1)).map {
            try PatchMerging(&store, "\(prefix).layers.\($0).downsample", inDim: dims[$0], outDim: dims[$0 + 1])
        }
        neck = try Neck(
            &store, "\(prefix).neck", inChannels: dims[dims.count - 1], outChannels: configuration.neckChannels)
    }

    /// `prefix.layers.{stage}.blocks.{block}`.
    static func blockKey(prefix: String, stage: Int, block: Int) -> String {
        "\(prefix).layers.\(stage).blocks.\(block)"
    }

    /// Where LoRA factors go: the `qkv` projection of every attention block, stage by stage (`layers.1` …;
    /// LiteMedSAM has 2 + 6 + 2 = 10), each with `lora_q` and `lora_v` targets
    /// (`WindowAttentionLayer.qkvLayout`).
    public static func loraLayouts(
        prefix: String = TinyViTEncoder.defaultKey, configuration: TinyViTConfiguration = .liteMedSAM
    ) -> [LoRALinearLayer.Layout] {
        (1..<configuration.embedDims.count).flatMap { stage in
            (0..<configuration.depths[stage]).map { block in
                WindowAttentionLayer.qkvLayout(
                    key: TinyViTBlock.attentionKey(block: blockKey(prefix: prefix, stage: stage, block: block)),
                    dim: configuration.embedDims[stage], heads: configuration.heads[stage])
            }
        }
    }

    /// Every parameter the encoder reads (`prefix.*` keys and shapes, LoRA factors included), in a fixed
    /// order.
    public var parameterDeclarations: [ParameterDeclaration] {
        patchEmbed.parameterDeclarations + convBlocks.parameterDeclarations
            + transformerStages.flatMap(\.parameterDeclarations) + downsamples.parameterDeclarations
            + neck.parameterDeclarations
    }

    /// Runs the encoder tape-free.
    ///
    /// - Parameters:
    ///   - input: `[3, 256, 256]` planar (NCHW without the batch), values in [0, 1].
    ///   - observe: called with intermediate `[H, W, C]` maps, named `patch_embed`,
    ///     `layers.0.blocks.0`, `layers.0.blocks`, `layers.N` (stage outputs incl. downsample),
    ///     `layers.N.blocks.0`, `neck.1`; for parity tests.
    /// - Returns: the embedding `[64, 64, 256]` (NHWC).
    public func callAsFunction(_ input: Tensor, observe: ((String, Tensor) -> Void)? = nil) -> Tensor {
        let c = TapeFree()
        return embedding(
            c, fromLayerZeroOutput: layerZeroOutput(c, interleaved(input), observe: observe), observe: observe)
    }

    /// `[C, H, W]` planar input, checked against the configuration → `[H, W, C]`.
    func interleaved(_ input: Tensor) -> Tensor {
        let size = configuration.inputSize
        precondition(
            input.shape == [configuration.inChannels, size, size],
            "encoder input must be [3, \(size), \(size)], got \(input.shape)")
        return Self.planarToInterleaved(input)
    }

    /// `[C, H, W]` → `[H, W, C]`.
    static func planarToInterleaved(_ planar: Tensor) -> Tensor {
        let (c, h, w) = (planar.shape[0], planar.shape[1], planar.shape[2])
        return Tensor(shape: [h, w, c]) { out in
            for ch in 0..<c { for i in 0..<(h * w) { out[i * c + ch] = planar.storage[ch * h * w + i] } }
        }
    }
}
