/*
 * The vector layer's vf_exp and vf_tanh mapped over arrays, compiled once
 * per ISA as descent_<isa>_map_exp and descent_<isa>_map_tanh: what the MLP's
 * activations and softmax (kernels/mlp/elementwise.c) call, exposed so that
 * tests/test_vec_math.c can measure each ISA's error in ulp.
 */
#include "../kernel.h"
#include "../vec/vec.h"

void VEC_FN(map_exp)(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf_store_n(y + i, vf_exp(vf_load_n(x + i, lanes)), lanes);
    }
}

void VEC_FN(map_tanh)(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf_store_n(y + i, vf_tanh(vf_load_n(x + i, lanes)), lanes);
    }
}
