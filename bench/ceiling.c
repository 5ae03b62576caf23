/*
 * Ceiling kernels for descent-bench: the memory traffic of each optimizer
 * access pattern with trivial arithmetic, STREAM's triad, and a
 * register-only multiply-add loop for the compute peak.  Written over the
 * vector layer of the kernels (kernels/vec/vec.h) and compiled once per ISA
 * like them (the Makefile: the ISA's flags and DESCENT_VEC_ISA, the
 * baseline layer for the "scalar" build), -O3, and -ffp-contract=fast for
 * the scalar tails.  Each build defines one table, bench_<isa>_ceiling (see
 * bench.h).
 */
#include <stddef.h>

#include "../kernels/kernel.h" /* descent_parallel_splits */
#include "../kernels/vec/vec.h"
#include "bench.h"
#include "config.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

#define VL VEC_WIDTH

/* a*b + c: one FMA where the layer has it, else a multiply and an add. */
static inline vf madd(vf a, vf b, vf c)
{
#if VEC_HAVE_FMA
    return vf_fma(a, b, c);
#else
    return vf_add(vf_mul(a, b), c);
#endif
}

/* Independent accumulators of the peak loop: enough chains to cover the
 * multiply-add latency on two ports, within the register file (16 of 32
 * registers, 12 of 16 leaving room for the constants; 8 for the baseline's
 * separate multiply and add). */
