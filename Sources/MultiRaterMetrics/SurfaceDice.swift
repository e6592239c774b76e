/// Normalised surface Dice (NSD), the boundary metric of the MedSAM-on-laptop challenge (SPECS §5.2):
///
///     NSD = (|∂G ∩ B_∂S(τ)| + |∂S ∩ B_∂G(τ)|) / (|∂G| + |∂S|)
///
/// where ∂X are the boundary pixels (voxels) of X — foreground points with at least one face neighbour
/// (4-neighbourhood in 2D, 6 in 3D) in the background, the outside of the grid counting as background —
/// and `B_∂X(τ)` the points within Euclidean distance τ of ∂X, measured between point centres with the
/// grid spacing (pixels, or mm with voxel spacing). Both empty → 1; exactly one empty → 0.
public enum SurfaceDice {
    /// The default tolerance τ: 2 pixels (or 2 mm in 3D with spacing).
    public static let defaultTolerance = 2.0

    /// NSD of two 2D masks of the same size; `spacing` is (row, column) spacing, 1 pixel by default.
    ///
    /// - Throws: `MetricError.sizeMismatch`, or `MetricError.invalidArgument` for a negative tolerance or
    ///   a non-positive spacing.
    public static func normalizedSurfaceDice(
        _ a: BinaryMask, _ b: BinaryMask, tolerance: Double = defaultTolerance,
        spacing: (row: Double, column: Double) = (1, 1)
    ) throws -> Double {
        try a.checkSameSize(as: b)
        return try score(
            points(a), points(b), shape: [a.height, a.width], spacing: [spacing.row, spacing.column],
            tolerance: tolerance)
    }

    /// NSD of two volumes given as slices (all of the same size, the same number of slices); `spacing` is
    /// (slice, row, column) spacing, e.g. in mm.
    public static func normalizedSurfaceDice(
        volume a: [BinaryMask], _ b: [BinaryMask], tolerance: Double = defaultTolerance,
        spacing: (slice: Double, row: Double, column: Double)
    ) throws -> Double {
        guard a.count == b.count else {
            throw MetricError.sizeMismatch(expected: "\(a.count) slices", found: "\(b.count) slices")
        }
        guard let first = a.first else { return 1 }
        for mask in a + b { try mask.checkSameSize(as: first) }
        return try score(
            a.flatMap(points), b.flatMap(points), shape: [a.count, first.height, first.width],
            spacing: [spacing.slice, spacing.row, spacing.column], tolerance: tolerance)
    }

    private static func points(_ mask: BinaryMask) -> [Bool] {
        var out = [Bool](repeating: false, count: mask.pixelCount)
        for y in 0..<mask.height { for x in 0..<mask.width where mask[x, y] { out[y * mask.width + x] = true } }
        return out
    }

    private static func score(_ a: [Bool], _ b: [Bool], shape: [Int], spacing: [Double], tolerance: Double) throws
        -> Double
    {
        guard tolerance >= 0, tolerance.isFinite else {
            throw MetricError.invalidArgument("NSD tolerance \(tolerance) must be >= 0")
        }
        guard spacing.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw MetricError.invalidArgument("grid spacing \(spacing) must be positive")
        }
        let boundaryA = boundary(a, shape: shape)
        let boundaryB = boundary(b, shape: shape)
        let countA = boundaryA.lazy.filter { $0 }.count
        let countB = boundaryB.lazy.filter { $0 }.count
        if countA == 0 && countB == 0 { return 1 }
        if countA == 0 || countB == 0 { return 0 }
        let limit = tolerance * tolerance
        let toB = DistanceTransform.squaredDistances(to: boundaryB, shape: shape, spacing: spacing)
        let toA = DistanceTransform.squaredDistances(to: boundaryA, shape: shape, spacing: spacing)
        var within = 0
        for i in 0..<a.count {
            if boundaryA[i] && toB[i] <= limit { within += 1 }
            if boundaryB[i] && toA[i] <= limit { within += 1 }
        }
        return Double(within) / Double(countA + countB)
    }

    /// Foreground points with a face neighbour in the background (or on the grid's edge).
    static func boundary(_ mask: [Bool], shape: [Int]) -> [Bool] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        var out = [Bool](repeating: false, count: mask.count)
        for i in 0..<mask.count where mask[i] {
            for axis in 0..<shape.count {
                let coordinate = (i / strides[axis]) % shape[axis]
                if coordinate == 0 || !mask[i - strides[axis]] || coordinate == shape[axis] - 1
                    || !mask[i + strides[axis]]
                {
                    out[i] = true
                    break
                }
            }
        }
        return out
    }
}
