/* Helpers for the per-step scalars of the vector kernels.  They are
 * computed in double from the step number and rounded to float once, as the
 * reference does, so every variant broadcasts the same numbers. */
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

#endif
