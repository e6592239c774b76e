// See include/CKernels.h. One generic body per kernel (`static inline`), instantiated per instruction set.
#include "CKernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define P2S_X86 1
#include <cpuid.h>
#else
#define P2S_X86 0
#endif

#define INLINE static inline __attribute__((always_inline))

// ----------------------------------------------------------------------------------------- scalar math

INLINE float clampf(float x, float low, float high) {
    x = x < low ? low : x;
    return x > high ? high : x;
}

// exp(x): x = n ln2 + r, |r| <= ln2/2, degree-7 Taylor polynomial; relative error below 3e-7 on [-87, 88].
INLINE float fast_exp(float x) {
    float c = clampf(x, -87.0f, 88.0f);
    const float magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer kept in the low bits
    float shifted = c * 1.4426950409f + magic;
    float n = shifted - magic;
    float r = (c - n * 0.693145751953125f) - n * 1.428606765330187e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits;
    memcpy(&bits, &shifted, 4);
    bits = (bits - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

// erf(x) = x P(x²) / Q(x²) on [-4, 4] (±1 to float precision beyond).
INLINE float fast_erf(float x) {
    float c = clampf(x, -4.0f, 4.0f);
    float x2 = c * c;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 - 2.10102402082508e-06f;
    p = p * x2 - 5.69250639462346e-05f;
    p = p * x2 - 7.34990630326855e-04f;
    p = p * x2 - 2.95459980854025e-03f;
    p = p * x2 - 1.60960333262415e-02f;
    float q = -1.45660718464996e-05f;
    q = q * x2 - 2.13374055278905e-04f;
    q = q * x2 - 1.68282697438203e-03f;
    q = q * x2 - 7.37332916720468e-03f;
    q = q * x2 - 1.42647390514189e-02f;
    return c * p / q;
}

INLINE float fast_gelu(float x) { return 0.5f * x * (1.0f + fast_erf(x * 0.70710678118654752f)); }

// --------------------------------------------------------------------------------------- generic bodies

INLINE void erf_body(float *v, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) v[i] = fast_erf(v[i]);
}

INLINE void gelu_body(float *v, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) v[i] = fast_gelu(v[i]);
}

INLINE void epilogue_body(float *y, const float *bias, const float *res, ptrdiff_t rows, ptrdiff_t cols, int gelu) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        const float *add = res ? res + r * cols : 0;
        if (bias && gelu && add) {
            for (ptrdiff_t c = 0; c < cols; c++) row[c] = fast_gelu((row[c] + bias[c]) + add[c]);
        } else if (bias && gelu) {
            for (ptrdiff_t c = 0; c < cols; c++) row[c] = fast_gelu(row[c] + bias[c]);
        } else if (bias && add) {
            for (ptrdiff_t c = 0; c < cols; c++) row[c] = (row[c] + bias[c]) + add[c];
        } else if (bias) {
            for (ptrdiff_t c = 0; c < cols; c++) row[c] += bias[c];
        } else if (gelu && add) {
            for (ptrdiff_t c = 0; c < cols; c++) row[c] = fast_gelu(row[c] + add[c]);
        } else if (gelu) {
            for (ptrdiff_t c = 0; c < cols; c++) row[c] = fast_gelu(row[c]);
        } else if (add) {
            for (ptrdiff_t c = 0; c < cols; c++) row[c] += add[c];
        }
    }
}

// Sums with 16 independent accumulators (a fixed order, so every variant gives the same bits up to FMA).
INLINE float sum16(const float *x, ptrdiff_t n) {
    float acc[16] = {0};
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) acc[j] += x[i + j];
    for (; i < n; i++) acc[0] += x[i];
    for (int w = 8; w >= 1; w /= 2)
        for (int j = 0; j < w; j++) acc[j] += acc[j + w];
    return acc[0];
}

INLINE float squared_deviations16(const float *x, ptrdiff_t n, float mean) {
    float acc[16] = {0};
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) {
            float d = x[i + j] - mean;
            acc[j] += d * d;
        }
    for (; i < n; i++) {
        float d = x[i] - mean;
        acc[0] += d * d;
    }
    for (int w = 8; w >= 1; w /= 2)
        for (int j = 0; j < w; j++) acc[j] += acc[j + w];
    return acc[0];
}

INLINE float max16(const float *x, ptrdiff_t n) {
    float acc[16];
    for (int j = 0; j < 16; j++) acc[j] = -INFINITY;
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) acc[j] = x[i + j] > acc[j] ? x[i + j] : acc[j];
    for (; i < n; i++) acc[0] = x[i] > acc[0] ? x[i] : acc[0];
    for (int w = 8; w >= 1; w /= 2)
        for (int j = 0; j < w; j++) acc[j] = acc[j + w] > acc[j] ? acc[j + w] : acc[j];
    return acc[0];
}

