import CKernels
import Foundation
import SAMTensor
import XCTest

/// The own f32 GEMM of the linear layers (`p2s_gemm_f32` through `LinearKernel`) against a Double-precision
/// reference written here, on shapes with every edge (rows not a multiple of the 6-row tile, columns not a
/// multiple of 16, fewer than 64 columns), with and without bias, residual and GELU.
final class LinearKernelTests: XCTestCase {
    /// Deterministic values in [-scale, scale).
    private func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return scale * (2 * Float(state >> 40) / Float(1 << 24) - 1)
        }
    }

    /// `GELU?((x Wᵀ + b) + r)` in Double.
    private func reference(
        _ x: [Float], _ w: [Float], _ b: [Float]?, _ r: [Float]?, rows: Int, n: Int, k: Int, gelu: Bool
    ) -> [Double] {
        var out = [Double](repeating: 0, count: rows * n)
        for i in 0..<rows {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(x[i * k + p]) * Double(w[j * k + p]) }
                sum += Double(b?[j] ?? 0) + Double(r?[i * n + j] ?? 0)
                out[i * n + j] = gelu ? 0.5 * sum * (1 + Foundation.erf(sum / 2.0.squareRoot())) : sum
            }
        }
        return out
    }

    func testKernelMatchesDoubleReferenceOnEdgeShapes() throws {
        guard p2s_kernel_level() >= 1 else { throw XCTSkip("the own f32 kernel needs AVX-512 or AVX2 + FMA") }
        let shapes = [(rows: 50, n: 7, k: 3), (97, 33, 17), (53, 80, 64), (48, 16, 130), (61, 129, 5)]
        for (index, shape) in shapes.enumerated() {
            let (rows, n, k) = shape
            let x = values(rows * k, seed: UInt64(index))
            let w = values(n * k, seed: UInt64(100 + index))
            let b = values(n, seed: UInt64(200 + index))
            let r = values(rows * n, seed: UInt64(300 + index))
            let count = p2s_f32_packed_count(n, k)
            let packed = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                p2s_f32_pack_weight(w, n, k, buffer.baseAddress!)
                initialized = count
            }
            for (bias, residual, gelu) in [
                (false, false, false), (true, false, true), (true, true, false), (false, true, true),
            ] {
                var out = [Float](repeating: .nan, count: rows * n)
                let done = x.withUnsafeBufferPointer { xp in
                    packed.withUnsafeBufferPointer { wp in
                        b.withUnsafeBufferPointer { bp in
                            r.withUnsafeBufferPointer { rp in
                                out.withUnsafeMutableBufferPointer { op in
                                    p2s_gemm_f32(
                                        xp.baseAddress!, k, wp.baseAddress!, n, k, op.baseAddress!, n, rows,
                                        bias ? bp.baseAddress! : nil, residual ? rp.baseAddress! : nil, gelu ? 1 : 0)
                                }
                            }
                        }
                    }
                }
                XCTAssertEqual(done, 1)
                let expected = reference(x, w, bias ? b : nil, residual ? r : nil, rows: rows, n: n, k: k, gelu: gelu)
                var worst = 0.0
                for i in 0..<(rows * n) { worst = max(worst, abs(Double(out[i]) - expected[i])) }
                // k products of values below 1 in float: a few ulps of k; GELU's erf adds below 1e-6.
                XCTAssertLessThan(
                    worst, 1e-6 * Double(k) + 2e-6,
                    "rows \(rows) n \(n) k \(k) bias \(bias) residual \(residual) gelu \(gelu): worst \(worst)")
            }
        }
    }

    /// `Linear.apply` with the own kernel and with OpenBLAS give the same values up to float rounding, and the
    /// own kernel's result does not depend on how many workers split the rows (1,000 rows: 3 chunks).
    func testLinearAgreesWithOpenBLASAndIsSplitInvariant() {
        let (rows, n, k) = (1000, 70, 96)
        let linear = Linear(
            weight: values(n * k, seed: 7), bias: values(n, seed: 8), inFeatures: k, outFeatures: n)
        let input = Tensor(shape: [rows, k], storage: values(rows * k, seed: 9))
        let residual = Tensor(shape: [rows, n], storage: values(rows * n, seed: 10))
        let saved = (LinearKernel.directF32, Parallel.workerCount)
        defer { (LinearKernel.directF32, Parallel.workerCount) = saved }
        LinearKernel.directF32 = false
        let blas = linear.apply(input, adding: residual, gelu: true)
        LinearKernel.directF32 = saved.0
        Parallel.workerCount = 1
        let one = linear.apply(input, adding: residual, gelu: true)
        Parallel.workerCount = 3
        let three = linear.apply(input, adding: residual, gelu: true)
        XCTAssertEqual(one.storage, three.storage, "split over 1 vs 3 workers")
        var worst: Float = 0
        for i in 0..<blas.count { worst = max(worst, abs(blas.storage[i] - one.storage[i])) }
        XCTAssertLessThan(worst, 1e-5)
    }
    /// `GEMM.multiply` of a non-transposed B (`A B`, B stored `k x n` with a row stride wider than n) runs the own
    /// kernel for at least `LinearKernel.minimumRows` rows (`p2s_f32_pack_columns`): it matches a Double reference
    /// and gives the same bits over 1 and 3 workers; with the kernel off (OpenBLAS) it agrees up to float rounding.
    func testMultiplyOfAStoredBMatchesReferenceAndIsSplitInvariant() throws {
        guard p2s_kernel_level() >= 1 else { throw XCTSkip("the own f32 kernel needs AVX-512 or AVX2 + FMA") }
        let (m, n, k, ldb) = (301, 37, 130, 41)
        let a = values(m * k, seed: 21)
        let b = values(k * ldb, seed: 22)
        func product(workers: Int, direct: Bool = true) -> [Float] {
            let saved = LinearKernel.directF32
            defer { LinearKernel.directF32 = saved }
            LinearKernel.directF32 = direct
            var c = [Float](repeating: .nan, count: m * n)
            Parallel.withWorkerCount(workers) {
                c.withUnsafeMutableBufferPointer { cp in
                    GEMM.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: ldb, c: cp.baseAddress!, ldc: n)
                }
            }
            return c
        }
        let one = product(workers: 1)
        let three = product(workers: 3)
        XCTAssertEqual(one.map(\.bitPattern), three.map(\.bitPattern), "split over 1 vs 3 workers")
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * ldb + j]) }
                worst = max(worst, abs(Double(one[i * n + j]) - sum))
            }
        }
        XCTAssertLessThan(worst, 1e-6 * Double(k) + 2e-6, "against the Double reference")
        let blas = product(workers: 1, direct: false)
        var spread: Float = 0
        for i in 0..<blas.count { spread = max(spread, abs(blas[i] - one[i])) }
        XCTAssertLessThan(spread, 1e-5, "own kernel vs OpenBLAS")
    }
}
