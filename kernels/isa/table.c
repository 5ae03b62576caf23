/* This ISA's kernel table (descent_avx2_isa, descent_avx512_isa,
 * descent_neon_isa: kernel.h), compiled once per ISA like the kernels it
 * collects: the optimizers from the registry's rows, the non-finite check
 * the MLP's two products and L-BFGS's vector work. */
#include "../kernel.h"
#include "../vec/vec.h"

#define DECLARE_OPTIM(KIND, name, ...) descent_kernel VEC_FN(name);
DESCENT_OPTIMIZERS(DECLARE_OPTIM)
#undef DECLARE_OPTIM
descent_finite_check VEC_FN(first_nonfinite);
descent_gemm VEC_FN(gemm);
descent_gemm_nt VEC_FN(gemm_nt);
descent_relu_bias VEC_FN(relu_bias);
descent_relu_grad VEC_FN(relu_grad);
float VEC_FN(lbfgs_dot)(size_t n, const float *x, const float *y);
float VEC_FN(lbfgs_abs_sum)(size_t n, const float *x);
float VEC_FN(lbfgs_abs_max)(size_t n, const float *x);
void VEC_FN(lbfgs_axpy)(size_t n, float a, const float *x, float *y);
void VEC_FN(lbfgs_scale)(size_t n, float a, const float *x, float *out);
void VEC_FN(lbfgs_sub)(size_t n, const float *a, const float *b, float *out);

const descent_isa_kernels VEC_FN(isa) = {
    .optim = {
#define OPTIM_ENTRY(KIND, name, ...) [DESCENT_##KIND] = VEC_FN(name),
        DESCENT_OPTIMIZERS(OPTIM_ENTRY)
#undef OPTIM_ENTRY
    },
    .first_nonfinite = VEC_FN(first_nonfinite),
    .gemm = VEC_FN(gemm),
    .gemm_nt = VEC_FN(gemm_nt),
    .relu_bias = VEC_FN(relu_bias),
    .relu_grad = VEC_FN(relu_grad),
    .lbfgs = {VEC_FN(lbfgs_dot), VEC_FN(lbfgs_abs_sum), VEC_FN(lbfgs_abs_max),
              VEC_FN(lbfgs_axpy), VEC_FN(lbfgs_scale), VEC_FN(lbfgs_sub)},
};
