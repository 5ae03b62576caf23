/* Adam and AdamW over the vector layer (reference: reference/adam.c).
 * Deviations from the reference, covered by the agreement tolerance:
 * the first moment and parameter updates use FMA, and sqrt(v)/sqrt(1 - b2^t)
 * is a multiplication by the reciprocal (one divide unit use per element
 * less).  v is rounded exactly as in the reference (PyTorch's addcmul).
 *
 * One definition, adam_family, over arrays stored as compile-time dtypes
 * (typed_io.h): the fp32 kernels are its fp32 instances, and the fused
 * mixed-precision kernels (kernel.h: descent_fused_kernel) its other
 * instances, which load 16-bit arrays straight into vectors and round on
 * the store: the same operations in the same order as the chunked path of
 * kernels/mixed.c (widen, inv_scale, this fp32 kernel, narrow), so the same
 * bits, without its scratch passes. */
#include "coeffs.h"
#include "typed_io.h"

TYPED_INLINE void adam_family(const descent_step *s, size_t n, void *param, const void *grad,
                              void *const state[3], int decoupled, descent_dtype param_dtype,
                              descent_dtype grad_dtype, descent_dtype state_dtype,
                              float inv_scale)
{
    const descent_hparams *h = s->h;
    const vf beta1 = vf_param(h->beta1), one_minus_beta1 = vf_param(1.0 - h->beta1);
    const vf beta2 = vf_param(h->beta2), one_minus_beta2 = vf_param(1.0 - h->beta2);
    const vf eps = vf_param(h->eps), wd = vf_param(h->weight_decay);
    const vf decay_factor = vf_param(1.0 - h->lr * h->weight_decay);
    const vf step_size = vf_param(h->lr / bias_correction(h->beta1, s->t));
    const vf inv_bc2_sqrt = vf_param(1.0 / sqrt(bias_correction(h->beta2, s->t)));
    const vf unscale = vf_set1(inv_scale);
    const int unscaled = inv_scale != 1.0f; /* as kernels/mixed.c's scale pass */
    const int l2_decay = h->weight_decay != 0 && !decoupled;
    const int decoupled_decay = h->weight_decay != 0 && decoupled;
    void *exp_avg = state[0], *exp_avg_sq = state[1], *max_exp_avg_sq = state[2];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = typed_load(param_dtype, param, i, lanes);
        vf g = typed_load(grad_dtype, grad, i, lanes);
        if (unscaled)
            g = vf_mul(g, unscale);
        g = ascent(h->maximize, g);
        if (l2_decay)
            g = with_weight_decay(g, p, wd);
        if (decoupled_decay)
            p = vf_mul(p, decay_factor);
        const vf m = vf_ema(beta1, typed_load(state_dtype, exp_avg, i, lanes), one_minus_beta1,
                            g);
        const vf v = vf_ema_square(beta2, typed_load(state_dtype, exp_avg_sq, i, lanes),
                                   one_minus_beta2, g);
        vf second_moment = v;
        if (h->amsgrad) {
            second_moment = vf_max(typed_load(state_dtype, max_exp_avg_sq, i, lanes), v);
            typed_store(state_dtype, max_exp_avg_sq, i, second_moment, lanes);
        }
        const vf denom = vf_fma(vf_sqrt(second_moment), inv_bc2_sqrt, eps);
        p = vf_fnma(step_size, vf_div(m, denom), p);
        typed_store(state_dtype, exp_avg, i, m, lanes);
        typed_store(state_dtype, exp_avg_sq, i, v, lanes);
        typed_store(param_dtype, param, i, p, lanes);
    }
}

void VEC_FN(adam)(const descent_step *s, size_t n, float *param, const float *grad,
                  float *const state[3])
{
    void *const states[3] = {state[0], state[1], state[2]};
    adam_family(s, n, param, grad, states, 0, DESCENT_FP32, DESCENT_FP32, DESCENT_FP32, 1.0f);
}

