import Foundation
import MedImageIO
import SAMTensor

/// Two-phase LiteMedSAM inference, as SAM users expect: `embed` an image once, then `segment` any
/// number of prompts against that embedding (batched).
///
/// Pre- and post-processing follow upstream LiteMedSAM: longest side resized to 256 (INTER_AREA),
/// global min-max to [0, 1], grey replicated to 3 channels, zero padding bottom/right; prompts
/// mapped with `int(coord · 256 / max(H, W))`; logits cropped, resized bilinearly to the original
/// size and thresholded at 0.
public final class LiteMedSAMPredictor: Sendable {
    public let model: LiteMedSAMModel

    public init(model: LiteMedSAMModel) {
        self.model = model
    }

    /// Loads the model from `checkpoint`; nil searches for it (`LiteMedSAMCheckpoint.locate()`).
    public convenience init(checkpoint: URL? = nil, verifyChecksum: Bool = true) throws {
        self.init(model: try LiteMedSAMModel(checkpoint: checkpoint, verifyChecksum: verifyChecksum))
    }

    /// Runs preprocessing and the image encoder.
    public func embed(_ image: MedicalImage) throws -> EmbeddedImage {
        try model.imageEncoder.embed(image)
    }

    /// Maps a prompt from original pixels to the 256x256 model frame (truncating, as upstream),
    /// after checking it lies inside the image.
    public func modelPrompt(_ prompt: ImagePrompt, for image: EmbeddedImage) throws -> Prompt {
        try Prompt(prompt, imageHeight: image.originalHeight, imageWidth: image.originalWidth)
    }

    /// Decodes `prompts` against `image`; prompts with the same number of tokens run as one batch.
    ///
    /// - Parameter selection: `.single` (LiteMedSAM's trained token, the default), `.multimask`, `.all`.
    /// - Returns: one `Segmentation` per prompt, in order.
    public func segment(_ image: EmbeddedImage, prompts: [ImagePrompt], selection: MaskSelection = .single) throws
        -> [Segmentation]
    {
        let mapped = try prompts.map { try modelPrompt($0, for: image) }
        return decode(mapped, for: image, selection: selection)
    }

    /// Decodes prompts already in the model frame (see `modelPrompt`).
    public func decode(_ prompts: [Prompt], for image: EmbeddedImage, selection: MaskSelection = .single)
        -> [Segmentation]
    {
        var results = [Segmentation?](repeating: nil, count: prompts.count)
        let groups = Dictionary(grouping: prompts.indices, by: { prompts[$0].sparseTokenCount })
        for (_, indices) in groups.sorted(by: { $0.key < $1.key }) {
            let prediction = model.decode(indices.map { prompts[$0] }, embedding: image.embedding, selection: selection)
            let k = prediction.logits.shape[1]
            let plane = 256 * 256
            for (slot, index) in indices.enumerated() {
                let logits = Array(prediction.logits.storage[(slot * k * plane)..<((slot + 1) * k * plane)])
                let iou = Array(prediction.iouPredictions.storage[(slot * k)..<((slot + 1) * k)])
                let upscaled = LiteMedSAMPostprocessor.upscaledLogits(
                    logits, count: k, resizedHeight: image.resizedHeight, resizedWidth: image.resizedWidth,
                    originalHeight: image.originalHeight, originalWidth: image.originalWidth)
                let masks = LiteMedSAMPostprocessor.threshold(
                    upscaled, count: k, height: image.originalHeight, width: image.originalWidth)
                results[index] = Segmentation(
                    logits: Tensor(shape: [k, 256, 256], storage: logits), iouPredictions: iou, masks: masks)
            }
        }
        return results.map { $0! }
    }
}
