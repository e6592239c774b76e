/// The solution of a rectangular linear assignment problem.
public struct Assignment: Sendable, Equatable {
    /// Matched `(row, column)` pairs, `min(rows, columns)` of them, sorted by row.
    public var pairs: [Pair]
    /// Sum of the matrix entries over the matched pairs.
    public var total: Double

    /// One matched entry: a row index and the column index it is assigned to.
    public struct Pair: Sendable, Hashable {
        public var row: Int
        public var column: Int
        /// The pair matching `row` to `column`.
        public init(row: Int, column: Int) {
            self.row = row
            self.column = column
        }
    }
}

/// Solves the rectangular linear assignment problem (Kuhn–Munkres with dual potentials and
/// shortest augmenting paths, O(r² c) for r <= c).
///
/// Every row (or every column, whichever side is smaller) is matched to a distinct partner so that
/// the sum of the matched entries is minimal (or maximal with `maximize: true`). Entries must be
/// finite.
public func solveAssignment(_ matrix: PairwiseMatrix, maximize: Bool = false) -> Assignment {
    if matrix.rows == 0 || matrix.columns == 0 { return Assignment(pairs: [], total: 0) }
    let transpose = matrix.rows > matrix.columns
    let work = transpose ? matrix.transposed() : matrix
    let sign: Double = maximize ? -1 : 1
    let columnOfRow = minimumCostRowAssignment(rows: work.rows, columns: work.columns) { r, c in
        sign * work[r, c]
    }
    var pairs: [Assignment.Pair] = []
    var total = 0.0
    for (r, c) in columnOfRow.enumerated() {
        pairs.append(transpose ? .init(row: c, column: r) : .init(row: r, column: c))
        total += work[r, c]
    }
    pairs.sort { $0.row < $1.row }
    return Assignment(pairs: pairs, total: total)
}

/// Minimum-cost assignment of every row to a distinct column (`rows <= columns`).
/// Returns the column of each row. Potentials `u` (rows) and `v` (columns) keep
/// `cost(r, c) - u[r] - v[c] >= 0`, with equality on matched pairs; each new row is inserted
/// along a shortest alternating path in the reduced costs (Dijkstra over columns).
func minimumCostRowAssignment(rows: Int, columns: Int, cost: (Int, Int) -> Double) -> [Int] {
    precondition(rows <= columns)
    // Index 0 is a virtual column/row used as the path root; real rows/columns are 1-based here.
    var u = [Double](repeating: 0, count: rows + 1)
    var v = [Double](repeating: 0, count: columns + 1)
    var rowOfColumn = [Int](repeating: 0, count: columns + 1)
    var previous = [Int](repeating: 0, count: columns + 1)
    for row in 1...rows {
        rowOfColumn[0] = row
        var current = 0
        var distance = [Double](repeating: .infinity, count: columns + 1)
        var visited = [Bool](repeating: false, count: columns + 1)
        repeat {
            visited[current] = true
            let r = rowOfColumn[current]
            var delta = Double.infinity
            var next = 0
            for c in 1...columns where !visited[c] {
                let reduced = cost(r - 1, c - 1) - u[r] - v[c]
                if reduced < distance[c] {
                    distance[c] = reduced
                    previous[c] = current
                }
                if distance[c] < delta {
                    delta = distance[c]
                    next = c
                }
            }
            for c in 0...columns {
                if visited[c] {
                    u[rowOfColumn[c]] += delta
                    v[c] -= delta
                } else {
                    distance[c] -= delta
                }
            }
            current = next
        } while rowOfColumn[current] != 0
        // Flip the alternating path back to the root.
        repeat {
            let before = previous[current]
            rowOfColumn[current] = rowOfColumn[before]
            current = before
        } while current != 0
    }
    var columnOfRow = [Int](repeating: -1, count: rows)
    for c in 1...columns where rowOfColumn[c] != 0 { columnOfRow[rowOfColumn[c] - 1] = c - 1 }
    return columnOfRow
}
