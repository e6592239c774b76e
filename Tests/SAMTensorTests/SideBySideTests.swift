import Foundation
import SAMTensor
import XCTest

/// `SideBySide.map`: results in index order whatever order the lanes finish in, each index run once with one
/// worker (`Parallel.currentWorkerCount` 1), progress counted 1…n, the first error rethrown.
final class SideBySideTests: XCTestCase {
    func testResultsInIndexOrderOneWorkerEachAndProgress() throws {
        let progressLock = NSLock()
        var progress: [Int] = []
        let record: (Int) -> Void = { done in
            progressLock.lock()
            progress.append(done)
            progressLock.unlock()
        }
        let results = try SideBySide.map(9, lanes: 3, progress: record) { index -> (index: Int, workers: Int) in
            usleep(UInt32((9 - index) * 3000))  // later indices finish first
            return (index, Parallel.currentWorkerCount)
        }
        XCTAssertEqual(results.map(\.index), Array(0..<9))
        XCTAssertEqual(Set(results.map(\.workers)), [1])
        XCTAssertEqual(progress, Array(1...9))
        XCTAssertEqual(Parallel.currentWorkerCount, Parallel.workerCount, "the scoped count ends with the lanes")
    }

    func testOneLaneRunsInOrderWithTheNormalWorkerCount() throws {
        var order: [Int] = []
        let results = try SideBySide.map(4, lanes: 1) { index -> Int in
            order.append(index)
            return Parallel.currentWorkerCount
        }
        XCTAssertEqual(order, [0, 1, 2, 3])
        XCTAssertEqual(results, [Int](repeating: Parallel.workerCount, count: 4))
    }

    func testFirstErrorIsRethrown() {
        struct Failure: Error, Equatable { let index: Int }
        XCTAssertThrowsError(
            try SideBySide.map(6, lanes: 2) { index -> Int in
                if index == 3 { throw Failure(index: 3) }
                return index
            }
        ) { XCTAssertEqual($0 as? Failure, Failure(index: 3)) }
    }
}
