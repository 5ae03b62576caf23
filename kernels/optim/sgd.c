/* SGD with momentum, dampening, Nesterov and weight decay over the vector
 * layer (reference: reference/sgd.c).  Deviation: FMA in the weight decay,
 * buffer and parameter updates.
 *
 * One definition, sgd_family, over arrays stored as compile-time dtypes
 * (typed_io.h), instantiated as the fp32 kernel and as the fused
 * mixed-precision kernels, as Adam's (adam.c). */
#include "coeffs.h"
#include "typed_io.h"

TYPED_INLINE void sgd_family(const descent_step *s, size_t n, void *param, const void *grad,
                             void *const state[3], descent_dtype param_dtype,
                             descent_dtype grad_dtype, descent_dtype state_dtype,
                             float inv_scale)
{
    const descent_hparams *h = s->h;
    const vf lr = vf_param(h->lr), wd = vf_param(h->weight_decay);
    const vf mu = vf_param(h->momentum), one_minus_dampening = vf_param(1.0 - h->dampening);
    const vf unscale = vf_set1(inv_scale);
    const int unscaled = inv_scale != 1.0f; /* as kernels/mixed.c's scale pass */
    const int first_step = s->t == 1;
    void *momentum_buffer = state[0];

    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf p = typed_load(param_dtype, param, i, lanes);
        vf g = typed_load(grad_dtype, grad, i, lanes);
        if (unscaled)
            g = vf_mul(g, unscale);
        g = ascent(h->maximize, g);
        if (h->weight_decay != 0)
            g = with_weight_decay(g, p, wd);
        if (h->momentum != 0) {
            const vf b = first_step ? g
                : vf_fma(mu, typed_load(state_dtype, momentum_buffer, i, lanes),
                         vf_mul(one_minus_dampening, g));
            typed_store(state_dtype, momentum_buffer, i, b, lanes);
            g = h->nesterov ? vf_fma(mu, b, g) : b;
        }
        typed_store(param_dtype, param, i, vf_fnma(lr, g, p), lanes);
    }
}

void VEC_FN(sgd)(const descent_step *s, size_t n, float *param, const float *grad,
                 float *const state[3])
{
    void *const states[3] = {state[0], state[1], state[2]};
    sgd_family(s, n, param, grad, states, DESCENT_FP32, DESCENT_FP32, DESCENT_FP32, 1.0f);
}

#if VEC_HAVE_HALF
#define SGD_FUSED(P, G, S)                                                                       \
    static void sgd_##P##_##G##_##S(const descent_step *s, size_t n, void *param,                \
                                    const void *grad, void *const state[3], float inv_scale)     \
    {                                                                                            \
        sgd_family(s, n, param, grad, state, DESCENT_##P, DESCENT_##G, DESCENT_##S, inv_scale);  \
    }
TYPED_COMBINATIONS(SGD_FUSED)
#undef SGD_FUSED
#define SGD_ENTRY(P, G, S) [DESCENT_##P][DESCENT_##G][DESCENT_##S] = sgd_##P##_##G##_##S,
const descent_fused_table VEC_FN(sgd_fused) = {TYPED_COMBINATIONS(SGD_ENTRY)};
#undef SGD_ENTRY
#endif

#if VEC_HAVE_BF16_NATIVE
#define NATIVE_FP32 DESCENT_FP32
#define NATIVE_FP16 DESCENT_FP16
#define NATIVE_BF16 TYPED_BF16_NATIVE
#define SGD_NATIVE(P, G, S)                                                                      \
    VEC_BF16_NATIVE_TARGET static void sgd_native_##P##_##G##_##S(                               \
        const descent_step *s, size_t n, void *param, const void *grad, void *const state[3],   \
        float inv_scale)                                                                         \
    {                                                                                            \
        sgd_family(s, n, param, grad, state, NATIVE_##P, DESCENT_##G, NATIVE_##S, inv_scale);   \
    }
TYPED_COMBINATIONS(SGD_NATIVE)
#undef SGD_NATIVE
#define SGD_ENTRY(P, G, S) [DESCENT_##P][DESCENT_##G][DESCENT_##S] = sgd_native_##P##_##G##_##S,
const descent_fused_table VEC_FN(sgd_fused_bf16_native) = {TYPED_COMBINATIONS(SGD_ENTRY)};
#undef SGD_ENTRY
#endif
