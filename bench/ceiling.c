/*
 * Ceiling kernels for descent-bench: the memory traffic of each optimizer
 * access pattern with trivial arithmetic, STREAM's triad, and a
 * register-only multiply-add loop for the compute peak.  Compiled once per
 * ISA with that ISA's flags (BENCH_ISA = scalar | avx2 | avx512, see the
 * Makefile), -O3, and -ffp-contract=fast so that the vector builds fuse
 * a*b+c into FMA instructions.  See bench.h.
 */
#include <stddef.h>

#include "bench.h"

#ifndef BENCH_ISA
#error "compile with -DBENCH_ISA=scalar|avx2|avx512"
#endif
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(name, BENCH_ISA)

#define BENCH_ISA_scalar 0
#define BENCH_ISA_avx2 1
#define BENCH_ISA_avx512 2
#define ISA_NUM CAT(BENCH_ISA_, BENCH_ISA)

/* The loops; `omp parallel for simd` when threaded, `omp simd` else. */
#define LOOP_2R1W                                                                  \
    for (size_t i = 0; i < n; i++)                                                 \
        a0[i] = a0[i] + s * a1[i];
#define LOOP_3R2W                                                                  \
    for (size_t i = 0; i < n; i++) {                                               \
        float t = a1[i] * s + a2[i];                                               \
        a1[i] = t;                                                                 \
        a0[i] = a0[i] + s * t;                                                     \
    }
#define LOOP_4R3W                                                                  \
    for (size_t i = 0; i < n; i++) {                                               \
        float t1 = a1[i] * s + a3[i];                                              \
        float t2 = a2[i] * s + a3[i];                                              \
        a1[i] = t1;                                                                \
        a2[i] = t2;                                                                \
        a0[i] = a0[i] + s * (t1 + t2);                                             \
    }

void FN(bench_ceiling_rw_)(bench_pattern p, size_t n, float *const *a, int threads)
{
    float *restrict a0 = a[0];
    float *restrict a1 = a[1];
    float *restrict a2 = p >= PATTERN_3R2W ? a[2] : NULL;
    float *restrict a3 = p >= PATTERN_4R3W ? a[3] : NULL;
    const float s = 1e-7f;
    if (threads > 1) {
        switch (p) {
        case PATTERN_2R1W:
#pragma omp parallel for simd schedule(static) num_threads(threads)
            LOOP_2R1W
            break;
        case PATTERN_3R2W:
#pragma omp parallel for simd schedule(static) num_threads(threads)
            LOOP_3R2W
            break;
        default:
#pragma omp parallel for simd schedule(static) num_threads(threads)
            LOOP_4R3W
            break;
        }
    } else {
        switch (p) {
        case PATTERN_2R1W:
#pragma omp simd
            LOOP_2R1W
            break;
        case PATTERN_3R2W:
#pragma omp simd
            LOOP_3R2W
            break;
        default:
#pragma omp simd
            LOOP_4R3W
            break;
        }
    }
}

void FN(bench_ceiling_triad_)(size_t n, float *a, const float *b, const float *c, int threads)
{
    float *restrict x = a;
    const float *restrict y = b;
    const float *restrict z = c;
    const float s = 3.0f;
    if (threads > 1) {
#pragma omp parallel for simd schedule(static) num_threads(threads)
        for (size_t i = 0; i < n; i++)
            x[i] = y[i] + s * z[i];
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            x[i] = y[i] + s * z[i];
    }
}

#if ISA_NUM == 2
#define VL 16
#define NACC 16
#elif ISA_NUM == 1
#define VL 8
#define NACC 12
#else /* the baseline target: SSE2 on x86-64 (no FMA), Advanced SIMD on aarch64 */
#define VL 4
#define NACC 8
#endif

typedef float vf __attribute__((vector_size(VL * 4)));
#define SPLAT(x) ((vf){0} + (x))

/* x <- x*m + c converges to c/(1-m): no overflow, no denormals. */
double FN(bench_ceiling_fma_)(long iters)
{
    vf acc[NACC];
    for (int j = 0; j < NACC; j++)
        acc[j] = SPLAT(1.0f + 0.01f * (float)j);
    vf m = SPLAT(0.999f), c = SPLAT(1e-3f);
    /* Hide m and c from the optimizer so the loop is not folded. */
    __asm__ volatile("" : "+x"(m), "+x"(c));
    for (long k = 0; k < iters; k++) {
#pragma GCC unroll 16
        for (int j = 0; j < NACC; j++)
            acc[j] = acc[j] * m + c;
    }
    vf sum = acc[0];
    for (int j = 1; j < NACC; j++)
        sum += acc[j];
    volatile vf sink = sum;
    (void)sink;
    return 2.0 * (double)iters * NACC * VL;
}
