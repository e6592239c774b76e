// f32 GEMM with AVX-512 FMA for linear layers: C = GELU?((A Wᵀ + bias) + residual), W (`n x k`, a Linear
// layer's `(out, in)`) packed into 16-column panels by `p2s_f32_pack_weight` (once per product, shared by
// the threads); A read in place (no packing: each row's values are broadcast), C written once (no zero
// fill), the epilogue applied to each block of rows while it is still in cache. Every C element is summed
// over k in OpenBLAS's blocks (see `k_block`), whatever the row range a call covers, so it equals OpenBLAS's
// SGEMM bit for bit and splitting rows over threads does not change a bit.
// Compiled twice: for AVX-512 (a 6x64 register tile) and for AVX2 + FMA (a 6x16 tile on the same 16-column
// panels, for CPUs without AVX-512 such as AMD Zen 3); `p2s_gemm_f32` returns 0 (touching nothing) where the
// dispatcher chose the baseline variant, and the caller then runs OpenBLAS. Both sum each C element in the same
// order (the k blocks below, each a sequential FMA chain from zero, then added to C), so the two variants give
// the same bits; the AVX-512 variant equals OpenBLAS's SKYLAKEX SGEMM bit for bit, while OpenBLAS's ZEN SGEMM
// (another summation order inside its kernel, and results that change with its thread count) differs from both
// by float rounding.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define P2S_HAVE_F32_KERNEL 1
#else
#define P2S_HAVE_F32_KERNEL 0
#endif

ptrdiff_t p2s_f32_packed_count(ptrdiff_t n, ptrdiff_t k) { return ((n + 15) / 16) * 16 * k; }

// packed[(block * k + p) * 16 + j] = W[block * 16 + j][p], zero beyond n.
void p2s_f32_pack_weight(const float *weight, ptrdiff_t n, ptrdiff_t k, float *packed) {
    ptrdiff_t blocks = (n + 15) / 16;
    for (ptrdiff_t nb = 0; nb < blocks; nb++) {
        float *panel = packed + nb * k * 16;
        for (int j = 0; j < 16; j++) {
            ptrdiff_t row = nb * 16 + j;
            if (row < n) {
                const float *src = weight + row * k;
                for (ptrdiff_t p = 0; p < k; p++) panel[p * 16 + j] = src[p];
            } else {
                for (ptrdiff_t p = 0; p < k; p++) panel[p * 16 + j] = 0.0f;
            }
        }
    }
}

// packed[(block * k + p) * 16 + j] = B[p][block * 16 + j] for B stored `k x n` (row stride `ldb`), zero beyond n:
// the same panels as `p2s_f32_pack_weight` of Bᵀ.
void p2s_f32_pack_columns(const float *b, ptrdiff_t ldb, ptrdiff_t n, ptrdiff_t k, float *packed) {
    ptrdiff_t blocks = (n + 15) / 16;
    for (ptrdiff_t nb = 0; nb < blocks; nb++) {
        float *panel = packed + nb * k * 16;
        ptrdiff_t width = n - nb * 16 < 16 ? n - nb * 16 : 16;
        for (ptrdiff_t p = 0; p < k; p++) {
            const float *src = b + p * ldb + nb * 16;
            for (ptrdiff_t j = 0; j < width; j++) panel[p * 16 + j] = src[j];
            for (ptrdiff_t j = width; j < 16; j++) panel[p * 16 + j] = 0.0f;
        }
    }
}

#if P2S_HAVE_F32_KERNEL
#define F32_TARGET __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))

