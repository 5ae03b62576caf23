/*
 * OpenMP as a layer over any kernel: each thread takes an equal contiguous
 * share of the arrays and runs the kernel on it in blocks that fit in L2
 * together with their state (reductions keep fixed blocks, combined in
 * block order).  Boundaries are multiples of 64 elements, so every vector
 * kernel sees whole vectors except in the last block, and since kernels
 * are elementwise the result is the same bits for any thread count.
 */
#include <math.h>
#include <stdlib.h>

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

/* Arrays of fewer elements than this run on one thread whatever the
 * thread count: below it a second thread costs more (its fork and join,
 * and the other core's caches missing the arrays) than it saves.  Measured
 * on the 2-core AVX-512 development machine (AMD EPYC, 1 MiB L2 a core),
 * idle, the fastest of 7 repetitions of
 *   descent-bench --benchmark_filter=BM_threshold/adam --benchmark_repetitions=7
 *       --benchmark_min_time=0.05
 * in a build with EXTRA_CFLAGS=-DPARALLEL_MIN_ELEMENTS=0 (bench/README.md):
 *   Adam, avx512   16 Ki   32 Ki   64 Ki  128 Ki  256 Ki  512 Ki parameters
 *   1 thread, us    2.33    4.65   10.25   23.73   63.63  119.80
 *   2 threads, us   2.36    5.14    9.52   17.01   33.80   71.06
 * so a second thread pays from 64 Ki on (by 7% there, 1.4x at 128 Ki) and
 * costs 10% at 32 Ki, where it ran before. */
#ifndef PARALLEL_MIN_ELEMENTS
#define PARALLEL_MIN_ELEMENTS ((size_t)65536)
#endif

/* The threads to share the `blocks` blocks of n elements over: 1 (run the
 * kernel whole) unless there are two blocks or more, at least
 * PARALLEL_MIN_ELEMENTS, and more than one thread is asked for (<= 0:
 * OpenMP's default); never more threads than blocks. */
static int threads_for_blocks(size_t n, size_t blocks, int threads)
{
#if DESCENT_HAVE_OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
    if (blocks < 2 || threads < 2 || n < PARALLEL_MIN_ELEMENTS)
        return 1;
    return (size_t)threads > blocks ? (int)blocks : threads;
#else
    (void)n, (void)blocks, (void)threads;
    return 1;
#endif
}

int descent_parallel_splits(size_t n)
{
    return n > BLOCK_ELEMENTS && n >= PARALLEL_MIN_ELEMENTS;
}

void descent_parallel_for_blocks(size_t n, int threads,
                                 void (*block)(void *ctx, size_t start, size_t len), void *ctx)
{
    const size_t blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
    threads = threads_for_blocks(n, blocks, threads);
    if (threads == 1) {
        block(ctx, 0, n);
        return;
    }
#if DESCENT_HAVE_OPENMP
#pragma omp parallel num_threads(threads)
    {
        /* each thread's run contiguous and the same from call to call, so
         * a thread steps the parameters that the same thread of the MLP's
         * region computed (src/mlp.c), in its core's caches; the earlier
         * split by whole 16 Ki blocks gave the 784-128-10 MLP's 101 770
         * parameters 65 536 to one thread and 36 234 to the other */
        size_t start, end;
        descent_thread_share(n, 64, omp_get_thread_num(), omp_get_num_threads(), &start, &end);
        for (; start < end; start += BLOCK_ELEMENTS)
            block(ctx, start, end - start < BLOCK_ELEMENTS ? end - start : BLOCK_ELEMENTS);
    }
#endif
}

typedef struct step_call {
    descent_kernel_fn kernel;
    const descent_step *step;
    float *param;
    const float *grad;
    float *const *state;
} step_call;

static void step_block(void *ctx, size_t start, size_t len)
{
    const step_call *c = ctx;
    float *const slice[3] = {
        c->state[0] ? c->state[0] + start : NULL,
        c->state[1] ? c->state[1] + start : NULL,
        c->state[2] ? c->state[2] + start : NULL,
    };
    c->kernel(c->step, len, c->param + start, c->grad + start, slice);
}

/* One tensor's step in its two passes on `threads` threads: each thread
 * reduces its share (cut at chunks) into the chunks' slots, every thread
 * then adds all the slots in chunk order (the same totals, no second
 * wait) and applies the step to its share.  0 if it could not (one thread
 * is enough, or no memory for the slots): the caller runs the kernel whole. */
