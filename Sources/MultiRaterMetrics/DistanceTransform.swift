/// Exact squared Euclidean distance transform on a regular grid with per-axis spacing (pixels, or mm
/// with voxel spacing), by separable lower envelopes of parabolas (one 1D pass per axis).
///
/// The grid is row-major with `shape` `[n0, n1, …]` (e.g. `[height, width]` or `[depth, height, width]`)
/// and `spacing` the physical distance between neighbouring grid points along each axis.
public enum DistanceTransform {
    /// Squared distance from every grid point to the nearest `source` point (`.infinity` when there is none).
    public static func squaredDistances(to sources: [Bool], shape: [Int], spacing: [Double]) -> [Double] {
        precondition(
            shape.count == spacing.count && sources.count == shape.reduce(1, *), "distance transform: shape mismatch")
        var field = sources.map { $0 ? 0.0 : Double.infinity }
        guard sources.contains(true) else { return field }
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        var line = [Double]()
        var out = [Double]()
        for axis in 0..<shape.count {
            let n = shape[axis]
            let step = strides[axis]
            line = [Double](repeating: 0, count: n)
            out = [Double](repeating: 0, count: n)
            // Every line along `axis`: start offsets are the points whose `axis` coordinate is 0.
            for start in 0..<field.count where (start / step) % n == 0 {
                for i in 0..<n { line[i] = field[start + i * step] }
                lowerEnvelope(line, spacing: spacing[axis], into: &out)
                for i in 0..<n { field[start + i * step] = out[i] }
            }
        }
        return field
    }

    /// 1D pass: `out[p] = min_q (s² (p − q)² + f[q])` (Felzenszwalb and Huttenlocher's algorithm, with the
    /// parabolas' positions scaled by the spacing `s`). Infinite `f[q]` contribute nothing.
    static func lowerEnvelope(_ f: [Double], spacing s: Double, into out: inout [Double]) {
        let n = f.count
        var vertices = [Int](repeating: 0, count: n)  // positions of the envelope's parabolas
        var bounds = [Double](repeating: 0, count: n + 1)  // where parabola k starts to be lowest
        var k = -1
        func position(_ q: Int) -> Double { Double(q) * s }
        for q in 0..<n where f[q].isFinite {
            var crossing = -Double.infinity
            while k >= 0 {
                let v = vertices[k]
                let pq = position(q)
                let pv = position(v)
                crossing = ((f[q] + pq * pq) - (f[v] + pv * pv)) / (2 * (pq - pv))
                if crossing <= bounds[k] { k -= 1 } else { break }
            }
            k += 1
            vertices[k] = q
            bounds[k] = k == 0 ? -.infinity : crossing
            bounds[k + 1] = .infinity
        }
        guard k >= 0 else {
            for p in 0..<n { out[p] = .infinity }
            return
        }
        var j = 0
        for p in 0..<n {
            let x = position(p)
            while bounds[j + 1] < x { j += 1 }
            let d = x - position(vertices[j])
            out[p] = d * d + f[vertices[j]]
        }
    }
}
