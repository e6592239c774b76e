import Dispatch
import Foundation
import SAMTensor
import XCTest

/// `Parallel.withWorkerCount(_:_:)`: the scoped worker count limits `forEachChunk` and `GEMM.multiply` on the
/// calling thread only, nests, ends with its body, and does not change results.
final class ParallelWorkerCountTests: XCTestCase {
    func testScopedCountLimitsChunksOnThisThreadOnly() {
        let outside = Parallel.currentWorkerCount
        XCTAssertEqual(outside, Parallel.workerCount)
        Parallel.withWorkerCount(1) {
            XCTAssertEqual(Parallel.currentWorkerCount, 1)
            var ranges: [Range<Int>] = []
            Parallel.forEachChunk(of: 1000) { ranges.append($0) }
            XCTAssertEqual(ranges, [0..<1000], "one worker: one chunk, on the calling thread")
            Parallel.withWorkerCount(3) { XCTAssertEqual(Parallel.currentWorkerCount, 3) }
            XCTAssertEqual(Parallel.currentWorkerCount, 1)
        }
        XCTAssertEqual(Parallel.currentWorkerCount, outside)
        XCTAssertEqual(Parallel.withWorkerCount(0) { Parallel.currentWorkerCount }, 1, "at least one worker")
    }

    func testScopedCountsOfConcurrentThreadsAreIndependent() {
        let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
        defer { seen.deallocate() }
        let shared = SharedMutablePointer(seen.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: 4) { lane in
            Parallel.withWorkerCount(lane + 1) {
                usleep(20_000)
                shared.base[lane] = Parallel.currentWorkerCount
            }
        }
        XCTAssertEqual(Array(seen), [1, 2, 3, 4])
    }

    func testSingleWorkerGEMMEqualsTheSplitOneBitForBit() {
        let (m, n, k) = (300, 70, 129)
        let a = (0..<(m * k)).map { Float(sin(Double($0) * 0.37)) }
        let b = (0..<(n * k)).map { Float(cos(Double($0) * 0.11)) }
        func product() -> [Float] {
            var c = [Float](repeating: .nan, count: m * n)
            c.withUnsafeMutableBufferPointer { cp in
                GEMM.multiply(
                    transposeB: true, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: cp.baseAddress!, ldc: n)
            }
            return c
        }
        let split = product()
        let single = Parallel.withWorkerCount(1) { product() }
        XCTAssertEqual(split.map(\.bitPattern), single.map(\.bitPattern))
        XCTAssertFalse(split.contains { $0.isNaN })
    }
}