// ROWS x (BLOCKS * 16) tile over `length` values of k (panel stride `k`); `lastMask` limits the store of the
// last block's columns. `accumulate`: C = acc + C (a later block of k), else C = acc.
#define TILE(ROWS, BLOCKS)                                                                                    \
    F32_TARGET static void tile_##ROWS##x##BLOCKS(const float *a, ptrdiff_t lda, ptrdiff_t length, ptrdiff_t k, \
                                                  const float *panel, float *c, ptrdiff_t ldc, __mmask16 lastMask, \
                                                  int accumulate) {                                           \
        __m512 acc[ROWS][BLOCKS];                                                                             \
        for (int r = 0; r < ROWS; r++)                                                                        \
            for (int b = 0; b < BLOCKS; b++) acc[r][b] = _mm512_setzero_ps();                                 \
        for (ptrdiff_t p = 0; p < length; p++) {                                                              \
            __m512 w[BLOCKS];                                                                                 \
            for (int b = 0; b < BLOCKS; b++) w[b] = _mm512_loadu_ps(panel + ((ptrdiff_t)b * k + p) * 16);     \
            for (int r = 0; r < ROWS; r++) {                                                                  \
                __m512 x = _mm512_set1_ps(a[r * lda + p]);                                                    \
                for (int b = 0; b < BLOCKS; b++) acc[r][b] = _mm512_fmadd_ps(x, w[b], acc[r][b]);             \
            }                                                                                                 \
        }                                                                                                     \
        for (int r = 0; r < ROWS; r++)                                                                        \
            for (int b = 0; b < BLOCKS; b++) {                                                                \
                __mmask16 m = b == BLOCKS - 1 ? lastMask : (__mmask16)0xFFFF;                                 \
                float *out = c + r * ldc + b * 16;                                                            \
                __m512 v = acc[r][b];                                                                         \
                if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, out));                          \
                _mm512_mask_storeu_ps(out, m, v);                                                             \
            }                                                                                                 \
    }

TILE(6, 4)
TILE(6, 1)
TILE(1, 4)
TILE(1, 1)

// Columns per chunk (16 blocks of 16: a chunk's panels stay in L2 while the row tiles use them) and rows
// per block (the block's A rows stay in L1/L2 across the chunks; the epilogue runs per block).
// k is summed in blocks as OpenBLAS 0.3.21 does for SGEMM on this kernel family (GEMM_Q = 320; a rest between
// Q and 2Q split in two, rounded up to 16), each block's FMA chain from zero then added to C: the results
// equal OpenBLAS's bit for bit (checked on k = 330 … 2,304), so switching kernels moves no output.
enum { F32_CHUNK_BLOCKS = 16, F32_ROW_BLOCK = 96, F32_K_BLOCK = 320, F32_K_UNROLL = 16 };

// Bias, residual and GELU over rows [rowBlock, rowBlock + blockRows) of C once their products are complete.
static void block_epilogue(float *c, ptrdiff_t ldc, ptrdiff_t n, ptrdiff_t rowBlock, ptrdiff_t blockRows,
                           const float *bias, const float *residual, int gelu) {
    if (!bias && !residual && !gelu) return;
    float *block = c + rowBlock * ldc;
    if (ldc == n) {
        p2s_bias_epilogue(block, bias, residual ? residual + rowBlock * n : NULL, blockRows, n, gelu);
    } else {
        for (ptrdiff_t r = 0; r < blockRows; r++)
            p2s_bias_epilogue(block + r * ldc, bias, residual ? residual + (rowBlock + r) * n : NULL, 1, n, gelu);
    }
}

// The length of the k block starting after `done` of `k` values.
static ptrdiff_t k_block(ptrdiff_t k, ptrdiff_t done) {
    ptrdiff_t rest = k - done;
    if (rest >= 2 * F32_K_BLOCK) return F32_K_BLOCK;
    if (rest > F32_K_BLOCK) return ((rest / 2 + F32_K_UNROLL - 1) / F32_K_UNROLL) * F32_K_UNROLL;
    return rest;
}

