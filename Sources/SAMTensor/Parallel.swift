import Dispatch
import Foundation

/// Coarse-grained data parallelism over the machine's cores.
///
/// All parallel work in the package goes through here, so the degree of parallelism is set in one
/// place. Work is split into at most `workerCount` contiguous chunks: results never depend on the
/// split (each chunk writes disjoint outputs), so runs are bit-identical across thread counts.
public enum Parallel {
    /// Number of concurrent workers; defaults to the number of active processors. A process-wide setting:
    /// change it only at start-up, before any parallel work (hence `nonisolated(unsafe)`).
    nonisolated(unsafe) public static var workerCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The worker count `withWorkerCount(_:_:)` set for the work running inside it, or nil (read where no
    /// task is running, too: task-local values then belong to the thread).
    @TaskLocal private static var scopedWorkerCount: Int?

    /// The number of workers `forEachChunk` and `GEMM.multiply` use here: the count of the innermost
    /// `withWorkerCount(_:_:)` around the caller, else `workerCount`.
    public static var currentWorkerCount: Int { scopedWorkerCount ?? workerCount }

    /// Runs `body` with `forEachChunk` (and `GEMM.multiply`) limited to `count` workers on this thread, e.g.
    /// 1 to run several independent computations side by side, one per core, each single-threaded. Results do
    /// not depend on it (chunks write disjoint outputs and every kernel computes each element the same way
    /// whatever the split).
    ///
    /// - Parameters:
    ///   - count: workers for the work inside `body` (at least 1).
    ///   - body: the work.
    /// - Returns: what `body` returns.
    public static func withWorkerCount<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        try $scopedWorkerCount.withValue(max(1, count)) { try body() }
    }

    /// Calls `body` once per chunk of `0..<count`, chunks running concurrently (at most `currentWorkerCount`).
    ///
    /// - Parameters:
    ///   - count: the number of items.
    ///   - minimumChunk: work smaller than this per worker runs on the calling thread.
    ///   - body: called with each chunk's range of items; chunks must write disjoint data.
    public static func forEachChunk(of count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = min(currentWorkerCount, max(1, count / max(1, minimumChunk)))
        if workers <= 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let chunk = ChunkBody(run: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = count * worker / workers
                let end = count * (worker + 1) / workers
                if start < end { chunk.run(start..<end) }
            }
        }
    }
}

/// The body of `Parallel.forEachChunk`, shared by its concurrently running chunks.
///
/// `@unchecked Sendable` because the contract of `forEachChunk` is that chunks touch disjoint data: the
/// closure is called concurrently only on disjoint ranges, and it does not outlive the call.
private struct ChunkBody: @unchecked Sendable {
    let run: (Range<Int>) -> Void
}

/// A raw pointer that may be captured by concurrently running chunks that write disjoint elements.
/// `@unchecked Sendable`: `Parallel.forEachChunk` chunks write disjoint elements through it.
public struct SharedMutablePointer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    /// Wraps `base`; the caller keeps the memory alive while chunks write through it.
    public init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
}
