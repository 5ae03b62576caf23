/*
 * The one signature every optimizer variant has, so that the OpenMP layer,
 * the dispatch table, the tests and the benchmarks treat them alike, and
 * the table of each ISA's kernels.
 *
 * A kernel updates elements [0, n) of param and of the state arrays in place
 * from grad; it touches nothing else, so running it on disjoint slices gives
 * the same bits as running it on the whole array (the basis of threading).
 */
#ifndef DESCENT_KERNEL_H
#define DESCENT_KERNEL_H

#include "descent.h"
#include "mlp_kernel.h"

/* Everything about one step that does not depend on the element index. */
typedef struct descent_step {
    descent_optim_kind kind;
    const descent_hparams *h;
    long t;                   /* 1-based step number */
    double mu_product_before; /* NAdam: mu_1*...*mu_{t-1} (1.0 at t = 1) */
} descent_step;

typedef void descent_kernel(const descent_step *step, size_t n, float *param,
                            const float *grad, float *const state[3]);
typedef descent_kernel *descent_kernel_fn;

/* A per-tensor optimizer (DESCENT_PER_TENSOR_OPTIMIZERS: LAMB) in the two
 * passes its step has, so that the OpenMP layer can share one tensor out
 * and still reduce it in one order (descent_parallel_step).  reduce updates
 * the state of [0, n) and writes DESCENT_TENSOR_SUMS float sums for each
 * chunk of DESCENT_TENSOR_CHUNK elements from 0 (the last chunk may be
 * short) to chunk_sums; the caller adds the chunks' sums in double in chunk
 * order, and apply steps param[0, n) with those totals.  Shares cut at
 * multiples of DESCENT_TENSOR_CHUNK therefore give the bits of one call of
 * the whole kernel, which is the same two passes over all n. */
#define DESCENT_TENSOR_CHUNK 256 /* a multiple of every vector width (SVE's: up to 64) */
#define DESCENT_TENSOR_SUMS 2    /* LAMB: the sums of p^2 and of u^2 */
typedef void descent_tensor_reduce(const descent_step *step, size_t n, const float *param,
                                   const float *grad, float *const state[3],
                                   float *chunk_sums);
typedef void descent_tensor_apply(const descent_step *step, size_t n, float *param,
                                  float *const state[3],
                                  const double totals[DESCENT_TENSOR_SUMS]);
typedef struct descent_tensor_passes {
    descent_tensor_reduce *reduce; /* NULL: no passes, the kernel runs whole */
    descent_tensor_apply *apply;
} descent_tensor_passes;

/* The non-finite check (kernels/check/finite.c, one per ISA): the index of
 * the first element of x[0, n) that is NaN, +Inf or -Inf, or n if all are
 * finite. */
typedef size_t descent_finite_check(size_t n, const float *x);
typedef descent_finite_check *descent_finite_fn;

/* L-BFGS's vector work (kernels/lbfgs/vector.c per ISA; kernels/scalar.c):
 * dot, sum of |x| and max |x| over [0, n) in one fixed order for a given n
 * (src/lbfgs.c calls them per block and combines the blocks in order), and
 * the elementwise axpy (y += a x, fused on the vector ISAs), scale
 * (out = a x) and sub (out = a - b). */
typedef struct descent_lbfgs_kernels {
    float (*dot)(size_t n, const float *x, const float *y);
    float (*abs_sum)(size_t n, const float *x);
    float (*abs_max)(size_t n, const float *x);
    void (*axpy)(size_t n, float a, const float *x, float *y);
    void (*scale)(size_t n, float a, const float *x, float *out);
    void (*sub)(size_t n, const float *a, const float *b, float *out);
} descent_lbfgs_kernels;
/* y[i] = f(x[i]) for i < n: the vector layer's exp and tanh (SLEEF or
 * kernels/vec/vec_math.h; libm's expf/tanhf for scalar), which the MLP's
 * kernels use, for measuring their error (tests/test_vec_math.c). */
typedef void descent_map(size_t n, const float *x, float *y);
typedef descent_map *descent_map_fn;
/* The clipping kernels (kernels/clip/clip.c, one per ISA).  norm_sum: the
 * sum over x[0, n) of |x|^p for a finite p > 0, or max|x| for p = INFINITY,
 * in double (the parallel layer combines blocks in block order).  scale:
 * x *= factor.  clamp: x = min(max(x, lo), hi), NaN kept. */
typedef double descent_norm_sum(size_t n, const float *x, double p);
typedef descent_norm_sum *descent_norm_sum_fn;
typedef void descent_scale(size_t n, float *x, float factor);
typedef descent_scale *descent_scale_fn;
typedef void descent_clamp(size_t n, float *x, float lo, float hi);
typedef descent_clamp *descent_clamp_fn;
/* sum_squares: the sum of x[i]^2 over x[0, n) in double, the same bits on
 * every ISA (kernels/clip/sum_squares.h): the trainer's gradient norm. */
