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
#include "config.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

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
/* The same vector at any float alignment, for loads and stores. */
typedef float vf_unaligned __attribute__((vector_size(VL * 4), aligned(4)));
#define SPLAT(x) ((vf){0} + (x))
#define LOAD(p) (*(const vf_unaligned *)(p))
#define STORE(p, v) (*(vf_unaligned *)(p) = (v))

/* The in-place patterns over elements [lo, hi), written with explicit
 * vectors: one load per array and element, one store per written array
 * (GCC's auto-vectorized loop read the gradient twice per vector and ran
 * 4-6% below this in memory).  a[0] is the parameter, a[reads-1] the
 * read-only gradient, the others state; every written array gets itself
 * plus s times something, so with s = 0 the values are unchanged. */
static void rw_range(bench_pattern p, size_t lo, size_t hi, float *const *a, float s)
{
    float *restrict a0 = a[0];
    float *restrict a1 = a[1];
    float *restrict a2 = p >= PATTERN_3R2W ? a[2] : NULL;
    const float *restrict a3 = p >= PATTERN_4R3W ? a[3] : NULL;
    const vf vs = SPLAT(s);
    size_t i = lo;
    switch (p) {
    case PATTERN_2R1W:
        for (; i + VL <= hi; i += VL)
            STORE(a0 + i, LOAD(a0 + i) + vs * LOAD(a1 + i));
        for (; i < hi; i++)
            a0[i] = a0[i] + s * a1[i];
        break;
    case PATTERN_3R2W:
        for (; i + VL <= hi; i += VL) {
            const vf t = LOAD(a1 + i) + vs * LOAD(a2 + i);
            STORE(a1 + i, t);
            STORE(a0 + i, LOAD(a0 + i) + vs * t);
        }
        for (; i < hi; i++) {
            const float t = a1[i] + s * a2[i];
            a1[i] = t;
            a0[i] = a0[i] + s * t;
        }
        break;
    default:
        for (; i + VL <= hi; i += VL) {
            const vf g = vs * LOAD(a3 + i);
            const vf t1 = LOAD(a1 + i) + g, t2 = LOAD(a2 + i) + g;
            STORE(a1 + i, t1);
            STORE(a2 + i, t2);
            STORE(a0 + i, LOAD(a0 + i) + vs * (t1 + t2));
        }
        for (; i < hi; i++) {
            const float g = s * a3[i];
            const float t1 = a1[i] + g, t2 = a2[i] + g;
            a1[i] = t1;
            a2[i] = t2;
            a0[i] = a0[i] + s * (t1 + t2);
        }
        break;
    }
}

/* Threaded: contiguous parts of whole vectors, one per thread, as the
 * static schedule of the library's block layer gives. */
void FN(bench_ceiling_rw_)(bench_pattern p, size_t n, float *const *a, float s, int threads)
{
    if (threads <= 1) {
        rw_range(p, 0, n, a, s);
        return;
    }
    const size_t vectors = (n + VL - 1) / VL;
#pragma omp parallel num_threads(threads)
    {
        size_t t = 0, nt = 1;
#if DESCENT_HAVE_OPENMP
        t = (size_t)omp_get_thread_num();
        nt = (size_t)omp_get_num_threads();
#endif
        const size_t lo = vectors * t / nt * VL, hi = vectors * (t + 1) / nt * VL;
        rw_range(p, lo, hi < n ? hi : n, a, s);
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
