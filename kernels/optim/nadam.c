/* NAdam over the vector layer (reference: reference/nadam.c).
 * Deviations: FMA in the first moment and the parameter update (v is
 * rounded exactly as in the reference, PyTorch's addcmul); v/(1 - b2^t) is
 * a multiplication by the reciprocal; and the two quotients g/denom and
 * m/denom share one reciprocal of denom (one divide per element, not two;
 * two divides were measured no closer to the reference). */
#include <limits.h>

#include "coeffs.h"

void VEC_FN(nadam)(const descent_step *s, size_t n, float *param, const float *grad,
                   float *const state[3])
{
    const descent_hparams *h = s->h;
    const double mu = descent_nadam_momentum(h, s->t);
    /* t + 1 saturated as in the reference (the same double at LONG_MAX) */
    const double mu_next = descent_nadam_momentum(h, s->t < LONG_MAX ? s->t + 1 : s->t);
    const double mu_product = s->mu_product_before * mu;
    const vf grad_coef = vf_param(-h->lr * (1.0 - mu) / (1.0 - mu_product));
    const vf exp_avg_coef = vf_param(-h->lr * mu_next / (1.0 - mu_product * mu_next));
    const vf inv_bc2 = vf_param(1.0 / bias_correction(h->beta2, s->t));
    const vf beta1 = vf_param(h->beta1), one_minus_beta1 = vf_param(1.0 - h->beta1);
    const vf beta2 = vf_param(h->beta2), one_minus_beta2 = vf_param(1.0 - h->beta2);
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay), one = vf_set1(1.0f);
    float *exp_avg = state[0], *exp_avg_sq = state[1];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = vf_load_n(param + i, lanes);
        vf g = vf_load_n(grad + i, lanes);
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        const vf m = vf_ema(beta1, vf_load_n(exp_avg + i, lanes), one_minus_beta1, g);
        const vf v = vf_ema_square(beta2, vf_load_n(exp_avg_sq + i, lanes), one_minus_beta2, g);
        const vf inv_denom = vf_div(one, vf_add(vf_sqrt(vf_mul(v, inv_bc2)), eps));
        p = vf_fma(grad_coef, vf_mul(g, inv_denom), p);
        p = vf_fma(exp_avg_coef, vf_mul(m, inv_denom), p);
        vf_store_n(exp_avg + i, m, lanes);
        vf_store_n(exp_avg_sq + i, v, lanes);
        vf_store_n(param + i, p, lanes);
    }
}
