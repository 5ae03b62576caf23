/* Adam and AdamW over the vector layer (reference: reference/adam.c).
 * Deviations from the reference, covered by the agreement tolerance:
 * the first moment and parameter updates use FMA, and sqrt(v)/sqrt(1 - b2^t)
 * is a multiplication by the reciprocal (one divide unit use per element
 * less).  v is rounded exactly as in the reference (PyTorch's addcmul). */
#include "coeffs.h"

static inline void adam_family(const descent_step *s, size_t n, float *param,
                               const float *grad, float *const state[3], int decoupled)
{
    const descent_hparams *h = s->h;
    const vf beta1 = vf_param(h->beta1), one_minus_beta1 = vf_param(1.0 - h->beta1);
    const vf beta2 = vf_param(h->beta2), one_minus_beta2 = vf_param(1.0 - h->beta2);
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    const vf decay_factor = vf_param(1.0 - h->lr * h->weight_decay);
    const vf step_size = vf_param(h->lr / bias_correction(h->beta1, s->t));
    const vf inv_bc2_sqrt = vf_param(1.0 / sqrt(bias_correction(h->beta2, s->t)));
    const int l2_decay = h->weight_decay != 0 && !decoupled;
    const int decoupled_decay = h->weight_decay != 0 && decoupled;
    float *exp_avg = state[0], *exp_avg_sq = state[1], *max_exp_avg_sq = state[2];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = vf_load_n(param + i, lanes);
        vf g = ascent(h->maximize, vf_load_n(grad + i, lanes));
        if (l2_decay)
            g = with_weight_decay(g, p, wd);
        if (decoupled_decay)
            p = vf_mul(p, decay_factor);
        const vf m = vf_ema(beta1, vf_load_n(exp_avg + i, lanes), one_minus_beta1, g);
        const vf v = vf_ema_square(beta2, vf_load_n(exp_avg_sq + i, lanes), one_minus_beta2, g);
        vf second_moment = v;
        if (h->amsgrad) {
            second_moment = vf_max(vf_load_n(max_exp_avg_sq + i, lanes), v);
            vf_store_n(max_exp_avg_sq + i, second_moment, lanes);
        }
        const vf denom = vf_fma(vf_sqrt(second_moment), inv_bc2_sqrt, eps);
        p = vf_fnma(step_size, vf_div(m, denom), p);
        vf_store_n(exp_avg + i, m, lanes);
        vf_store_n(exp_avg_sq + i, v, lanes);
        vf_store_n(param + i, p, lanes);
    }
}

void VEC_FN(adam)(const descent_step *s, size_t n, float *param, const float *grad,
                  float *const state[3])
{
    adam_family(s, n, param, grad, state, 0);
}

void VEC_FN(adamw)(const descent_step *s, size_t n, float *param, const float *grad,
                   float *const state[3])
{
    adam_family(s, n, param, grad, state, 1);
}