#if !VEC_HAVE_FMA
#define NACC 8
#define MADD_NAME "mul + add"
#elif VEC_REGISTERS >= 32
#define NACC 16
#define MADD_NAME "FMA"
#else
#define NACC 12
#define MADD_NAME "FMA"
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

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
    const vf vs = vf_set1(s);
    size_t i = lo;
    switch (p) {
    case PATTERN_2R1W:
        for (; i + VL <= hi; i += VL)
            vf_store(a0 + i, madd(vs, vf_load(a1 + i), vf_load(a0 + i)));
        for (; i < hi; i++)
            a0[i] = a0[i] + s * a1[i];
        break;
    case PATTERN_3R2W:
        for (; i + VL <= hi; i += VL) {
            const vf t = madd(vs, vf_load(a2 + i), vf_load(a1 + i));
            vf_store(a1 + i, t);
            vf_store(a0 + i, madd(vs, t, vf_load(a0 + i)));
        }
        for (; i < hi; i++) {
            const float t = a1[i] + s * a2[i];
            a1[i] = t;
            a0[i] = a0[i] + s * t;
        }
        break;
    default:
        for (; i + VL <= hi; i += VL) {
            const vf g = vf_mul(vs, vf_load(a3 + i));
            const vf t1 = vf_add(vf_load(a1 + i), g), t2 = vf_add(vf_load(a2 + i), g);
            vf_store(a1 + i, t1);
            vf_store(a2 + i, t2);
            vf_store(a0 + i, madd(vs, vf_add(t1, t2), vf_load(a0 + i)));
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
 * static schedule of the library's block layer gives.  Below the
 * library's one-thread threshold (descent_parallel_splits) it runs on one
 * thread, as the kernels do: the ceiling is the fastest one pass can go on
 * `threads` threads, and there a fork and join cost more than a second
 * core saves (an L2-sized pass forked every time ran at 0.34-0.48 of the
 * one-thread pass on a PVM guest). */
static void rw(bench_pattern p, size_t n, float *const *a, float s, int threads)
{
    if (threads <= 1 || !descent_parallel_splits(n)) {
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

static void triad(size_t n, float *a, const float *b, const float *c, int threads)
{
    float *restrict x = a;
    const float *restrict y = b;
    const float *restrict z = c;
    const float s = 3.0f;
    if (threads > 1 && descent_parallel_splits(n)) { /* as rw */
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
static double fma_peak(long iters)
{
    vf acc[NACC];
    for (int j = 0; j < NACC; j++)
        acc[j] = vf_set1(1.0f + 0.01f * (float)j);
    vf m = vf_set1(0.999f), c = vf_set1(1e-3f);
    /* Hide m and c from the optimizer so the loop is not folded. */
    __asm__ volatile("" : "+x"(m), "+x"(c));
    for (long k = 0; k < iters; k++) {
#pragma GCC unroll 16
        for (int j = 0; j < NACC; j++)
            acc[j] = madd(acc[j], m, c);
    }
    vf sum = acc[0];
    for (int j = 1; j < NACC; j++)
        sum = vf_add(sum, acc[j]);
    volatile vf sink = sum;
    (void)sink;
    return 2.0 * (double)iters * NACC * VL;
}

/* The multiply-add rate a GEMM's register tile can reach: the peak loop's
 * FMAs fed from L1 as the broadcast tile of kernels/mlp/gemm.c feeds them.
 * Per k, TILE_NV vector loads of a B panel and TILE_MR broadcasts of an A
 * panel feed TILE_MR x TILE_NV independent accumulators (8 x 3 with 32
 * registers, 6 x 2 with 16: the tiles of gemm.c), over panels of TILE_K
 * values of k that stay in L1 (14 KB with AVX-512).  The register-only
 * loop above has no loads at all; a GEMM cannot do without them, so this
 * is the ceiling its kernels are held to (BM_peak_tile, the MLP rows'
 * tile_fraction).  Sums grow by at most 3.5e-5 per k: no overflow, no
 * denormals. */
#if VEC_REGISTERS >= 32
#define TILE_MR 8
#define TILE_NV 3
#else
#define TILE_MR 6
#define TILE_NV 2
#endif
#define TILE_K 64

static double fma_tile_l1(long iters)
{
    float a_panel[TILE_K * TILE_MR] __attribute__((aligned(64)));
    float b_panel[TILE_K * TILE_NV * VEC_MAX_WIDTH]
        __attribute__((aligned(64)));
    for (int i = 0; i < TILE_K * TILE_MR; i++)
        a_panel[i] = 1e-3f * (float)(1 + i % 7);
    for (int i = 0; i < TILE_K * TILE_NV * (int)VL; i++)
        b_panel[i] = 1e-3f * (float)(1 + i % 5);
    const float *a = a_panel, *b = b_panel;
    /* The compiler must not know the panels' values (nor fold the loop). */
    __asm__ volatile("" : "+r"(a), "+r"(b)::"memory");
    vf acc[TILE_MR][TILE_NV];
    for (int i = 0; i < TILE_MR; i++)
        for (int j = 0; j < TILE_NV; j++)
            acc[i][j] = vf_zero();
    const long rounds = (iters + TILE_K - 1) / TILE_K;
    for (long r = 0; r < rounds; r++)
        for (int k = 0; k < TILE_K; k++) {
            vf bk[TILE_NV];
#pragma GCC unroll 4
            for (int j = 0; j < TILE_NV; j++)
                bk[j] = vf_load(b + (k * TILE_NV + j) * (int)VL);
#pragma GCC unroll 8
            for (int i = 0; i < TILE_MR; i++) {
                const vf ai = vf_set1(a[k * TILE_MR + i]);
#pragma GCC unroll 4
                for (int j = 0; j < TILE_NV; j++)
                    acc[i][j] = madd(ai, bk[j], acc[i][j]);
            }
        }
    vf sum = vf_zero();
    for (int i = 0; i < TILE_MR; i++)
        for (int j = 0; j < TILE_NV; j++)
            sum = vf_add(sum, acc[i][j]);
    volatile vf sink = sum;
    (void)sink;
    return 2.0 * (double)(rounds * TILE_K) * TILE_MR * TILE_NV * VL;
}

#define CEILING_TABLE VEC_CONCAT(bench_, VEC_ISA_NAME, ceiling)
const bench_ceiling_kernels CEILING_TABLE = {
    .width = VEC_WIDTH,
    .rw = rw,
    .triad = triad,
    .fma = {[BENCH_PEAK_REGISTERS] = fma_peak, [BENCH_PEAK_TILE] = fma_tile_l1},
    .peak_label = {[BENCH_PEAK_REGISTERS] = STR(NACC) " " VEC_REGISTER_NAME " accumulators, " MADD_NAME,
                   [BENCH_PEAK_TILE] = STR(TILE_MR) " x " STR(TILE_NV) " " VEC_REGISTER_NAME
                                       " tile, operands from L1"},
};