typedef double descent_sum_squares(size_t n, const float *x);
typedef descent_sum_squares *descent_sum_squares_fn;

/* The mixed-precision conversions (kernels/convert/convert.c per ISA, the
 * reference's in kernels/scalar.c): widen n 16-bit values to fp32 exactly,
 * narrow n floats to nearest even, bit for bit as reference/precision.c. */
typedef struct descent_convert_kernels {
    void (*widen_bf16)(size_t n, const uint16_t *x, float *out);
    void (*widen_fp16)(size_t n, const uint16_t *x, float *out);
    void (*narrow_bf16)(size_t n, const float *x, uint16_t *out);
    void (*narrow_fp16)(size_t n, const float *x, uint16_t *out);
} descent_convert_kernels;

/* A fused mixed-precision kernel (kernels/optim/typed_io.h): one
 * elementwise optimizer's step on [0, n) of arrays stored at the dtypes it
 * was instantiated for, the gradient multiplied by inv_scale first (when
 * not 1), nearest-even rounding on the stores: bit for bit what widening,
 * that ISA's fp32 kernel and narrowing give, without scratch.  A table per
 * optimizer, indexed [param][grad][state] dtype, NULL where not provided. */
typedef void descent_fused_kernel(const descent_step *step, size_t n, void *param,
                                  const void *grad, void *const state[3], float inv_scale);
typedef descent_fused_kernel *descent_fused_kernel_fn;
typedef descent_fused_kernel_fn descent_fused_table[DESCENT_DTYPE_COUNT][DESCENT_DTYPE_COUNT]
                                                   [DESCENT_DTYPE_COUNT];

/* 1 for a row of DESCENT_PER_TENSOR_OPTIMIZERS (its kernel reduces over the
 * n elements it is given, so it is never cut into blocks; only its two
 * passes, descent_tensor_passes, are shared out). */
static inline int descent_kernel_per_tensor(descent_optim_kind kind)
{
#define DESCENT_X_PER_TENSOR(KIND) if (kind == DESCENT_##KIND) return 1;
    DESCENT_PER_TENSOR_OPTIMIZERS(DESCENT_X_PER_TENSOR)
#undef DESCENT_X_PER_TENSOR
    return 0;
}

/*
 * Everything one ISA provides, one table per ISA: descent_scalar_isa
 * (kernels/scalar.c: the reference behind the kernel signature and the
 * scalar gemm) and descent_<isa>_isa (kernels/isa/table.c, compiled once
 * per ISA like the kernels it collects).  Every entry is set but fused's
 * (NULL for an optimizer or a layer without fused kernels).
 */
typedef struct descent_isa_kernels {
    descent_kernel_fn optim[DESCENT_OPTIM_COUNT]; /* by descent_optim_kind */
    /* A per-tensor optimizer's kernel in its two passes (all NULL in the
     * scalar table: there the reference runs whole, on one thread). */
    descent_tensor_passes tensor_passes[DESCENT_OPTIM_COUNT];
    descent_finite_fn first_nonfinite;
    descent_norm_sum_fn norm_sum;
    descent_scale_fn scale;
    descent_clamp_fn clamp;
    descent_sum_squares_fn sum_squares;
    descent_gemm_fn gemm;       /* the MLP's products (mlp_kernel.h) */
    descent_gemm_nt_fn gemm_nt;
    descent_lbfgs_kernels lbfgs;
    descent_mlp_bias_act_fn mlp_bias_act; /* its elementwise parts (mlp_kernel.h) */
    descent_mlp_act_grad_fn mlp_act_grad;
    descent_mlp_softmax_xent_fn mlp_softmax_xent;
    descent_mlp_transpose_fn mlp_transpose;
    descent_map_fn map_exp, map_tanh; /* their exp and tanh */
    /* Bits per vector on this CPU (SVE's are known at run time only): call
     * it only where the CPU runs the ISA. */
    unsigned (*vector_bits)(void);
    descent_convert_kernels convert;  /* mixed precision's loads and stores */
    /* The fused kernels of `kind` (NULL: none).  cpu_bf16 1: those storing
     * bf16 by the CPU's own conversion, where the variant has them and this
     * CPU runs them (same bits); else the portable ones. */
    const descent_fused_table *(*fused)(descent_optim_kind kind, int cpu_bf16);
} descent_isa_kernels;

extern const descent_isa_kernels descent_scalar_isa;

/* The table of `isa`, or NULL if that variant is not compiled in (or isa is
 * not one); the one place that maps an ISA to its code (kernels/dispatch.c). */
