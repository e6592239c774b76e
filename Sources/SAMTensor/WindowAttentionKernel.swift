import CKernels
import Foundation

/// The fused f32 attention kernel for one window of tokens, all heads (`p2s_window_attention_f32`, AVX-512):
/// per head `softmax(q kᵀ · scale + bias) v` with q/k/v read from each token's row in place and the heads
/// written straight to each token's output row. It sums every element in the order OpenBLAS SGEMM sums the two
/// small products it replaces (one FMA chain from zero, the scale after it), so its outputs equal the OpenBLAS
/// path's bit for bit. TinyViT's window attention (`WindowAttentionLayer.attend(projected:)`) uses it.
public enum WindowAttentionKernel {
    /// Whether the fused kernel runs where it can. By default true unless the environment variable
    /// `P2SAM_F32_GEMM` is `openblas` (which selects OpenBLAS for every f32 product, for comparisons). A
    /// process-wide setting like `Parallel.workerCount`: change it only between runs (hence `nonisolated(unsafe)`).
    nonisolated(unsafe) public static var isEnabled: Bool =
        ProcessInfo.processInfo.environment["P2SAM_F32_GEMM"] != "openblas"

    /// Whether a window of `tokens` tokens with `keyDim` channels per head runs the fused kernel: `isEnabled`,
    /// the AVX-512 kernels in use, `keyDim` a multiple of 16 up to 64 and at most 256 tokens.
    ///
    /// - Parameters:
    ///   - tokens: tokens per window (`windowSize²`).
    ///   - keyDim: channels per head of q, k and v.
    /// - Returns: true when `attend(tokens:heads:keyDim:scale:bias:scratch:outputs:)` may be called.
    public static func runs(tokens: Int, keyDim: Int) -> Bool {
        isEnabled && p2s_kernel_level() == 2 && keyDim % 16 == 0 && keyDim > 0 && keyDim <= 64 && tokens >= 1
            && tokens <= 256
    }

    /// Floats of scratch one call needs (kᵀ of a head, padded, and the scores).
    ///
    /// - Parameters:
    ///   - tokens: tokens per window.
    ///   - keyDim: channels per head.
    /// - Returns: the scratch length for `attend(tokens:heads:keyDim:scale:bias:scratch:outputs:)`.
    public static func scratchCount(tokens: Int, keyDim: Int) -> Int {
        p2s_window_attention_scratch_count(tokens, keyDim)
    }

    /// Attention within one window; the caller checked `runs(tokens:keyDim:)`.
    ///
    /// - Parameters:
    ///   - tokens: per token its q/k/v row, `3 · heads · keyDim` values (per head `[q, k, v]`, `keyDim` each).
    ///   - heads: the number of heads.
    ///   - keyDim: channels per head.
    ///   - scale: the score scale (`keyDim^-0.5`).
    ///   - bias: `heads x n x n` added to the scaled scores (`n = tokens.count`).
    ///   - scratch: at least `scratchCount(tokens:keyDim:)` floats, overwritten.
    ///   - outputs: per token its output row (`heads · keyDim` values, head h at `h · keyDim`), or nil to skip it.
    public static func attend(
        tokens: [UnsafePointer<Float>?], heads: Int, keyDim: Int, scale: Float, bias: UnsafePointer<Float>,
        scratch: inout [Float], outputs: [UnsafeMutablePointer<Float>?]
    ) {
        precondition(
            tokens.count == outputs.count, "window attention: \(tokens.count) tokens, \(outputs.count) outputs")
        precondition(tokens.allSatisfy { $0 != nil }, "window attention: every token needs its q/k/v row")
        precondition(
            scratch.count >= scratchCount(tokens: tokens.count, keyDim: keyDim), "window attention: scratch too small")
        let done = p2s_window_attention_f32(tokens, tokens.count, heads, keyDim, scale, bias, &scratch, outputs)
        precondition(done == 1, "window attention kernel declined \(tokens.count) tokens of \(keyDim) channels")
    }
}
