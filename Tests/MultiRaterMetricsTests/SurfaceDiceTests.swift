import MultiRaterMetrics
import XCTest

/// NSD against its definition evaluated by brute force (every boundary point against every other),
/// on random blobs in 2D and 3D with isotropic and anisotropic spacing, plus the conventions.
final class SurfaceDiceTests: XCTestCase {
    /// Boundary points of a row-major grid (face neighbours, outside = background), for the brute force.
    func boundaryPoints(_ mask: [Bool], shape: [Int]) -> [[Int]] {
        var points: [[Int]] = []
        let count = shape.reduce(1, *)
        for i in 0..<count where mask[i] {
            var coordinates = [Int](repeating: 0, count: shape.count)
            var rest = i
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                coordinates[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            func isForeground(_ c: [Int]) -> Bool {
                for axis in 0..<shape.count where c[axis] < 0 || c[axis] >= shape[axis] { return false }
                var index = 0
                for axis in 0..<shape.count { index = index * shape[axis] + c[axis] }
                return mask[index]
            }
            var onBoundary = false
            for axis in 0..<shape.count {
                for delta in [-1, 1] {
                    var neighbour = coordinates
                    neighbour[axis] += delta
                    if !isForeground(neighbour) { onBoundary = true }
                }
            }
            if onBoundary { points.append(coordinates) }
        }
        return points
    }

    func bruteForceNSD(_ a: [Bool], _ b: [Bool], shape: [Int], spacing: [Double], tolerance: Double) -> Double {
        let pa = boundaryPoints(a, shape: shape)
        let pb = boundaryPoints(b, shape: shape)
        if pa.isEmpty && pb.isEmpty { return 1 }
        if pa.isEmpty || pb.isEmpty { return 0 }
        func near(_ p: [Int], _ set: [[Int]]) -> Bool {
            set.contains { q in
                var d = 0.0
                for axis in 0..<shape.count {
                    let t = Double(p[axis] - q[axis]) * spacing[axis]
                    d += t * t
                }
                return d <= tolerance * tolerance
            }
        }
        let within = pa.filter { near($0, pb) }.count + pb.filter { near($0, pa) }.count
        return Double(within) / Double(pa.count + pb.count)
    }

    /// A union of random discs or balls.
    func blobs(shape: [Int], count: Int, seed: inout UInt64) -> [Bool] {
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        let centres = (0..<count).map { _ in shape.map { Double($0) * next() } }
        let radii = (0..<count).map { _ in 1.5 + 6 * next() }
        let total = shape.reduce(1, *)
        return (0..<total).map { i in
            var coordinates = [Double](repeating: 0, count: shape.count)
            var rest = i
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                coordinates[axis] = Double(rest % shape[axis])
                rest /= shape[axis]
            }
            for (centre, radius) in zip(centres, radii) {
                var squared = 0.0
                for axis in 0..<shape.count {
                    let d: Double = coordinates[axis] - centre[axis]
                    squared += d * d
                }
                if squared <= radius * radius { return true }
            }
            return false
        }
    }

    func mask(_ values: [Bool], width: Int, height: Int) throws -> BinaryMask {
        try BinaryMask(width: width, height: height, bools: values)
    }

    func testTwoDimensionsMatchTheDefinition() throws {
        var seed: UInt64 = 12345
        let (width, height) = (37, 29)
        var checked = 0
        for trial in 0..<12 {
            let a = blobs(shape: [height, width], count: 1 + trial % 3, seed: &seed)
            let b = blobs(shape: [height, width], count: 1 + trial % 2, seed: &seed)
            for (spacing, tolerance) in [((1.0, 1.0), 2.0), ((1.0, 1.0), 0.0), ((0.7, 1.6), 2.0), ((1.0, 1.0), 5.5)] {
                let expected = bruteForceNSD(
                    a, b, shape: [height, width], spacing: [spacing.0, spacing.1], tolerance: tolerance)
                let found = try SurfaceDice.normalizedSurfaceDice(
                    try mask(a, width: width, height: height),
                    try mask(b, width: width, height: height),
                    tolerance: tolerance, spacing: (spacing.0, spacing.1))
                XCTAssertEqual(found, expected, accuracy: 1e-12, "trial \(trial), spacing \(spacing), τ \(tolerance)")
                if expected > 0 && expected < 1 { checked += 1 }
            }
        }
        XCTAssertGreaterThan(checked, 20, "too few informative cases (NSD strictly between 0 and 1)")
    }

    func testThreeDimensionsWithVoxelSpacingMatchTheDefinition() throws {
        var seed: UInt64 = 99
        let shape = [7, 19, 23]
        for trial in 0..<4 {
            let a = blobs(shape: shape, count: 2, seed: &seed)
            let b = blobs(shape: shape, count: 2, seed: &seed)
            func slices(_ v: [Bool]) throws -> [BinaryMask] {
                try (0..<shape[0]).map { z in
                    try mask(Array(v[(z * 19 * 23)..<((z + 1) * 19 * 23)]), width: 23, height: 19)
                }
            }
            let spacing = [2.5, 0.8, 0.8]
            let expected = bruteForceNSD(a, b, shape: shape, spacing: spacing, tolerance: 2)
            let found = try SurfaceDice.normalizedSurfaceDice(
                volume: try slices(a), try slices(b), tolerance: 2,
                spacing: (2.5, 0.8, 0.8))
            XCTAssertEqual(found, expected, accuracy: 1e-12, "trial \(trial)")
        }
    }

    func testConventionsAndShifts() throws {
        let empty = BinaryMask(width: 20, height: 20)
        var square = [Bool](repeating: false, count: 400)
        for y in 5..<12 { for x in 5..<12 { square[y * 20 + x] = true } }
        let a = try mask(square, width: 20, height: 20)
        XCTAssertEqual(try SurfaceDice.normalizedSurfaceDice(empty, empty), 1)
        XCTAssertEqual(try SurfaceDice.normalizedSurfaceDice(a, empty), 0)
        XCTAssertEqual(try SurfaceDice.normalizedSurfaceDice(a, a), 1)
        // Shifted by 2 columns: every boundary pixel is within 2 of the other boundary.
        var shifted = [Bool](repeating: false, count: 400)
        for y in 5..<12 { for x in 7..<14 { shifted[y * 20 + x] = true } }
        XCTAssertEqual(try SurfaceDice.normalizedSurfaceDice(a, try mask(shifted, width: 20, height: 20)), 1)
        XCTAssertLessThan(
            try SurfaceDice.normalizedSurfaceDice(a, try mask(shifted, width: 20, height: 20), tolerance: 1), 1)
        XCTAssertThrowsError(try SurfaceDice.normalizedSurfaceDice(a, BinaryMask(width: 21, height: 20)))
        XCTAssertThrowsError(try SurfaceDice.normalizedSurfaceDice(a, a, tolerance: -1))
        XCTAssertThrowsError(try SurfaceDice.normalizedSurfaceDice(a, a, spacing: (0, 1)))
    }
}
