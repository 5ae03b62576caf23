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

/* Block b of an n-element array: its first element and its length. */
static inline size_t block_start(size_t b)
{
    return b * BLOCK_ELEMENTS;
}
static inline size_t block_length(size_t n, size_t b)
{
    const size_t start = block_start(b);
    return n - start < BLOCK_ELEMENTS ? n - start : BLOCK_ELEMENTS;
}

/* The threads to share `blocks` blocks over: 1 (run the kernel whole)
 * unless there are two blocks or more and more than one thread is asked
 * for (<= 0: OpenMP's default); never more threads than blocks. */
static int threads_for_blocks(size_t blocks, int threads)
{
#if DESCENT_HAVE_OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
    if (blocks < 2 || threads < 2)
        return 1;
    return (size_t)threads > blocks ? (int)blocks : threads;
#else
    (void)blocks, (void)threads;
    return 1;
#endif
}

int descent_parallel_splits(size_t n)
{
    return n > BLOCK_ELEMENTS;
}

void descent_parallel_step(descent_kernel_fn kernel, const descent_step *step,
                           size_t n, float *param, const float *grad,
                           float *const state[3], int threads)
{
    const size_t blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
    threads = threads_for_blocks(blocks, threads);
    if (threads == 1) {
        kernel(step, n, param, grad, state);
        return;
    }
#if DESCENT_HAVE_OPENMP
#pragma omp parallel for schedule(static) num_threads(threads)
#endif
    for (size_t b = 0; b < blocks; b++) {
        const size_t start = block_start(b);
        float *const slice[3] = {
            state[0] ? state[0] + start : NULL,
            state[1] ? state[1] + start : NULL,
            state[2] ? state[2] + start : NULL,
        };
        kernel(step, block_length(n, b), param + start, grad + start, slice);
    }
}

size_t descent_parallel_first_nonfinite(descent_finite_fn check, size_t n, const float *x,
                                        int threads)
{
    const size_t blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
    threads = threads_for_blocks(blocks, threads);
    if (threads == 1)
        return check(n, x);
    size_t first = n;
#if DESCENT_HAVE_OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) reduction(min : first)
#endif
    for (size_t b = 0; b < blocks; b++) {
        const size_t start = block_start(b), len = block_length(n, b);
        const size_t bad = check(len, x + start);
        if (bad < len && start + bad < first)
            first = start + bad;
    }
    return first;
}
