/* The vector layer for AArch64 SVE: svcntw() floats per vector, known only
 * at run time (4 on a 128-bit machine, up to 64 on a 2048-bit one), so one
 * binary runs at every vector length.  See vec.h for the contract; here
 * VEC_WIDTH is an expression, not a constant, and vf is sizeless (no arrays,
 * structs or sizeof of it).
 *
 * Every operation runs under an all-true predicate; the only predicates that
 * vary are the tails' (svwhilelt), so vf_load_n and vf_store_n are single
 * predicated instructions with no branch and no scalar tail.  SVE's max and
 * min return NaN when either operand is NaN, its sqrt and divide are
 * correctly rounded, and FADDV adds the lanes in a fixed pairwise tree. */
#ifndef DESCENT_VEC_SVE_H
#define DESCENT_VEC_SVE_H

#include <arm_sve.h>
#include <stddef.h>
#include <stdint.h>

#define VEC_WIDTH ((size_t)svcntw())
#define VEC_MAX_WIDTH 64 /* 2048 bits, the architecture's largest vector */
#define VEC_REGISTER_NAME "z (SVE)"
#define VEC_REGISTERS 32 /* architectural vector registers, for sizing register tiles */
#define VEC_ISA_NAME sve

typedef svfloat32_t vf;
typedef svbool_t vmask;

static inline svbool_t vec_sve_all(void) { return svptrue_b32(); }
/* Lanes [0, count) active: the tail predicate of every partial access. */
static inline svbool_t vec_sve_first_lanes(size_t count)
{
    return svwhilelt_b32_u64(0, (uint64_t)count);
}

static inline vf vf_zero(void) { return svdup_n_f32(0.0f); }
static inline vf vf_set1(float x) { return svdup_n_f32(x); }
static inline vf vf_load(const float *p) { return svld1_f32(vec_sve_all(), p); }
static inline void vf_store(float *p, vf v) { svst1_f32(vec_sve_all(), p, v); }

/* Predicated loads zero the inactive lanes and never fault on them;
 * predicated stores leave their memory alone: a tail may end at the last
 * byte of a page. */
static inline vf vf_load_partial(const float *p, size_t count)
{
    return svld1_f32(vec_sve_first_lanes(count), p);
}
static inline void vf_store_partial(float *p, vf v, size_t count)
{
    svst1_f32(vec_sve_first_lanes(count), p, v);
}
/* A whole vector is the predicate of all its lanes, so no branch is needed
 * between the body and the tail (vec.h's generic versions branch). */
#define VEC_HAVE_LOAD_N 1
static inline vf vf_load_n(const float *p, size_t lanes) { return vf_load_partial(p, lanes); }
static inline void vf_store_n(float *p, vf v, size_t lanes) { vf_store_partial(p, v, lanes); }

static inline vf vf_add(vf a, vf b) { return svadd_f32_x(vec_sve_all(), a, b); }
static inline vf vf_sub(vf a, vf b) { return svsub_f32_x(vec_sve_all(), a, b); }
static inline vf vf_mul(vf a, vf b) { return svmul_f32_x(vec_sve_all(), a, b); }
static inline vf vf_div(vf a, vf b) { return svdiv_f32_x(vec_sve_all(), a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return svmla_f32_x(vec_sve_all(), c, a, b); }  /* a*b + c */
static inline vf vf_fnma(vf a, vf b, vf c) { return svmls_f32_x(vec_sve_all(), c, a, b); } /* c - a*b */
static inline vf vf_sqrt(vf a) { return svsqrt_f32_x(vec_sve_all(), a); }
static inline vf vf_abs(vf a) { return svabs_f32_x(vec_sve_all(), a); }

static inline vmask vf_gt(vf a, vf b) { return svcmpgt_f32(vec_sve_all(), a, b); }
static inline vmask vf_lt(vf a, vf b) { return svcmplt_f32(vec_sve_all(), a, b); }
static inline vmask vf_isnan(vf a) { return svcmpuo_f32(vec_sve_all(), a, a); }
static inline vf vf_select(vmask m, vf if_true, vf if_false) { return svsel_f32(m, if_true, if_false); }
static inline vf vf_max(vf a, vf b) { return svmax_f32_x(vec_sve_all(), a, b); }
static inline vf vf_min(vf a, vf b) { return svmin_f32_x(vec_sve_all(), a, b); }

static inline float vf_reduce_add(vf v) { return svaddv_f32(vec_sve_all(), v); }

static inline vf vf_round(vf a) { return svrintn_f32_x(vec_sve_all(), a); }
/* n is integer-valued, so converting toward zero (FCVTZS) is exact. */
static inline vf vf_pow2i(vf n)
{
    const svbool_t all = vec_sve_all();
    const svint32_t e = svadd_n_s32_x(all, svcvt_s32_f32_x(all, n), 127);
    return svreinterpret_f32_s32(svlsl_n_s32_x(all, e, 23));
}

/* Mixed precision: VEC_WIDTH 16-bit values, one in the low half of each
 * 32-bit lane (ld1h/st1h with 32-bit containers), exact widening and
 * nearest-even narrowing, bit for bit as reference/precision.c.  bf16 in
 * integers as NEON's; fp16 by FCVT, which rounds by FPCR (nearest even, as
 * Linux starts every thread) and quiets a NaN keeping its upper payload. */
#define VEC_HAVE_HALF 1
static inline vf vf_load_bf16(const uint16_t *p)
{
    const svbool_t all = vec_sve_all();
    return svreinterpret_f32_u32(svlsl_n_u32_x(all, svld1uh_u32(all, p), 16));
}
static inline void vf_store_bf16(uint16_t *p, vf v)
{
    const svbool_t all = vec_sve_all();
    const svuint32_t b = svreinterpret_u32_f32(v);
    const svuint32_t lsb = svand_n_u32_x(all, svlsr_n_u32_x(all, b, 16), 1);
    const svuint32_t rounded = svadd_u32_x(all, svadd_n_u32_x(all, b, 0x7FFF), lsb);
    const svuint32_t quiet = svorr_n_u32_x(all, b, 0x00400000);
    svst1h_u32(all, p, svlsr_n_u32_x(all, svsel_u32(vf_isnan(v), quiet, rounded), 16));
}
static inline vf vf_load_fp16(const uint16_t *p)
{
    const svbool_t all = vec_sve_all();
    return svcvt_f32_f16_x(all, svreinterpret_f16_u32(svld1uh_u32(all, p)));
}
static inline void vf_store_fp16(uint16_t *p, vf v)
{
    const svbool_t all = vec_sve_all();
    svst1h_u32(all, p, svreinterpret_u32_f16(svcvt_f16_f32_x(all, v)));
}

/* No arm64 SLEEF on Debian for the build machine: vec_math.h's exp/tanh. */

#endif