F32_TARGET static void gemm_rows(const float *a, ptrdiff_t lda, const float *packed, ptrdiff_t n, ptrdiff_t k,
                                 float *c, ptrdiff_t ldc, ptrdiff_t m, const float *bias, const float *residual,
                                 int gelu) {
    ptrdiff_t blocks = (n + 15) / 16;
    int tailColumns = (int)(n - (blocks - 1) * 16);
    __mmask16 tailMask = (__mmask16)((1u << tailColumns) - 1u);
    for (ptrdiff_t rowBlock = 0; rowBlock < m; rowBlock += F32_ROW_BLOCK) {
        ptrdiff_t blockRows = m - rowBlock < F32_ROW_BLOCK ? m - rowBlock : F32_ROW_BLOCK;
        for (ptrdiff_t chunk = 0; chunk < blocks; chunk += F32_CHUNK_BLOCKS) {
            ptrdiff_t chunkEnd = chunk + F32_CHUNK_BLOCKS < blocks ? chunk + F32_CHUNK_BLOCKS : blocks;
            for (ptrdiff_t r0 = 0; r0 < blockRows; r0 += 6) {
                ptrdiff_t rows = blockRows - r0 < 6 ? blockRows - r0 : 6;
                const float *arows = a + (rowBlock + r0) * lda;
                float *crow = c + (rowBlock + r0) * ldc;
                for (ptrdiff_t nb = chunk; nb < chunkEnd;) {
                    const float *panel = packed + nb * k * 16;
                    float *out = crow + nb * 16;
                    int wide = nb + 4 <= chunkEnd;
                    __mmask16 last = (wide ? nb + 4 == blocks : nb + 1 == blocks) ? tailMask : (__mmask16)0xFFFF;
                    for (ptrdiff_t done = 0; done < k;) {
                        ptrdiff_t length = k_block(k, done);
                        const float *ak = arows + done;
                        const float *pk = panel + done * 16;
                        int more = done > 0;
                        if (rows == 6) {
                            if (wide) tile_6x4(ak, lda, length, k, pk, out, ldc, last, more);
                            else tile_6x1(ak, lda, length, k, pk, out, ldc, last, more);
                        } else {
                            for (ptrdiff_t r = 0; r < rows; r++) {
                                if (wide) tile_1x4(ak + r * lda, lda, length, k, pk, out + r * ldc, ldc, last, more);
                                else tile_1x1(ak + r * lda, lda, length, k, pk, out + r * ldc, ldc, last, more);
                            }
                        }
                        done += length;
                    }
                    nb += wide ? 4 : 1;
                }
            }
        }
        block_epilogue(c, ldc, n, rowBlock, blockRows, bias, residual, gelu);
    }
}
#endif

#if P2S_HAVE_F32_KERNEL
#define F32_AVX2_TARGET __attribute__((target("avx2,fma")))

// The lane mask of the first `columns` (0...8) of 8 floats, for masked loads and stores.
F32_AVX2_TARGET static __m256i avx2_mask(int columns) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(columns), lanes);
}

