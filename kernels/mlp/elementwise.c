/*
 * The MLP's elementwise parts over the vector layer (contract and the scalar
 * versions: kernels/mlp_kernel.h, kernels/scalar.c), compiled once per ISA
 * as descent_<isa>_mlp_bias_act, _mlp_act_grad and _mlp_softmax_xent.
 *
 * tanh and exp are the layer's vf_tanh and vf_exp: SLEEF's 1-ulp functions
 * on AVX2 and AVX-512 when configure found libsleef, vec_math.h's
 * polynomials otherwise (and always on the cross-compiled NEON build);
 * tests/test_vec_math.c measures each ISA's error against double libm.
 * Everything else (ReLU, the derivatives, the bias, the divisions of the
 * softmax) rounds exactly as the scalar formulas do.  A row's tail uses
 * the same arithmetic on a partial vector, so an element's bits do not
 * depend on where the row is cut, nor on which thread computes the row.
 */
#include <math.h>

#include "../mlp_kernel.h"
#include "../vec/vec.h"

static inline vf relu(vf z)
{
    /* z > 0 ? z : 0, so NaN gives 0 as in the scalar formula */
    return vf_select(vf_gt(z, vf_zero()), z, vf_zero());
}

static inline vf sigmoid(vf z)
{
    const vf one = vf_set1(1.0f);
    return vf_div(one, vf_add(one, vf_exp(vf_sub(vf_zero(), z))));
}

void VEC_FN(mlp_bias_act)(descent_activation act, size_t n, const float *bias, float *z)
{
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf v = vf_add(vf_load_n(z + i, lanes), vf_load_n(bias + i, lanes));
        switch (act) { /* the same for every i: the compiler unswitches it */
        case DESCENT_RELU: v = relu(v); break;
        case DESCENT_TANH: v = vf_tanh(v); break;
        case DESCENT_SIGMOID: v = sigmoid(v); break;
        default: break; /* DESCENT_MLP_LINEAR */
        }
        vf_store_n(z + i, v, lanes);
    }
}

void VEC_FN(mlp_act_grad)(descent_activation act, size_t n, const float *a, float *d)
{
    const vf one = vf_set1(1.0f);
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        const vf av = vf_load_n(a + i, lanes);
        vf derivative;
        switch (act) {
        case DESCENT_RELU: derivative = vf_select(vf_gt(av, vf_zero()), one, vf_zero()); break;
        case DESCENT_TANH: derivative = vf_sub(one, vf_mul(av, av)); break;
        case DESCENT_SIGMOID: derivative = vf_mul(av, vf_sub(one, av)); break;
        default: derivative = one; break;
        }
        vf_store_n(d + i, vf_mul(vf_load_n(d + i, lanes), derivative), lanes);
    }
}

float VEC_FN(mlp_softmax_xent)(size_t n, const float *z, int label, int batch, float *g)
{
    /* The maximum exactly as the scalar loop takes it (NaN only if z[0] is). */
    float max = z[0];
    for (size_t i = 1; i < n; i++)
        max = z[i] > max ? z[i] : max;
    /* g = exp(z - max), then their sum: g's partial last vector reloads with
     * zeros beyond n, where exp of a padding lane would not be 0. */
    const vf vmax = vf_set1(max);
    vf sum = vf_zero();
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf_store_n(g + i, vf_exp(vf_sub(vf_load_n(z + i, lanes), vmax)), lanes);
        sum = vf_add(sum, vf_load_n(g + i, lanes));
    }
    const float total = vf_reduce_add(sum);
    const float label_exp = g[label];
    const vf vtotal = vf_set1(total), vbatch = vf_set1((float)batch);
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf_store_n(g + i, vf_div(vf_div(vf_load_n(g + i, lanes), vtotal), vbatch), lanes);
    }
    g[label] = (label_exp / total - 1.0f) / (float)batch;
    return max + logf(total) - z[label];
}
