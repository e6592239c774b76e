/// A learning-rate multiplier for a range of rows (the first axis) of one parameter: those rows step with the
/// group's learning rate times `scale` (decoupled weight decay too), the other rows with the group's rate.
///
/// For a layer whose output rows play different roles, e.g. the P²SAM PGN head `(2 · latentDim, width)`, whose rows
/// `latentDim..<2 · latentDim` (and the same range of its bias) produce log σ.
public struct RowLearningRateScale: Sendable, Equatable {
    /// The rows (first-axis indices) that are scaled.
    public let rows: Range<Int>
    /// The multiplier: finite and not negative (0 freezes the rows; their Adam moments still update).
    public let scale: Float

    /// Whether `scale` is a usable multiplier (finite, not negative).
    public static func isAllowed(_ scale: Float) -> Bool { scale.isFinite && scale >= 0 }

    /// Scales `rows` by `scale`; `scale` must satisfy `isAllowed`.
    public init(rows: Range<Int>, scale: Float) {
        precondition(Self.isAllowed(scale), "learning-rate scale must be finite and not negative, got \(scale)")
        self.rows = rows
        self.scale = scale
    }

    /// The flat element range of `rows` in a row-major tensor of `shape` (`shape[0]` rows; a 1-D tensor has
    /// one element per row).
    func elements(of shape: [Int]) -> Range<Int> {
        let count = shape.reduce(1, *)
        let rowLength = shape.isEmpty || shape[0] == 0 ? 0 : count / shape[0]
        return (rows.lowerBound * rowLength)..<(rows.upperBound * rowLength)
    }
}
