// bf16 GEMM with AVX512-BF16 (`vdpbf16ps`): C = A Wᵀ with A in f32 (converted to bf16 per row block,
// round to nearest even), W packed once to bf16 column panels, f32 accumulation and output.
// Compiled for AVX512-BF16 only; callers check p2s_cpu_has_avx512_bf16() first (the Swift side never
// calls it otherwise), so a CPU without the instructions never executes them.
#include "CKernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define P2S_HAVE_BF16_KERNEL 1
#else
#define P2S_HAVE_BF16_KERNEL 0
#endif

static inline uint16_t to_bf16(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x7FFFFFu)) return (uint16_t)((bits >> 16) | 0x40);  // NaN
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

ptrdiff_t p2s_bf16_packed_count(ptrdiff_t n, ptrdiff_t k) {
    ptrdiff_t blocks = (n + 15) / 16, pairs = (k + 1) / 2;
    return blocks * pairs * 32;
}

void p2s_bf16_pack_weight(const float *weight, ptrdiff_t n, ptrdiff_t k, uint16_t *packed) {
    ptrdiff_t blocks = (n + 15) / 16, pairs = (k + 1) / 2;
    for (ptrdiff_t nb = 0; nb < blocks; nb++)
        for (ptrdiff_t p = 0; p < pairs; p++)
            for (int j = 0; j < 16; j++)
                for (int t = 0; t < 2; t++) {
                    ptrdiff_t row = nb * 16 + j, col = 2 * p + t;
                    float v = (row < n && col < k) ? weight[row * k + col] : 0.0f;
                    packed[((nb * pairs + p) * 16 + j) * 2 + t] = to_bf16(v);
                }
}

#if P2S_HAVE_BF16_KERNEL
#define BF16_TARGET __attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl,avx512dq")))

// Converts `rows` rows of A (k values each, stride lda) to bf16 rows of 2*pairs values (zero-padded).
BF16_TARGET static void convert_rows(const float *a, ptrdiff_t lda, ptrdiff_t rows, ptrdiff_t k, ptrdiff_t pairs,
                                     uint16_t *out) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *src = a + r * lda;
        uint16_t *dst = out + r * 2 * pairs;
        ptrdiff_t i = 0;
        for (; i + 16 <= k; i += 16) {
            __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + i));
            _mm256_storeu_si256((__m256i *)(dst + i), (__m256i)v);
        }
        for (; i < k; i++) dst[i] = to_bf16(src[i]);
        if (k & 1) dst[k] = 0;
    }
}

// ROWS x (BLOCKS * 16) tile over all pairs; `mask` limits the store of the last block's columns.
#define TILE(ROWS, BLOCKS)                                                                                    \
    BF16_TARGET static void tile_##ROWS##x##BLOCKS(const uint16_t *a16, ptrdiff_t pairs, const uint16_t *panel, \
                                                   float *c, ptrdiff_t ldc, __mmask16 lastMask) {             \
        __m512 acc[ROWS][BLOCKS];                                                                             \
        for (int r = 0; r < ROWS; r++)                                                                        \
            for (int b = 0; b < BLOCKS; b++) acc[r][b] = _mm512_setzero_ps();                                 \
        const int32_t *arow = (const int32_t *)a16;                                                           \
        for (ptrdiff_t p = 0; p < pairs; p++) {                                                               \
            __m512i w[BLOCKS];                                                                                \
            for (int b = 0; b < BLOCKS; b++) w[b] = _mm512_loadu_si512(panel + ((ptrdiff_t)b * pairs + p) * 32); \
            for (int r = 0; r < ROWS; r++) {                                                                  \
                __m512i x = _mm512_set1_epi32(arow[r * pairs + p]);                                           \
                for (int b = 0; b < BLOCKS; b++)                                                              \
                    acc[r][b] = _mm512_dpbf16_ps(acc[r][b], (__m512bh)x, (__m512bh)w[b]);                     \
            }                                                                                                 \
        }                                                                                                     \
        for (int r = 0; r < ROWS; r++)                                                                        \
            for (int b = 0; b < BLOCKS; b++) {                                                                \
                __mmask16 m = b == BLOCKS - 1 ? lastMask : (__mmask16)0xFFFF;                                 \
                _mm512_mask_storeu_ps(c + r * ldc + b * 16, m, acc[r][b]);                                    \
            }                                                                                                 \
    }

