/// The Euclidean distance transform of a 2D mask as SciPy's `distance_transform_edt(mask)` computes it:
/// for each foreground pixel the distance (in pixels) to the nearest background pixel, 0 on the
/// background. Pixels outside the grid do not count as background; an all-foreground mask (no
/// background at all) gets `.infinity` everywhere.
public enum ForegroundDistance {
    /// Distances `[height * width]`, row-major, for `mask` (`true` = foreground) of `height x width` pixels.
    ///
    /// - Parameters:
    ///   - mask: row-major foreground flags, `height * width` of them.
    ///   - height: rows.
    ///   - width: columns.
    public static func distances(_ mask: [Bool], height: Int, width: Int) -> [Double] {
        precondition(mask.count == height * width && height > 0 && width > 0, "foreground distance: size mismatch")
        let squared = DistanceTransform.squaredDistances(
            to: mask.map { !$0 }, shape: [height, width], spacing: [1, 1])
        return squared.map { $0.squareRoot() }
    }
}
