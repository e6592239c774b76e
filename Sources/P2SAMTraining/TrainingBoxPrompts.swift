import P2SAM
import SeededSampling

/// Box prompts for training (box-following P²SAM; not in the paper, after the official code of A-SAM by the same
/// authors): per case and step, with probability `fullImageProbability` the model's default (full-image) prompt,
/// else the tight box of a random non-empty rater's mask, each side moved by an integer in
/// `−perturbation…perturbation` pixels, then its width and height scaled independently by `U[minimumScale,
/// maximumScale]` about the centre and the centre shifted by `U[−shift, shift]` on each axis, all in the 256x256
/// model frame, clipped to the image region (at least one pixel wide and high).
public struct TrainingBoxPrompts: Sendable, Codable, Equatable {
    /// Probability of the full-image (default) prompt instead of a box.
    public var fullImageProbability: Double
    /// Maximum integer move of each side of the tight box (model pixels).
    public var perturbation: Int
    /// Range of the independent width and height scale factors.
    public var minimumScale: Double
    public var maximumScale: Double
    /// Maximum centre shift per axis (model pixels).
    public var shift: Double

    /// The augmentation with its parts; the defaults are this project's recipe (A-SAM's ±2 px, scale 0.6–1.5,
    /// shift ±10 px; one draw in four is the full-image prompt).
    public init(
        fullImageProbability: Double = 0.25, perturbation: Int = 2, minimumScale: Double = 0.6,
        maximumScale: Double = 1.5, shift: Double = 10
    ) {
        self.fullImageProbability = fullImageProbability
        self.perturbation = perturbation
        self.minimumScale = minimumScale
        self.maximumScale = maximumScale
        self.shift = shift
    }

    /// Checks the ranges; throws `invalidOptions` naming the first problem.
    public func validate() throws {
        guard (0...1).contains(fullImageProbability) else {
            throw P2SAMTrainingError.invalidOptions(
                "the full-image prompt probability must be in [0, 1], got \(fullImageProbability)")
        }
        guard perturbation >= 0, shift >= 0, minimumScale > 0, maximumScale >= minimumScale else {
            throw P2SAMTrainingError.invalidOptions(
                "box augmentation needs perturbation >= 0, shift >= 0 and 0 < minimum scale <= maximum scale")
        }
    }

    /// The tight box `[minX, minY, maxX + 1, maxY + 1]` of a 256x256 0/1 mask, or nil when it is empty.
    public static func tightBox(of mask: [UInt8]) -> [Float]? {
        precondition(mask.count == 256 * 256, "mask must be 256x256")
        return ModelFrameTightBox.box { mask[$0] != 0 }
    }

    /// The augmented box `[x0, y0, x1, y1]` (256 frame) for the non-empty `mask`, inside the image region
    /// `resizedWidth x resizedHeight`; nil for an empty mask.
    public func augmentedBox(of mask: [UInt8], resizedHeight: Int, resizedWidth: Int, random: SeededRandom)
        -> [Float]?
    {
        guard let tight = Self.tightBox(of: mask) else { return nil }
        func move() -> Double { Double(random.integer(below: 2 * perturbation + 1) - perturbation) }
        var x0 = Double(tight[0]) + move()
        var y0 = Double(tight[1]) + move()
        var x1 = Double(tight[2]) + move()
        var y1 = Double(tight[3]) + move()
        let width = max(x1 - x0, 1) * random.uniform(minimumScale, maximumScale)
        let height = max(y1 - y0, 1) * random.uniform(minimumScale, maximumScale)
        let cx = (x0 + x1) / 2 + random.uniform(-shift, shift)
        let cy = (y0 + y1) / 2 + random.uniform(-shift, shift)
        let w = Double(max(resizedWidth, 1))
        let h = Double(max(resizedHeight, 1))
        x0 = min(max(cx - width / 2, 0), w - 1)
        y0 = min(max(cy - height / 2, 0), h - 1)
        x1 = min(max(cx + width / 2, x0 + 1), w)
        y1 = min(max(cy + height / 2, y0 + 1), h)
        return [Float(x0), Float(y0), Float(x1), Float(y1)]
    }

    /// One training prompt for `item`: nil (the full-image/default prompt) with probability
    /// `fullImageProbability` or when no rater in `raters` has a mask, else the augmented box of a random
    /// non-empty rater of `raters` (`rater` fixes it instead).
    public func draw(for item: TrainingCase, raters: [Int]? = nil, rater: Int? = nil, random: SeededRandom)
        -> [Float]?
    {
        if random.uniform() < fullImageProbability { return nil }
        let chosen: Int
        if let rater {
            chosen = rater
        } else {
            let pool = (raters ?? Array(item.raters.indices)).filter { item.raters[$0].contains(1) }
            guard !pool.isEmpty else { return nil }
            chosen = pool[random.integer(below: pool.count)]
        }
        return augmentedBox(
            of: item.raters[chosen], resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth,
            random: random)
    }
}
