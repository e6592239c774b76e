import MedImageIO
import SeededSampling

/// Random box prompts around a given box, in image pixels, driven by an explicitly seeded GSL
/// Mersenne Twister (`SeededRandom`).
///
/// Every augmented box is clipped to the image (methods say so individually). If clipping or a
/// draw leaves a box of zero width or height, it is redrawn up to 16 times and then the input box
/// is returned unchanged, so every result is a valid prompt.
public struct BoxAugmenter: Sendable {
    public let frame: ImageFrame

    /// An augmenter for boxes in an image of `frame`'s size.
    public init(frame: ImageFrame) {
        self.frame = frame
    }

    /// MedSAM's simulated manual box: each side moved outward by an integer drawn uniformly from
    /// `0...maxModelPixels` pixels **at model (256) scale**, i.e. `k * max(H, W) / 256` image pixels.
    /// Default 5 (MedSAM's 0–20 px at 1024). Clipped to the image.
    public func outwardJitter(_ box: BoundingBox, maxModelPixels: Int = 5, random: SeededRandom) -> BoundingBox {
        let s = frame.pixelsPerModelPixel
        func draw() -> Double { Double(random.integer(below: max(maxModelPixels, 0) + 1)) * s }
        let dx0 = draw()
        let dy0 = draw()
        let dx1 = draw()
        let dy1 = draw()
        return clippedOrOriginal(
            BoundingBox(x0: box.x0 - dx0, y0: box.y0 - dy0, x1: box.x1 + dx1, y1: box.y1 + dy1), fallback: box)
    }

    /// MedSAM-U Eq. 4: every coordinate drawn from `N(b, σ²)` independently, with
    /// `σ_x = fraction · width`, `σ_y = fraction · height` (default fraction 0.05), each at least one
    /// model pixel. Clipped to the image; inverted draws are redrawn.
    public func gaussianJitter(_ box: BoundingBox, fraction: Double = 0.05, random: SeededRandom) -> BoundingBox {
        let minimum = frame.pixelsPerModelPixel
        let sx = max(fraction * box.width, minimum)
        let sy = max(fraction * box.height, minimum)
        return redrawn(fallback: box) {
            BoundingBox(
                x0: box.x0 + random.gaussian(sigma: sx), y0: box.y0 + random.gaussian(sigma: sy),
                x1: box.x1 + random.gaussian(sigma: sx), y1: box.y1 + random.gaussian(sigma: sy))
        }
    }

    /// UR-SAM's prompt augmentation: every coordinate shifted by `U[-r·L, +r·L]` independently, where
    /// `L = max(H, W)` is the model-input side in image pixels (r = 0.01 gives ±2.56 model pixels).
    /// Clipped to the image.
    public func uniformShift(_ box: BoundingBox, ratio: Double = 0.01, random: SeededRandom) -> BoundingBox {
        let r = ratio * frame.longSide
        return redrawn(fallback: box) {
            BoundingBox(
                x0: box.x0 + random.uniform(-r, r), y0: box.y0 + random.uniform(-r, r),
                x1: box.x1 + random.uniform(-r, r), y1: box.y1 + random.uniform(-r, r))
        }
    }

    /// The outcome of ``randomBox(iou:around:tolerance:maxTries:random:)``.
    public struct IoUDraw: Sendable, Equatable {
        public var box: BoundingBox
        /// IoU of `box` with the tight box.
        public var iou: Double
        /// Draws used.
        public var tries: Int
        /// True when no draw hit the tolerance and the closest draw was returned.
        public var usedFallback: Bool
    }

    /// A random box whose IoU with `tight` is `iou ± tolerance` (MedSAM-U's "3B(0.5)/3B(0.75)"), by
    /// rejection sampling: scales `s_x, s_y ~ U[0.5, 2]` of the tight box's sides and a centre shift of
    /// `U[-0.5, 0.5]` times the tight width/height, clipped to the image. After `maxTries` draws without a
    /// hit, the draw whose IoU was closest to the target is returned (`usedFallback == true`).
    public func randomBox(
        iou target: Double, around tight: BoundingBox, tolerance: Double = 0.05,
        maxTries: Int = 1000, random: SeededRandom
    ) throws -> IoUDraw {
        guard target > 0, target <= 1 else {
            throw PromptUncertaintyError.invalidParameter("target IoU \(target) not in (0, 1]")
        }
        guard maxTries >= 1 else { throw PromptUncertaintyError.invalidCount(name: "maxTries", value: maxTries) }
        var best = IoUDraw(box: tight, iou: 1, tries: 0, usedFallback: true)
        var bestGap = Double.infinity
        for attempt in 1...maxTries {
            let w = tight.width * random.uniform(0.5, 2)
            let h = tight.height * random.uniform(0.5, 2)
            let cx = tight.center.x + tight.width * random.uniform(-0.5, 0.5)
            let cy = tight.center.y + tight.height * random.uniform(-0.5, 0.5)
            guard
                let box = BoundingBox(x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2)
                    .clipped(width: frame.width, height: frame.height)
            else { continue }
            let value = box.intersectionOverUnion(with: tight)
            let gap = abs(value - target)
            if gap <= tolerance { return IoUDraw(box: box, iou: value, tries: attempt, usedFallback: false) }
            if gap < bestGap {
                bestGap = gap
                best = IoUDraw(box: box, iou: value, tries: attempt, usedFallback: true)
            }
        }
        best.tries = maxTries
        return best
    }

    /// `count` boxes drawn by `draw`, in order.
    public func boxes(_ count: Int, _ draw: () throws -> BoundingBox) throws -> [BoundingBox] {
        guard count >= 1 else { throw PromptUncertaintyError.invalidCount(name: "box count", value: count) }
        return try (0..<count).map { _ in try draw() }
    }

    private func clippedOrOriginal(_ box: BoundingBox, fallback: BoundingBox) -> BoundingBox {
        box.clipped(width: frame.width, height: frame.height) ?? fallback
    }

    private func redrawn(fallback: BoundingBox, _ draw: () -> BoundingBox) -> BoundingBox {
        for _ in 0..<16 {
            let box = draw()
            if box.width > 0, box.height > 0, let clipped = box.clipped(width: frame.width, height: frame.height) {
                return clipped
            }
        }
        return fallback
    }
}
