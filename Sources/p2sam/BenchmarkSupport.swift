import Foundation
import SAMTensor

/// Timing and memory measurement helpers for `p2sam benchmark`.
enum BenchmarkClock {
    /// Median, minimum and maximum wall time (ms) of `runs` calls after `warmup` calls.
    static func measure(runs: Int, warmup: Int, _ body: () throws -> Void) rethrows -> (
        median: Double, min: Double, max: Double
    ) {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return (times[times.count / 2], times.first!, times.last!)
    }
}

/// Peak resident memory of this process, from /proc/self/status.
enum ResidentMemory {
    /// `VmHWM` (peak RSS) in bytes, or nil where /proc is not available.
    static func peakBytes() -> Int? { field("VmHWM") }
    /// `VmRSS` (current RSS) in bytes.
    static func currentBytes() -> Int? { field("VmRSS") }

    /// Resets the peak to the current RSS (Linux: writing 5 to /proc/self/clear_refs).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    private static func field(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            if let kilobytes = digits.first { return kilobytes * 1024 }
        }
        return nil
    }
}

/// The measured single-precision GEMM rate of this machine (GFLOP/s), with the package's own
/// GEMM entry point on a large square product.
enum SGEMMPeak {
    static func measure(side: Int = 2048, runs: Int = 5) -> Double {
        let a = [Float](repeating: 0.5, count: side * side)
        let b = [Float](repeating: 0.25, count: side * side)
        var c = [Float](repeating: 0, count: side * side)
        let time = BenchmarkClock.measure(runs: runs, warmup: 1) {
            GEMM.multiply(m: side, n: side, k: side, a: a, lda: side, b: b, ldb: side, c: &c, ldc: side)
        }
        return 2 * pow(Double(side), 3) / (time.min / 1000) / 1e9
    }
}
