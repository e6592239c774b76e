import SAMTensor

extension TinyViTEncoder {
    /// The output of `layers.0` (patch embed, the MBConv blocks and `layers.0.downsample`):
    /// `[128, 128, 128]` (NHWC) for LiteMedSAM. It does not depend on the attention blocks, so a
    /// LoRA-adapted encoder can be trained from it, cached per image.
    ///
    /// - Parameter input: `[3, 256, 256]` planar, values in [0, 1].
    public func layerZeroOutput(_ input: Tensor) -> Tensor {
        let size = configuration.inputSize
        precondition(
            input.shape == [configuration.inChannels, size, size],
            "encoder input must be [3, \(size), \(size)], got \(input.shape)")
        var x = patchEmbed(Self.planarToInterleaved(input))
        for block in convBlocks { x = block(x) }
        return downsamples[0](x)
    }

    /// The rest of the encoder (`layers.1…3` and the neck) from a `layerZeroOutput(_:)` map:
    /// `[H, W, 128]` → the embedding `[H/2, W/2, 256]` (`[64, 64, 256]` for a 256x256 input).
    public func embedding(fromLayerZeroOutput layerZero: Tensor) -> Tensor {
        var x = layerZero
        for (offset, blocks) in transformerStages.enumerated() {
            let stage = offset + 1
            for block in blocks { x = block(x) }
            if stage < downsamples.count { x = downsamples[stage](x) }
        }
        return neck(x)
    }
}
