import Foundation

/// How image intensities are mapped to LiteMedSAM's 0...255 input range before preprocessing
/// (`--normalize`): a fixed window, per-image min–max, or per-image z-score.
public enum IntensityNormalization: Sendable, Equatable, CustomStringConvertible {
    /// `255 · clamp((v − lower) / (upper − lower), 0, 1)` (as `IntensityWindow`).
    case window(IntensityWindow)
    /// `255 · (v − min) / (max − min)` per image (a constant image maps to 0).
    case minMax
    /// `z = (v − mean) / std` per image (population std), clipped to `[−3, 3]` and mapped linearly to 0...255;
    /// a constant image has no z-score and is an error.
    case zScore

    /// The z range mapped to 0...255.
    public static let zScoreClip: Float = 3

    /// Parses `zscore`, `minmax` or `window:LO,HI` (also the named windows `window:lung`, …).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "zscore", "z-score": self = .zScore
        case "minmax", "min-max": self = .minMax
        default:
            guard text.lowercased().hasPrefix("window:"),
                let window = IntensityWindow(parsing: String(text.dropFirst("window:".count)))
            else { return nil }
            self = .window(window)
        }
    }

    public var description: String {
        switch self {
        case .window(let w): return "window:\(w.lower),\(w.upper)"
        case .minMax: return "minmax"
        case .zScore: return "zscore"
        }
    }

    /// The name under which embeddings of images normalised this way are cached (the window part of an
    /// `EmbeddingCache` key): `normalize-<description>`, e.g. `normalize-zscore`.
    public var cacheName: String { "normalize-\(self)" }

    /// The image with its values mapped to 0...255 floats.
    ///
    /// - Throws: `DataError.invalidCase` naming `caseID` for z-score on a constant image.
    public func apply(to image: CaseImage, caseID: String) throws -> CaseImage {
        switch self {
        case .window(let w): return w.apply(to: image)
        case .minMax: return image.minMaxNormalized()
        case .zScore:
            let n = Double(max(image.pixels.count, 1))
            let mean = image.pixels.reduce(0.0) { $0 + Double($1) } / n
            let variance = image.pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
            let deviation = variance.squareRoot()
            guard deviation > 0, deviation.isFinite else {
                throw DataError.invalidCase(
                    id: caseID,
                    reason:
                        "--normalize zscore: the image is constant (every pixel \(image.pixels.first ?? 0)), so it has no standard deviation; use --normalize minmax or window:LO,HI"
                )
            }
            var out = image
            let clip = Self.zScoreClip
            out.pixels = image.pixels.map { v in
                let z = Float((Double(v) - mean) / deviation)
                return 255 * (min(max(z, -clip), clip) + clip) / (2 * clip)
            }
            return out
        }
    }

    /// Every case of `dataset` with its image normalised (cases without an image unchanged).
    public func apply(to dataset: MultiRaterDataset) throws -> MultiRaterDataset {
        var out = dataset
        for i in out.cases.indices {
            if let image = out.cases[i].image {
                out.cases[i].image = try apply(to: image, caseID: out.cases[i].metadata.caseID)
            }
        }
        return out
    }
}
