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

    /// Calls `body` once per chunk of `0..<count`, chunks running concurrently.
    ///
    /// - Parameters:
    ///   - count: the number of items.
    ///   - minimumChunk: work smaller than this per worker runs on the calling thread.
    ///   - body: called with each chunk's range of items; chunks must write disjoint data.
    public static func forEachChunk(of count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = min(workerCount, max(1, count / max(1, minimumChunk)))
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
