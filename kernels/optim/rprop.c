/* Rprop over the vector layer (reference: reference/rprop.c), operation for
 * operation: every step is one rounding (products, the clamp, a subtraction
 * of sign*eta), so the result is the reference's bit for bit. */
#include "coeffs.h"

/* torch.sign lane by lane: -1, 0, 1, NaN for NaN. */
static inline vf vf_sign_of(vf x, vf one, vf zero)
{
    const vf minus_one = vf_sub(zero, one);
    return vf_select(vf_gt(x, zero), one,
                     vf_select(vf_lt(x, zero), minus_one, vf_select(vf_isnan(x), x, zero)));
}

void VEC_FN(rprop)(const descent_step *s, size_t n, float *param, const float *grad,
                   float *const state[3])
{
    const descent_hparams *h = s->h;
    const vf etaminus = vf_param(h->etaminus), etaplus = vf_param(h->etaplus);
    const vf step_min = vf_param(h->step_size_min), step_max = vf_param(h->step_size_max);
    const vf one = vf_set1(1.0f), zero = vf_zero();
    float *prev = state[0], *step_size = state[1];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf g = ascent(h->maximize, vf_load_n(grad + i, lanes));
        const vf direction = vf_mul(g, vf_load_n(prev + i, lanes));
        const vmask flipped = vf_lt(direction, zero);
        const vf factor = vf_select(vf_gt(direction, zero), etaplus,
                                    vf_select(flipped, etaminus,
                                              vf_select(vf_isnan(direction), direction, one)));
        const vf eta = vf_min(vf_max(vf_mul(vf_load_n(step_size + i, lanes), factor),
                                     step_min), step_max);
        g = vf_select(flipped, zero, g);
        const vf p = vf_sub(vf_load_n(param + i, lanes), vf_mul(vf_sign_of(g, one, zero), eta));
        vf_store_n(step_size + i, eta, lanes);
        vf_store_n(prev + i, g, lanes);
        vf_store_n(param + i, p, lanes);
    }
}
