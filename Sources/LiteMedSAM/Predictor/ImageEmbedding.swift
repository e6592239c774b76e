import MedImageIO
import SAMTensor

extension LiteMedSAMPreprocessor {
    /// Checks that `image` can be embedded, then preprocesses it (see `preprocess(_:)`).
    ///
    /// - Throws: `PredictorError.invalidImage` naming the first problem (a non-finite pixel), or
    ///   `MedImageIOError.invalidImage` for an aspect ratio beyond `maxAspectRatio`.
    public static func checkedPreprocess(_ image: MedicalImage) throws -> PreprocessedImage {
        if let bad = image.pixels.first(where: { !$0.isFinite }) {
            throw PredictorError.invalidImage("non-finite pixel value \(bad)")
        }
        return try preprocess(image)
    }
}

extension TinyViTEncoder {
    /// The one way an image becomes an `EmbeddedImage`: upstream preprocessing, then the encoder.
    /// Used by `LiteMedSAMPredictor`, the P²SAM sampler and the uncertainty methods alike.
    public func embed(_ image: MedicalImage) throws -> EmbeddedImage {
        embed(try LiteMedSAMPreprocessor.checkedPreprocess(image))
    }

    /// Embeds an image already preprocessed (the model input `(3, 256, 256)` and its geometry).
    public func embed(_ prepared: PreprocessedImage) -> EmbeddedImage {
        let input = Tensor(shape: [3, PreprocessedImage.side, PreprocessedImage.side], storage: prepared.tensor)
        return EmbeddedImage(
            embedding: self(input),
            originalHeight: prepared.originalHeight, originalWidth: prepared.originalWidth,
            resizedHeight: prepared.resizedHeight, resizedWidth: prepared.resizedWidth)
    }
}
