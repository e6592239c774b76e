import P2SAM

/// Summary of the PGN's log σ over a set of cases and latent dimensions (the stage-2 validation check of a
/// blow-up or a collapse of the prompt distribution).
public struct LogDeviationStatistics: Sendable, Codable, Equatable {
    /// Mean log σ.
    public var mean: Double
    /// Largest log σ.
    public var maximum: Double
    /// Fraction of the values within 0.01 of the PGN's ceiling (its `logDeviationRange.upperBound`; with the hard
    /// clamp, the dimensions whose gradient is 0).
    public var ceilingFraction: Double

    /// The statistics of `values` (log σ, after the PGN's bound); nil when there are none.
    ///
    /// - Parameters:
    ///   - values: log σ values, any order.
    ///   - ceiling: the PGN's log σ ceiling (default 5, `PromptGenerationNetwork.defaultLogDeviationRange`).
    public init?(_ values: [Float], ceiling: Float = PromptGenerationNetwork.defaultLogDeviationRange.upperBound) {
        guard !values.isEmpty else { return nil }
        let ceiling = Double(ceiling) - 0.01
        mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        maximum = Double(values.max()!)
        ceilingFraction = Double(values.filter { Double($0) >= ceiling }.count) / Double(values.count)
    }
}
