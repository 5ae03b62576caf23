/* RAdam over the vector layer (reference: reference/radam.c).
 * Deviations: FMA in the first moment and the parameter update (v is
 * rounded exactly as in the reference, PyTorch's addcmul); m/(1 - b1^t) is
 * a multiplication by the reciprocal; and lr * r * sqrt(1 - b2^t) is folded
 * into one scalar (different rounding order of the same product). */
#include "coeffs.h"

void VEC_FN(radam)(const descent_step *s, size_t n, float *param, const float *grad,
                   float *const state[3])
{
    const descent_hparams *h = s->h;
    const double bc2 = bias_correction(h->beta2, s->t);
    const double rho_inf = 2.0 / (1.0 - h->beta2) - 1.0;
    const double rho_t = rho_inf - 2.0 * (double)s->t * pow(h->beta2, (double)s->t) / bc2;
    const int rectify = rho_t > 5.0;
    const double rect = rectify ? sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                       ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                                : 0.0;
    const vf lr = vf_param(h->lr);
    const vf rectified_lr = vf_param(h->lr * rect * sqrt(bc2));
    const vf inv_bc1 = vf_param(1.0 / bias_correction(h->beta1, s->t));
    const vf beta1 = vf_param(h->beta1), one_minus_beta1 = vf_param(1.0 - h->beta1);
    const vf beta2 = vf_param(h->beta2), one_minus_beta2 = vf_param(1.0 - h->beta2);
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    float *exp_avg = state[0], *exp_avg_sq = state[1];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = vf_load_n(param + i, lanes);
        vf g = vf_load_n(grad + i, lanes);
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        const vf m = vf_ema(beta1, vf_load_n(exp_avg + i, lanes), one_minus_beta1, g);
        const vf v = vf_ema_square(beta2, vf_load_n(exp_avg_sq + i, lanes), one_minus_beta2, g);
        const vf corrected_m = vf_mul(m, inv_bc1);
        if (rectify)
            p = vf_fnma(rectified_lr, vf_div(corrected_m, vf_add(vf_sqrt(v), eps)), p);
        else
            p = vf_fnma(lr, corrected_m, p);
        vf_store_n(exp_avg + i, m, lanes);
        vf_store_n(exp_avg_sq + i, v, lanes);
        vf_store_n(param + i, p, lanes);
    }
}
