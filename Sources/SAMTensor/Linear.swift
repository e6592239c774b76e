import CKernels
import Foundation

/// A fully connected layer `y = x Wᵀ + b`, PyTorch `nn.Linear` semantics.
///
/// Also used for 1x1 convolutions on NHWC activations (a Conv2d weight `(out, in, 1, 1)` has the
/// same memory as a Linear weight `(out, in)`).
public struct Linear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    /// `(outFeatures, inFeatures)`, row-major, as in the checkpoint.
    public let weight: [Float]
    /// `outFeatures` values, or nil for a bias-free layer.
    public let bias: [Float]?
    /// The weight in bf16, packed on first use when `GEMMPrecision.current` is `.bf16`.
    private let bf16Weight = BF16PackedWeight()

    /// `weight` `(outFeatures, inFeatures)` row-major; `bias` `outFeatures` values or nil.
    public init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        precondition(
            weight.count == inFeatures * outFeatures,
            "Linear weight has \(weight.count) values, want \(outFeatures)x\(inFeatures)")
        precondition(
            bias == nil || bias!.count == outFeatures, "Linear bias has \(bias!.count) values, want \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
    }

    /// Applies the layer to `rows` input rows of `inFeatures` values, writing `rows x outFeatures`.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        apply(input, rows: rows, output: output, adding: nil, gelu: false)
    }

    /// Applies the layer to `rows` raw input rows with the fused epilogue `GELU?((x Wᵀ + b) + residual)`,
    /// one pass after the GEMM, for callers that manage their own buffers.
    ///
    /// - Parameters:
    ///   - input: `rows x inFeatures`.
    ///   - rows: the number of rows.
    ///   - output: `rows x outFeatures`, overwritten.
    ///   - residual: `rows x outFeatures` added after the bias, or nil.
    ///   - gelu: apply exact GELU last.
    public func apply(
        _ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>,
        adding residual: UnsafePointer<Float>?, gelu: Bool
    ) {
        if GEMMPrecision.current != .bf16 && LinearKernel.runs(rows: rows) {
            applyDirect(input, rows: rows, output: output, adding: residual, gelu: gelu)
            return
        }
        multiply(input, rows: rows, output: output)
        bias.withUnsafeBufferPointerIfPresent { b in
            Elementwise.epilogue(output, rows: rows, columns: outFeatures, bias: b, residual: residual, gelu: gelu)
        }
    }

    /// The f32 GEMM and its epilogue through `LinearKernel.apply` (own AVX-512 or AVX2 kernel, rows over the cores).
    private func applyDirect(
        _ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>,
        adding residual: UnsafePointer<Float>?, gelu: Bool
    ) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointerIfPresent { b in
                LinearKernel.apply(
                    input, rows: rows, weight: w.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures,
                    output: output, bias: b, residual: residual, gelu: gelu)
            }
        }
    }

    /// Applies the layer with a fused epilogue, one pass after the GEMM: `GELU?((x Wᵀ + b) + residual)`.
    ///
    /// - Parameters:
    ///   - input: `[…, inFeatures]`.
    ///   - residual: a tensor of the output's shape `[…, outFeatures]` added after the bias, or nil.
    ///   - gelu: apply exact GELU last.
    /// - Returns: `[…, outFeatures]`.
    public func apply(_ input: Tensor, adding residual: Tensor?, gelu: Bool) -> Tensor {
        precondition(input.shape.last == inFeatures, "Linear expects last dimension \(inFeatures), got \(input.shape)")
        let rows = input.count / inFeatures
        var shape = input.shape
        shape[shape.count - 1] = outFeatures
        if let residual {
            precondition(residual.shape == shape, "Linear residual \(residual.shape), want \(shape)")
        }
        return Tensor(shape: shape) { out in
            input.storage.withUnsafeBufferPointer { x in
                residual.withUnsafeBufferPointerIfPresent { r in
                    apply(x.baseAddress!, rows: rows, output: out.baseAddress!, adding: r, gelu: gelu)
                }
            }
        }
    }

    /// `output = input Wᵀ` (no bias) for `rows` rows, in `GEMMPrecision.current`: OpenBLAS SGEMM in f32,
    /// the AVX512-BF16 kernel (rows split over the cores) in bf16.
    private func multiply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        if GEMMPrecision.current == .bf16 && rows > 0 {
            let packed = bf16Weight.values(weight: weight, n: outFeatures, k: inFeatures)
            let (n, k) = (outFeatures, inFeatures)
            let si = SharedPointer(input)
            let so = SharedMutablePointer(output)
            let done = packed.withUnsafeBufferPointer { p -> Bool in
                let sp = SharedPointer(p.baseAddress!)
                let minimumRows = max(6, GEMM.parallelThreshold / max(1, n * k))
                let ok = SharedFlag()
                Parallel.forEachChunk(of: rows, minimumChunk: minimumRows) { range in
                    let status = p2s_gemm_bf16(
                        si.base + range.lowerBound * k, k, sp.base, n, k, so.base + range.lowerBound * n, n,
                        range.count)
                    if status == 0 { ok.clear() }
                }
                return ok.isSet
            }
            if done { return }
        }
        weight.withUnsafeBufferPointer { w in
            GEMM.multiply(
                transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                a: input, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures,
                c: output, ldc: outFeatures)
        }
    }

    /// Applies the layer over the last dimension of `input` (which must be `inFeatures`).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == inFeatures, "Linear expects last dimension \(inFeatures), got \(input.shape)")
        let rows = input.count / inFeatures
        var shape = input.shape
        shape[shape.count - 1] = outFeatures
        return Tensor(shape: shape) { out in
            input.storage.withUnsafeBufferPointer { apply($0.baseAddress!, rows: rows, output: out.baseAddress!) }
        }
    }

    /// Output of the layer for a single input vector (used for constant rows, e.g. padding tokens).
    public func apply(to vector: [Float]) -> [Float] {
        precondition(vector.count == inFeatures)
        var out = [Float](repeating: 0, count: outFeatures)
        for o in 0..<outFeatures {
            var sum: Float = bias?[o] ?? 0
            for i in 0..<inFeatures { sum += weight[o * inFeatures + i] * vector[i] }
            out[o] = sum
        }
        return out
    }
}

