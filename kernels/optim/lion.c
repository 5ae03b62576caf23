/* Lion over the vector layer (reference: reference/lion.c).  No deviation:
 * the interpolation and the momentum are rounded products then a sum, as
 * the reference's, because an FMA could flip the sign of an interpolation
 * that nearly cancels, which moves p by 2*lr; lr*sign(c) is exact, so the
 * update rounds once, as the reference's does. */
#include "coeffs.h"

/* torch.sign: (c > 0) - (c < 0); 0 for 0, -0 and NaN. */
static inline vf lion_sign(vf c)
{
    const vf zero = vf_zero(), one = vf_set1(1.0f);
    return vf_sub(vf_select(vf_gt(c, zero), one, zero), vf_select(vf_lt(c, zero), one, zero));
}

void VEC_FN(lion)(const descent_step *s, size_t n, float *param, const float *grad,
                  float *const state[3])
{
    const descent_hparams *h = s->h;
    const vf lr = vf_param(h->lr);
    const vf beta1 = vf_param(h->beta1), one_minus_beta1 = vf_param(1.0 - h->beta1);
    const vf beta2 = vf_param(h->beta2), one_minus_beta2 = vf_param(1.0 - h->beta2);
    const vf decay_factor = vf_param(1.0 - h->lr * h->weight_decay);
    float *exp_avg = state[0];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = vf_load_n(param + i, lanes);
        const vf g = vf_load_n(grad + i, lanes);
        const vf m = vf_load_n(exp_avg + i, lanes);
        if (h->weight_decay != 0)
            p = vf_mul(p, decay_factor);
        const vf c = vf_add(vf_mul(beta1, m), vf_mul(one_minus_beta1, g));
        vf_store_n(param + i, vf_sub(p, vf_mul(lr, lion_sign(c))), lanes);
        vf_store_n(exp_avg + i, vf_add(vf_mul(beta2, m), vf_mul(one_minus_beta2, g)), lanes);
    }
}
