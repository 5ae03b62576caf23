/* The vector layer for x86-64 AVX-512 (F, BW, DQ, VL): 16 floats per vector.
 * See vec.h for the contract every layer implements. */
#ifndef DESCENT_VEC_AVX512_H
#define DESCENT_VEC_AVX512_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define VEC_WIDTH 16
#define VEC_REGISTER_NAME "zmm"
#define VEC_REGISTERS 32 /* architectural vector registers, for sizing register tiles */
#define VEC_ISA_NAME avx512

typedef __m512 vf;
typedef __mmask16 vmask;

static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_set1(float x) { return _mm512_set1_ps(x); }
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }

/* Masked loads and stores suppress faults on masked-off lanes, so a tail
 * never reads or writes past the end of an array. */
static inline __mmask16 vec_avx512_first_lanes(size_t count)
{
    return (__mmask16)((1u << count) - 1u);
}
static inline vf vf_load_partial(const float *p, size_t count)
{
    return _mm512_maskz_loadu_ps(vec_avx512_first_lanes(count), p);
}
static inline void vf_store_partial(float *p, vf v, size_t count)
{
    _mm512_mask_storeu_ps(p, vec_avx512_first_lanes(count), v);
}

static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }  /* a*b + c */
static inline vf vf_fnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); } /* c - a*b */
static inline vf vf_sqrt(vf a) { return _mm512_sqrt_ps(a); }
static inline vf vf_abs(vf a) { return _mm512_abs_ps(a); }

static inline vmask vf_gt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vmask vf_lt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vmask vf_isnan(vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
static inline vf vf_select(vmask m, vf if_true, vf if_false)
{
    return _mm512_mask_blend_ps(m, if_false, if_true);
}
/* maxps returns its second operand when either is NaN; returning the NaN
 * in both cases matches torch.maximum, so a bad gradient is not hidden. */
static inline vf vf_max(vf a, vf b)
{
    return _mm512_mask_mov_ps(_mm512_max_ps(a, b), vf_isnan(a), a);
}
static inline vf vf_min(vf a, vf b)
{
    return _mm512_mask_mov_ps(_mm512_min_ps(a, b), vf_isnan(a), a);
}

static inline float vf_reduce_add(vf v) { return _mm512_reduce_add_ps(v); }

static inline vf vf_round(vf a)
{
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vf vf_pow2i(vf n)
{
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}

/* Mixed precision: VEC_WIDTH 16-bit values to and from a vector, exact
 * widening and nearest-even narrowing, bit for bit as reference/precision.c
 * (NaN quiet, overflow to Inf, subnormals exact).  bf16 is fp32's upper
 * half; fp16 goes through AVX-512F's vcvtph2ps/vcvtps2ph. */
#define VEC_HAVE_HALF 1
static inline vf vf_load_bf16(const uint16_t *p)
{
    const __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}
/* Nearest even in integers: + 0x7FFF + the kept lowest bit, then >> 16; a
 * NaN keeps its upper bits with the quiet bit set. */
static inline __m512i vec_avx512_bf16_bits(vf v)
{
    const __m512i b = _mm512_castps_si512(v);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1));
    const __m512i bias = _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), lsb);
    const __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(b, bias), 16);
    const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(0x40));
    return _mm512_mask_mov_epi32(rounded, vf_isnan(v), quiet);
}
static inline void vf_store_bf16(uint16_t *p, vf v)
{
    _mm256_storeu_si256((__m256i *)p, _mm512_cvtepi32_epi16(vec_avx512_bf16_bits(v)));
}
/* AVX512_BF16's vcvtneps2bf16 (run-time dispatch: VEC_HAVE_BF16_NATIVE
 * functions run only where the CPU reports avx512bf16) rounds to nearest
 * even and quiets NaN as above, but treats fp32 subnormal inputs as zero:
 * those lanes (exponent field 0, mantissa not 0: rare) take the integer
 * rounding instead. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#define VEC_HAVE_BF16_NATIVE 1
#define VEC_BF16_NATIVE_TARGET __attribute__((target("avx512bf16")))
static inline int vec_bf16_native_cpu(void) { return __builtin_cpu_supports("avx512bf16"); }
VEC_BF16_NATIVE_TARGET static inline void vf_store_bf16_native(uint16_t *p, vf v)
{
    __m256i h = (__m256i)_mm512_cvtneps_pbh(v);
    const __m512i b = _mm512_castps_si512(v);
    const __mmask16 subnormal =
        _mm512_testn_epi32_mask(b, _mm512_set1_epi32(0x7F800000)) &
        _mm512_test_epi32_mask(b, _mm512_set1_epi32(0x007FFFFF));
    if (subnormal)
        h = _mm256_mask_mov_epi16(h, subnormal, _mm512_cvtepi32_epi16(vec_avx512_bf16_bits(v)));
    _mm256_storeu_si256((__m256i *)p, h);
}
#endif
static inline vf vf_load_fp16(const uint16_t *p)
{
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}
static inline void vf_store_fp16(uint16_t *p, vf v)
{
    _mm256_storeu_si256((__m256i *)p,
                        _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

#if DESCENT_HAVE_SLEEF
#include <sleef.h>
#define VEC_HAVE_NATIVE_MATH 1
static inline vf vf_exp(vf a) { return Sleef_expf16_u10avx512f(a); }
static inline vf vf_tanh(vf a) { return Sleef_tanhf16_u10avx512f(a); }
#endif

#endif