/// Which f32 GEMM the linear layers run (`Linear.apply`): the own AVX-512 or AVX2 + FMA kernel (`p2s_gemm_f32`: weight
/// packed per call, input read in place, epilogue fused per block of rows) for inputs of at least
/// `minimumRows` rows on a CPU whose kernels run AVX-512 or AVX2 + FMA, else OpenBLAS SGEMM and a separate epilogue
/// pass.
public enum LinearKernel {
    /// Inputs with fewer rows run OpenBLAS (its small-matrix kernels): below ~128 rows packing the weight per
    /// product costs about what the kernel saves (C harness: break-even at 48-112 rows of a 256 x 256 layer).
    public static let minimumRows = 128

    /// Whether the own f32 kernel runs. By default: when the AVX-512 or AVX2 variant is in use and the environment
    /// variable `P2SAM_F32_GEMM` is not `openblas` (which selects OpenBLAS, for comparisons). A process-wide
    /// setting like `Parallel.workerCount`: change it only between runs (hence `nonisolated(unsafe)`);
    /// setting it true on a CPU without AVX2 + FMA still runs OpenBLAS (the kernel declines).
    nonisolated(unsafe) public static var directF32: Bool =
        available && ProcessInfo.processInfo.environment["P2SAM_F32_GEMM"] != "openblas"

    /// Whether a product of `rows` input rows runs the own kernel (`directF32` and at least `minimumRows`).
    static func runs(rows: Int) -> Bool { available && directF32 && rows >= minimumRows }

    /// Whether this CPU runs the own kernel (its AVX-512 or AVX2 + FMA variant).
    static let available = p2s_kernel_level() >= 1

    /// `output = input Wᵀ + bias` in f32 whatever `GEMMPrecision.current` says: the own kernel for at least
    /// `minimumRows` rows (when `directF32`), else OpenBLAS SGEMM and the bias pass. The training forward
    /// (`Variable.linear`) computes its products here, so a recorded forward gives the same bits as the tape-free
    /// f32 `Linear` of the same weights.
    ///
    /// - Parameters:
    ///   - input: `rows x inFeatures`, row-major.
    ///   - rows: the number of rows.
    ///   - weight: `outFeatures x inFeatures`, row-major.
    ///   - outFeatures: output columns.
    ///   - inFeatures: input columns.
    ///   - output: `rows x outFeatures`, overwritten.
    ///   - bias: `outFeatures` values, or nil.
    public static func product(
        _ input: UnsafePointer<Float>, rows: Int, weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int,
        output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?
    ) {
        if runs(rows: rows) {
            apply(
                input, rows: rows, weight: weight, outFeatures: outFeatures, inFeatures: inFeatures, output: output,
                bias: bias, residual: nil, gelu: false)
            return
        }
        GEMM.multiply(
            transposeB: true, m: rows, n: outFeatures, k: inFeatures, a: input, lda: inFeatures, b: weight,
            ldb: inFeatures, c: output, ldc: outFeatures)
        Elementwise.epilogue(output, rows: rows, columns: outFeatures, bias: bias, residual: nil, gelu: false)
    }

