/* Adadelta over the vector layer (reference: reference/adadelta.c).
 * Deviation: FMA in the parameter update.  The two running averages of
 * squares are rounded exactly as in the reference (PyTorch's addcmul, one
 * FMA each: vf_ema_square), and so is delta. */
#include "coeffs.h"

void VEC_FN(adadelta)(const descent_step *s, size_t n, float *param, const float *grad,
                      float *const state[3])
{
    const descent_hparams *h = s->h;
    const vf lr = vf_param(h->lr), eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    const vf rho = vf_param(h->rho), one_minus_rho = vf_param(1.0 - h->rho);
    float *square_avg = state[0], *acc_delta = state[1];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        const vf p = vf_load_n(param + i, lanes);
        vf g = ascent(h->maximize, vf_load_n(grad + i, lanes));
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        const vf v = vf_ema_square(rho, vf_load_n(square_avg + i, lanes), one_minus_rho, g);
        const vf u = vf_load_n(acc_delta + i, lanes);
        const vf std = vf_sqrt(vf_add(v, eps));
        const vf delta = vf_mul(vf_div(vf_sqrt(vf_add(u, eps)), std), g);
        vf_store_n(square_avg + i, v, lanes);
        vf_store_n(acc_delta + i, vf_ema_square(rho, u, one_minus_rho, delta), lanes);
        vf_store_n(param + i, vf_fnma(lr, delta, p), lanes);
    }
}
