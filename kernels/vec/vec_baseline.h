/* The vector layer of the baseline target, for code compiled without any
 * -m flags (bench/ceiling.c's "scalar" build): GCC's generic vectors of 4
 * floats, which become SSE2 on x86-64 and Advanced SIMD on aarch64.
 *
 * A subset of vec.h's contract: vf_zero vf_set1 vf_load vf_store
 * vf_load_partial vf_store_partial vf_add vf_sub vf_mul vf_div
 * vf_reduce_add.  No vf_fma (baseline x86-64 has no FMA instruction:
 * VEC_HAVE_FMA is 0) and none of the functions built on it, so the
 * optimizer kernels are never compiled with this layer. */
#ifndef DESCENT_VEC_BASELINE_H
#define DESCENT_VEC_BASELINE_H

#include <stddef.h>
#include <string.h>

#define VEC_WIDTH 4
#define VEC_REGISTERS 16 /* x86-64's xmm0-15 (aarch64 has 32) */
#define VEC_ISA_NAME scalar
#define VEC_HAVE_FMA 0
#if defined(__x86_64__) || defined(__i386__)
#define VEC_REGISTER_NAME "SSE2 (baseline)"
#else
#define VEC_REGISTER_NAME "baseline"
#endif

typedef float vf __attribute__((vector_size(16)));
/* The same vector at any float alignment, for loads and stores. */
typedef float vf_unaligned __attribute__((vector_size(16), aligned(4)));

static inline vf vf_zero(void) { return (vf){0}; }
static inline vf vf_set1(float x) { return (vf){x, x, x, x}; }
static inline vf vf_load(const float *p) { return *(const vf_unaligned *)p; }
static inline void vf_store(float *p, vf v) { *(vf_unaligned *)p = v; }
static inline vf vf_load_partial(const float *p, size_t count)
{
    vf v = vf_zero();
    memcpy(&v, p, count * sizeof(float));
    return v;
}
static inline void vf_store_partial(float *p, vf v, size_t count)
{
    memcpy(p, &v, count * sizeof(float));
}

static inline vf vf_add(vf a, vf b) { return a + b; }
static inline vf vf_sub(vf a, vf b) { return a - b; }
static inline vf vf_mul(vf a, vf b) { return a * b; }
static inline vf vf_div(vf a, vf b) { return a / b; }

static inline float vf_reduce_add(vf v)
{
    return (v[0] + v[1]) + (v[2] + v[3]);
}

#endif
