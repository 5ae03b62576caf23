/* RMSprop, centered and with momentum, over the vector layer (reference:
 * reference/rmsprop.c).  Deviation: FMA in the momentum and parameter
 * updates only.  The averages v and gbar and the centered variance
 * v - gbar^2 are rounded exactly as in the reference, with the same two
 * fused multiply-adds (PyTorch's addcmul, which keeps huge gradients from
 * overflowing to inf - inf): v - gbar^2 can cancel almost completely, and a
 * one-ulp change in its inputs would then be a large relative change in the
 * step. */
#include "coeffs.h"

void VEC_FN(rmsprop)(const descent_step *s, size_t n, float *param, const float *grad,
                     float *const state[3])
{
    const descent_hparams *h = s->h;
    const vf lr = vf_param(h->lr), wd = vf_param(h->weight_decay), eps = vf_param(h->eps);
    const vf alpha = vf_param(h->alpha), one_minus_alpha = vf_param(1.0 - h->alpha);
    const vf mu = vf_param(h->momentum);
    float *square_avg = state[0], *momentum_buffer = state[1], *grad_avg = state[2];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = vf_load_n(param + i, lanes);
        vf g = ascent(h->maximize, vf_load_n(grad + i, lanes));
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        const vf sq = vf_ema_square(alpha, vf_load_n(square_avg + i, lanes), one_minus_alpha, g);
        vf_store_n(square_avg + i, sq, lanes);
        vf variance = sq;
        if (h->centered) {
            const vf ga = vf_add(vf_mul(alpha, vf_load_n(grad_avg + i, lanes)),
                                 vf_mul(one_minus_alpha, g));
            vf_store_n(grad_avg + i, ga, lanes);
            variance = vf_fnma(ga, ga, sq);
        }
        const vf step = vf_div(g, vf_add(vf_sqrt(variance), eps));
        if (h->momentum > 0) {
            const vf b = vf_fma(mu, vf_load_n(momentum_buffer + i, lanes), step);
            vf_store_n(momentum_buffer + i, b, lanes);
            p = vf_fnma(lr, b, p);
        } else {
            p = vf_fnma(lr, step, p);
        }
        vf_store_n(param + i, p, lanes);
    }
}