INLINE void softmax_body(float *v, ptrdiff_t rows, ptrdiff_t cols) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *row = v + r * cols;
        float m = max16(row, cols);
        for (ptrdiff_t c = 0; c < cols; c++) row[c] = fast_exp(row[c] - m);
        float inverse = 1.0f / sum16(row, cols);
        for (ptrdiff_t c = 0; c < cols; c++) row[c] *= inverse;
    }
}

// The logistic function in the stable form `e = exp(−|x|)`, `1/(1+e)` (x ≥ 0) or `e/(1+e)`.
INLINE void sigmoid_body(float *v, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float x = v[i];
        float e = fast_exp(-fabsf(x));
        v[i] = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
}

INLINE void layer_norm_body(const float *x, ptrdiff_t rows, ptrdiff_t dim, const float *w, const float *b, float eps,
                            float *y) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *in = x + r * dim;
        float *out = y + r * dim;
        float mean = sum16(in, dim) / (float)dim;
        float variance = squared_deviations16(in, dim, mean) / (float)dim;
        float inverse = 1.0f / sqrtf(variance + eps);
        for (ptrdiff_t c = 0; c < dim; c++) out[c] = (in[c] - mean) * inverse * w[c] + b[c];
    }
}

// Taps outside the image read a row of zeros, so border and interior pixels run the same 9-tap loop.
INLINE void depthwise_body(const float *x, ptrdiff_t h, ptrdiff_t wd, ptrdiff_t ch, const float *w, const float *b,
                           ptrdiff_t stride, ptrdiff_t y0, ptrdiff_t y1, int gelu, float *out, const float *zeros) {
    ptrdiff_t outW = (wd - 1) / stride + 1;
    const float *w0 = w, *w1 = w + ch, *w2 = w + 2 * ch, *w3 = w + 3 * ch, *w4 = w + 4 * ch, *w5 = w + 5 * ch,
                *w6 = w + 6 * ch, *w7 = w + 7 * ch, *w8 = w + 8 * ch;
    for (ptrdiff_t oy = y0; oy < y1; oy++) {
        const float *rows[3];
        for (int ky = 0; ky < 3; ky++) {
            ptrdiff_t iy = oy * stride + ky - 1;
            rows[ky] = (iy < 0 || iy >= h) ? 0 : x + iy * wd * ch;
        }
        for (ptrdiff_t ox = 0; ox < outW; ox++) {
            const float *s[9];
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    ptrdiff_t ix = ox * stride + kx - 1;
                    s[ky * 3 + kx] = (!rows[ky] || ix < 0 || ix >= wd) ? zeros : rows[ky] + ix * ch;
                }
            const float *s0 = s[0], *s1 = s[1], *s2 = s[2], *s3 = s[3], *s4 = s[4], *s5 = s[5], *s6 = s[6],
                        *s7 = s[7], *s8 = s[8];
            float *o = out + (oy * outW + ox) * ch;
            if (gelu) {
                for (ptrdiff_t c = 0; c < ch; c++) {
                    float a = b[c];
                    a += s0[c] * w0[c];
                    a += s1[c] * w1[c];
                    a += s2[c] * w2[c];
                    a += s3[c] * w3[c];
                    a += s4[c] * w4[c];
                    a += s5[c] * w5[c];
                    a += s6[c] * w6[c];
                    a += s7[c] * w7[c];
                    a += s8[c] * w8[c];
                    o[c] = fast_gelu(a);
                }
            } else {
                for (ptrdiff_t c = 0; c < ch; c++) {
                    float a = b[c];
                    a += s0[c] * w0[c];
                    a += s1[c] * w1[c];
                    a += s2[c] * w2[c];
                    a += s3[c] * w3[c];
                    a += s4[c] * w4[c];
                    a += s5[c] * w5[c];
                    a += s6[c] * w6[c];
                    a += s7[c] * w7[c];
                    a += s8[c] * w8[c];
                    o[c] = a;
                }
            }
        }
    }
}

// ----------------------------------------------------------------------------------------- variants

