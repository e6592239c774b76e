import CKernels
import Foundation

/// The arithmetic precision of the linear layers' GEMMs (encoder and decoder `Linear` layers and 1x1
/// convolutions). Attention score products, 3x3 and transposed convolutions stay float32.
public enum Precision: String, CaseIterable, Sendable {
    /// float32 throughout (the default; bit-reproducible run to run).
    case f32
    /// Inputs and weights rounded to bfloat16, products accumulated in float32 (AVX512-BF16).
    case bf16
    /// `bf16` where the CPU has AVX512-BF16, else `f32`.
    case auto

    /// The precision to run for `self` on a CPU with (`bf16Available`) or without bf16 instructions, and a
    /// note for the user when the request cannot be honoured (`bf16` on a CPU without them: f32 instead).
    ///
    /// - Parameter bf16Available: whether the CPU runs the bf16 GEMM (`CPUFeatures.hasAVX512BF16`).
    /// - Returns: `.f32` or `.bf16`, and the note (nil when the request is met as asked).
    public func resolved(bf16Available: Bool = CPUFeatures.hasAVX512BF16) -> (precision: Precision, note: String?) {
        switch self {
        case .f32: return (.f32, nil)
        case .auto: return (bf16Available ? .bf16 : .f32, nil)
        case .bf16:
            if bf16Available { return (.bf16, nil) }
            return (
                .f32,
                "bf16 was requested but this CPU has no AVX512-BF16 instructions (\(CPUFeatures.summary)); running in f32"
            )
        }
    }
}

/// CPU features the kernels dispatch on, read from CPUID (and XCR0, so the OS must also save the
/// vector state); never from a compile-time assumption, so no path can raise an illegal instruction.
public enum CPUFeatures {
    /// AVX512-BF16 (`vdpbf16ps`) usable: the bf16 GEMM runs. The environment variable `P2SAM_NO_BF16=1`
    /// makes it false (to check the f32 fallback on a CPU that has the instructions).
    public static var hasAVX512BF16: Bool {
        ProcessInfo.processInfo.environment["P2SAM_NO_BF16"] == "1" ? false : p2s_cpu_has_avx512_bf16() != 0
    }
    /// AMX-BF16 tiles present and enabled by the OS (not used by a kernel yet; reported).
    public static var hasAMXBF16: Bool { p2s_cpu_has_amx_bf16() != 0 }
    /// The vector width the float32 kernels run: "AVX-512", "AVX2 + FMA" or "baseline".
    public static var vectorLevel: String {
        switch p2s_kernel_level() {
        case 2: return "AVX-512"
        case 1: return "AVX2 + FMA"
        default: return "baseline"
        }
    }
    /// One line for logs: vector level, AVX512-BF16 and AMX-BF16.
    public static var summary: String {
        "\(vectorLevel) kernels; AVX512-BF16 \(hasAVX512BF16 ? "yes" : "no"); AMX-BF16 \(hasAMXBF16 ? "yes" : "no")"
    }
}

/// The process-wide precision of the linear layers' GEMMs, like `Parallel.workerCount`: set it once at
/// start-up, before any model runs (hence `nonisolated(unsafe)`).
public enum GEMMPrecision {
    /// `.f32` (default) or `.bf16`; only ever `.bf16` on a CPU with AVX512-BF16 when set through `select(_:)`.
    nonisolated(unsafe) public private(set) static var current: Precision = .f32

    /// Resolves `requested` against this CPU (`Precision.resolved`) and makes it current.
    ///
    /// - Parameter requested: `.f32`, `.bf16` or `.auto`.
    /// - Returns: the note to show the user when bf16 was requested but is not available (then f32 runs).
    @discardableResult
    public static func select(_ requested: Precision) -> String? {
        let (precision, note) = requested.resolved()
        current = precision
        return note
    }
}

/// A Linear weight rounded to bf16 and packed for `p2s_gemm_bf16`, made on first bf16 use and kept
/// (derived data: the owning `Linear` stays a value).
final class BF16PackedWeight: @unchecked Sendable {
    private let lock = NSLock()
    private var packed: [UInt16]?

    /// The packed form of `weight` (`n x k`), packing it on the first call.
    func values(weight: [Float], n: Int, k: Int) -> [UInt16] {
        lock.lock()
        defer { lock.unlock() }
        if let packed { return packed }
        let count = p2s_bf16_packed_count(n, k)
        let made = [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            weight.withUnsafeBufferPointer { p2s_bf16_pack_weight($0.baseAddress!, n, k, buffer.baseAddress!) }
            initialized = count
        }
        packed = made
        return made
    }
}
