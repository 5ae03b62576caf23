/* The vector layer for x86-64 AVX2 + FMA: 8 floats per vector.
 * See vec.h for the contract every layer implements. */
#ifndef DESCENT_VEC_AVX2_H
#define DESCENT_VEC_AVX2_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define VEC_WIDTH 8
#define VEC_REGISTER_NAME "ymm"
#define VEC_REGISTERS 16 /* architectural vector registers, for sizing register tiles */
#define VEC_ISA_NAME avx2

typedef __m256 vf;
typedef __m256 vmask; /* all-ones / all-zeros lanes, as AVX2 compares give */

static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_set1(float x) { return _mm256_set1_ps(x); }
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }

/* Lanes [0, count) get mask bits set: compare a lane index with count. */
static inline __m256i vec_avx2_first_lanes(size_t count)
{
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), index);
}
/* maskload/maskstore never touch memory of masked-off lanes, so a tail can
 * end at the last byte of a page. */
static inline vf vf_load_partial(const float *p, size_t count)
{
    return _mm256_maskload_ps(p, vec_avx2_first_lanes(count));
}
static inline void vf_store_partial(float *p, vf v, size_t count)
{
    _mm256_maskstore_ps(p, vec_avx2_first_lanes(count), v);
}

static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }  /* a*b + c */
static inline vf vf_fnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); } /* c - a*b */
static inline vf vf_sqrt(vf a) { return _mm256_sqrt_ps(a); }
static inline vf vf_abs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }

static inline vmask vf_gt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vmask vf_lt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vmask vf_isnan(vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
static inline vf vf_select(vmask m, vf if_true, vf if_false)
{
    return _mm256_blendv_ps(if_false, if_true, m);
}
/* maxps returns its second operand when either is NaN; returning the NaN
 * in both cases matches torch.maximum, so a bad gradient is not hidden. */
static inline vf vf_max(vf a, vf b)
{
    return vf_select(vf_isnan(a), a, _mm256_max_ps(a, b));
}
static inline vf vf_min(vf a, vf b)
{
    return vf_select(vf_isnan(a), a, _mm256_min_ps(a, b));
}

static inline float vf_reduce_add(vf v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* For the portable exp/tanh of vec_math.h: round to nearest integer, and
 * 2^n for integer-valued n in [-126, 127] by building the exponent bits. */
static inline vf vf_round(vf a)
{
    return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vf vf_pow2i(vf n)
{
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}

/* Mixed precision: VEC_WIDTH 16-bit values to and from a vector, exact
 * widening and nearest-even narrowing, bit for bit as reference/precision.c.
 * bf16 in integers (AVX2 has no bf16 instructions); fp16 by F16C, which
 * every AVX2 CPU has (the AVX2 build and its CPU check include it). */
#define VEC_HAVE_HALF 1
static inline vf vf_load_bf16(const uint16_t *p)
{
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}
/* Nearest even: + 0x7FFF + the kept lowest bit, then >> 16; a NaN keeps
 * its upper bits with the quiet bit set.  The 32-bit lanes hold values
 * below 2^16, so the unsigned saturating pack is a plain narrowing. */
static inline void vf_store_bf16(uint16_t *p, vf v)
{
    const __m256i b = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
    const __m256i bias = _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), lsb);
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(b, bias), 16);
    const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(0x40));
    const __m256i h = _mm256_blendv_epi8(rounded, quiet, _mm256_castps_si256(vf_isnan(v)));
    _mm_storeu_si128((__m128i *)p,
                     _mm_packus_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1)));
}
static inline vf vf_load_fp16(const uint16_t *p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}
static inline void vf_store_fp16(uint16_t *p, vf v)
{
    _mm_storeu_si128((__m128i *)p,
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

#if DESCENT_HAVE_SLEEF
#include <sleef.h>
#define VEC_HAVE_NATIVE_MATH 1
static inline vf vf_exp(vf a) { return Sleef_expf8_u10avx2(a); }
static inline vf vf_tanh(vf a) { return Sleef_tanhf8_u10avx2(a); }
#endif

#endif
