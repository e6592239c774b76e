// Vectorised float32 kernels for the non-GEMM half of the encoder and decoder (GELU, fused bias
// epilogues, softmax, LayerNorm, depthwise 3x3 convolution) and the CPU feature checks for bf16.
//
// Each kernel is compiled three times (AVX-512, AVX2 + FMA, baseline x86-64 / the target's default)
// and dispatched once at run time from the CPU's features, so a binary built for baseline x86-64 still
// uses the machine's vector width and never executes an instruction the CPU lacks. Results are
// identical run to run on one machine; across machines they may differ in the last bits (FMA).
#ifndef P2S_CKERNELS_H
#define P2S_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Which variant the dispatcher chose: 2 = AVX-512, 1 = AVX2 + FMA, 0 = baseline.
int p2s_kernel_level(void);

/// 1 when the CPU (CPUID) and the OS (XCR0: AVX-512 state enabled) support AVX512-BF16, else 0.
int p2s_cpu_has_avx512_bf16(void);

/// 1 when the CPU and the OS support AMX-BF16 (tile state enabled in XCR0), else 0.
int p2s_cpu_has_amx_bf16(void);

/// erf in place on `count` floats (the rational approximation GELU uses; absolute error below 1e-6).
void p2s_erf(float *values, ptrdiff_t count);

/// Exact (erf) GELU in place on `count` floats; erf absolute error below 1e-6.
void p2s_gelu(float *values, ptrdiff_t count);

/// The fused GEMM epilogue on a `rows x cols` row-major `y`: `y = GELU?((y + bias) + residual)`, where
/// `bias` (`cols` values) and `residual` (`rows x cols`) may be NULL and GELU applies when `gelu` is non-zero.
void p2s_bias_epilogue(float *y, const float *bias, const float *residual, ptrdiff_t rows, ptrdiff_t cols, int gelu);

/// Softmax over each row of a `rows x cols` buffer, in place (max-subtracted).
void p2s_softmax_rows(float *values, ptrdiff_t rows, ptrdiff_t cols);

/// The logistic function in place, in the stable form `e = exp(−|x|)`, then `1/(1+e)` for x ≥ 0 and `e/(1+e)`
/// otherwise (`exp` as in `p2s_softmax_rows`).
void p2s_sigmoid(float *values, ptrdiff_t count);

/// LayerNorm over each row of `rows x dim` (biased variance); `input` and `output` may alias.
void p2s_layer_norm_rows(const float *input, ptrdiff_t rows, ptrdiff_t dim, const float *weight, const float *bias,
                         float eps, float *output);

/// Output rows `[rowStart, rowEnd)` of a depthwise 3x3 convolution, padding 1 (zeros), stride 1 or 2, with
/// bias, on NHWC `[height, width, channels]`; `weight` is `(3, 3, channels)`; GELU applied when `gelu` is
/// non-zero. Output `[outH, outW, channels]`, `outH = (height - 1) / stride + 1`.
void p2s_depthwise3x3_rows(const float *input, ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels,
                           const float *weight, const float *bias, ptrdiff_t stride, ptrdiff_t rowStart,
                           ptrdiff_t rowEnd, int gelu, float *output);

/// Values (uint16 bf16) that `p2s_bf16_pack_weight` writes for an `n x k` weight.
ptrdiff_t p2s_bf16_packed_count(ptrdiff_t n, ptrdiff_t k);

/// Packs a row-major f32 weight `W` (`n x k`, as a Linear layer's `(out, in)`) into bf16 column panels of
/// 16 outputs x k/2 pairs (round to nearest even, zero-padded) for `p2s_gemm_bf16`.
void p2s_bf16_pack_weight(const float *weight, ptrdiff_t n, ptrdiff_t k, uint16_t *packed);

/// `C = A Wᵀ` for `m` rows: A `m x k` f32 (row stride `lda`), rounded to bf16 on the fly; W packed by
/// `p2s_bf16_pack_weight`; f32 accumulation (AVX512-BF16 `vdpbf16ps`); C `m x n` f32 (row stride `ldc`),
/// overwritten. Returns 1, or 0 without touching C when this CPU lacks AVX512-BF16.
int p2s_gemm_bf16(const float *a, ptrdiff_t lda, const uint16_t *packed, ptrdiff_t n, ptrdiff_t k, float *c,
                  ptrdiff_t ldc, ptrdiff_t m);

/// Values (float) that `p2s_f32_pack_weight` writes for an `n x k` weight.
ptrdiff_t p2s_f32_packed_count(ptrdiff_t n, ptrdiff_t k);

/// Packs a row-major f32 weight `W` (`n x k`, as a Linear layer's `(out, in)`) into column panels of 16
/// outputs x k (zero-padded beyond n) for `p2s_gemm_f32`.
void p2s_f32_pack_weight(const float *weight, ptrdiff_t n, ptrdiff_t k, float *packed);

/// Packs a row-major `k x n` matrix `B` (row stride `ldb`) into the panels `p2s_f32_pack_weight` writes for
/// `Bᵀ`, so `p2s_gemm_f32` computes `A B`.
void p2s_f32_pack_columns(const float *b, ptrdiff_t ldb, ptrdiff_t n, ptrdiff_t k, float *packed);

/// `C = GELU?((A Wᵀ + bias) + residual)` in f32 for `m` rows with AVX-512 or AVX2 FMA: A `m x k` (row stride `lda`),
/// W packed by `p2s_f32_pack_weight`, C `m x n` (row stride `ldc`) overwritten; `bias` (`n` values) and
/// `residual` (`m x n`, row stride `n`) may be NULL, GELU applies when `gelu` is non-zero; the epilogue is
/// `p2s_bias_epilogue`'s. Each C element is summed over k in OpenBLAS 0.3.21's SKYLAKEX SGEMM blocks (equal to
/// that SGEMM bit for bit; both variants give the same bits) and does not depend on how rows are split between
/// calls. Returns 1, or 0 without touching C when the baseline (neither AVX-512 nor AVX2 + FMA) variant is in use.
int p2s_gemm_f32(const float *a, ptrdiff_t lda, const float *packed, ptrdiff_t n, ptrdiff_t k, float *c,
                 ptrdiff_t ldc, ptrdiff_t m, const float *bias, const float *residual, int gelu);

#ifdef __cplusplus
}
#endif

#endif
