/*
 * A stand-in for someone else's Adam: a plain C loop with the signature of
 * descent_ref_adam (include/descent.h), built as a shared library by
 * tests/cli_bench_port.sh and timed by descent-bench --port adam=LIB:my_adam.
 * PyTorch's Adam without weight decay or AMSGrad (the benchmark's
 * configuration: the defaults).
 */
#include <math.h>

#include "descent.h"

void my_adam(const descent_hparams *h, long t, size_t n, float *param, const float *grad,
             float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq);

void my_adam(const descent_hparams *h, long t, size_t n, float *param, const float *grad,
             float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq)
{
    (void)max_exp_avg_sq;
    const float b1 = (float)h->beta1, b2 = (float)h->beta2, eps = (float)h->eps;
    const float step_size = (float)(h->lr / (1.0 - pow(h->beta1, (double)t)));
    const float bc2_sqrt = (float)sqrt(1.0 - pow(h->beta2, (double)t));
    for (size_t i = 0; i < n; i++) {
        exp_avg[i] = b1 * exp_avg[i] + (1 - b1) * grad[i];
        exp_avg_sq[i] = b2 * exp_avg_sq[i] + (1 - b2) * grad[i] * grad[i];
        param[i] -= step_size * exp_avg[i] / (sqrtf(exp_avg_sq[i]) / bc2_sqrt + eps);
    }
}
