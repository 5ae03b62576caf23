/* LAMB over the vector layer (reference: reference/lamb.c), for one tensor
 * of n elements, in its two passes (descent_tensor_passes, kernel.h): the
 * moments and the squares of p and of the update u per chunk, then the
 * step by the trust ratio ||p|| / ||u||.  The whole kernel is the two
 * passes over all n; the parallel layer runs them over shares of the
 * tensor (cut at chunks) with the chunks' sums added in between, in chunk
 * order, so the norms have the same bits for any thread count.
 * Deviation: the squares are summed in float per chunk (DESCENT_TENSOR_CHUNK
 * elements), then in double across chunks, where the reference sums them
 * in double one by one; the elementwise update u is the reference's bit for
 * bit (divides, no FMA) and is recomputed in the second pass, as the
 * reference does. */
#include <math.h>

#include "coeffs.h"

/* The coefficients are separate arguments: vf may be sizeless (SVE), so it
 * cannot be a struct member. */
static inline vf lamb_update(vf bc1, vf bc2, vf eps, vf wd, vf m, vf v, vf p)
{
    const vf denom = vf_add(vf_sqrt(vf_div(v, bc2)), eps);
    return vf_add(vf_div(vf_div(m, bc1), denom), vf_mul(wd, p));
}

/* The first pass: each chunk's two sums go to chunk_sums, or (chunk_sums
 * NULL, the whole kernel) are added to totals in chunk order. */
static inline __attribute__((always_inline)) void
lamb_moments(const descent_step *s, size_t n, const float *param, const float *grad,
             float *const state[3], float *chunk_sums, double totals[DESCENT_TENSOR_SUMS])
{
    const descent_hparams *h = s->h;
    const vf bc1 = vf_param(bias_correction(h->beta1, s->t));
    const vf bc2 = vf_param(bias_correction(h->beta2, s->t));
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    const vf beta1 = vf_param(h->beta1), one_minus_beta1 = vf_param(1.0 - h->beta1);
    const vf beta2 = vf_param(h->beta2), one_minus_beta2 = vf_param(1.0 - h->beta2);
    float *exp_avg = state[0], *exp_avg_sq = state[1];

    for (size_t start = 0; start < n; start += DESCENT_TENSOR_CHUNK) {
        const size_t end = n - start < DESCENT_TENSOR_CHUNK ? n : start + DESCENT_TENSOR_CHUNK;
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
        const float chunk_psq = vf_reduce_add(psq), chunk_usq = vf_reduce_add(usq);
        if (chunk_sums) {
            *chunk_sums++ = chunk_psq;
            *chunk_sums++ = chunk_usq;
        } else {
            totals[0] += chunk_psq;
            totals[1] += chunk_usq;
        }
    }
}

void VEC_FN(lamb_reduce)(const descent_step *s, size_t n, const float *param, const float *grad,
                         float *const state[3], float *chunk_sums)
{
    lamb_moments(s, n, param, grad, state, chunk_sums, NULL);
}

void VEC_FN(lamb_apply)(const descent_step *s, size_t n, float *param, float *const state[3],
                        const double totals[DESCENT_TENSOR_SUMS])
{
    const descent_hparams *h = s->h;
    const vf bc1 = vf_param(bias_correction(h->beta1, s->t));
    const vf bc2 = vf_param(bias_correction(h->beta2, s->t));
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    const double param_sq = totals[0], update_sq = totals[1];
    const vf ratio = vf_param(param_sq > 0 && update_sq > 0 ? sqrt(param_sq) / sqrt(update_sq)
                                                            : 1.0);
    const vf lr = vf_param(h->lr);
    const float *exp_avg = state[0], *exp_avg_sq = state[1];
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        const vf p = vf_load_n(param + i, lanes);
        const vf u = lamb_update(bc1, bc2, eps, wd, vf_load_n(exp_avg + i, lanes),
                                 vf_load_n(exp_avg_sq + i, lanes), p);
        vf_store_n(param + i, vf_sub(p, vf_mul(lr, vf_mul(u, ratio))), lanes);
    }
}

/* Both passes over the whole tensor, the chunks' sums added as they come
 * (no scratch). */
void VEC_FN(lamb)(const descent_step *s, size_t n, float *param, const float *grad,
                  float *const state[3])
{
    double totals[DESCENT_TENSOR_SUMS] = {0, 0};
    lamb_moments(s, n, param, grad, state, NULL, totals);
    VEC_FN(lamb_apply)(s, n, param, state, totals);
}
