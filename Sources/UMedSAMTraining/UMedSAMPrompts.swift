import LiteMedSAM
import SeededSampling

/// The prompts U-MedSAM (and MPA-lite) draw from a ground-truth mask in the 256 model frame.
public enum UMedSAMPrompts {
    /// The tight box `[minX, minY, maxX + 1, maxY + 1]` with each side moved outward by U{0…`jitter`}
    /// pixels (drawn in the order x0, y0, x1, y1), clipped to the image inside the frame.
    ///
    /// - Parameters:
    ///   - item: the case (its mask gives the tight box).
    ///   - jitter: the largest shift in model pixels (0: the tight box).
    ///   - random: the source of the shifts.
    public static func box(for item: UMedSAMCase, jitter: Int, random: SeededRandom) -> BoxPrompt {
        let tight = item.tightBox
        func shift() -> Int { jitter > 0 ? random.integer(below: jitter + 1) : 0 }
        let x0 = max(0, tight[0] - shift())
        let y0 = max(0, tight[1] - shift())
        let x1 = min(item.resizedWidth, tight[2] + shift())
        let y1 = min(item.resizedHeight, tight[3] + shift())
        return BoxPrompt(x0: Float(x0), y0: Float(y0), x1: Float(x1), y1: Float(y1))
    }

    /// `count` distinct positive points drawn uniformly from the mask's foreground (pixel coordinates,
    /// x = column); fewer when the mask has fewer pixels.
    ///
    /// - Parameters:
    ///   - item: the case.
    ///   - count: how many points.
    ///   - random: the source of the draws.
    public static func points(for item: UMedSAMCase, count: Int, random: SeededRandom) -> [PointPrompt] {
        var foreground = item.mask.indices.filter { item.mask[$0] != 0 }
        var chosen: [PointPrompt] = []
        for _ in 0..<min(count, foreground.count) {
            let k = random.integer(below: foreground.count)
            let index = foreground.remove(at: k)
            chosen.append(
                PointPrompt(
                    x: Float(index % UMedSAMCase.side), y: Float(index / UMedSAMCase.side), label: .positive))
        }
        return chosen
    }

    /// The training prompt of one example: the jittered box (`.box`), or for `.mixed` one of box, box + 1–3
    /// points, 1–3 points alone, each with probability 1/3.
    ///
    /// - Parameters:
    ///   - item: the case.
    ///   - mode: box or mixed prompts.
    ///   - jitter: the box's largest outward shift in model pixels.
    ///   - random: the step's random source.
    public static func training(
        for item: UMedSAMCase, mode: UMedSAMPromptMode, jitter: Int, random: SeededRandom
    ) -> Prompt {
        let box = box(for: item, jitter: jitter, random: random)
        guard mode == .mixed else { return Prompt(box: box) }
        let kind = random.integer(below: 3)
        if kind == 0 { return Prompt(box: box) }
        let points = points(for: item, count: 1 + random.integer(below: 3), random: random)
        return Prompt(box: kind == 1 ? box : nil, points: points)
    }
}
