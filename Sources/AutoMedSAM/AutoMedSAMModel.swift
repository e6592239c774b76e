import LiteMedSAM
import SAMLayers
import SAMTensor
import SeededSampling

/// AutoMedSAM for inference: LiteMedSAM's image encoder (frozen), the class prompt encoder and the
/// fine-tuned mask decoder. Given an image embedding and class ids it returns one mask per class, with no
/// box or point (`docs/automedsam.md`).
public struct AutoMedSAMModel: Sendable {
    public let configuration: AutoMedSAMConfiguration
    public let classPromptEncoder: ClassPromptEncoder
    /// LiteMedSAM with the model's fine-tuned mask decoder (its image encoder embeds images; its prompt
    /// encoder supplies the dense positional encoding and `no_mask_embed` for a branch that is off).
    public let base: LiteMedSAMModel

    /// The model of `file` on the LiteMedSAM checkpoint `base` it was trained on (its decoder is replaced).
    ///
    /// - Throws: `AutoMedSAMError.notAModel` for missing, mis-shaped or extra tensors.
    public init(file: AutoMedSAMModelFile, base: LiteMedSAMModel) throws {
        let layers = try file.layers()
        self.init(
            configuration: file.configuration, classPromptEncoder: layers.classPromptEncoder,
            maskDecoder: layers.maskDecoder, base: base)
    }

    /// A model from its parts (`maskDecoder` replaces `base`'s).
    public init(
        configuration: AutoMedSAMConfiguration, classPromptEncoder: ClassPromptEncoder, maskDecoder: MaskDecoder,
        base: LiteMedSAMModel
    ) {
        self.configuration = configuration
        self.classPromptEncoder = classPromptEncoder
        var model = base
        model.maskDecoder = maskDecoder
        self.base = model
    }

    /// The noise levels used for sampled passes: the model's T and scale, or 10 levels for a model trained
    /// without noise.
    public var samplingNoise: DiffusionNoise {
        DiffusionNoise(
            steps: configuration.noiseSteps > 0 ? configuration.noiseSteps : 10, scale: configuration.noiseScale)
    }

    /// Decoder logits `[n, 1, 256, 256]` (model frame) of classes `classIDs` for an embedding `[64, 64, 256]`;
    /// `noises` (one per class, or empty) are the diffusion's `ε` per pass (nil: none). The class prompt
    /// encoder runs once for all classes (`ClassPromptEncoder.promptEmbeddings`, equal to the per-class
    /// forward up to float rounding) and the decoder takes the classes as one batch.
    ///
    /// - Parameters:
    ///   - embedding: the image embedding `[64, 64, 256]`.
    ///   - classIDs: the model's class ids, in the order of the logits.
    ///   - noises: one diffusion noise `[64, 64, 256]` (or nil) per class, or empty for none.
    /// - Returns: logits `[n, 1, 256, 256]` (model frame).
    /// - Throws: `AutoMedSAMError.unknownClass` for an id the model does not have.
    public func logits(embedding: Tensor, classIDs: [Int], noises: [Tensor?] = []) throws -> Tensor {
        precondition(noises.isEmpty || noises.count == classIDs.count, "one noise per class")
        let rows = try classIDs.map(configuration.row(ofClass:))
        let prompt = base.promptEncoder
        let outputs = classPromptEncoder.promptEmbeddings(
            embedding: embedding, classIndices: rows, noises: noises,
            positionalEncoding: prompt.densePositionalEncoding)
        return decode(embedding: embedding, outputs: outputs)
    }

    /// The same logits through the per-class generic forward (`ClassPromptEncoder.forward` with `TapeFree`,
    /// one class at a time): the reference `logits(embedding:classIDs:noises:)` is checked against.
    ///
    /// - Parameters:
    ///   - embedding: the image embedding `[64, 64, 256]`.
    ///   - classIDs: the model's class ids, in the order of the logits.
    ///   - noises: one diffusion noise `[64, 64, 256]` (or nil) per class, or empty for none.
    /// - Returns: logits `[n, 1, 256, 256]` (model frame).
    /// - Throws: `AutoMedSAMError.unknownClass` for an id the model does not have.
    public func perClassLogits(embedding: Tensor, classIDs: [Int], noises: [Tensor?] = []) throws -> Tensor {
        precondition(noises.isEmpty || noises.count == classIDs.count, "one noise per class")
        let rows = try classIDs.map(configuration.row(ofClass:))
        let outputs = rows.enumerated().map { i, row in
            classPromptEncoder.forward(
                TapeFree(), embedding: embedding, classIndex: row, noise: noises.isEmpty ? nil : noises[i],
                positionalEncoding: base.promptEncoder.densePositionalEncoding)
        }
        return decode(embedding: embedding, outputs: outputs)
    }

    /// The mask decoder on the classes' prompt embeddings, as one batch.
    private func decode(embedding: Tensor, outputs: [ClassPromptEncoder.Output<Tensor>]) -> Tensor {
        let prompt = base.promptEncoder
        let sparse = outputs.map { $0.sparse?.storage ?? [] }
        let dense = outputs.compactMap(\.dense)
        return base.maskDecoder(
            imageEmbedding: embedding, positionalEncoding: prompt.densePositionalEncoding, sparseTokens: sparse,
            dense: configuration.branches.hasDense ? .perPrompt(dense) : .constant(prompt.noMaskEmbed)
        ).logits
    }

    /// One mask per class in the image frame, and the label map.
    ///
    /// - Throws: `AutoMedSAMError.unknownClass` for an id the model does not have.
    public func segment(_ image: EmbeddedImage, classIDs: [Int]) throws -> ClassSegmentation {
        let logits = try logits(embedding: image.embedding, classIDs: classIDs)
        return ClassSegmentation(classIDs: classIDs, modelLogits: logits, image: image)
    }

    /// `count` noisy passes per class (diffusion noise at a random level, from `random`): the fraction of
    /// passes marking each pixel, per class, in the image frame (row-major `height x width`).
    ///
    /// - Throws: `AutoMedSAMError.unknownClass` for an id the model does not have.
    public func sampleFrequencies(
        _ image: EmbeddedImage, classIDs: [Int], count: Int, random: SeededRandom
    ) throws -> [[Float]] {
        let pixels = image.originalWidth * image.originalHeight
        var frequency = [[Float]](repeating: [Float](repeating: 0, count: pixels), count: classIDs.count)
        let noise = samplingNoise
        for _ in 0..<count {
            let noises = classIDs.map { _ in noise.draw(shape: [64, 64, 256], random: random) }
            let logits = try logits(embedding: image.embedding, classIDs: classIDs, noises: noises)
            let pass = ClassSegmentation(classIDs: classIDs, modelLogits: logits, image: image)
            for k in classIDs.indices {
                for i in 0..<pixels where pass.masks[k][i] != 0 { frequency[k][i] += 1 / Float(count) }
            }
        }
        return frequency
    }
}
