import CBLAS

/// Single-precision matrix multiply through OpenBLAS's CBLAS interface.
///
/// OpenBLAS is told to run single-threaded; large products are split across `Parallel` workers
/// here instead, so that many small products (window attention) can also run concurrently without
/// nesting thread pools.
public enum GEMM {
    /// Runs once, thread-safely (a lazily initialised static).
    private static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    /// Pins OpenBLAS to one thread per call. Called by every entry point; cheap after the first time.
    public static func configure() {
        _ = singleThreadedBLAS
    }

    /// Multiply-adds below this count run on the calling thread.
    public static let parallelThreshold = 1 << 21

    /// The own f32 kernel runs a plain product only when `min(n, k)` is at most this: the thin products of the
    /// models (their widest layers are 256 x 2,048). Products wide on both sides stay on OpenBLAS, which packs both
    /// operands and is faster there (a 2048³ product ran at about 0.8x OpenBLAS's rate with the AVX2 kernel on Zen 3).
    static let ownKernelThinSide = 1024

    /// `C = alpha * op(A) * op(B) + beta * C` on row-major matrices, split over the cores when large. A plain
    /// `A op(B)` (no transposed A, alpha 1, beta 0, dense rows) of at least `LinearKernel.minimumRows` rows and
    /// `min(n, k)` up to `ownKernelThinSide` runs the own f32 kernel instead of OpenBLAS (its results do not depend
    /// on the split; OpenBLAS's do on some CPUs).
    ///
    /// - Parameters:
    ///   - transposeA: `op(A) = Aᵀ`; A is then stored `k x m` (otherwise `m x k`).
    ///   - transposeB: `op(B) = Bᵀ`; B is then stored `n x k` (otherwise `k x n`).
    ///   - m: rows of `op(A)` and of `C`.
    ///   - n: columns of `op(B)` and of `C`.
    ///   - k: columns of `op(A)`, rows of `op(B)`.
    ///   - alpha: scale of the product.
    ///   - a: the stored A.
    ///   - lda: leading dimension (row stride) of the stored A.
    ///   - b: the stored B.
    ///   - ldb: leading dimension (row stride) of the stored B.
    ///   - beta: scale of the existing `C` (0 overwrites it).
    ///   - c: `C`, `m x n`.
    ///   - ldc: leading dimension (row stride) of `C`.
    public static func multiply(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        configure()
        guard m > 0, n > 0 else { return }
        if !transposeA, alpha == 1, beta == 0, k > 0, lda == k, ldc == n, !transposeB || ldb == k,
            min(n, k) <= ownKernelThinSide, LinearKernel.runs(rows: m)
        {
            // The own f32 kernel (`LinearKernel`): each element summed in a fixed order whatever the split.
            LinearKernel.apply(
                a, rows: m, weight: b, outFeatures: n, inFeatures: k, output: c, bias: nil, residual: nil, gelu: false,
                columnWeight: transposeB ? nil : ldb)
            return
        }
        let work = m * n * max(k, 1)
        let workers = Parallel.currentWorkerCount
        if work < parallelThreshold || workers <= 1 {
            single(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let sharedA = SharedPointer(a)
        let sharedB = SharedPointer(b)
        let sharedC = SharedMutablePointer(c)
        if m >= n {
            // Split the rows of C (and of op(A)).
            Parallel.forEachChunk(of: m, minimumChunk: 16) { rows in
                let aStart = transposeA ? rows.lowerBound : rows.lowerBound * lda
                single(
                    transposeA, transposeB, rows.count, n, k, alpha,
                    sharedA.base + aStart, lda, sharedB.base, ldb, beta,
                    sharedC.base + rows.lowerBound * ldc, ldc)
            }
        } else {
            // Split the columns of C (and of op(B)).
            Parallel.forEachChunk(of: n, minimumChunk: 16) { cols in
                let bStart = transposeB ? cols.lowerBound * ldb : cols.lowerBound
                single(
                    transposeA, transposeB, m, cols.count, k, alpha,
                    sharedA.base, lda, sharedB.base + bStart, ldb, beta,
                    sharedC.base + cols.lowerBound, ldc)
            }
        }
    }

    /// One CBLAS call on the current thread (also safe to call from concurrent workers). Pins OpenBLAS to one
    /// thread first (`configure()`): called from several workers, a multi-threaded OpenBLAS would start its own
    /// threads, which then spin (the window attention calls this before any `multiply` when the linear layers
    /// run the own kernel, `LinearKernel`).
    @inline(__always)
    public static func single(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        configure()
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The shared object that provides `cblas_sgemm` at run time (for checking it is OpenBLAS,
    /// not GSL's reference `gslcblas`, which exports the same symbol).
    public static func providingLibraryPath() -> String? {
        cblas_sgemm_provider_path().map { String(cString: $0) }
    }
}

/// A read-only raw pointer that may be captured by concurrently running chunks.
/// `@unchecked Sendable`: a read-only view for concurrently running chunks; the owner keeps the memory alive.
public struct SharedPointer<Element>: @unchecked Sendable {
    public let base: UnsafePointer<Element>
    /// Wraps `base`; the caller keeps the memory alive and unchanged while chunks read it.
    public init(_ base: UnsafePointer<Element>) { self.base = base }
}
