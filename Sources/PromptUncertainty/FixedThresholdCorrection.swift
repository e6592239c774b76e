import MultiRaterMetrics

/// The fixed-threshold uncertainty corrections UR-SAM compares against (from Yao et al.):
/// with `M_unc = [u > u_th]` and the ensemble mask S,
/// - ``Kind/falsePositive`` (Unc-FPC): `S ∧ ¬M_unc` (uncertain foreground removed);
/// - ``Kind/falseNegative`` (Unc-FNC): `S ∨ M_unc` (uncertain background added);
/// - ``Kind/both`` (Unc-FPNC): both, i.e. uncertain pixels flipped: `S xor M_unc`.
///
/// The threshold is fixed relative to the map's range: `u_th = min(u) + level · (max(u) - min(u))`,
/// default level 0.5 (the paper gives no value).
public struct FixedThresholdCorrection: Sendable, Equatable {
    /// Which pixels are corrected; the raw values are the short names `fpc`, `fnc`, `fpnc`.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// Unc-FPC: uncertain foreground removed.
        case falsePositive = "fpc"
        /// Unc-FNC: uncertain background added.
        case falseNegative = "fnc"
        /// Unc-FPNC: uncertain pixels flipped.
        case both = "fpnc"
    }

    public var kind: Kind
    public var level: Float

    /// A correction of `kind` with the threshold at `level` of the map's range.
    public init(kind: Kind, level: Float = 0.5) {
        self.kind = kind
        self.level = level
    }

    /// The corrected mask. - Throws: ``PromptUncertaintyError/sizeMismatch(_:)``.
    public func correct(_ mask: BinaryMask, entropy: [Float]) throws -> BinaryMask {
        guard entropy.count == mask.pixelCount else {
            throw PromptUncertaintyError.sizeMismatch(
                "\(entropy.count) entropy values for a \(mask.width)x\(mask.height) mask")
        }
        let lo = entropy.min() ?? 0
        let hi = entropy.max() ?? 0
        // A flat map marks nothing uncertain (u > u_th never holds).
        let threshold = lo + level * (hi - lo)
        var out = mask
        for y in 0..<mask.height {
            for x in 0..<mask.width where entropy[y * mask.width + x] > threshold {
                switch kind {
                case .falsePositive: out[x, y] = false
                case .falseNegative: out[x, y] = true
                case .both: out[x, y] = !mask[x, y]
                }
            }
        }
        return out
    }
}
