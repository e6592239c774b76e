import CBLAS
import CMalloc
import Foundation

/// Chooses OpenBLAS's kernel set on machines where its automatic detection falls short.
///
/// Debian's OpenBLAS 0.3.21 runs its AVX2 ("Haswell") SGEMM kernel on AVX-512 AMD EPYC (Zen 4)
/// CPUs; forcing the AVX-512 kernels (`OPENBLAS_CORETYPE=SKYLAKEX`) doubles SGEMM throughput
/// there (measured 216 → 413 GFLOP/s on 2 cores). OpenBLAS reads the variable only when it is
/// loaded, so a program has to set it and re-execute itself (see `p2sam`), or its user sets it.
public enum BLASKernelSelection {
    /// CPU flags the SkylakeX kernels need.
    static let skylakeXFlags: Set<String> = ["avx512f", "avx512dq", "avx512bw", "avx512vl", "fma"]

    /// Kernel sets that already use AVX-512.
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids", "zen4", "zen5"]

    /// Set by `p2sam` when it re-executes itself, so it never loops.
    public static let reexecMarker = "P2SAM_BLAS_CORETYPE_SELECTED"

    /// The `OPENBLAS_CORETYPE` value to use, or nil to keep OpenBLAS's choice: nil when the
    /// running kernel set already uses AVX-512, when the CPU lacks it, after a re-execution, or
    /// when `P2SAM_KEEP_BLAS_CORETYPE` is set. (OpenBLAS itself writes `OPENBLAS_CORETYPE` at load
    /// time, so the variable's presence says nothing about the user's wishes.)
    public static func recommendedCoreType(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        runningCore: String = coreName(),
        cpuFlags: Set<String>? = nil
    ) -> String? {
        if environment[reexecMarker] != nil || environment["P2SAM_KEEP_BLAS_CORETYPE"] != nil { return nil }
        if avx512Cores.contains(runningCore.lowercased()) { return nil }
        let flags = cpuFlags ?? currentCPUFlags()
        return skylakeXFlags.isSubset(of: flags) ? "SKYLAKEX" : nil
    }

    /// The kernel set OpenBLAS is running, e.g. `Haswell` or `SkylakeX`.
    public static func coreName() -> String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// The flags line of /proc/cpuinfo (empty where unavailable).
    public static func currentCPUFlags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in info.split(separator: "\n") where line.hasPrefix("flags") {
            return Set(line.split(separator: ":", maxSplits: 1).last?.split(separator: " ").map(String.init) ?? [])
        }
        return []
    }

    /// OpenBLAS's own description of its build and kernel set, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH … Cooperlake`.
    public static func configuration() -> String {
        openblas_get_config().map { String(cString: $0) } ?? "unknown"
    }
}

/// Keeps freed large buffers inside the allocator instead of returning them to the kernel.
///
/// glibc serves allocations above 128 KiB with fresh `mmap`s and unmaps them on free, so every
/// temporary activation is page-faulted in again (a third of PyTorch's CPU time here, per the
/// reference measurements). Raising the thresholds makes repeated forward passes reuse memory.
/// Peak RSS still follows the largest live working set. All threads share one arena: a thread of its own
/// arena (e.g. a volume's second slice lane, `Parallel.withWorkerCount`) would otherwise serve buffers above
/// its 64 MiB heap size with fresh `mmap`s again (measured: system time 0.2 → 2 s on a 20-slice volume).
/// Process-wide; call once at start-up, before other threads allocate.
public enum AllocatorTuning {
    /// Runs once, thread-safely (a lazily initialised static).
    private static let tuning: Void = {
        #if os(Linux)
            _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
            _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
            _ = mallopt(M_ARENA_MAX, 1)
        #endif
    }()

    /// Raises glibc's mmap and trim thresholds and keeps one arena (on Linux; elsewhere nothing). Idempotent.
    public static func retainFreedMemory() {
        _ = tuning
    }
}
