import ArgumentParser
import SAMTensor

extension Precision: ExpressibleByArgument {}

/// `--precision f32|bf16|auto` for commands whose outputs are not cached (benchmark, segment, infer):
/// embeddings written to an embedding cache stay f32.
struct PrecisionOption: ParsableArguments {
    @Option(
        help:
            "GEMM precision of the linear layers: f32 (default, bit-reproducible), bf16 (AVX512-BF16; on a CPU without it: a warning and f32) or auto (bf16 where available)."
    )
    var precision: Precision = .f32

    /// Makes the choice process-wide (`GEMMPrecision.select`); warns when bf16 is not available.
    /// - Returns: the precision that runs (`.f32` or `.bf16`).
    @discardableResult
    func apply() -> Precision {
        if let note = GEMMPrecision.select(precision) { Diagnostics.warn(note) }
        return GEMMPrecision.current
    }
}
