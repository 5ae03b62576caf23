/*
 * A stand-in for someone else's Adam: a plain C loop with the signature of
 * descent_ref_adam (include/descent.h), built as a shared library by
 * tests/cli_bench_port.sh and timed by descent-bench --port adam=LIB:my_adam.
 * PyTorch's Adam without weight decay or AMSGrad (the benchmark's
 * configuration: the defaults).
 *
 * nadam_check has NAdam's signature and checks what descent-bench passes
 * it: steps t >= 1, both state arrays, and a running product that is
 * mu_1 ... mu_{t-1} on entry for every call, also for each block of a
 * threaded row; it aborts otherwise, and steps the product as NAdam does.
 */
#include <math.h>
#include <stdlib.h>

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

void nadam_check(const descent_hparams *h, long t, double *mu_product, size_t n, float *param,
                 const float *grad, float *exp_avg, float *exp_avg_sq);

static double mu(const descent_hparams *h, long t)
{
    return h->beta1 * (1.0 - 0.5 * pow(0.96, (double)t * h->momentum_decay));
}

void nadam_check(const descent_hparams *h, long t, double *mu_product, size_t n, float *param,
                 const float *grad, float *exp_avg, float *exp_avg_sq)
{
    double want = 1.0;
    for (long s = 1; s < t; s++)
        want *= mu(h, s);
    if (t < 1 || !mu_product || !exp_avg || !exp_avg_sq || fabs(*mu_product - want) > 1e-12)
        abort();
    *mu_product *= mu(h, t);
    for (size_t i = 0; i < n; i++) {
        exp_avg[i] += grad[i], exp_avg_sq[i] += grad[i] * grad[i];
        param[i] -= 1e-6f * grad[i];
    }
}
