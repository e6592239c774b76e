import SAMLayers
import SAMTensor

/// `image_encoder.patch_embed`: in this LiteMedSAM variant two 1x1 `Conv2d_BN` with a GELU
/// between them, at full 256x256 resolution (no downsampling): `[256, 256, 3]` → `[256, 256, 64]`.
struct PatchEmbed: Sendable {
    /// `seq.0`: 3 → 32.
    let seq0: Linear
    /// `seq.2`: 32 → 64.
    let seq2: Linear

    init(_ store: inout WeightStore, _ prefix: String, inChannels: Int, embedDim: Int) throws {
        seq0 = try store.pointwiseConv2dBN("\(prefix).seq.0", in: inChannels, out: embedDim / 2)
        seq2 = try store.pointwiseConv2dBN("\(prefix).seq.2", in: embedDim / 2, out: embedDim)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = seq0(input)
        x.applyGELU()
        return seq2(x)
    }
}
