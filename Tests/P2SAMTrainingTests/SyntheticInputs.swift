import MedImageIO
import MultiRaterData

/// Tiny synthetic inputs for the training tests.
enum SyntheticInputs {
    /// Small synthetic multi-rater cases (64x64, 3 raters).
    static func cases(count: Int, seed: UInt64 = 7) throws -> [MultiRaterCase] {
        var configuration = SyntheticConfiguration()
        configuration.width = 64
        configuration.height = 64
        configuration.raterCount = 3
        return try SyntheticCaseGenerator(seed: seed, configuration: configuration).generate(count: count)
    }

    /// The LiteMedSAM model input `(3, 256, 256)` of a synthetic case.
    static func modelInput(seed: UInt64) throws -> [Float] {
        let c = try cases(count: 1, seed: seed)[0]
        let image = c.image!.minMaxNormalized()
        let picture = try MedicalImage(width: image.width, height: image.height, channels: image.channels,
                                       pixels: image.pixels.map { $0.rounded() })
        return LiteMedSAMPreprocessor.preprocess(picture).tensor
    }
}