static int tensor_step_shared(const descent_tensor_passes *passes, const descent_step *step,
                              size_t n, float *param, const float *grad, float *const state[3],
                              int threads)
{
#if DESCENT_HAVE_OPENMP
    const size_t blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
    threads = threads_for_blocks(n, blocks, threads);
    if (threads == 1)
        return 0;
    const size_t chunks = (n + DESCENT_TENSOR_CHUNK - 1) / DESCENT_TENSOR_CHUNK;
    float *sums = malloc(chunks * DESCENT_TENSOR_SUMS * sizeof *sums);
    if (!sums)
        return 0;
#pragma omp parallel num_threads(threads)
    {
        size_t start, end;
        descent_thread_share(n, DESCENT_TENSOR_CHUNK, omp_get_thread_num(), omp_get_num_threads(),
                             &start, &end);
        float *const slice[3] = {
            state[0] ? state[0] + start : NULL,
            state[1] ? state[1] + start : NULL,
            state[2] ? state[2] + start : NULL,
        };
        if (start < end)
            passes->reduce(step, end - start, param + start, grad + start, slice,
                           sums + start / DESCENT_TENSOR_CHUNK * DESCENT_TENSOR_SUMS);
#pragma omp barrier
        double totals[DESCENT_TENSOR_SUMS] = {0};
        for (size_t c = 0; c < chunks; c++)
            for (int k = 0; k < DESCENT_TENSOR_SUMS; k++)
                totals[k] += sums[c * DESCENT_TENSOR_SUMS + k];
        if (start < end)
            passes->apply(step, end - start, param + start, slice, totals);
    }
    free(sums);
    return 1;
#else
    (void)passes, (void)step, (void)n, (void)param, (void)grad, (void)state, (void)threads;
    return 0;
#endif
}

void descent_parallel_step(descent_kernel_fn kernel, const descent_tensor_passes *passes,
                           const descent_step *step, size_t n, float *param,
                           const float *grad, float *const state[3], int threads)
{
    if (descent_kernel_per_tensor(step->kind)) { /* one tensor: its reduction is whole */
        if (!passes || !passes->reduce ||
            !tensor_step_shared(passes, step, n, param, grad, state, threads))
            kernel(step, n, param, grad, state);
        return;
    }
    step_call c = {kernel, step, param, grad, state};
    descent_parallel_for_blocks(n, threads, step_block, &c);
}

size_t descent_parallel_first_nonfinite(descent_finite_fn check, size_t n, const float *x,
                                        int threads)
{
    const size_t blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
    threads = threads_for_blocks(n, blocks, threads);
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

size_t descent_parallel_block_count(size_t n)
{
    return n ? (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS : 1;
}

void descent_parallel_reduce_blocks(size_t n, int threads,
                                    float (*reduce)(void *ctx, size_t start, size_t len),
                                    void *ctx, float *partial)
{
    const size_t blocks = descent_parallel_block_count(n);
    if (n == 0) {
        partial[0] = reduce(ctx, 0, 0);
        return;
    }
    threads = threads_for_blocks(n, blocks, threads);
    (void)threads; /* without OpenMP */
#if DESCENT_HAVE_OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (size_t b = 0; b < blocks; b++)
        partial[b] = reduce(ctx, block_start(b), block_length(n, b));
}

/* Each block's sum lands in its own slot and the slots are combined in block
 * order, so the thread count changes who computes a block, never the order
 * of the additions. */
double descent_parallel_norm_sum(descent_norm_sum_fn fn, size_t n, const float *x, double p,
                                 int threads)
{
    const size_t blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
    double one_slot, *slots = blocks > 1 ? malloc(blocks * sizeof *slots) : &one_slot;
    if (!slots) /* no memory for the slots: the same order, on this thread */
        threads = 1;
    threads = threads_for_blocks(n, blocks, threads);
    double total = 0;
    if (slots) {
#if DESCENT_HAVE_OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
        for (size_t b = 0; b < blocks; b++)
            slots[b] = fn(block_length(n, b), x + block_start(b), p);
    }
    for (size_t b = 0; b < blocks; b++) {
        const double part = slots ? slots[b] : fn(block_length(n, b), x + block_start(b), p);
        /* max keeps a NaN, as torch's norm does */
        total = isinf(p) ? (part != part || total != total ? NAN : fmax(total, part))
                         : total + part;
    }
    if (slots != &one_slot)
        free(slots);
    return total;
}

typedef struct map_call {
    descent_scale_fn scale;
    descent_clamp_fn clamp;
    float *x;
    float a, b;
} map_call;

static void map_block(void *ctx, size_t start, size_t len)
{
    const map_call *c = ctx;
    if (c->scale)
        c->scale(len, c->x + start, c->a);
    else
        c->clamp(len, c->x + start, c->a, c->b);
}

void descent_parallel_scale(descent_scale_fn fn, size_t n, float *x, float factor, int threads)
{
    map_call c = {.scale = fn, .x = x, .a = factor};
    descent_parallel_for_blocks(n, threads, map_block, &c);
}

void descent_parallel_clamp(descent_clamp_fn fn, size_t n, float *x, float lo, float hi,
                            int threads)
{
    map_call c = {.clamp = fn, .x = x, .a = lo, .b = hi};
    descent_parallel_for_blocks(n, threads, map_block, &c);
}
