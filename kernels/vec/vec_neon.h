/* The vector layer for AArch64 Advanced SIMD (NEON): 4 floats per vector.
 * See vec.h for the contract every layer implements.  NEON's max/min
 * already propagate NaN, and its sqrt and divide are correctly rounded. */
#ifndef DESCENT_VEC_NEON_H
#define DESCENT_VEC_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VEC_WIDTH 4
#define VEC_REGISTER_NAME "q (NEON)"
#define VEC_REGISTERS 32 /* architectural vector registers, for sizing register tiles */
#define VEC_ISA_NAME neon

typedef float32x4_t vf;
typedef uint32x4_t vmask;

static inline vf vf_zero(void) { return vdupq_n_f32(0.0f); }
static inline vf vf_set1(float x) { return vdupq_n_f32(x); }
static inline vf vf_load(const float *p) { return vld1q_f32(p); }
static inline void vf_store(float *p, vf v) { vst1q_f32(p, v); }

/* NEON has no masked memory access: go through a small buffer so that a
 * tail never touches memory past the end of an array. */
static inline vf vf_load_partial(const float *p, size_t count)
{
    float buf[4] = {0, 0, 0, 0};
    memcpy(buf, p, count * sizeof(float));
    return vld1q_f32(buf);
}
static inline void vf_store_partial(float *p, vf v, size_t count)
{
    float buf[4];
    vst1q_f32(buf, v);
    memcpy(p, buf, count * sizeof(float));
}

static inline vf vf_add(vf a, vf b) { return vaddq_f32(a, b); }
static inline vf vf_sub(vf a, vf b) { return vsubq_f32(a, b); }
static inline vf vf_mul(vf a, vf b) { return vmulq_f32(a, b); }
static inline vf vf_div(vf a, vf b) { return vdivq_f32(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }  /* a*b + c */
static inline vf vf_fnma(vf a, vf b, vf c) { return vfmsq_f32(c, a, b); } /* c - a*b */
static inline vf vf_sqrt(vf a) { return vsqrtq_f32(a); }
static inline vf vf_abs(vf a) { return vabsq_f32(a); }

static inline vmask vf_gt(vf a, vf b) { return vcgtq_f32(a, b); }
static inline vmask vf_lt(vf a, vf b) { return vcltq_f32(a, b); }
static inline vmask vf_isnan(vf a) { return vmvnq_u32(vceqq_f32(a, a)); }
static inline vf vf_select(vmask m, vf if_true, vf if_false) { return vbslq_f32(m, if_true, if_false); }
static inline vf vf_max(vf a, vf b) { return vmaxq_f32(a, b); }
static inline vf vf_min(vf a, vf b) { return vminq_f32(a, b); }

static inline float vf_reduce_add(vf v) { return vaddvq_f32(v); }

static inline vf vf_round(vf a) { return vrndnq_f32(a); }
static inline vf vf_pow2i(vf n)
{
    int32x4_t e = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(e, 23));
}

/* Mixed precision: VEC_WIDTH 16-bit values to and from a vector, exact
 * widening and nearest-even narrowing, bit for bit as reference/precision.c.
 * bf16 in integers (bf16 instructions are ARMv8.6; this layer is v8.0);
 * fp16 by fcvtl/fcvtn, which round by FPCR (nearest even, as Linux starts
 * every thread) and quiet a NaN keeping its upper payload. */
#define VEC_HAVE_HALF 1
static inline vf vf_load_bf16(const uint16_t *p)
{
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
}
static inline void vf_store_bf16(uint16_t *p, vf v)
{
    const uint32x4_t b = vreinterpretq_u32_f32(v);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(b, 16), vdupq_n_u32(1));
    const uint32x4_t rounded = vaddq_u32(vaddq_u32(b, vdupq_n_u32(0x7FFF)), lsb);
    const uint32x4_t quiet = vorrq_u32(b, vdupq_n_u32(0x00400000));
    vst1_u16(p, vshrn_n_u32(vbslq_u32(vf_isnan(v), quiet, rounded), 16));
}
static inline vf vf_load_fp16(const uint16_t *p)
{
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}
static inline void vf_store_fp16(uint16_t *p, vf v)
{
    vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v)));
}

/* Debian ships SLEEF for the build machine only, so the cross-compiled
 * NEON build uses the portable exp/tanh of vec_math.h. */

#endif
