import MedImageIO
import MultiRaterMetrics
import SeededSampling

/// Point prompts and boxes derived from masks and pixel maps. Points are pixel indices of the
/// original image (`x` column, `y` row), always positive (foreground) here.
public enum PointSelection {
    /// `count` distinct foreground pixels of `mask` drawn uniformly without replacement (a partial
    /// Fisher–Yates shuffle driven by `SeededRandom`; MedSAM-U's random positive points).
    /// `count` is clamped to the foreground size; an empty mask gives no points.
    public static func randomPositivePoints(in mask: BinaryMask, count: Int, random: SeededRandom) -> [PromptPoint] {
        var foreground: [Int] = []
        for y in 0..<mask.height { for x in 0..<mask.width where mask[x, y] { foreground.append(y * mask.width + x) } }
        let k = min(max(count, 0), foreground.count)
        for i in 0..<k {
            let j = i + random.integer(below: foreground.count - i)
            foreground.swapAt(i, j)
        }
        return foreground.prefix(k).map { PromptPoint(x: Double($0 % mask.width), y: Double($0 / mask.width)) }
    }

    /// The `k` pixels with the largest values of `map` (MedSAM-U Eq. 12, `Sort(U)[:k]`), highest first;
    /// ties go to the lower row-major index.
    ///
    /// - Parameters:
    ///   - map: row-major `width x height` values (e.g. entropy).
    ///   - width: columns of `map`.
    ///   - height: rows of `map`.
    ///   - k: the number of points wanted.
    ///   - minimumSpacing: when > 0, greedy non-maximum suppression: a pixel is skipped if it lies within
    ///     this Euclidean distance (image pixels) of one already chosen. 0 (default) = literal top-k.
    /// - Returns: at most `k` points; `k` is clamped to the pixel count (and, with spacing, fewer may exist).
    public static func topUncertainPoints(
        _ map: [Float], width: Int, height: Int, count k: Int,
        minimumSpacing: Double = 0
    ) -> [PromptPoint] {
        precondition(map.count == width * height, "map must have width * height values")
        let wanted = min(max(k, 0), map.count)
        guard wanted > 0 else { return [] }
        let order = map.indices.sorted { map[$0] != map[$1] ? map[$0] > map[$1] : $0 < $1 }
        var chosen: [PromptPoint] = []
        let r2 = minimumSpacing * minimumSpacing
        for index in order {
            let p = PromptPoint(x: Double(index % width), y: Double(index / width))
            if minimumSpacing > 0,
                chosen.contains(where: { ($0.x - p.x) * ($0.x - p.x) + ($0.y - p.y) * ($0.y - p.y) < r2 })
            {
                continue
            }
            chosen.append(p)
            if chosen.count == wanted { break }
        }
        return chosen
    }

    /// The tight end-exclusive box of the pixels with `map > threshold`, or `nil` if there are none.
    public static func boundingBox(of map: [Float], width: Int, height: Int, above threshold: Float) -> BoundingBox? {
        precondition(map.count == width * height, "map must have width * height values")
        guard let mask = try? BinaryMask(width: width, height: height, floats: map, threshold: threshold) else {
            return nil
        }
        return BoundingBox(tightAround: mask)
    }
}
