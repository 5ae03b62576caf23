/*
 * OpenMP as a layer over any kernel: the arrays are cut into blocks that fit
 * in L2 together with their state, and the blocks are shared out statically.
 * Block boundaries are multiples of 64 elements, so every vector kernel sees
 * whole vectors except in the last block, and since kernels are elementwise
 * the result is the same bits for any thread count.
 */
#include "config.h"
#include "kernel.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

/* 16 Ki floats = 64 KiB per array; Adam touches 4 arrays, 256 KiB a block. */
#define BLOCK_ELEMENTS ((size_t)16384)

void descent_parallel_step(descent_kernel_fn kernel, const descent_step *step,
                           size_t n, float *param, const float *grad,
                           float *const state[3], int threads)
{
    const size_t blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
#if DESCENT_HAVE_OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
    if (blocks > 1 && threads > 1) {
        if ((size_t)threads > blocks)
            threads = (int)blocks;
#pragma omp parallel for schedule(static) num_threads(threads)
        for (size_t b = 0; b < blocks; b++) {
            const size_t start = b * BLOCK_ELEMENTS;
            const size_t len = (n - start < BLOCK_ELEMENTS) ? n - start : BLOCK_ELEMENTS;
            float *const slice[3] = {
                state[0] ? state[0] + start : NULL,
                state[1] ? state[1] + start : NULL,
                state[2] ? state[2] + start : NULL,
            };
            kernel(step, len, param + start, grad + start, slice);
        }
        return;
    }
#else
    (void)threads;
    (void)blocks;
#endif
    kernel(step, n, param, grad, state);
}

size_t descent_parallel_first_nonfinite(descent_finite_fn check, size_t n, const float *x,
                                        int threads)
{
    const size_t blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
#if DESCENT_HAVE_OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
    if (blocks > 1 && threads > 1) {
        if ((size_t)threads > blocks)
            threads = (int)blocks;
        size_t first = n;
#pragma omp parallel for schedule(static) num_threads(threads) reduction(min : first)
        for (size_t b = 0; b < blocks; b++) {
            const size_t start = b * BLOCK_ELEMENTS;
            const size_t len = (n - start < BLOCK_ELEMENTS) ? n - start : BLOCK_ELEMENTS;
            const size_t bad = check(len, x + start);
            if (bad < len && start + bad < first)
                first = start + bad;
        }
        return first;
    }
#else
    (void)threads;
    (void)blocks;
#endif
    return check(n, x);
}
