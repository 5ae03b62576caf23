/* NAdam — torch.optim.NAdam, the documented formula (PyTorch >= 2.0).
 *
 *   mu_t = b1*(1 - 0.5*0.96^(t*momentum_decay)),  P_t = mu_1*...*mu_t
 *   g <- g + wd*p
 *   m <- b1*m + (1 - b1)*g;   v <- b2*v + (1 - b2)*g^2   (v: PyTorch's addcmul)
 *   denom <- sqrt(v/(1 - b2^t)) + eps
 *   p <- p - lr*(1 - mu_t)/(1 - P_t) * g/denom
 *          - lr*mu_{t+1}/(1 - P_t*mu_{t+1}) * m/denom
 */
#include <limits.h>
#include <math.h>

#include "descent.h"
#include "ref_util.h"

double descent_nadam_momentum(const descent_hparams *h, long t)
{
    if (!h)
        return 0.0;
    return h->beta1 * (1.0 - 0.5 * pow(0.96, (double)t * h->momentum_decay));
}

void descent_ref_nadam(const descent_hparams *h, long t, double *mu_product,
                       size_t n, float *param, const float *grad,
                       float *exp_avg, float *exp_avg_sq)
{
    if (!h || !mu_product || (n > 0 && (!param || !grad || !exp_avg || !exp_avg_sq)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const double mu = descent_nadam_momentum(h, t);
    /* mu_{t+1} with t + 1 saturated at LONG_MAX: no overflow, and on a
     * 64-bit long the same double, (double)LONG_MAX = 2^63 = LONG_MAX + 1. */
    const double mu_next = descent_nadam_momentum(h, t < LONG_MAX ? t + 1 : t);
    *mu_product *= mu;
    const double mu_product_next = *mu_product * mu_next;
    const float bias_correction2 = (float)(1.0 - pow(h->beta2, (double)t));
    const float grad_coef = (float)(-h->lr * (1.0 - mu) / (1.0 - *mu_product));
    const float exp_avg_coef = (float)(-h->lr * mu_next / (1.0 - mu_product_next));
    const float beta1 = (float)h->beta1, one_minus_beta1 = (float)(1.0 - h->beta1);
    const float beta2 = (float)h->beta2, one_minus_beta2 = (float)(1.0 - h->beta2);
    const float eps = (float)h->eps;
    const float wd = (float)h->weight_decay;

    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        exp_avg[i] = beta1 * exp_avg[i] + one_minus_beta1 * g;
        exp_avg_sq[i] = ref_ema_square(beta2, exp_avg_sq[i], one_minus_beta2, g);
        const float denom = sqrtf(exp_avg_sq[i] / bias_correction2) + eps;
        param[i] = param[i] + grad_coef * (g / denom);
        param[i] = param[i] + exp_avg_coef * (exp_avg[i] / denom);
    }
}
