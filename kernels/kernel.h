/*
 * The one signature every optimizer variant has, so that the OpenMP layer,
 * the dispatch table, the tests and the benchmarks treat them alike.
 *
 * A kernel updates elements [0, n) of param and of the state arrays in place
 * from grad; it touches nothing else, so running it on disjoint slices gives
 * the same bits as running it on the whole array (the basis of threading).
 */
#ifndef DESCENT_KERNEL_H
#define DESCENT_KERNEL_H

#include "descent.h"

/* Everything about one step that does not depend on the element index. */
typedef struct descent_step {
    descent_optim_kind kind;
    const descent_hparams *h;
    long t;                   /* 1-based step number */
    double mu_product_before; /* NAdam: mu_1*...*mu_{t-1} (1.0 at t = 1) */
} descent_step;

typedef void (*descent_kernel_fn)(const descent_step *step, size_t n, float *param,
                                  const float *grad, float *const state[3]);

/* The kernel for (isa, kind), or NULL if that variant is not compiled in. */
descent_kernel_fn descent_kernel_lookup(descent_isa isa, descent_optim_kind kind);

/* Runs `kernel` over [0, n) split into cache-sized blocks on `threads`
 * OpenMP threads (0 = OpenMP's default).  State pointers that are NULL stay
 * NULL in every block. */
void descent_parallel_step(descent_kernel_fn kernel, const descent_step *step,
                           size_t n, float *param, const float *grad,
                           float *const state[3], int threads);

/* 1 when descent_parallel_step would cut n elements into two blocks or
 * more (below that it runs the kernel whole, on one thread, whatever the
 * thread count). */
int descent_parallel_splits(size_t n);

/* The reference optimizers behind the kernel signature (the scalar row of
 * the dispatch table). */
extern const descent_kernel_fn descent_scalar_kernels[DESCENT_OPTIM_COUNT];

/* The non-finite check (kernels/check/finite.c, one per ISA): the index of
 * the first element of x[0, n) that is NaN, +Inf or -Inf, or n if all are
 * finite. */
typedef size_t (*descent_finite_fn)(size_t n, const float *x);
size_t descent_scalar_first_nonfinite(size_t n, const float *x);
/* The check for `isa`, or NULL if that variant is not compiled in. */
descent_finite_fn descent_finite_lookup(descent_isa isa);
/* Runs `check` over the same blocks as descent_parallel_step and returns
 * the smallest bad index (n if none), whatever the thread count. */
size_t descent_parallel_first_nonfinite(descent_finite_fn check, size_t n, const float *x,
                                        int threads);

#endif
