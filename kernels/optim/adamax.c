/* Adamax over the vector layer (reference: reference/adamax.c).
 * Deviation: FMA in the first moment and the parameter update; the
 * infinity norm is exact (max and abs do not round). */
#include "coeffs.h"

void VEC_FN(adamax)(const descent_step *s, size_t n, float *param, const float *grad,
                    float *const state[3])
{
    const descent_hparams *h = s->h;
    const vf clr = vf_param(h->lr / bias_correction(h->beta1, s->t));
    const vf beta1 = vf_param(h->beta1), one_minus_beta1 = vf_param(1.0 - h->beta1);
    const vf beta2 = vf_param(h->beta2);
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    float *exp_avg = state[0], *exp_inf = state[1];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        const vf p = vf_load_n(param + i, lanes);
        vf g = ascent(h->maximize, vf_load_n(grad + i, lanes));
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        const vf m = vf_ema(beta1, vf_load_n(exp_avg + i, lanes), one_minus_beta1, g);
        const vf u = vf_max(vf_mul(beta2, vf_load_n(exp_inf + i, lanes)),
                            vf_add(vf_abs(g), eps));
        vf_store_n(exp_avg + i, m, lanes);
        vf_store_n(exp_inf + i, u, lanes);
        vf_store_n(param + i, vf_fnma(clr, vf_div(m, u), p), lanes);
    }
}
