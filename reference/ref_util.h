/* Small helpers shared by the reference optimizers. */
#ifndef DESCENT_REF_UTIL_H
#define DESCENT_REF_UTIL_H

#include <math.h>

/* max() that returns NaN if either input is NaN, as torch.maximum and
 * torch.amax do (C's fmaxf would drop the NaN and hide a bad gradient). */
static inline float ref_max(float a, float b)
{
    if (a != a || b != b)
        return a != a ? a : b;
    return a > b ? a : b;
}

/* An average of squares, beta*avg + (1 - beta)*x^2, rounded as PyTorch's CPU
 * avg.mul_(beta).addcmul_(x, x, value=1 - beta) rounds it: one fused
 * multiply-add, fma((1 - beta)*x, x, beta*avg) (measured bit for bit on
 * 1.13.1).  The square is never rounded, nor overflows, on its own: x*x is
 * inf from |x| ~ 1.8e19, where ((1 - beta)*x)*x stays finite up to
 * |x| ~ sqrt(3.4e38/(1 - beta)) (5.8e20 for beta = 0.999); above that the
 * average is inf, as in PyTorch, and the step it divides is zero. */
static inline float ref_ema_square(float beta, float avg, float one_minus_beta, float x)
{
    return fmaf(one_minus_beta * x, x, beta * avg);
}

/* torch.optim's maximize: the gradient negated before anything else
 * (weight decay included), so the step ascends. */
static inline float ref_ascent(int maximize, float g)
{
    return maximize ? -g : g;
}

/* clamp(x, lo, hi) as torch.clamp: max first, then min (so lo > hi gives
 * hi), NaN in, NaN out. */
static inline float ref_clamp(float x, float lo, float hi)
{
    if (x != x)
        return x;
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

#endif
