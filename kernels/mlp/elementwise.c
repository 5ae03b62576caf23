/*
 * The MLP's ReLU epilogues over the vector layer (contract: kernels/mlp_kernel.h),
 * compiled once per ISA as descent_<isa>_relu_bias and descent_<isa>_relu_grad.
 * Branch-free: select on a compare, where the scalar loop's data-dependent
 * branch mispredicts on about half the elements.  The same operations per
 * lane as the scalar versions (an add then a select, a multiply by 1 or 0),
 * so the same bits; the row tail uses the partial loads and stores.
 */
#include "../mlp_kernel.h"
#include "../vec/vec.h"

void VEC_FN(relu_bias)(int rows, int n, float *z, ptrdiff_t ldz, const float *bias)
{
    const vf zero = vf_zero();
    for (int r = 0; r < rows; r++) {
        float *row = z + r * ldz;
        for (int j = 0; j < n; j += VEC_WIDTH) {
            const size_t lanes = vec_lanes((size_t)n, (size_t)j);
            const vf v = vf_add(vf_load_n(row + j, lanes), vf_load_n(bias + j, lanes));
            vf_store_n(row + j, vf_select(vf_gt(v, zero), v, zero), lanes);
        }
    }
}

void VEC_FN(relu_grad)(int rows, int n, float *d, ptrdiff_t ldd, const float *a, ptrdiff_t lda)
{
    const vf zero = vf_zero(), one = vf_set1(1.0f);
    for (int r = 0; r < rows; r++) {
        float *row = d + r * ldd;
        const float *act = a + r * lda;
        for (int j = 0; j < n; j += VEC_WIDTH) {
            const size_t lanes = vec_lanes((size_t)n, (size_t)j);
            const vf keep = vf_select(vf_gt(vf_load_n(act + j, lanes), zero), one, zero);
            vf_store_n(row + j, vf_mul(vf_load_n(row + j, lanes), keep), lanes);
        }
    }
}