TILE(6, 4)
TILE(6, 1)
TILE(1, 4)
TILE(1, 1)

// Columns per chunk: a chunk's weight panels (chunk x k bf16) stay in L2 while the row tiles use them.
// Rows per block: A is converted to bf16 one block at a time, so the buffer stays small for tall A
// (the decoder's batched tokens).
enum { CHUNK_BLOCKS = 16, ROW_BLOCK = 480 };

BF16_TARGET static void gemm_rows(const float *a, ptrdiff_t lda, const uint16_t *packed, ptrdiff_t n, ptrdiff_t k,
                                  float *c, ptrdiff_t ldc, ptrdiff_t m, uint16_t *a16) {
    ptrdiff_t pairs = (k + 1) / 2, blocks = (n + 15) / 16;
    int tailColumns = (int)(n - (blocks - 1) * 16);
    __mmask16 tailMask = (__mmask16)((1u << tailColumns) - 1u);
    for (ptrdiff_t rowBlock = 0; rowBlock < m; rowBlock += ROW_BLOCK) {
        ptrdiff_t blockRows = m - rowBlock < ROW_BLOCK ? m - rowBlock : ROW_BLOCK;
        convert_rows(a + rowBlock * lda, lda, blockRows, k, pairs, a16);
        for (ptrdiff_t chunk = 0; chunk < blocks; chunk += CHUNK_BLOCKS) {
            ptrdiff_t chunkEnd = chunk + CHUNK_BLOCKS < blocks ? chunk + CHUNK_BLOCKS : blocks;
            for (ptrdiff_t r0 = 0; r0 < blockRows; r0 += 6) {
                ptrdiff_t rows = blockRows - r0 < 6 ? blockRows - r0 : 6;
                const uint16_t *arows = a16 + r0 * 2 * pairs;
                float *crow = c + (rowBlock + r0) * ldc;
                for (ptrdiff_t nb = chunk; nb < chunkEnd;) {
                    const uint16_t *panel = packed + nb * pairs * 32;
                    float *out = crow + nb * 16;
                    int wide = nb + 4 <= chunkEnd;
                    __mmask16 last = (wide ? nb + 4 == blocks : nb + 1 == blocks) ? tailMask : (__mmask16)0xFFFF;
                    if (rows == 6) {
                        if (wide) tile_6x4(arows, pairs, panel, out, ldc, last);
                        else tile_6x1(arows, pairs, panel, out, ldc, last);
                    } else {
                        for (ptrdiff_t r = 0; r < rows; r++) {
                            if (wide) tile_1x4(arows + r * 2 * pairs, pairs, panel, out + r * ldc, ldc, last);
                            else tile_1x1(arows + r * 2 * pairs, pairs, panel, out + r * ldc, ldc, last);
                        }
                    }
                    nb += wide ? 4 : 1;
                }
            }
        }
    }
}
#endif

int p2s_gemm_bf16(const float *a, ptrdiff_t lda, const uint16_t *packed, ptrdiff_t n, ptrdiff_t k, float *c,
                  ptrdiff_t ldc, ptrdiff_t m) {
#if P2S_HAVE_BF16_KERNEL
    if (!p2s_cpu_has_avx512_bf16() || m <= 0 || n <= 0) return m <= 0 || n <= 0;
    ptrdiff_t pairs = (k + 1) / 2;
    size_t needed = (size_t)(m < ROW_BLOCK ? m : ROW_BLOCK) * 2 * (size_t)pairs;
    uint16_t stackBuffer[8192];
    uint16_t *a16 = needed <= 8192 ? stackBuffer : malloc(sizeof(uint16_t) * needed);
    if (!a16) return 0;
    gemm_rows(a, lda, packed, n, k, c, ldc, m, a16);
    if (a16 != stackBuffer) free(a16);
    return 1;
#else
    (void)a; (void)lda; (void)packed; (void)n; (void)k; (void)c; (void)ldc; (void)m;
    return 0;
#endif
}
