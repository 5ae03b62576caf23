/* LAMB over the vector layer (reference: reference/lamb.c), for one tensor
 * of n elements: the parallel layer never cuts a LAMB step into blocks
 * (DESCENT_PER_TENSOR_OPTIMIZERS), so the norms are this tensor's and are
 * summed in one fixed order whatever the thread count.
 * Deviation: the squares are summed in float per chunk of vectors (then in
 * double across chunks) where the reference sums them in double one by one;
 * the elementwise update u is the reference's bit for bit (divides, no FMA)
 * and is recomputed in the second pass, as the reference does. */
#include <math.h>

#include "coeffs.h"

#define CHUNK (16 * VEC_WIDTH)

/* The coefficients are separate arguments: vf may be sizeless (SVE), so it
 * cannot be a struct member. */
static inline vf lamb_update(vf bc1, vf bc2, vf eps, vf wd, vf m, vf v, vf p)
{
    const vf denom = vf_add(vf_sqrt(vf_div(v, bc2)), eps);
    return vf_add(vf_div(vf_div(m, bc1), denom), vf_mul(wd, p));
}

void VEC_FN(lamb)(const descent_step *s, size_t n, float *param, const float *grad,
                  float *const state[3])
{
    const descent_hparams *h = s->h;
    const vf bc1 = vf_param(bias_correction(h->beta1, s->t));
    const vf bc2 = vf_param(bias_correction(h->beta2, s->t));
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    const vf beta1 = vf_param(h->beta1), one_minus_beta1 = vf_param(1.0 - h->beta1);
    const vf beta2 = vf_param(h->beta2), one_minus_beta2 = vf_param(1.0 - h->beta2);
    float *exp_avg = state[0], *exp_avg_sq = state[1];

    double param_sq = 0, update_sq = 0;
    for (size_t start = 0; start < n; start += CHUNK) {
        const size_t end = n - start < CHUNK ? n : start + CHUNK;
        vf psq = vf_zero(), usq = vf_zero();
        for (size_t i = start; i < end; i += VEC_WIDTH) {
            const size_t lanes = vec_lanes(end, i);
            const vf p = vf_load_n(param + i, lanes), g = vf_load_n(grad + i, lanes);
            const vf m = vf_add(vf_mul(beta1, vf_load_n(exp_avg + i, lanes)),
                                vf_mul(one_minus_beta1, g));
            const vf v = vf_ema_square(beta2, vf_load_n(exp_avg_sq + i, lanes), one_minus_beta2, g);
            vf_store_n(exp_avg + i, m, lanes);
            vf_store_n(exp_avg_sq + i, v, lanes);
            vf u = lamb_update(bc1, bc2, eps, wd, m, v, p);
            if (lanes < VEC_WIDTH) { /* lanes past the end: 0, not 0/(sqrt(0)+eps) (NaN at eps 0) */
                float buffer[VEC_MAX_WIDTH], *tail = vec_lane_buffer(buffer);
                vf_store(tail, u);
                u = vf_load_partial(tail, lanes);
            }
            psq = vf_fma(p, p, psq);
            usq = vf_fma(u, u, usq);
        }
        param_sq += vf_reduce_add(psq);
        update_sq += vf_reduce_add(usq);
    }
    const vf ratio = vf_param(param_sq > 0 && update_sq > 0 ? sqrt(param_sq) / sqrt(update_sq)
                                                            : 1.0);
    const vf lr = vf_param(h->lr);
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        const vf p = vf_load_n(param + i, lanes);
        const vf u = lamb_update(bc1, bc2, eps, wd, vf_load_n(exp_avg + i, lanes),
                                 vf_load_n(exp_avg_sq + i, lanes), p);
        vf_store_n(param + i, vf_sub(p, vf_mul(lr, vf_mul(u, ratio))), lanes);
    }
}
