/* L-BFGS's vector work over the vector layer, compiled once per ISA like
 * kernels/optim/: descent_avx2_lbfgs_dot, descent_avx512_lbfgs_dot, ...
 * (the scalar ones are in kernels/scalar.c).  src/lbfgs.c calls them per
 * block of the OpenMP layer and combines the blocks' reductions in block
 * order, so a result depends on n and the ISA, never on the thread count.
 *
 * Reductions keep four vector accumulators in float32, as a BLAS sdot
 * does (PyTorch's torch.dot on the CPU); the lanes are added at the end in
 * one fixed order.  axpy is fused (PyTorch's add_(x, alpha=a) computes
 * fmadd(x, a, y) on vectors). */
#include "../kernel.h"
#include "../vec/vec.h"

#define UNROLL (4 * VEC_WIDTH)

float VEC_FN(lbfgs_dot)(size_t n, const float *x, const float *y)
{
    vf acc0 = vf_zero(), acc1 = vf_zero(), acc2 = vf_zero(), acc3 = vf_zero();
    size_t i = 0;
    for (; i + UNROLL <= n; i += UNROLL) {
        acc0 = vf_fma(vf_load(x + i), vf_load(y + i), acc0);
        acc1 = vf_fma(vf_load(x + i + VEC_WIDTH), vf_load(y + i + VEC_WIDTH), acc1);
        acc2 = vf_fma(vf_load(x + i + 2 * VEC_WIDTH), vf_load(y + i + 2 * VEC_WIDTH), acc2);
        acc3 = vf_fma(vf_load(x + i + 3 * VEC_WIDTH), vf_load(y + i + 3 * VEC_WIDTH), acc3);
    }
    for (; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i); /* partial loads give zeros past the end */
        acc0 = vf_fma(vf_load_n(x + i, lanes), vf_load_n(y + i, lanes), acc0);
    }
    return vf_reduce_add(vf_add(vf_add(acc0, acc1), vf_add(acc2, acc3)));
}

float VEC_FN(lbfgs_abs_sum)(size_t n, const float *x)
{
    vf acc0 = vf_zero(), acc1 = vf_zero(), acc2 = vf_zero(), acc3 = vf_zero();
    size_t i = 0;
    for (; i + UNROLL <= n; i += UNROLL) {
        acc0 = vf_add(acc0, vf_abs(vf_load(x + i)));
        acc1 = vf_add(acc1, vf_abs(vf_load(x + i + VEC_WIDTH)));
        acc2 = vf_add(acc2, vf_abs(vf_load(x + i + 2 * VEC_WIDTH)));
        acc3 = vf_add(acc3, vf_abs(vf_load(x + i + 3 * VEC_WIDTH)));
    }
    for (; i < n; i += VEC_WIDTH)
        acc0 = vf_add(acc0, vf_abs(vf_load_n(x + i, vec_lanes(n, i))));
    return vf_reduce_add(vf_add(vf_add(acc0, acc1), vf_add(acc2, acc3)));
}

/* max_i |x_i|, NaN if any x_i is NaN (torch's max propagates NaN); 0 for
 * n = 0.  Exact, so the order does not matter. */
float VEC_FN(lbfgs_abs_max)(size_t n, const float *x)
{
    vf m = vf_zero();
    for (size_t i = 0; i < n; i += VEC_WIDTH)
        m = vf_max(m, vf_abs(vf_load_n(x + i, vec_lanes(n, i))));
    float buffer[VEC_MAX_WIDTH], *lanes = vec_lane_buffer(buffer);
    vf_store(lanes, m);
    float best = lanes[0];
    for (size_t k = 1; k < VEC_WIDTH; k++)
        best = lanes[k] > best || lanes[k] != lanes[k] ? lanes[k] : best;
    return best;
}

/* y = y + a x, one rounding per element. */
void VEC_FN(lbfgs_axpy)(size_t n, float a, const float *x, float *y)
{
    const vf va = vf_set1(a);
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf_store_n(y + i, vf_fma(vf_load_n(x + i, lanes), va, vf_load_n(y + i, lanes)), lanes);
    }
}

/* out = a x (out may be x). */
void VEC_FN(lbfgs_scale)(size_t n, float a, const float *x, float *out)
{
    const vf va = vf_set1(a);
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf_store_n(out + i, vf_mul(vf_load_n(x + i, lanes), va), lanes);
    }
}

/* out = a - b (out may be a or b). */
void VEC_FN(lbfgs_sub)(size_t n, const float *a, const float *b, float *out)
{
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf_store_n(out + i, vf_sub(vf_load_n(a + i, lanes), vf_load_n(b + i, lanes)), lanes);
    }
}
