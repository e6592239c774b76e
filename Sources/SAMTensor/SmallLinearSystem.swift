/// Small dense linear systems `A x = b` in double precision (a few dozen unknowns at most), as Newton steps
/// of small model fits need them.
public enum SmallLinearSystem {
    /// `A⁻¹ b` by Gaussian elimination with partial pivoting.
    ///
    /// - Parameters:
    ///   - a: the `n x n` matrix, row-major as `n` rows of `n`.
    ///   - b: the right-hand side `[n]`.
    ///   - pivotFloor: a pivot whose magnitude is at most this makes the system count as singular.
    /// - Returns: `x [n]`, or nil when `a` is singular.
    public static func solve(_ a: [[Double]], _ b: [Double], pivotFloor: Double = 1e-300) -> [Double]? {
        let n = b.count
        precondition(a.count == n && a.allSatisfy { $0.count == n }, "the matrix must be \(n) x \(n)")
        var m = a
        var v = b
        for c in 0..<n {
            guard let pivot = (c..<n).max(by: { abs(m[$0][c]) < abs(m[$1][c]) }), abs(m[pivot][c]) > pivotFloor
            else { return nil }
            m.swapAt(c, pivot)
            v.swapAt(c, pivot)
            for r in (c + 1)..<n where m[r][c] != 0 {
                let f = m[r][c] / m[c][c]
                for k in c..<n { m[r][k] -= f * m[c][k] }
                v[r] -= f * v[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = v[r]
            for k in (r + 1)..<n { s -= m[r][k] * x[k] }
            x[r] = s / m[r][r]
        }
        return x
    }
}
