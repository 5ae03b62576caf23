/*
 * The thin vector layer that every SIMD kernel is written against.  A kernel
 * source includes this header and is compiled once per ISA with
 * -DDESCENT_VEC_ISA=<n> and that ISA's flags; this header then pulls in the
 * matching layer and names the kernel's functions after the ISA, so
 * kernels/optim/adam.c becomes descent_avx2_adam, descent_avx512_adam, ...
 *
 * Every layer provides, for its vector type `vf` of VEC_WIDTH floats (and
 * VEC_REGISTERS, the number of vector registers, for sizing register tiles):
 *   VEC_WIDTH                                   a constant on the fixed-width
 *                                               ISAs, svcntw() on SVE: kernels
 *                                               use it as a run-time value
 *   VEC_MAX_WIDTH                               a constant >= VEC_WIDTH, for
 *                                               sizing float buffers of lanes
 *   vf_zero vf_set1 vf_load vf_store            (unaligned)
 *   vf_load_partial vf_store_partial            (first `count` < VEC_WIDTH lanes,
 *                                               never touching memory beyond them;
 *                                               the other lanes load as zero)
 *   vf_add vf_sub vf_mul vf_div vf_sqrt vf_abs  (IEEE, correctly rounded)
 *   vf_fma(a,b,c) = a*b+c, vf_fnma(a,b,c) = c-a*b (one rounding)
 *   vf_max vf_min (NaN in, NaN out), vf_gt vf_lt vf_isnan -> vmask, vf_select
 *   vf_reduce_add, vf_round, vf_pow2i
 *   vf_exp vf_tanh (SLEEF, 1 ulp) or, without SLEEF, the portable versions
 *   of vec_math.h (at most 2 ulp); the MLP's activations and softmax use
 *   them (kernels/mlp/elementwise.c), tests/test_vec_math.c measures them.
 * and names its registers (VEC_REGISTER_NAME: "ymm", ...) for labels.
 * Optionally (VEC_HAVE_HALF 1), for mixed precision (kernels/convert/):
 *   vf_load_bf16 vf_store_bf16 vf_load_fp16 vf_store_fp16  (VEC_WIDTH 16-bit
 *   values, unaligned: exact widening, nearest-even narrowing, bit for bit as
 *   reference/precision.c); without them the conversions are scalar.
 * A new ISA (RVV, ...) is one more header with these functions.
 *
 * vf may be sizeless (SVE): kernels keep vectors in named variables only,
 * never in arrays, structs or sizeof, and size lane buffers by
 * VEC_MAX_WIDTH, not VEC_WIDTH.
 */
#ifndef DESCENT_VEC_H
#define DESCENT_VEC_H

#include "config.h"

#define DESCENT_VEC_AVX2 1
#define DESCENT_VEC_AVX512 2
#define DESCENT_VEC_NEON 3
#define DESCENT_VEC_BASELINE 4 /* a subset, see vec_baseline.h */
#define DESCENT_VEC_SVE 5

#if DESCENT_VEC_ISA == DESCENT_VEC_AVX2
#include "vec_avx2.h"
#elif DESCENT_VEC_ISA == DESCENT_VEC_AVX512
#include "vec_avx512.h"
#elif DESCENT_VEC_ISA == DESCENT_VEC_NEON
#include "vec_neon.h"
#elif DESCENT_VEC_ISA == DESCENT_VEC_BASELINE
#include "vec_baseline.h"
#elif DESCENT_VEC_ISA == DESCENT_VEC_SVE
#include "vec_sve.h"
#else
#error "compile kernels with -DDESCENT_VEC_ISA=1 (avx2), 2 (avx512), 3 (neon), 4 (baseline) or 5 (sve)"
#endif

/* The fixed-width layers' buffers of lanes are exactly one vector. */
#ifndef VEC_MAX_WIDTH
#define VEC_MAX_WIDTH VEC_WIDTH
#endif

/* A lane buffer on the stack (float x[VEC_MAX_WIDTH]) as the pointer that
 * whole-vector stores and loads take: the empty asm hides the array's
 * alignment, so the compiler keeps vf_store's unaligned store unaligned.
 * Without it GCC 12 turned one into an aligned 64-byte vmovaps, which
 * faults in AddressSanitizer's fake stack frames (make test SANITIZE=1
 * detects use after return; those frames are 32-byte aligned). */
static inline void *vec_lane_buffer(void *p)
{
    __asm__("" : "+r"(p));
    return p;
}

/* Every layer but the baseline has fused multiply-add, and with it the whole
 * contract above. */
#ifndef VEC_HAVE_FMA
#define VEC_HAVE_FMA 1
#endif

/* Layers without 16-bit loads and stores convert with scalar code. */
#ifndef VEC_HAVE_HALF
#define VEC_HAVE_HALF 0
#endif
#ifndef VEC_HAVE_BF16_NATIVE
#define VEC_HAVE_BF16_NATIVE 0
#endif

#if VEC_HAVE_FMA && !defined(VEC_HAVE_NATIVE_MATH)
#include "vec_math.h"
#endif

/* descent_<isa>_<name>: one symbol per ISA from one source. */
#define VEC_CONCAT_(a, b, c) a##b##_##c
#define VEC_CONCAT(a, b, c) VEC_CONCAT_(a, b, c)
#define VEC_FN(name) VEC_CONCAT(descent_, VEC_ISA_NAME, name)

/* Lanes in the vector that starts at element i of an n-element array. */
static inline size_t vec_lanes(size_t n, size_t i)
{
    return n - i < VEC_WIDTH ? n - i : VEC_WIDTH;
}
/* Whole-vector access in the body, partial only at the tail: the same
 * arithmetic runs on every lane, so a tail element gets exactly the bits it
 * would get inside the body.  (A layer whose partial access is as cheap as a
 * whole one, SVE's predicated loads, defines its own.) */
#ifndef VEC_HAVE_LOAD_N
static inline vf vf_load_n(const float *p, size_t lanes)
{
    return lanes == VEC_WIDTH ? vf_load(p) : vf_load_partial(p, lanes);
}
static inline void vf_store_n(float *p, vf v, size_t lanes)
{
    if (lanes == VEC_WIDTH)
        vf_store(p, v);
    else
        vf_store_partial(p, v, lanes);
}
#endif

#endif
