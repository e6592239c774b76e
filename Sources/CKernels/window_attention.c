// Fused attention inside one window for all heads, f32 with AVX-512 FMA: per head the scaled scores
// q kᵀ · scale, the relative-position bias, the row softmax (`p2s_softmax_rows`) and the value product,
// reading q/k/v straight from the tokens' rows (no gathered copy of the window) and writing each real token's
// heads straight to its output row. It replaces two small OpenBLAS SGEMM calls per window and head.
// Every score and output element is one FMA chain from zero in the order OpenBLAS 0.3.21 sums these small
// products (over the head's channels, then over the window's tokens), the scale applied after the chain, so
// the results equal the OpenBLAS path's bit for bit (checked in `WindowAttentionKernelTests`).
// Compiled for AVX-512 only; `p2s_window_attention_f32` returns 0 (touching nothing) where the dispatcher did
// not choose the AVX-512 variant or the shape is outside what it handles, and the caller then runs OpenBLAS.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define P2S_HAVE_WINDOW_KERNEL 1
#else
#define P2S_HAVE_WINDOW_KERNEL 0
#endif

enum { WA_MAX_TOKENS = 256, WA_MAX_KEY_BLOCKS = 4, WA_ROWS = 6 };

ptrdiff_t p2s_window_attention_scratch_count(ptrdiff_t n, ptrdiff_t keyDim) {
    ptrdiff_t padded = ((n + 15) / 16) * 16;
    return keyDim * padded + n * n;
}

#if P2S_HAVE_WINDOW_KERNEL
#define WA_TARGET __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))

// scores[i][j] = (Σ_d q_i[d] k_j[d]) · scale + bias[i][j] for `rows` (≤ WA_ROWS) queries starting at i0 and
// the 16 keys of column block `jb` (kᵀ in `kt`, `padded` columns per channel).
WA_TARGET static void score_block(const float *const *tokens, ptrdiff_t qOffset, ptrdiff_t i0, int rows,
                                  const float *kt, ptrdiff_t padded, ptrdiff_t keyDim, ptrdiff_t jb, __m512 scale,
                                  const float *bias, ptrdiff_t n, float *scores, __mmask16 mask) {
    __m512 acc[WA_ROWS];
    for (int r = 0; r < WA_ROWS; r++) acc[r] = _mm512_setzero_ps();
    const float *q[WA_ROWS];
    for (int r = 0; r < WA_ROWS; r++) q[r] = tokens[i0 + (r < rows ? r : 0)] + qOffset;
    for (ptrdiff_t d = 0; d < keyDim; d++) {
        __m512 k = _mm512_loadu_ps(kt + d * padded + jb * 16);
        for (int r = 0; r < WA_ROWS; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r][d]), k, acc[r]);
    }
    for (int r = 0; r < rows; r++) {
        ptrdiff_t at = (i0 + r) * n + jb * 16;
        __m512 s = _mm512_mul_ps(acc[r], scale);
        s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(mask, bias + at));
        _mm512_mask_storeu_ps(scores + at, mask, s);
    }
}

// out_i[c] = Σ_j p[i][j] v_j[c] for `rows` (≤ WA_ROWS) queries from i0 and all `blocks` 16-channel blocks.
WA_TARGET static void value_rows(const float *const *tokens, ptrdiff_t vOffset, const float *p, ptrdiff_t n,
                                 ptrdiff_t i0, int rows, int blocks, float *const *out, ptrdiff_t outOffset) {
    __m512 acc[WA_ROWS][WA_MAX_KEY_BLOCKS];
    for (int r = 0; r < WA_ROWS; r++)
        for (int b = 0; b < WA_MAX_KEY_BLOCKS; b++) acc[r][b] = _mm512_setzero_ps();
    const float *prow[WA_ROWS];
    for (int r = 0; r < WA_ROWS; r++) prow[r] = p + (i0 + (r < rows ? r : 0)) * n;
    for (ptrdiff_t j = 0; j < n; j++) {
        const float *v = tokens[j] + vOffset;
        __m512 vb[WA_MAX_KEY_BLOCKS];
        for (int b = 0; b < blocks; b++) vb[b] = _mm512_loadu_ps(v + b * 16);
        for (int r = 0; r < WA_ROWS; r++) {
            __m512 w = _mm512_set1_ps(prow[r][j]);
            for (int b = 0; b < blocks; b++) acc[r][b] = _mm512_fmadd_ps(w, vb[b], acc[r][b]);
        }
    }
    for (int r = 0; r < rows; r++) {
        float *o = out[i0 + r];
        if (!o) continue;
        for (int b = 0; b < blocks; b++) _mm512_storeu_ps(o + outOffset + b * 16, acc[r][b]);
    }
}

WA_TARGET static void window_attention(const float *const *tokens, ptrdiff_t n, ptrdiff_t heads, ptrdiff_t keyDim,
                                       float scale, const float *bias, float *scratch, float *const *out) {
    ptrdiff_t padded = ((n + 15) / 16) * 16;
    ptrdiff_t columnBlocks = padded / 16;
    int tail = (int)(n - (columnBlocks - 1) * 16);
    __mmask16 tailMask = (__mmask16)((1u << tail) - 1u);
    float *kt = scratch;
    float *scores = scratch + keyDim * padded;
    __m512 scaleVector = _mm512_set1_ps(scale);
    int blocks = (int)(keyDim / 16);
    for (ptrdiff_t h = 0; h < heads; h++) {
        ptrdiff_t qOffset = h * 3 * keyDim;
        ptrdiff_t kOffset = qOffset + keyDim;
        ptrdiff_t vOffset = kOffset + keyDim;
        for (ptrdiff_t d = 0; d < keyDim; d++) {
            float *row = kt + d * padded;
            for (ptrdiff_t j = 0; j < n; j++) row[j] = tokens[j][kOffset + d];
            for (ptrdiff_t j = n; j < padded; j++) row[j] = 0.0f;
        }
        const float *headBias = bias + h * n * n;
        for (ptrdiff_t i0 = 0; i0 < n; i0 += WA_ROWS) {
            int rows = n - i0 < WA_ROWS ? (int)(n - i0) : WA_ROWS;
            for (ptrdiff_t jb = 0; jb < columnBlocks; jb++) {
                __mmask16 mask = jb == columnBlocks - 1 ? tailMask : (__mmask16)0xFFFF;
                score_block(tokens, qOffset, i0, rows, kt, padded, keyDim, jb, scaleVector, headBias, n, scores, mask);
            }
        }
        p2s_softmax_rows(scores, n, n);
        for (ptrdiff_t i0 = 0; i0 < n; i0 += WA_ROWS) {
            int rows = n - i0 < WA_ROWS ? (int)(n - i0) : WA_ROWS;
            value_rows(tokens, vOffset, scores, n, i0, rows, blocks, out, h * keyDim);
        }
    }
}
#endif

int p2s_window_attention_f32(const float *const *tokens, ptrdiff_t n, ptrdiff_t heads, ptrdiff_t keyDim, float scale,
                             const float *bias, float *scratch, float *const *out) {
#if P2S_HAVE_WINDOW_KERNEL
    if (p2s_kernel_level() != 2) return 0;
    if (n < 1 || n > WA_MAX_TOKENS || keyDim < 16 || keyDim % 16 != 0 || keyDim / 16 > WA_MAX_KEY_BLOCKS) return 0;
    window_attention(tokens, n, heads, keyDim, scale, bias, scratch, out);
    return 1;
#else
    (void)tokens; (void)n; (void)heads; (void)keyDim; (void)scale; (void)bias; (void)scratch; (void)out;
    return 0;
#endif
}
