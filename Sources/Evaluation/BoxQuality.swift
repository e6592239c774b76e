import MedImageIO
import PromptUncertainty
import SeededSampling

/// How the simulated box is made from the raters' mask.
public enum BoxQuality: Equatable, Sendable, CustomStringConvertible {
    case tight
    /// MedSAM's outward jitter U{0..PX} per side, PX at model (256) scale.
    case jitter(Int)
    /// A random box with this IoU (± 0.05) to the tight box.
    case iou(Double)
    /// Each side moved independently by `U[−F, F]` times the box's width (left, right) or height (top,
    /// bottom): a realistic hand-drawn box, up to F (e.g. 0.1 = 10 %) off on each side.
    case jitterFraction(Double)

    /// Parses `tight`, `jitter:PX` (PX >= 0), `iou:R` (0 < R <= 1) or `jitter-fraction:F` (0 <= F < 0.5).
    public init?(_ text: String) {
        if text == "tight" {
            self = .tight
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        if parts[0] == "jitter", let px = Int(parts[1]), px >= 0 {
            self = .jitter(px)
            return
        }
        if parts[0] == "jitter-fraction", let f = Double(parts[1]), f >= 0, f < 0.5 {
            self = .jitterFraction(f)
            return
        }
        if parts[0] == "iou", let r = Double(parts[1]), r > 0, r <= 1 {
            self = .iou(r)
            return
        }
        return nil
    }

    public var description: String {
        switch self {
        case .tight: return "tight"
        case .jitter(let px): return "jitter:\(px)"
        case .iou(let r): return "iou:\(r)"
        case .jitterFraction(let f): return "jitter-fraction:\(f)"
        }
    }

    /// The simulated box for a tight box (image pixels).
    public func box(around tight: BoundingBox, frame: ImageFrame, random: SeededRandom) throws -> BoundingBox {
        let augmenter = BoxAugmenter(frame: frame)
        switch self {
        case .tight: return tight
        case .jitter(let px): return augmenter.outwardJitter(tight, maxModelPixels: px, random: random)
        case .iou(let r): return try augmenter.randomBox(iou: r, around: tight, random: random).box
        case .jitterFraction(let f):
            let (w, h) = (tight.width, tight.height)
            let moved = BoundingBox(
                x0: tight.x0 + random.uniform(-f, f) * w, y0: tight.y0 + random.uniform(-f, f) * h,
                x1: tight.x1 + random.uniform(-f, f) * w, y1: tight.y1 + random.uniform(-f, f) * h)
            return moved.clipped(width: frame.width, height: frame.height) ?? tight
        }
    }
}
