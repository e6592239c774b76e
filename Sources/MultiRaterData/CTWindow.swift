import Foundation

/// An intensity window mapping `[lower, upper]` linearly to 0...255 (values outside are clipped).
///
/// Used for CT images in Hounsfield units, e.g. `.lung` = [-1000, 400] HU.
public struct IntensityWindow: Sendable, Equatable, Codable {
    public var lower: Float
    public var upper: Float

    /// The window `[lower, upper]`; `upper` must exceed `lower`.
    public init(lower: Float, upper: Float) {
        precondition(upper > lower, "window upper must exceed lower")
        self.lower = lower
        self.upper = upper
    }

    /// Lung window [-1000, 400] HU (as in the LIDC overlays).
    public static let lung = IntensityWindow(lower: -1000, upper: 400)
    /// Soft-tissue / abdomen window [-160, 240] HU.
    public static let softTissue = IntensityWindow(lower: -160, upper: 240)
    /// The UR-SAM window [-500, 1000] HU.
    public static let urSAM = IntensityWindow(lower: -500, upper: 1000)

    /// Parses `lung`, `soft-tissue`, `ursam` or `LOWER,UPPER`.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "lung": self = .lung
        case "soft-tissue", "soft": self = .softTissue
        case "ursam": self = .urSAM
        default:
            let parts = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let lo = parts[0], let hi = parts[1], hi > lo else { return nil }
            self.init(lower: lo, upper: hi)
        }
    }

    /// `255 * clamp((v - lower) / (upper - lower), 0, 1)`.
    public func apply(_ value: Float) -> Float {
        255 * min(max((value - lower) / (upper - lower), 0), 1)
    }

    /// The image with every value windowed to 0...255 floats.
    public func apply(to image: CaseImage) -> CaseImage {
        var out = image
        out.pixels = image.pixels.map(apply)
        return out
    }
}

extension CaseImage {
    /// Min–max normalisation to 0...255 floats (a constant image maps to 0).
    public func minMaxNormalized() -> CaseImage {
        let range = valueRange
        var out = self
        let span = range.upperBound - range.lowerBound
        out.pixels = pixels.map { span > 0 ? 255 * ($0 - range.lowerBound) / span : 0 }
        return out
    }
}