// ROWS x 16 tile over `length` values of k of one panel; `columns` (1...16) of the 16 are stored.
// `accumulate`: C = acc + C (a later block of k), else C = acc. Per element the same FMA chain as the AVX-512
// tiles.
#define AVX2_TILE(ROWS)                                                                                        \
    F32_AVX2_TARGET static void avx2_tile_##ROWS(const float *a, ptrdiff_t lda, ptrdiff_t length,               \
                                                 const float *panel, float *c, ptrdiff_t ldc, int columns,      \
                                                 int accumulate) {                                             \
        __m256 acc[ROWS][2];                                                                                   \
        for (int r = 0; r < ROWS; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();                            \
        for (ptrdiff_t p = 0; p < length; p++) {                                                               \
            __m256 w0 = _mm256_loadu_ps(panel + p * 16), w1 = _mm256_loadu_ps(panel + p * 16 + 8);             \
            for (int r = 0; r < ROWS; r++) {                                                                   \
                __m256 x = _mm256_broadcast_ss(a + r * lda + p);                                               \
                acc[r][0] = _mm256_fmadd_ps(x, w0, acc[r][0]);                                                 \
                acc[r][1] = _mm256_fmadd_ps(x, w1, acc[r][1]);                                                 \
            }                                                                                                  \
        }                                                                                                      \
        if (columns == 16) {                                                                                   \
            for (int r = 0; r < ROWS; r++) {                                                                   \
                float *out = c + r * ldc;                                                                      \
                __m256 v0 = acc[r][0], v1 = acc[r][1];                                                         \
                if (accumulate) {                                                                              \
                    v0 = _mm256_add_ps(v0, _mm256_loadu_ps(out));                                              \
                    v1 = _mm256_add_ps(v1, _mm256_loadu_ps(out + 8));                                          \
                }                                                                                              \
                _mm256_storeu_ps(out, v0);                                                                     \
                _mm256_storeu_ps(out + 8, v1);                                                                 \
            }                                                                                                  \
        } else {                                                                                               \
            __m256i m0 = avx2_mask(columns < 8 ? columns : 8), m1 = avx2_mask(columns > 8 ? columns - 8 : 0);  \
            for (int r = 0; r < ROWS; r++) {                                                                   \
                float *out = c + r * ldc;                                                                      \
                __m256 v0 = acc[r][0], v1 = acc[r][1];                                                         \
                if (accumulate) {                                                                              \
                    v0 = _mm256_add_ps(v0, _mm256_maskload_ps(out, m0));                                       \
                    v1 = _mm256_add_ps(v1, _mm256_maskload_ps(out + 8, m1));                                   \
                }                                                                                              \
                _mm256_maskstore_ps(out, m0, v0);                                                              \
                _mm256_maskstore_ps(out + 8, m1, v1);                                                          \
            }                                                                                                  \
        }                                                                                                      \
    }

AVX2_TILE(6)
AVX2_TILE(1)

// `gemm_rows` for AVX2 + FMA: the same row blocks, column chunks, k blocks and epilogue; 16 columns per tile.
F32_AVX2_TARGET static void gemm_rows_avx2(const float *a, ptrdiff_t lda, const float *packed, ptrdiff_t n,
                                           ptrdiff_t k, float *c, ptrdiff_t ldc, ptrdiff_t m, const float *bias,
                                           const float *residual, int gelu) {
    ptrdiff_t blocks = (n + 15) / 16;
    int tailColumns = (int)(n - (blocks - 1) * 16);
    for (ptrdiff_t rowBlock = 0; rowBlock < m; rowBlock += F32_ROW_BLOCK) {
        ptrdiff_t blockRows = m - rowBlock < F32_ROW_BLOCK ? m - rowBlock : F32_ROW_BLOCK;
        for (ptrdiff_t chunk = 0; chunk < blocks; chunk += F32_CHUNK_BLOCKS) {
            ptrdiff_t chunkEnd = chunk + F32_CHUNK_BLOCKS < blocks ? chunk + F32_CHUNK_BLOCKS : blocks;
            for (ptrdiff_t r0 = 0; r0 < blockRows; r0 += 6) {
                ptrdiff_t rows = blockRows - r0 < 6 ? blockRows - r0 : 6;
                const float *arows = a + (rowBlock + r0) * lda;
                float *crow = c + (rowBlock + r0) * ldc;
                for (ptrdiff_t nb = chunk; nb < chunkEnd; nb++) {
                    const float *panel = packed + nb * k * 16;
                    float *out = crow + nb * 16;
                    int columns = nb + 1 == blocks ? tailColumns : 16;
                    for (ptrdiff_t done = 0; done < k;) {
                        ptrdiff_t length = k_block(k, done);
                        const float *ak = arows + done;
                        const float *pk = panel + done * 16;
                        int more = done > 0;
                        if (rows == 6) {
                            avx2_tile_6(ak, lda, length, pk, out, ldc, columns, more);
                        } else {
                            for (ptrdiff_t r = 0; r < rows; r++)
                                avx2_tile_1(ak + r * lda, lda, length, pk, out + r * ldc, ldc, columns, more);
                        }
                        done += length;
                    }
                }
            }
        }
        block_epilogue(c, ldc, n, rowBlock, blockRows, bias, residual, gelu);
    }
}
#endif

int p2s_gemm_f32(const float *a, ptrdiff_t lda, const float *packed, ptrdiff_t n, ptrdiff_t k, float *c,
                 ptrdiff_t ldc, ptrdiff_t m, const float *bias, const float *residual, int gelu) {
#if P2S_HAVE_F32_KERNEL
    int level = p2s_kernel_level();
    if (level < 1) return 0;
    if (m > 0 && n > 0 && k > 0) {
        if (level == 2) gemm_rows(a, lda, packed, n, k, c, ldc, m, bias, residual, gelu);
        else gemm_rows_avx2(a, lda, packed, n, k, c, ldc, m, bias, residual, gelu);
    }
    return 1;
#else
    (void)a; (void)lda; (void)packed; (void)n; (void)k; (void)c; (void)ldc; (void)m; (void)bias; (void)residual;
    (void)gelu;
    return 0;
#endif
}