#define P2S_VARIANTS(SUFFIX, ATTR)                                                                              \
    ATTR static void erf_##SUFFIX(float *v, ptrdiff_t n) { erf_body(v, n); }                                   \
    ATTR static void gelu_##SUFFIX(float *v, ptrdiff_t n) { gelu_body(v, n); }                                 \
    ATTR static void epilogue_##SUFFIX(float *y, const float *b, const float *r, ptrdiff_t rows, ptrdiff_t cols, \
                                       int g) {                                                                 \
        epilogue_body(y, b, r, rows, cols, g);                                                                  \
    }                                                                                                           \
    ATTR static void softmax_##SUFFIX(float *v, ptrdiff_t rows, ptrdiff_t cols) { softmax_body(v, rows, cols); } \
    ATTR static void sigmoid_##SUFFIX(float *v, ptrdiff_t n) { sigmoid_body(v, n); }                           \
    ATTR static void layer_norm_##SUFFIX(const float *x, ptrdiff_t rows, ptrdiff_t dim, const float *w,         \
                                         const float *b, float eps, float *y) {                                 \
        layer_norm_body(x, rows, dim, w, b, eps, y);                                                            \
    }                                                                                                           \
    ATTR static void depthwise_##SUFFIX(const float *x, ptrdiff_t h, ptrdiff_t wd, ptrdiff_t ch, const float *w, \
                                        const float *b, ptrdiff_t stride, ptrdiff_t y0, ptrdiff_t y1, int g,    \
                                        float *out, const float *zeros) {                                       \
        depthwise_body(x, h, wd, ch, w, b, stride, y0, y1, g, out, zeros);                                      \
    }

P2S_VARIANTS(base, )
#if P2S_X86
P2S_VARIANTS(avx2, __attribute__((target("avx2,fma"))))
P2S_VARIANTS(avx512, __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma"))))
#endif

// ------------------------------------------------------------------------------------------ dispatch

#if P2S_X86
static uint64_t xgetbv0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static int os_saves(uint64_t mask) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 27))) return 0;  // OSXSAVE
    return (xgetbv0() & mask) == mask;
}

static int detect_level(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1;
    int avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);  // F, DQ, BW, VL
    if (avx512 && avx2 && fma && os_saves(0xE6)) return 2;  // XMM, YMM, opmask, ZMM hi256, hi16 ZMM
    if (avx2 && fma && os_saves(0x6)) return 1;
    return 0;
}
#else
static int detect_level(void) { return 0; }
#endif

static int cached_level = -1;

int p2s_kernel_level(void) {
    int level = __atomic_load_n(&cached_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = detect_level();
        __atomic_store_n(&cached_level, level, __ATOMIC_RELAXED);
    }
    return level;
}

static int cached_bf16 = -1;

// CPUID traps to the hypervisor on virtual machines (slow): asked once, then cached.
int p2s_cpu_has_avx512_bf16(void) {
    int known = __atomic_load_n(&cached_bf16, __ATOMIC_RELAXED);
    if (known >= 0) return known;
    int has = 0;
#if P2S_X86
    unsigned a, b, c, d;
    if (p2s_kernel_level() == 2 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) has = (a >> 5) & 1;
#endif
    __atomic_store_n(&cached_bf16, has, __ATOMIC_RELAXED);
    return has;
}

int p2s_cpu_has_amx_bf16(void) {
#if P2S_X86
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!((d >> 22) & 1) || !((d >> 24) & 1)) return 0;  // AMX-BF16, AMX-TILE
    return os_saves(0x60000);                              // XTILECFG, XTILEDATA
#else
    return 0;
#endif
}

#if P2S_X86
#define DISPATCH(NAME, ...)                             \
    switch (p2s_kernel_level()) {                       \
    case 2: NAME##_avx512(__VA_ARGS__); break;          \
    case 1: NAME##_avx2(__VA_ARGS__); break;            \
    default: NAME##_base(__VA_ARGS__); break;           \
    }
#else
#define DISPATCH(NAME, ...) NAME##_base(__VA_ARGS__);
#endif

void p2s_erf(float *values, ptrdiff_t count) { DISPATCH(erf, values, count) }

void p2s_gelu(float *values, ptrdiff_t count) { DISPATCH(gelu, values, count) }

void p2s_bias_epilogue(float *y, const float *bias, const float *residual, ptrdiff_t rows, ptrdiff_t cols, int gelu) {
    DISPATCH(epilogue, y, bias, residual, rows, cols, gelu)
}

void p2s_softmax_rows(float *values, ptrdiff_t rows, ptrdiff_t cols) { DISPATCH(softmax, values, rows, cols) }

void p2s_sigmoid(float *values, ptrdiff_t count) { DISPATCH(sigmoid, values, count) }

void p2s_layer_norm_rows(const float *input, ptrdiff_t rows, ptrdiff_t dim, const float *weight, const float *bias,
                         float eps, float *output) {
    DISPATCH(layer_norm, input, rows, dim, weight, bias, eps, output)
}

void p2s_depthwise3x3_rows(const float *input, ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels,
                           const float *weight, const float *bias, ptrdiff_t stride, ptrdiff_t rowStart,
                           ptrdiff_t rowEnd, int gelu, float *output) {
    float zeros[channels > 0 ? channels : 1];
    memset(zeros, 0, sizeof(float) * (size_t)(channels > 0 ? channels : 1));
    DISPATCH(depthwise, input, height, width, channels, weight, bias, stride, rowStart, rowEnd, gelu, output, zeros)
}
