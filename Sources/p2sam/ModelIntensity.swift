import ArgumentParser
import Foundation
import MedImageIO
import MultiRaterData
import P2SAM

/// The intensity mapping of `sample --dataset` and `evaluate --method p2sam`: the one the models were trained with
/// (their metadata, `TrainingIntensity`) unless the user gives `--window` or `--normalize`.
struct ModelIntensity {
    /// The `--window` value the run uses, or nil.
    var window: String?
    /// The `--normalize` value the run uses, or nil.
    var normalize: String?
    /// A line for stderr when the run adopts the models' mapping or departs from it; nil when nothing to say.
    var note: String?

    /// - Parameters:
    ///   - window: the user's `--window`, or nil.
    ///   - normalize: the user's `--normalize`, or nil.
    ///   - models: the P²SAM model files of the run (only their headers are read).
    /// - Throws: `ValidationError` when the models record different mappings; the header reader's errors.
    static func resolve(window: String?, normalize: String?, models: [URL]) throws -> ModelIntensity {
        let recorded = try models.compactMap { url -> (name: String, intensity: TrainingIntensity)? in
            TrainingIntensity(metadata: try P2SAMModelFile.readMetadata(contentsOf: url)).map {
                (url.lastPathComponent, $0)
            }
        }
        guard let first = recorded.first else { return ModelIntensity(window: window, normalize: normalize) }
        if let other = recorded.first(where: { !same($0.intensity, first.intensity) }) {
            throw ValidationError(
                "the models were trained on differently mapped intensities (\(first.name): \(first.intensity.optionText); \(other.name): \(other.intensity.optionText)); sample them in separate runs"
            )
        }
        let trained = first.intensity
        let given = TrainingIntensity(window: window, normalize: normalize)
        if given.isDefault {
            return ModelIntensity(
                window: trained.window, normalize: trained.normalize,
                note:
                    "intensities: \(trained.optionText), as the model was trained (its metadata; give --window or --normalize to override)"
            )
        }
        guard !same(given, trained) else { return ModelIntensity(window: window, normalize: normalize) }
        return ModelIntensity(
            window: window, normalize: normalize,
            note: "note: the model was trained with \(trained.optionText); this run uses \(given.optionText)")
    }

    /// `resolve(window:normalize:models:)`, printing its note on stderr.
    static func announced(window: String?, normalize: String?, models: [URL]) throws -> ModelIntensity {
        let intensity = try resolve(window: window, normalize: normalize, models: models)
        if let note = intensity.note { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        return intensity
    }

    /// The mapping of `sample --image` (an 8-bit PNG): a per-image `--normalize` (given, else the models' recorded
    /// one: zscore or minmax) is applied to the PNG as training applied it to its images; a window (recorded as
    /// `window`, or `--normalize window:…`) is not, because the PNG is taken as already mapped to 0…255 that way.
    ///
    /// - Returns: the normalisation to apply to the PNG (nil: none), after printing any note on stderr.
    static func forPNG(normalize: String?, models: [URL]) throws -> IntensityNormalization? {
        let intensity = try resolve(window: nil, normalize: normalize, models: models)
        let normalization = intensity.normalize.flatMap(IntensityNormalization.init(parsing:))
        var windowed = intensity.window.map { "--window \($0)" }
        if case .window = normalization, let normalize = intensity.normalize { windowed = "--normalize \(normalize)" }
        if let windowed {
            let line =
                normalize == nil
                ? "intensities: the model was trained on \(windowed) images; the PNG is taken as already mapped to 0..255 that way"
                : "intensities: \(windowed) is a window of raw values (HU); the PNG is taken as already mapped to 0..255 that way"
            FileHandle.standardError.write(Data((line + "\n").utf8))
            return nil
        }
        if let note = intensity.note { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        return normalization
    }

    /// `picture` with `normalization` applied to its values (8-bit range kept), as training applied it to its images.
    static func apply(_ normalization: IntensityNormalization, to picture: MedicalImage, name: String) throws
        -> MedicalImage
    {
        let values = try CaseImage(
            width: picture.width, height: picture.height, channels: picture.channels, pixels: picture.pixels,
            name: name)
        let mapped = try normalization.apply(to: values, caseID: name)
        return try MedicalImage(
            width: mapped.width, height: mapped.height, channels: mapped.channels, bitDepth: 8, pixels: mapped.pixels)
    }

    /// Whether two mappings are the same computation (`lung` and `-1000,400` are one window): the same options
    /// given, with values that parse to the same mapping.
    static func same(_ a: TrainingIntensity, _ b: TrainingIntensity) -> Bool {
        func parsed(_ i: TrainingIntensity) -> (window: IntensityWindow?, normalize: IntensityNormalization?) {
            (
                i.window.flatMap(IntensityWindow.init(parsing:)),
                i.normalize.flatMap(IntensityNormalization.init(parsing:))
            )
        }
        return (a.window == nil, a.normalize == nil) == (b.window == nil, b.normalize == nil) && parsed(a) == parsed(b)
    }
}