const descent_isa_kernels *descent_isa_table(descent_isa isa);
/* 1 if this CPU (and OS) can run `isa`'s instructions, compiled in or not. */
int descent_isa_cpu_has(descent_isa isa);

/* Runs `kernel` over [0, n) split into cache-sized blocks on `threads`
 * OpenMP threads (0 = OpenMP's default).  State pointers that are NULL stay
 * NULL in every block.  A per-tensor kernel is one tensor: with `passes`
 * (non-NULL, its reduce set) the threads share out both passes, one call
 * of `kernel` otherwise; the same bits either way. */
void descent_parallel_step(descent_kernel_fn kernel, const descent_tensor_passes *passes,
                           const descent_step *step, size_t n, float *param,
                           const float *grad, float *const state[3], int threads);

/* Thread t's share [*start, *end) of n items on `threads` threads: equal
 * shares, cut at multiples of align, the same from call to call (the
 * optimizer steps' blocks, kernels/parallel.c, and the MLP's products,
 * src/mlp.c, so that a thread steps what it computed). */
static inline void descent_thread_share(size_t n, size_t align, int t, int threads,
                                        size_t *start, size_t *end)
{
    const size_t units = (n + align - 1) / align;
    const size_t lo = units * (size_t)t / (size_t)threads * align;
    const size_t hi = units * (size_t)(t + 1) / (size_t)threads * align;
    *start = lo < n ? lo : n;
    *end = hi < n ? hi : n;
}

/* 1 when descent_parallel_step would cut n elements into two blocks or
 * more and share them (below that, or below kernels/parallel.c's measured
 * PARALLEL_MIN_ELEMENTS, it runs the kernel whole, on one thread, whatever
 * the thread count). */
int descent_parallel_splits(size_t n);

/* The p-norm sum (see descent_norm_sum) of x[0, n) over the blocks of
 * descent_parallel_step, combined in block order: the same bits for any
 * thread count. */
double descent_parallel_norm_sum(descent_norm_sum_fn fn, size_t n, const float *x, double p,
                                 int threads);
/* Runs an elementwise map (scale, clamp) over the same blocks. */
void descent_parallel_scale(descent_scale_fn fn, size_t n, float *x, float factor, int threads);
void descent_parallel_clamp(descent_clamp_fn fn, size_t n, float *x, float lo, float hi,
                            int threads);

/* Runs `check` over the same blocks as descent_parallel_step and returns
 * the smallest bad index (n if none), whatever the thread count. */
size_t descent_parallel_first_nonfinite(descent_finite_fn check, size_t n, const float *x,
                                        int threads);

/* Mixed precision (kernels/mixed.c): one step of step->kind on n elements
 * stored as p says, on `isa`'s kernels and `threads` threads, per block of
 * the OpenMP layer: by isa's fused kernel for that optimizer and those
 * dtypes where there is one (nearest rounding only), else chunked: 1024
 * elements at a time are widened into fp32 scratch, stepped by isa's fp32
 * kernel and rounded back (a per-tensor optimizer's n elements in one
 * piece).  Both give the same bits, whatever the thread count.  Arguments
 * checked by the caller (descent_mixed_check_call).  The _chunked entry
 * never takes the fused kernels (tests/test_mixed.c compares the two). */
void descent_parallel_mixed_step(const descent_isa_kernels *isa, const descent_step *step,
                                 size_t n, void *param, const void *grad, void *const state[3],
                                 const descent_precision *p, int threads);
void descent_parallel_mixed_step_chunked(const descent_isa_kernels *isa,
                                         const descent_step *step, size_t n, void *param,
                                         const void *grad, void *const state[3],
                                         const descent_precision *p, int threads);
/* 1 if any of grad[0, n) (dtype `dtype`) is NaN or Inf; -1 without memory. */
int descent_parallel_mixed_nonfinite(const descent_isa_kernels *isa, size_t n,
                                     descent_dtype dtype, const void *grad, int threads);
/* block(ctx, start, len) over the blocks of [0, n), shared out statically
 * over `threads` threads (one call of the whole below the threshold). */
void descent_parallel_for_blocks(size_t n, int threads,
                                 void (*block)(void *ctx, size_t start, size_t len), void *ctx);

/* The number of blocks descent_parallel_for_blocks cuts n elements into
 * (1 for n = 0), and a reduction over them: partial[b] = reduce(ctx,
 * start, len) for every block b, on `threads` threads, the same blocks
 * whatever the thread count (so that combining partial[] in order gives
 * the same bits for any count). */
size_t descent_parallel_block_count(size_t n);
void descent_parallel_reduce_blocks(size_t n, int threads,
                                    float (*reduce)(void *ctx, size_t start, size_t len),
                                    void *ctx, float *partial);

#endif
