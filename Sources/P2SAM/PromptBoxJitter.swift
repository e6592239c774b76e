import LiteMedSAM
import MedImageIO
import PromptUncertainty
import SeededSampling

/// Per-sample jitter of a caller's box: given a user's box, sample k of a P²SAM draw is prompted with its own box
/// as well as its own latent z.
///
/// The box draw is box-jitter's (`BoxAugmenter.gaussianJitter`, the baseline `p2sam evaluate --method box-jitter`
/// uses): every coordinate from `N(b, σ²)` with `σ_x = fraction · width`, `σ_y = fraction · height` of the caller's
/// box in image pixels (each at least one model pixel), clipped to the image, inverted or empty draws redrawn. The
/// boxes come from a GSL mt19937 stream of their own (the sample seed + ``streamOffset``), drawn in sample order, so
/// the latents and the presence draws are the same with and without the jitter. A fraction of 0 (``none``) gives
/// every sample the caller's box, exactly as without this option.
public struct PromptBoxJitter: Sendable, Equatable, Codable {
    /// σ as a fraction of the box's width and height: `0 ≤ fraction <` ``fractionLimit``.
    public let fraction: Double

    /// No jitter: every sample gets the caller's box.
    public static let none = PromptBoxJitter(checkedFraction: 0)
    /// The exclusive upper limit of ``fraction`` (σ of half the side moves corners past the box's centre).
    public static let fractionLimit = 0.5
    /// Offset of the box draws' seed from the sample seed ("JITT").
    public static let streamOffset: UInt64 = 0x4A49_5454

    /// Jitter with σ = `fraction` × side.
    ///
    /// - Throws: `P2SAMModelError.invalidBoxJitter` unless `fraction` is finite and in `[0, 0.5)`.
    public init(fraction: Double) throws {
        guard fraction.isFinite, fraction >= 0, fraction < Self.fractionLimit else {
            throw P2SAMModelError.invalidBoxJitter(fraction)
        }
        self.init(checkedFraction: fraction)
    }

    private init(checkedFraction: Double) { fraction = checkedFraction }

    /// Decodes the fraction alone, checked as by `init(fraction:)`.
    public init(from decoder: Decoder) throws {
        let fraction = try decoder.singleValueContainer().decode(Double.self)
        guard let checked = try? PromptBoxJitter(fraction: fraction) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: P2SAMModelError.invalidBoxJitter(fraction).description))
        }
        self = checked
    }

    /// Encodes the fraction alone.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fraction)
    }

    /// Whether samples get boxes of their own (`fraction > 0`).
    public var isActive: Bool { fraction > 0 }

    /// The `count` boxes (image pixels, inside a `width × height` image) of the samples drawn with sample seed `seed`,
    /// in sample order. `box` must lie inside the image.
    public func boxes(around box: BoundingBox, width: Int, height: Int, count: Int, seed: UInt64) throws
        -> [BoundingBox]
    {
        let augmenter = BoxAugmenter(frame: ImageFrame(width: width, height: height))
        let random = SeededRandom(seed: seed &+ Self.streamOffset)
        return try augmenter.boxes(count) { augmenter.gaussianJitter(box, fraction: fraction, random: random) }
    }

    /// The samples' prompts (256 model frame) for a caller's `prompt` with a box in a `width × height` image: each
    /// sample's jittered box with the caller's points; nil when the jitter is inactive or `prompt` has no box.
    public func prompts(for prompt: ImagePrompt, width: Int, height: Int, count: Int, seed: UInt64) throws
        -> [Prompt]?
    {
        guard isActive, let box = prompt.box else { return nil }
        return try boxes(around: box, width: width, height: height, count: count, seed: seed).map {
            try Prompt(ImagePrompt(box: $0, points: prompt.points), imageHeight: height, imageWidth: width)
        }
    }
}
