import Foundation
import MultiRaterMetrics
import SeededSampling

/// Parameters of the synthetic multi-rater generator.
public struct SyntheticConfiguration: Sendable, Equatable {
    public var width = 128
    public var height = 128
    /// Raters per case.
    public var raterCount = 4
    /// Lesions per case are drawn uniformly from 1...maxLesions.
    public var maxLesions = 2
    /// Probability that a lesion is faint; each rater misses a faint lesion with `missProbability`.
    public var faintProbability = 0.35
    public var missProbability = 0.5
    /// Standard deviation of a rater's relative boundary expansion/contraction.
    public var scaleSpread = 0.12

    /// The default configuration (the property values above).
    public init() {}
}

/// A seeded generator of multi-rater cases (GSL mt19937), for tests and demos.
///
/// Each case: a smooth textured grey image (8-bit range floats) with 1...maxLesions lesions, each an
/// ellipse whose radius is modulated by low-order harmonics (a noisy boundary). Each rater draws every
/// lesion with its own scale (1 + N(0, scaleSpread²), i.e. expanding or contracting the boundary) and
/// boundary wobble, and may miss faint lesions; masks can therefore be empty. The output depends only
/// on the seed, the count and the configuration; case i of a longer run equals case i of a shorter one.
public struct SyntheticCaseGenerator: Sendable {
    public var configuration: SyntheticConfiguration
    public var seed: UInt64

    /// A generator whose output is fixed by `seed` and `configuration`.
    public init(seed: UInt64, configuration: SyntheticConfiguration = .init()) {
        self.seed = seed
        self.configuration = configuration
    }

    private struct Lesion {
        var cx, cy, rx, ry, angle: Double
        var harmonics: [(amplitude: Double, phase: Double)]
        var contrast: Double
        var faint: Bool

        /// Normalised radial coordinate: <= 1 inside the (scaled) lesion.
        func radius(x: Double, y: Double, scale: Double, wobble: [(Double, Double)]) -> Double {
            let dx = x - cx
            let dy = y - cy
            let c = cos(angle)
            let s = sin(angle)
            let u = (dx * c + dy * s) / rx
            let v = (-dx * s + dy * c) / ry
            let theta = atan2(v, u)
            var boundary = scale
            for (k, h) in harmonics.enumerated() { boundary += h.amplitude * cos(Double(k + 2) * theta + h.phase) }
            for (k, h) in wobble.enumerated() { boundary += h.0 * cos(Double(k + 2) * theta + h.1) }
            return (u * u + v * v).squareRoot() / max(boundary, 0.05)
        }
    }

    /// Generates `count` cases named `synthetic-0000`, ... (group id = case id).
    public func generate(count: Int) throws -> [MultiRaterCase] {
        let rng = SeededRandom(seed: seed)
        return try (0..<count).map { try makeCase(index: $0, rng: rng) }
    }

    private func makeCase(index: Int, rng: SeededRandom) throws -> MultiRaterCase {
        let c = configuration
        let w = c.width
        let h = c.height
        let side = Double(min(w, h))
        // Background texture: a few random low-frequency waves.
        let waves = (0..<4).map { _ in
            (
                fx: rng.uniform(0.5, 3) * 2 * Double.pi / Double(w),
                fy: rng.uniform(0.5, 3) * 2 * Double.pi / Double(h),
                phase: rng.uniform(0, 2 * Double.pi), amplitude: rng.uniform(4, 14)
            )
        }
        let base = rng.uniform(70, 110)
        let lesionCount = 1 + rng.integer(below: max(c.maxLesions, 1))
        var lesions: [Lesion] = []
        for _ in 0..<lesionCount {
            let faint = rng.bernoulli(c.faintProbability)
            lesions.append(
                Lesion(
                    cx: rng.uniform(0.25, 0.75) * Double(w), cy: rng.uniform(0.25, 0.75) * Double(h),
                    rx: rng.uniform(0.06, 0.16) * side, ry: rng.uniform(0.06, 0.16) * side,
                    angle: rng.uniform(0, Double.pi),
                    harmonics: (0..<3).map { _ in (rng.uniform(0, 0.08), rng.uniform(0, 2 * Double.pi)) },
                    contrast: faint ? rng.uniform(8, 18) : rng.uniform(45, 90), faint: faint))
        }
        var pixels = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var v = base
                for wave in waves { v += wave.amplitude * sin(wave.fx * Double(x) + wave.fy * Double(y) + wave.phase) }
                for lesion in lesions {
                    let r = lesion.radius(x: Double(x), y: Double(y), scale: 1, wobble: [])
                    v += lesion.contrast / (1 + exp((r - 1) * 12))  // soft edge
                }
                v += rng.gaussian(sigma: 4)
                pixels[y * w + x] = Float(min(max(v, 0), 255))
            }
        }
        var raters: [BinaryMask] = []
        for _ in 0..<c.raterCount {
            var mask = BinaryMask(width: w, height: h)
            for lesion in lesions {
                let missed = lesion.faint && rng.bernoulli(c.missProbability)
                let scale = max(1 + rng.gaussian(sigma: c.scaleSpread), 0.3)
                let wobble = (0..<3).map { _ in (rng.gaussian(sigma: 0.03), rng.uniform(0, 2 * Double.pi)) }
                if missed { continue }
                for y in 0..<h {
                    for x in 0..<w
                    where lesion.radius(x: Double(x), y: Double(y), scale: scale, wobble: wobble) <= 1 {
                        mask[x, y] = true
                    }
                }
            }
            raters.append(mask)
        }
        let id = String(format: "synthetic-%04d", index)
        let image = try CaseImage(width: w, height: h, pixels: pixels, sourceType: "synthetic", name: id)
        return try MultiRaterCase(
            image: image, raters: raters,
            metadata: CaseMetadata(caseID: id, groupID: id, sourceIndex: index))
    }
}
