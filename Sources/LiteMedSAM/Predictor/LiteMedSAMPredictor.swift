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

    /// A predictor running `model`.
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
    /// - Parameters:
    ///   - image: the embedded image.
    ///   - prompts: boxes and points in image pixels.
    ///   - maskInputs: empty, or one optional mask prompt per prompt (SAM's `mask_input`, logits in
    ///     the 256x256 model frame).
    ///   - selection: `.single` (LiteMedSAM's trained token, the default), `.multimask`, `.all`.
    /// - Returns: one `Segmentation` per prompt, in order.
    public func segment(
        _ image: EmbeddedImage, prompts: [ImagePrompt], maskInputs: [MaskInput?] = [],
        selection: MaskSelection = .single
    ) throws -> [Segmentation] {
        let mapped = try prompts.map { try modelPrompt($0, for: image) }
        return decode(mapped, for: image, maskInputs: maskInputs, selection: selection)
    }

    /// SAM's iterative refinement: decodes `prompt`, then `rounds` more times with the previous
    /// round's best low-resolution logits fed back as the mask input (the prompt stays the same).
    ///
    /// - Parameters:
    ///   - image: the embedded image.
    ///   - prompt: a box and/or points in image pixels.
    ///   - maskInput: an optional mask prompt for the first round.
    ///   - rounds: refinement rounds after the first decode.
    ///   - selection: which mask tokens to decode; the best by predicted IoU is fed back.
    /// - Returns: the segmentation of every round, first to last (`rounds + 1` entries).
    public func refine(
        _ image: EmbeddedImage, prompt: ImagePrompt, rounds: Int, maskInput: MaskInput? = nil,
        selection: MaskSelection = .single
    ) throws -> [Segmentation] {
        precondition(rounds >= 0, "rounds must be >= 0")
        let mapped = try modelPrompt(prompt, for: image)
        var history: [Segmentation] = []
        var input = maskInput
        for _ in 0...rounds {
            let result = decode([mapped], for: image, maskInputs: [input], selection: selection)[0]
            history.append(result)
            input = MaskInput(result, mask: result.bestIndex)
        }
        return history
    }

    /// Decodes prompts already in the model frame (see `modelPrompt`), with optional mask inputs.
    public func decode(
        _ prompts: [Prompt], for image: EmbeddedImage, maskInputs: [MaskInput?] = [],
        selection: MaskSelection = .single
    ) -> [Segmentation] {
        precondition(maskInputs.isEmpty || maskInputs.count == prompts.count, "need one mask input per prompt")
        var results = [Segmentation?](repeating: nil, count: prompts.count)
        let groups = Dictionary(grouping: prompts.indices, by: { prompts[$0].sparseTokenCount })
        for (_, indices) in groups.sorted(by: { $0.key < $1.key }) {
            let prediction = model.decode(
                indices.map { prompts[$0] }, embedding: image.embedding,
                maskInputs: maskInputs.isEmpty ? [] : indices.map { maskInputs[$0] }, selection: selection)
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
