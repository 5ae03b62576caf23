/*
 * descent_precision.h — mixed-precision optimizer steps (included by
 * descent.h): parameters and gradients stored as fp32, bf16 or fp16, state
 * as fp32 or bf16, arithmetic in fp32, as DeepSpeed's CPU Adam and
 * PyTorch's fused optimizers do.
 *
 * Every combination is defined by the reference (descent_ref_mixed_step):
 * widen every array to fp32 exactly, multiply the gradient by inv_scale
 * (when it is not 1), run the fp32 reference step, round the parameters
 * and the state back to their dtypes to nearest even (NaN stays a quiet
 * NaN, a value beyond fp16's range becomes Inf, fp16 and bf16 subnormals
 * are exact), or for bf16 parameters with stochastic_rounding, round
 * stochastically.  descent_mixed_step is the same on any variant: for SGD,
 * Adam and AdamW with nearest rounding on avx2, avx512, neon and sve, a fused
 * kernel (the fp32 kernel's one definition, instantiated for the dtypes)
 * loads the 16-bit arrays straight into vectors and rounds on the store;
 * otherwise it widens blocks of 1024 elements into L1-resident fp32
 * scratch, runs that variant's fp32 kernel on them and rounds them back.
 * The two give the same bits.  It agrees with the reference as the
 * variant's fp32 kernel does (the registry's rtol), plus one ulp of the
 * stored type where the fp32 values sit next to a rounding boundary
 * (bitwise for the scalar variant and for the kernels with rtol 0).
 *
 * Stochastic rounding: the 16 bits below a bf16 are added to 16 random
 * bits and truncated, so a value rounds up with probability equal to its
 * distance from the bf16 below, in units of a bf16 ulp (unbiased; NaN and
 * Inf as for nearest; the largest finite values can round up to Inf).  The
 * bits of element i at step t are a pure function of (seed, t, i): a
 * counter-based generator (Philox4x32-10, kernels/philox.h), so the result
 * is the same bits for any thread count, block split and variant.
 *
 * Loss scaling (fp16): with found_inf non-NULL the step first checks every
 * gradient element as stored (before inv_scale, as PyTorch's
 * _amp_foreach_non_finite_check_and_unscale_ does); if any is NaN or Inf,
 * *found_inf = 1 and nothing changes (parameters, state, mu_product), else
 * *found_inf = 0 and the step is taken.  NULL: no check (NaN propagates).
 */
#ifndef DESCENT_PRECISION_H
#define DESCENT_PRECISION_H

#include <stddef.h>
#include <stdint.h>

typedef enum descent_dtype {
    DESCENT_FP32, /* IEEE binary32                                      */
    DESCENT_BF16, /* bfloat16: fp32's upper 16 bits (8 exponent, 7 mantissa) */
    DESCENT_FP16, /* IEEE binary16 (5 exponent, 10 mantissa; max 65504)  */
    DESCENT_DTYPE_COUNT
} descent_dtype;

/* "fp32", "bf16", "fp16" (NULL for no dtype); the inverse is
 * DESCENT_ERR_INVALID for an unknown name.  Bytes per element (0 for no
 * dtype). */
const char *descent_dtype_name(descent_dtype dtype);
descent_status descent_dtype_from_name(const char *name, descent_dtype *dtype);
size_t descent_dtype_size(descent_dtype dtype);

/* The scalar conversions (the reference's): widening is exact (a signaling
 * fp16 NaN becomes quiet, a bf16's bits are fp32's upper half); narrowing
 * rounds to nearest even. */
float descent_bf16_to_float(uint16_t x);
uint16_t descent_float_to_bf16(float x);
float descent_fp16_to_float(uint16_t x);
uint16_t descent_float_to_fp16(float x);
/* dst[i] = src[i] converted from dtype `from` to `to` (same rules), i < n. */
void descent_convert(size_t n, descent_dtype from, const void *src, descent_dtype to, void *dst);

typedef struct descent_precision {
    descent_dtype param, grad, state; /* state: fp32 or bf16 */
    int stochastic_rounding;          /* 1: bf16 parameters rounded stochastically */
    unsigned long long seed;          /* the generator's key for that */
    float inv_scale;                  /* the gradient is multiplied by it; > 0, finite */
} descent_precision;

/* fp32 everywhere, nearest rounding, inv_scale 1. */
void descent_precision_default(descent_precision *p);

/* One step t (1-based) of `kind` on n elements stored as p says: param
 * (p->param), grad (p->grad, read only) and state[0..2] (p->state, in the
 * reference's order; the unused ones, descent_optim_state_used, may be
 * NULL; they start as the fp32 reference's do, converted).  mu_product is
 * NAdam's running product (1.0 before the first step; advanced by a taken
 * step; may be NULL for the others).  exec: the variant and threads (NULL:
 * the best, OpenMP's default); the result is the same bits for any thread
 * count.  found_inf: see above.  DESCENT_ERR_INVALID for a NULL array, a
 * bad dtype (fp16 state), stochastic rounding of non-bf16 parameters, an
 * inv_scale that is not > 0 and finite, t < 1, or invalid hyperparameters;
 * DESCENT_ERR_ISA for a variant this machine cannot run. */
descent_status descent_mixed_step(descent_optim_kind kind, const descent_hparams *h, long t,
                                  double *mu_product, size_t n, void *param, const void *grad,
                                  void *const state[3], const descent_precision *p,
                                  const descent_exec *exec, int *found_inf);
/* The definition: widen, the fp32 reference step, round (arguments as
 * above, on one thread, with fp32 copies of the n elements; DESCENT_ERR_NOMEM
 * when they cannot be allocated). */
descent_status descent_ref_mixed_step(descent_optim_kind kind, const descent_hparams *h, long t,
                                      double *mu_product, size_t n, void *param,
                                      const void *grad, void *const state[3],
                                      const descent_precision *p, int *found_inf);

/* An optimizer object (descent.h) whose parameters and state are kept at
 * these dtypes' precision: after every step taken, the parameters and the
 * state arrays are rounded to nearest even in place (the arrays stay fp32,
 * holding bf16 or fp16 values), the numbers descent_mixed_step gives with
 * fp32 gradients and the arrays stored at those dtypes.  Round the initial
 * parameters once (descent_convert there and back); the state is rounded
 * here and at reset.  For the memory savings, call descent_mixed_step on
 * 16-bit arrays.  `descent train --param-dtype/--state-dtype` uses this.
 * DESCENT_ERR_INVALID for a NULL opt or dtypes outside param fp32/bf16/fp16,
 * state fp32/bf16. */
descent_status descent_optimizer_set_storage(descent_optimizer *opt, descent_dtype param,
                                             descent_dtype state);
/* After set_storage with bf16 parameters: stochastic != 0 rounds them
 * stochastically after each step instead (the state stays nearest even):
 * the bits descent_mixed_step gives with stochastic_rounding and this seed,
 * the optimizer's element i being element first + i of that call's array
 * (0, unless this optimizer steps a part of a larger vector, as a ZeRO
 * shard does), at the optimizer's step t; the same for any thread count.
 * 0 goes back to nearest; set_storage does too.  `descent train
 * --stochastic-rounding` uses this.  DESCENT_ERR_INVALID for a NULL opt or
 * stochastic rounding of parameters not stored as bf16. */
descent_status descent_optimizer_set_storage_rounding(descent_optimizer *opt, int stochastic,
                                                      unsigned long long seed, size_t first);

#endif
