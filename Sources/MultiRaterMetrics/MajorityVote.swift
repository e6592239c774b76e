extension BinaryMask {
    /// The majority vote of `masks`: a pixel is set when more than half of them set it (`2·count > K`).
    ///
    /// - Throws: `MetricError.invalidArgument` for no masks, `MetricError.sizeMismatch` for masks of
    ///   different sizes.
    public static func majorityVote(of masks: [BinaryMask]) throws -> BinaryMask {
        guard let first = masks.first else { throw MetricError.invalidArgument("majority vote of no masks") }
        for mask in masks.dropFirst() { try mask.checkSameSize(as: first) }
        if masks.count == 1 { return first }
        var out = BinaryMask(width: first.width, height: first.height)
        for y in 0..<first.height {
            for x in 0..<first.width where 2 * masks.reduce(0, { $0 + ($1[x, y] ? 1 : 0) }) > masks.count {
                out[x, y] = true
            }
        }
        return out
    }
}