    /// `output = GELU?((input Wᵀ + bias) + residual)` for `rows` rows with `p2s_gemm_f32`: the weight packed
    /// once (`p2s_f32_pack_weight`), rows split over the cores (each output element is computed the same way
    /// whatever the split). With the baseline variant: OpenBLAS and the separate epilogue pass, which compute
    /// the same values up to float rounding.
    ///
    /// - Parameters:
    ///   - input: `rows x inFeatures`, row-major.
    ///   - rows: the number of rows.
    ///   - weight: `outFeatures x inFeatures`, row-major (a Linear layer's `(out, in)`).
    ///   - outFeatures: output columns.
    ///   - inFeatures: input columns.
    ///   - output: `rows x outFeatures`, overwritten.
    ///   - bias: `outFeatures` values, or nil.
    ///   - residual: `rows x outFeatures` added after the bias, or nil.
    ///   - gelu: apply exact GELU last.
    ///   - columnWeight: nil when `weight` is `outFeatures x inFeatures`; else `weight` is stored transposed,
    ///     `inFeatures x outFeatures` with this row stride (`GEMM.multiply`'s `A B`).
    static func apply(
        _ input: UnsafePointer<Float>, rows: Int, weight: UnsafePointer<Float>, outFeatures n: Int, inFeatures k: Int,
        output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, gelu: Bool,
        columnWeight: Int? = nil
    ) {
        guard available else {
            GEMM.multiply(
                transposeB: columnWeight == nil, m: rows, n: n, k: k, a: input, lda: k, b: weight,
                ldb: columnWeight ?? k, c: output, ldc: n)
            Elementwise.epilogue(output, rows: rows, columns: n, bias: bias, residual: residual, gelu: gelu)
            return
        }
        let count = p2s_f32_packed_count(n, k)
        let packed = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let columnWeight {
                p2s_f32_pack_columns(weight, columnWeight, n, k, buffer.baseAddress!)
            } else {
                p2s_f32_pack_weight(weight, n, k, buffer.baseAddress!)
            }
            initialized = count
        }
        let si = SharedPointer(input)
        let so = SharedMutablePointer(output)
        let sb = bias.map { SharedPointer($0) }
        let sr = residual.map { SharedPointer($0) }
        packed.withUnsafeBufferPointer { p in
            let sp = SharedPointer(p.baseAddress!)
            let minimumChunk = max(minimumRows, GEMM.parallelThreshold / max(1, n * k))
            Parallel.forEachChunk(of: rows, minimumChunk: minimumChunk) { range in
                let r = sr.map { $0.base + range.lowerBound * n }
                _ = p2s_gemm_f32(
                    si.base + range.lowerBound * k, k, sp.base, n, k, so.base + range.lowerBound * n, n, range.count,
                    sb?.base, r, gelu ? 1 : 0)
            }
        }
    }
}

/// LayerNorm parameters over the last dimension (`nn.LayerNorm`, and SAM's `LayerNorm2d` on NHWC).
public struct LayerNorm: Sendable {
    public let weight: [Float]
    public let bias: [Float]
    public let eps: Float

    /// `weight` (scale) and `bias` (shift) of `dim` values each; `eps` is added to the variance.
    public init(weight: [Float], bias: [Float], eps: Float) {
        precondition(weight.count == bias.count)
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    public var dim: Int { weight.count }

    /// Normalises `rows` rows of `dim` values; `input` and `output` may alias.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Normalization.layerNorm(input, rows: rows, dim: dim, weight: w, bias: b, eps: eps, output: output)
            }
        }
    }

    /// Normalises over the last dimension of `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == dim, "LayerNorm expects last dimension \(dim), got \(input.shape)")
        return Tensor(shape: input.shape) { out in
            input.storage.withUnsafeBufferPointer {
                apply($0.baseAddress!, rows: input.count / dim, output: out.baseAddress!)
            }
        }
    }

    /// Normalises `input` in place.
    public func applyInPlace(_ tensor: inout Tensor) {
        let rows = tensor.count / dim
        tensor.storage.withUnsafeMutableBufferPointer {
            apply(UnsafePointer($0.baseAddress!), rows: rows, output: $0.baseAddress!)
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with the array's base address, or nil when there is no array.
    fileprivate func withUnsafeBufferPointerIfPresent<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let values): return values.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}

extension Optional where Wrapped == Tensor {
    /// Calls `body` with the tensor's base address, or nil when there is no tensor.
    fileprivate func withUnsafeBufferPointerIfPresent<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let tensor): return tensor.storage.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}

/// A flag concurrently running chunks may clear (set until then).
private final class SharedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = true
    func clear() {
        lock.lock()
        value = false
        lock.unlock()
    }
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
