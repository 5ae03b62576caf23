/* ASGD over the vector layer (reference: reference/asgd.c).  eta and mu are
 * the reference's own float32 values (descent_asgd_eta/mu).  Deviation: FMA
 * in the parameter update and in the average. */
#include "coeffs.h"

void VEC_FN(asgd)(const descent_step *s, size_t n, float *param, const float *grad,
                  float *const state[3])
{
    const descent_hparams *h = s->h;
    const float eta_t = descent_asgd_eta(h, s->t), mu_t = descent_asgd_mu(h, s->t);
    const vf eta = vf_set1(eta_t), mu = vf_set1(mu_t);
    const vf decay = vf_param(1.0 - h->lambd * (double)eta_t);
    const vf wd = vf_param(h->weight_decay);
    const int averaging = mu_t != 1.0f;
    float *ax = state[0];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = vf_load_n(param + i, lanes);
        vf g = ascent(h->maximize, vf_load_n(grad + i, lanes));
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        p = vf_fnma(eta, g, vf_mul(p, decay));
        if (averaging) {
            const vf a = vf_load_n(ax + i, lanes);
            vf_store_n(ax + i, vf_fma(vf_sub(p, a), mu, a), lanes);
        } else {
            vf_store_n(ax + i, p, lanes);
        }
        vf_store_n(param + i, p, lanes);
    }
}
