/* Small helpers shared by the reference optimizers. */
#ifndef DESCENT_REF_UTIL_H
#define DESCENT_REF_UTIL_H

/* max() that returns NaN if either input is NaN, as torch.maximum and
 * torch.amax do (C's fmaxf would drop the NaN and hide a bad gradient). */
static inline float ref_max(float a, float b)
{
    if (a != a || b != b)
        return a != a ? a : b;
    return a > b ? a : b;
}

#endif
