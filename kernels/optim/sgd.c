/* SGD with momentum, dampening, Nesterov and weight decay over the vector
 * layer (reference: reference/sgd.c).  Deviation: FMA in the weight decay,
 * buffer and parameter updates. */
#include "coeffs.h"

void VEC_FN(sgd)(const descent_step *s, size_t n, float *param, const float *grad,
                 float *const state[3])
{
    const descent_hparams *h = s->h;
    const vf lr = vf_param(h->lr), wd = vf_param(h->weight_decay);
    const vf mu = vf_param(h->momentum), one_minus_dampening = vf_param(1.0 - h->dampening);
    const int first_step = s->t == 1;
    float *momentum_buffer = state[0];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = vf_load_n(param + i, lanes);
        vf g = ascent(h->maximize, vf_load_n(grad + i, lanes));
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        if (h->momentum != 0) {
            const vf b = first_step ? g
                : vf_fma(mu, vf_load_n(momentum_buffer + i, lanes), vf_mul(one_minus_dampening, g));
            vf_store_n(momentum_buffer + i, b, lanes);
            g = h->nesterov ? vf_fma(mu, b, g) : b;
        }
        vf_store_n(param + i, vf_fnma(lr, g, p), lanes);
    }
}
