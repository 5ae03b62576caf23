/* Adagrad over the vector layer (reference: reference/adagrad.c).
 * Deviation: FMA in the parameter update.  The accumulator s + g^2 is one
 * FMA, as in the reference and PyTorch's addcmul. */
#include "coeffs.h"

void VEC_FN(adagrad)(const descent_step *s, size_t n, float *param, const float *grad,
                     float *const state[3])
{
    const descent_hparams *h = s->h;
    const vf clr = vf_param(h->lr / (1.0 + ((double)s->t - 1.0) * h->lr_decay));
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    float *sum = state[0];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        const vf p = vf_load_n(param + i, lanes);
        vf g = ascent(h->maximize, vf_load_n(grad + i, lanes));
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        const vf acc = vf_fma(g, g, vf_load_n(sum + i, lanes));
        vf_store_n(sum + i, acc, lanes);
        const vf std = vf_add(vf_sqrt(acc), eps);
        vf_store_n(param + i, vf_fnma(clr, vf_div(g, std), p), lanes);
    }
}