void VEC_FN(adamw)(const descent_step *s, size_t n, float *param, const float *grad,
                   float *const state[3])
{
    void *const states[3] = {state[0], state[1], state[2]};
    adam_family(s, n, param, grad, states, 1, DESCENT_FP32, DESCENT_FP32, DESCENT_FP32, 1.0f);
}

#if VEC_HAVE_HALF
#define ADAM_FUSED(P, G, S)                                                                      \
    static void adam_##P##_##G##_##S(const descent_step *s, size_t n, void *param,               \
                                     const void *grad, void *const state[3], float inv_scale)    \
    {                                                                                            \
        adam_family(s, n, param, grad, state, 0, DESCENT_##P, DESCENT_##G, DESCENT_##S,          \
                    inv_scale);                                                                  \
    }                                                                                            \
    static void adamw_##P##_##G##_##S(const descent_step *s, size_t n, void *param,              \
                                      const void *grad, void *const state[3], float inv_scale)   \
    {                                                                                            \
        adam_family(s, n, param, grad, state, 1, DESCENT_##P, DESCENT_##G, DESCENT_##S,          \
                    inv_scale);                                                                  \
    }
TYPED_COMBINATIONS(ADAM_FUSED)
#undef ADAM_FUSED

#define ADAM_ENTRY(P, G, S) [DESCENT_##P][DESCENT_##G][DESCENT_##S] = adam_##P##_##G##_##S,
#define ADAMW_ENTRY(P, G, S) [DESCENT_##P][DESCENT_##G][DESCENT_##S] = adamw_##P##_##G##_##S,
const descent_fused_table VEC_FN(adam_fused) = {TYPED_COMBINATIONS(ADAM_ENTRY)};
const descent_fused_table VEC_FN(adamw_fused) = {TYPED_COMBINATIONS(ADAMW_ENTRY)};
#undef ADAM_ENTRY
#undef ADAMW_ENTRY
#endif

#if VEC_HAVE_BF16_NATIVE
/* The same instances with bf16 stored by the CPU's conversion
 * (typed_io.h: TYPED_BF16_NATIVE), for CPUs with it (kernels/isa/table.c). */
#define NATIVE_FP32 DESCENT_FP32
#define NATIVE_FP16 DESCENT_FP16
#define NATIVE_BF16 TYPED_BF16_NATIVE
#define ADAM_NATIVE(P, G, S)                                                                     \
    VEC_BF16_NATIVE_TARGET static void adam_native_##P##_##G##_##S(                              \
        const descent_step *s, size_t n, void *param, const void *grad, void *const state[3],   \
        float inv_scale)                                                                         \
    {                                                                                            \
        adam_family(s, n, param, grad, state, 0, NATIVE_##P, DESCENT_##G, NATIVE_##S,           \
                    inv_scale);                                                                  \
    }                                                                                            \
    VEC_BF16_NATIVE_TARGET static void adamw_native_##P##_##G##_##S(                             \
        const descent_step *s, size_t n, void *param, const void *grad, void *const state[3],   \
        float inv_scale)                                                                         \
    {                                                                                            \
        adam_family(s, n, param, grad, state, 1, NATIVE_##P, DESCENT_##G, NATIVE_##S,           \
                    inv_scale);                                                                  \
    }
TYPED_COMBINATIONS(ADAM_NATIVE)
#undef ADAM_NATIVE

#define ADAM_ENTRY(P, G, S) [DESCENT_##P][DESCENT_##G][DESCENT_##S] = adam_native_##P##_##G##_##S,
#define ADAMW_ENTRY(P, G, S)                                                                     \
    [DESCENT_##P][DESCENT_##G][DESCENT_##S] = adamw_native_##P##_##G##_##S,
const descent_fused_table VEC_FN(adam_fused_bf16_native) = {TYPED_COMBINATIONS(ADAM_ENTRY)};
const descent_fused_table VEC_FN(adamw_fused_bf16_native) = {TYPED_COMBINATIONS(ADAMW_ENTRY)};
#undef ADAM_ENTRY
#undef ADAMW_ENTRY
#endif
