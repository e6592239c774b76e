import SAMLayers
import SAMTensor

extension TinyViTEncoder {
    /// `layers.0` (patch embed, the MBConv blocks and `layers.0.downsample`) in any context:
    /// `[H, W, 3]` (NHWC, values in [0, 1]) → `[H/2, W/2, 128]` (`[128, 128, 128]` for LiteMedSAM).
    /// It does not depend on the attention blocks, so a LoRA-adapted encoder can be trained from it,
    /// cached per image.
    public func layerZeroOutput<C: ForwardContext>(
        _ c: C, _ input: consuming C.Value, observe: ((String, C.Value) -> Void)? = nil
    ) -> C.Value {
        var x = patchEmbed.forward(c, consume input)
        observe?("patch_embed", x)
        for (index, block) in convBlocks.enumerated() {
            x = block.forward(c, x)
            if index == 0 { observe?("layers.0.blocks.0", x) }
        }
        observe?("layers.0.blocks", x)
        x = downsamples[0].forward(c, x)
        observe?("layers.0", x)
        return x
    }

    /// The rest of the encoder (`layers.1…3` and the neck) in any context, from a `layerZeroOutput` map:
    /// `[H, W, 128]` → the embedding `[H/2, W/2, 256]` (`[64, 64, 256]` for a 256x256 input; any size,
    /// windows pad).
    public func embedding<C: ForwardContext>(
        _ c: C, fromLayerZeroOutput layerZero: consuming C.Value, observe: ((String, C.Value) -> Void)? = nil
    ) -> C.Value {
        var x = consume layerZero
        for (offset, blocks) in transformerStages.enumerated() {
            let stage = offset + 1
            for (index, block) in blocks.enumerated() {
                x = block.forward(c, x)
                if index == 0 { observe?("layers.\(stage).blocks.0", x) }
            }
            if stage < downsamples.count { x = downsamples[stage].forward(c, x) }
            observe?("layers.\(stage)", x)
        }
        return neck.forward(c, x, observe: observe)
    }

    /// Tape-free `layers.0` of a `[3, 256, 256]` planar input (values in [0, 1]): `[128, 128, 128]` (NHWC).
    public func layerZeroOutput(_ input: Tensor) -> Tensor {
        layerZeroOutput(TapeFree(), interleaved(input))
    }

    /// Tape-free rest of the encoder from a `layerZeroOutput(_:)` map: `[H, W, 128]` → `[H/2, W/2, 256]`.
    public func embedding(fromLayerZeroOutput layerZero: Tensor) -> Tensor {
        embedding(TapeFree(), fromLayerZeroOutput: layerZero)
    }
}
