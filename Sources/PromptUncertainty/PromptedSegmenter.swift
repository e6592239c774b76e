import LiteMedSAM
import MedImageIO
import SAMTensor

/// Anything that turns image-frame prompts into foreground probability maps for one fixed image.
/// The methods of this module are written against it, so they can be tested without the model.
public protocol PromptedSegmenter {
    /// The image the segmenter works on.
    var frame: ImageFrame { get }
    /// One probability map (original image size) per prompt, in order.
    func probabilities(for prompts: [ImagePrompt]) throws -> [ProbabilityMap]
}

/// LiteMedSAM on one embedded image: the encoder has run once; each call only decodes.
///
/// Probabilities are `sigmoid` of the single-mask token's logits after LiteMedSAM's postprocessing
/// (crop the padding, bilinear resize to the original size), so `p > 0.5` is exactly the predictor's mask.
public struct LiteMedSAMSegmenter: PromptedSegmenter, Sendable {
    public let predictor: LiteMedSAMPredictor
    public let image: EmbeddedImage

    /// Wraps an image already embedded by `predictor`.
    public init(predictor: LiteMedSAMPredictor, image: EmbeddedImage) {
        self.predictor = predictor
        self.image = image
    }

    /// Runs the encoder on `picture` and wraps the result.
    public init(predictor: LiteMedSAMPredictor, picture: MedicalImage) throws {
        self.init(predictor: predictor, image: try predictor.embed(picture))
    }

    public var frame: ImageFrame { ImageFrame(width: image.originalWidth, height: image.originalHeight) }

    public func probabilities(for prompts: [ImagePrompt]) throws -> [ProbabilityMap] {
        let results = try predictor.segment(image, prompts: prompts, selection: .single)
        return try results.map { result in
            let logits = LiteMedSAMPostprocessor.upscaledLogits(
                result.logits.storage, count: 1, resizedHeight: image.resizedHeight, resizedWidth: image.resizedWidth,
                originalHeight: image.originalHeight, originalWidth: image.originalWidth)
            return try ProbabilityMap(logits: logits, width: image.originalWidth, height: image.originalHeight)
        }
    }
}
