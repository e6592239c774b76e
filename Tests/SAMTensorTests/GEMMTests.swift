import SAMTensor
import XCTest

final class GEMMTests: XCTestCase {
    /// `cblas_sgemm` must come from OpenBLAS, not GSL's reference `gslcblas` (both export it).
    func testSGEMMResolvesToOpenBLAS() throws {
        let path = try XCTUnwrap(GEMM.providingLibraryPath())
        XCTAssertTrue(path.contains("openblas"), "cblas_sgemm resolved to \(path)")
    }

    /// Products split over workers equal a naive triple loop, for every transpose combination.
    func testMultiplyMatchesNaiveProduct() {
        var generator = SystemRandomNumberGenerator()
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (300, 40, 33), (37, 700, 90)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) }
                    let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &generator) }
                    var c = [Float](repeating: 0, count: m * n)
                    GEMM.multiply(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        a: a, lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, c: &c, ldc: n)
                    var worst: Float = 0
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum: Double = 0
                            for p in 0..<k {
                                let x = transposeA ? a[p * m + i] : a[i * k + p]
                                let y = transposeB ? b[j * k + p] : b[p * n + j]
                                sum += Double(x) * Double(y)
                            }
                            worst = max(worst, abs(Float(sum) - c[i * n + j]))
                        }
                    }
                    XCTAssertLessThan(worst, 1e-4, "m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB)")
                }
            }
        }
    }
}
