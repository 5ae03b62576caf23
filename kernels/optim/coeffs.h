/* Helpers shared by the vector kernels.  The per-step scalars are computed
 * in double from the step number and rounded to float once, as the
 * reference does, so every variant broadcasts the same numbers; the
 * per-element pieces that several optimizers share are written once here. */
#ifndef DESCENT_OPTIM_COEFFS_H
#define DESCENT_OPTIM_COEFFS_H

#include <math.h>

#include "../kernel.h"
#include "../vec/vec.h"

/* 1 - beta^t */
static inline double bias_correction(double beta, long t)
{
    return 1.0 - pow(beta, (double)t);
}

/* A double hyperparameter rounded to float and broadcast. */
static inline vf vf_param(double x)
{
    return vf_set1((float)x);
}

/* PyTorch's L2 weight decay, g + wd p.  Kept unfused (a rounded product,
 * then the sum): where g and wd p nearly cancel, an FMA moved the result
 * further from the reference than the agreement tolerance allows. */
static inline vf with_weight_decay(vf g, vf p, vf wd)
{
    return vf_add(g, vf_mul(wd, p));
}

/* The exponential moving average beta avg + (1 - beta) x of the first
 * moments (Adam, AdamW, NAdam, RAdam, Adamax), one FMA. */
static inline vf vf_ema(vf beta, vf avg, vf one_minus_beta, vf x)
{
    return vf_fma(beta, avg, vf_mul(one_minus_beta, x));
}

/* An average of squares beta avg + (1 - beta) x^2, bit for bit as the
 * reference's ref_ema_square and PyTorch's addcmul form it:
 * fma((1 - beta) x, x, beta avg).  x*x on its own would overflow from
 * |x| ~ 1.8e19, where PyTorch's average is still finite. */
static inline vf vf_ema_square(vf beta, vf avg, vf one_minus_beta, vf x)
{
    return vf_fma(vf_mul(one_minus_beta, x), x, vf_mul(beta, avg));
}

/* torch.optim's maximize: -g, exactly (a multiply by -1 keeps the sign of
 * a zero as the reference's negation does). */
static inline vf ascent(int maximize, vf g)
{
    return maximize ? vf_mul(vf_set1(-1.0f), g) : g;
}

#endif
