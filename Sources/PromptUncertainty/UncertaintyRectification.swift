import MedImageIO
import MultiRaterMetrics

/// UR-SAM's uncertainty rectification (paper §III-D, Eqs. 3–4, Algorithm 1) on one 2-D image and target.
///
/// Inputs are maps at the original size: the ensemble mean probability ȳ, its entropy u (any unit:
/// the threshold is relative), the intensity x in `[0, 1]` and the original prompt box b.
/// 1. `T_unc = min(u) + f · (max(u) - min(u))` with `f = min((S_ŷ + S_b) / (2 S_b), 1)`, where `S_ŷ` is
///    the pixel count of `ȳ > 0.5` and `S_b` the area of b (image pixels).
/// 2. `M_unc = [u > T_unc]`; `M_t = [ȳ > 0.5] ∧ ¬M_unc`; `M_b = ¬[ȳ > 0.5] ∧ ¬M_unc` restricted to
///    b dilated by 10 model pixels (``BackgroundRegion/dilatedBox(modelPixels:)``) or the whole image.
/// 3. `I_t`, `I_b` = mean intensity over `M_t`, `M_b`.
/// 4. `ŷ_r = M_t`, plus every `M_unc` pixel with `lower < x < α_h · I_t`, where `lower` is
///    `(I_t - I_b) / 2` (``LowerBound/literal``, as printed) or `(I_t + I_b) / 2` (``LowerBound/midpoint``).
///
/// No-op cases (the ensemble mask is returned unchanged, ``Result/applied`` false): uniform intensity
/// image, empty `M_t` or `M_b`, or no uncertain pixel.
public struct UncertaintyRectification: Sendable, Equatable {
    /// The lower intensity bound of Algorithm 1.
    public enum LowerBound: String, Sendable, CaseIterable, Codable {
        /// `(I_t - I_b) / 2`, as printed in the paper (default, for fidelity).
        case literal
        /// `(I_t + I_b) / 2`, the probable intended midpoint.
        case midpoint
    }

    /// Where the certain background `M_b` is taken.
    public enum BackgroundRegion: Sendable, Equatable {
        /// Inside the prompt box dilated by this many model (256-frame) pixels (default 10).
        case dilatedBox(modelPixels: Double)
        /// The whole image (literal reading).
        case wholeImage
    }

    public var lowerBound: LowerBound = .literal
    /// α_h, the upper factor on `I_t` (never given in the paper; 1.2).
    public var upperFactor: Float = 1.2
    public var background: BackgroundRegion = .dilatedBox(modelPixels: 10)
    /// When the certain target is darker than its background (`I_t < I_b`), apply the rule to `1 - x`.
    public var mirrorDarkTargets = false

    /// A rectification with the given lower bound, α_h, background region and dark-target handling (the
    /// properties of the same names); the defaults are the paper's.
    public init(
        lowerBound: LowerBound = .literal, upperFactor: Float = 1.2,
        background: BackgroundRegion = .dilatedBox(modelPixels: 10), mirrorDarkTargets: Bool = false
    ) {
        self.lowerBound = lowerBound
        self.upperFactor = upperFactor
        self.background = background
        self.mirrorDarkTargets = mirrorDarkTargets
    }

    /// The outcome of one rectification.
    public struct Result: Sendable, Equatable {
        /// The rectified mask ŷ_r.
        public var mask: BinaryMask
        /// The high-uncertainty mask M_unc.
        public var uncertain: BinaryMask
        /// T_unc, in the unit of the entropy map given.
        public var threshold: Float
        /// The clamped area factor f.
        public var areaFactor: Double
        /// Mean intensities of the certain target and background (nil when the region is empty).
        public var targetIntensity: Float?
        public var backgroundIntensity: Float?
        /// False when a no-op case applied (see the type's documentation).
        public var applied: Bool
    }

    /// UR-SAM's class-specific threshold `T_unc` (Eq. 3) and the clamped factor f.
    public static func threshold(entropy: [Float], maskArea: Int, boxArea: Double) -> (threshold: Float, factor: Double)
    {
        let lo = entropy.min() ?? 0
        let hi = entropy.max() ?? 0
        let factor = boxArea > 0 ? min((Double(maskArea) + boxArea) / (2 * boxArea), 1) : 1
        return (lo + Float(factor) * (hi - lo), factor)
    }

    /// Rectifies one image (see the type's documentation).
    ///
    /// - Throws: ``PromptUncertaintyError/sizeMismatch(_:)`` when the maps disagree in size.
    public func rectify(mean: [Float], entropy: [Float], intensity: IntensityMap, box: BoundingBox) throws -> Result {
        let (w, h) = (intensity.width, intensity.height)
        guard mean.count == w * h, entropy.count == w * h else {
            throw PromptUncertaintyError.sizeMismatch(
                "probability/entropy maps (\(mean.count), \(entropy.count) values) vs a \(w)x\(h) image")
        }
        let ensemble = try BinaryMask(width: w, height: h, floats: mean, threshold: 0.5)
        let (t, factor) = Self.threshold(entropy: entropy, maskArea: ensemble.foregroundCount, boxArea: box.area)
        let uncertain = try BinaryMask(width: w, height: h, floats: entropy, threshold: t)
        var result = Result(
            mask: ensemble, uncertain: uncertain, threshold: t, areaFactor: factor,
            targetIntensity: nil, backgroundIntensity: nil, applied: false)

        let region = backgroundRegion(box: box, width: w, height: h)
        var target = (sum: 0.0, count: 0)
        var back = (sum: 0.0, count: 0)
        for y in 0..<h {
            for x in 0..<w where !uncertain[x, y] {
                let v = Double(intensity.values[y * w + x])
                if ensemble[x, y] {
                    target.sum += v
                    target.count += 1
                } else if region(x, y) {
                    back.sum += v
                    back.count += 1
                }
            }
        }
        if target.count > 0 { result.targetIntensity = Float(target.sum / Double(target.count)) }
        if back.count > 0 { result.backgroundIntensity = Float(back.sum / Double(back.count)) }
        guard !intensity.isUniform, !uncertain.isEmpty,
            var it = result.targetIntensity, var ib = result.backgroundIntensity
        else { return result }

        let mirrored = mirrorDarkTargets && it < ib
        if mirrored {
            it = 1 - it
            ib = 1 - ib
        }
        let lower = lowerBound == .literal ? (it - ib) / 2 : (it + ib) / 2
        let upper = upperFactor * it
        var rectified = BinaryMask(width: w, height: h)
        for y in 0..<h {
            for x in 0..<w {
                if uncertain[x, y] {
                    var v = intensity.values[y * w + x]
                    if mirrored { v = 1 - v }
                    if lower < v && v < upper { rectified[x, y] = true }
                } else if ensemble[x, y] {
                    rectified[x, y] = true
                }
            }
        }
        result.mask = rectified
        result.applied = true
        return result
    }

    /// Membership test of the certain-background region.
    private func backgroundRegion(box: BoundingBox, width: Int, height: Int) -> (Int, Int) -> Bool {
        switch background {
        case .wholeImage:
            return { _, _ in true }
        case .dilatedBox(let modelPixels):
            let d = modelPixels * ImageFrame(width: width, height: height).pixelsPerModelPixel
            let x0 = max(Int((box.x0 - d).rounded(.down)), 0)
            let y0 = max(Int((box.y0 - d).rounded(.down)), 0)
            let x1 = min(Int((box.x1 + d).rounded(.up)), width)
            let y1 = min(Int((box.y1 + d).rounded(.up)), height)
            return { x, y in x >= x0 && x < x1 && y >= y0 && y < y1 }
        }
    }
}
