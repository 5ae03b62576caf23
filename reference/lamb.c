/* LAMB — You et al. 2019, "Large Batch Optimization for Deep Learning",
 * as apex FusedLAMB computes it (adam_w_mode, grad_averaging,
 * bias_correction, no norm clipping), for ONE tensor of n elements: the
 * trust ratio is that tensor's.  An optimizer object steps each of its
 * segments (descent_optimizer_set_segments) as one tensor.
 *
 *   m <- b1*m + (1 - b1)*g
 *   v <- b2*v + (1 - b2)*g^2                  (ref_ema_square)
 *   u <- (m/(1 - b1^t)) / (sqrt(v/(1 - b2^t)) + eps) + wd*p
 *   r <- |p|/|u| if |p| > 0 and |u| > 0, else 1   (2-norms over the tensor)
 *   p <- p - lr*(u*r)                      (r rounded to float, as PyTorch's tensor)
 *
 * The norms are sums in double in index order (one fixed order); u is
 * recomputed in the second pass from the stored m, v and the old p, with
 * the same operations, so no scratch array is needed.
 */
#include <math.h>

#include "descent.h"
#include "ref_util.h"

typedef struct lamb_coeffs {
    float bc1, bc2, eps, wd;
} lamb_coeffs;

static float lamb_update(const lamb_coeffs *c, float m, float v, float p)
{
    const float denom = sqrtf(v / c->bc2) + c->eps;
    return (m / c->bc1) / denom + c->wd * p;
}

void descent_ref_lamb(const descent_hparams *h, long t, size_t n, float *param,
                      const float *grad, float *exp_avg, float *exp_avg_sq)
{
    if (!h || (n > 0 && (!param || !grad || !exp_avg || !exp_avg_sq)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const lamb_coeffs c = {
        .bc1 = (float)(1.0 - pow(h->beta1, (double)t)),
        .bc2 = (float)(1.0 - pow(h->beta2, (double)t)),
        .eps = (float)h->eps,
        .wd = (float)h->weight_decay,
    };
    const float beta1 = (float)h->beta1, one_minus_beta1 = (float)(1.0 - h->beta1);
    const float beta2 = (float)h->beta2, one_minus_beta2 = (float)(1.0 - h->beta2);

    double param_sq = 0, update_sq = 0;
    for (size_t i = 0; i < n; i++) {
        const float g = grad[i];
        exp_avg[i] = beta1 * exp_avg[i] + one_minus_beta1 * g;
        exp_avg_sq[i] = ref_ema_square(beta2, exp_avg_sq[i], one_minus_beta2, g);
        const float u = lamb_update(&c, exp_avg[i], exp_avg_sq[i], param[i]);
        param_sq += (double)param[i] * param[i];
        update_sq += (double)u * u;
    }
    /* the trust ratio as a float32 tensor, applied as PyTorch's p.add_(u*r, alpha=-lr) */
    const float ratio =
        param_sq > 0 && update_sq > 0 ? (float)(sqrt(param_sq) / sqrt(update_sq)) : 1.0f;
    const float lr = (float)h->lr;
    for (size_t i = 0; i < n; i++)
        param[i] = param[i] - lr * (lamb_update(&c, exp_avg[i], exp_avg_sq[i], param[i]) * ratio);
}
