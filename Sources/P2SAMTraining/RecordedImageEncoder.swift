import LiteMedSAM
import SAMAutograd
import SAMLayers
import SAMTensor

/// LiteMedSAM's TinyViT recorded on a gradient tape from the output of `layers.0` on, so gradients reach
/// LoRA factors on the attention `qkv` projections: the same layers as inference (`TinyViTEncoder`, run
/// through `Recording`).
///
/// Every checkpoint tensor enters as a frozen `Parameter` under its declared key (`Conv2d_BN` pairs are
/// folded on the tape from their checkpoint tensors); the LoRA factors are the very `Parameter`s of the
/// network's set, so the trainer's optimiser updates what this encoder reads.
public final class RecordedImageEncoder {
    /// The encoder's layers (their tape-free values are not read here).
    public let layers: TinyViTEncoder
    /// The frozen `image_encoder.*` tensors and the shared LoRA factors, by declared key.
    let parameters: ParameterSet

    /// - Parameters:
    ///   - backbone: the LiteMedSAM state dict (not consumed).
    ///   - lora: a set holding the LoRA factors (`LoRAParameters`), shared; without factors the plain encoder.
    public init(backbone: WeightStore, lora: ParameterSet) throws {
        layers = try LoRAParameters.encoder(backbone: backbone, adaptedBy: lora)
        let parameters = ParameterSet()
        var store = backbone
        for declaration in layers.parameterDeclarations {
            if LoRAParameters.isFactor(declaration.key) {
                parameters.add(lora[declaration.key])
            } else {
                let values = try store.take(declaration.key, shape: declaration.shape)
                parameters.add(declaration.key, Tensor(shape: declaration.shape, storage: values), trainable: false)
            }
        }
        self.parameters = parameters
    }

    /// The LoRA rank, or nil for the plain encoder.
    public var loraRank: Int? { layers.loraRank }

    /// `layers.1…3` and the neck on `graph`: `layerZero` `[H, W, 128]` (NHWC, the output of `layers.0`,
    /// `TinyViTEncoder.layerZeroOutput`; any size, windows pad) → the embedding `[H/2, W/2, 256]`
    /// (`[64, 64, 256]` for a 256x256 image).
    public func embedding(on graph: Graph, fromLayerZeroOutput layerZero: Tensor) -> Variable {
        layers.embedding(
            Recording(graph: graph, parameters: parameters), fromLayerZeroOutput: graph.constant(layerZero))
    }
}
