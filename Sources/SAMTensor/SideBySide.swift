import Dispatch
import Foundation

/// Independent computations run side by side, one per core, each single-threaded
/// (`Parallel.withWorkerCount(1)`): for work whose own parallel sections leave a core idle part of the time
/// (serial steps between them), a volume's slices keep both cores busy.
public enum SideBySide {
    /// `body(i)` for every `i` in `0..<count`, on up to `lanes` threads at once (each takes the next index
    /// when it finishes one), with `Parallel.withWorkerCount(1)` inside; the results in index order.
    /// `progress(done)` is called after each index, serialised, with the number finished so far. The first
    /// error stops the lanes taking new indices and is rethrown.
    ///
    /// - Parameters:
    ///   - count: the number of indices.
    ///   - lanes: threads at once (1 runs `body` on the calling thread with the normal worker count).
    ///   - progress: called with the number of indices finished, or nil.
    ///   - body: the work for one index; called concurrently for different indices.
    /// - Returns: `body(0)`, `body(1)`, … in order.
    public static func map<T>(
        _ count: Int, lanes: Int, progress: ((Int) -> Void)? = nil, _ body: (Int) throws -> T
    ) throws -> [T] {
        let lanes = min(lanes, count)
        if lanes <= 1 {
            var results: [T] = []
            for index in 0..<count {
                results.append(try body(index))
                progress?(index + 1)
            }
            return results
        }
        let state = LaneState<T>(count: count)
        try withoutActuallyEscaping(body) { body in
            try withoutActuallyEscaping(progress ?? { _ in }) { progress in
                let work = LaneWork(run: body, progress: progress)
                DispatchQueue.concurrentPerform(iterations: lanes) { _ in
                    while let index = state.take() {
                        do {
                            let value = try Parallel.withWorkerCount(1) { try work.run(index) }
                            state.finish(index, value, progress: work.progress)
                        } catch {
                            state.fail(error)
                        }
                    }
                }
                if let error = state.error { throw error }
            }
        }
        return state.results.map { $0! }
    }
}

/// The body and progress callback of `SideBySide.map`, shared by its lanes. `@unchecked Sendable`: `map`'s
/// contract is that `run` may be called concurrently for different indices; `progress` is called under a lock.
private struct LaneWork<T>: @unchecked Sendable {
    let run: (Int) throws -> T
    let progress: (Int) -> Void
}

/// The shared state of `SideBySide.map`'s lanes, every access under one lock.
private final class LaneState<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private let count: Int
    private(set) var results: [T?]
    private(set) var error: Error?

    init(count: Int) {
        self.count = count
        results = Array(repeating: nil, count: count)
    }

    /// The next index to run, or nil when all are taken or one failed.
    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard error == nil, next < count else { return nil }
        next += 1
        return next - 1
    }

    func finish(_ index: Int, _ value: T, progress: (Int) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        results[index] = value
        done += 1
        progress(done)
    }

    func fail(_ failure: Error) {
        lock.lock()
        defer { lock.unlock() }
        if error == nil { error = failure }
    }
}
