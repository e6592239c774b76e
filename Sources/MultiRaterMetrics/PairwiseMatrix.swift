/// A dense `rows x columns` matrix of doubles, row-major.
public struct PairwiseMatrix: Sendable, Equatable, Codable {
    public let rows: Int
    public let columns: Int
    /// Row-major values, `rows * columns` of them.
    public var values: [Double]

    /// A `rows x columns` matrix with every entry `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        self.values = [Double](repeating: value, count: rows * columns)
    }

    /// A `rows x columns` matrix holding `values` in row-major order.
    ///
    /// - Precondition: `values.count == rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "PairwiseMatrix: wrong value count")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The entry at `row`, `column` (zero-based).
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// The transposed matrix.
    public func transposed() -> PairwiseMatrix {
        var t = PairwiseMatrix(rows: columns, columns: rows)
        for r in 0..<rows { for c in 0..<columns { t[c, r] = self[r, c] } }
        return t
    }

    /// Mean of all entries (0 for an empty matrix).
    public var mean: Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
}
