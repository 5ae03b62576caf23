/* This ISA's kernel table (descent_avx2_isa, descent_avx512_isa,
 * descent_neon_isa, descent_sve_isa: kernel.h), compiled once per ISA like the kernels it
 * collects: the optimizers from the registry's rows, the non-finite check,
 * the clipping kernels, the MLP's two products and its elementwise parts,
 * and L-BFGS's vector work, and mixed precision's conversions and fused
 * kernels. */
#include "../kernel.h"
#include "../vec/vec.h"

#define DECLARE_OPTIM(KIND, name, ...) descent_kernel VEC_FN(name);
DESCENT_OPTIMIZERS(DECLARE_OPTIM)
#undef DECLARE_OPTIM
descent_tensor_reduce VEC_FN(lamb_reduce);
descent_tensor_apply VEC_FN(lamb_apply);
descent_finite_check VEC_FN(first_nonfinite);
descent_norm_sum VEC_FN(norm_sum);
descent_scale VEC_FN(scale);
descent_clamp VEC_FN(clamp);
descent_sum_squares VEC_FN(sum_squares);
descent_gemm VEC_FN(gemm);
descent_gemm_nt VEC_FN(gemm_nt);
float VEC_FN(lbfgs_dot)(size_t n, const float *x, const float *y);
float VEC_FN(lbfgs_abs_sum)(size_t n, const float *x);
float VEC_FN(lbfgs_abs_max)(size_t n, const float *x);
void VEC_FN(lbfgs_axpy)(size_t n, float a, const float *x, float *y);
void VEC_FN(lbfgs_scale)(size_t n, float a, const float *x, float *out);
void VEC_FN(lbfgs_sub)(size_t n, const float *a, const float *b, float *out);
descent_mlp_bias_act VEC_FN(mlp_bias_act);
descent_mlp_act_grad VEC_FN(mlp_act_grad);
descent_mlp_softmax_xent VEC_FN(mlp_softmax_xent);
descent_mlp_transpose VEC_FN(mlp_transpose);
descent_map VEC_FN(map_exp);
descent_map VEC_FN(map_tanh);
void VEC_FN(widen_bf16)(size_t n, const uint16_t *x, float *out);
void VEC_FN(widen_fp16)(size_t n, const uint16_t *x, float *out);
void VEC_FN(narrow_bf16)(size_t n, const float *x, uint16_t *out);
void VEC_FN(narrow_fp16)(size_t n, const float *x, uint16_t *out);

#if VEC_HAVE_HALF
extern const descent_fused_table VEC_FN(sgd_fused), VEC_FN(adam_fused), VEC_FN(adamw_fused);
#endif
#if VEC_HAVE_BF16_NATIVE
extern const descent_fused_table VEC_FN(sgd_fused_bf16_native), VEC_FN(adam_fused_bf16_native),
    VEC_FN(adamw_fused_bf16_native);
#endif

static const descent_fused_table *fused(descent_optim_kind kind, int cpu_bf16)
{
    (void)kind, (void)cpu_bf16;
#if VEC_HAVE_BF16_NATIVE
    if (cpu_bf16 && vec_bf16_native_cpu())
        switch (kind) {
        case DESCENT_SGD: return &VEC_FN(sgd_fused_bf16_native);
        case DESCENT_ADAM: return &VEC_FN(adam_fused_bf16_native);
        case DESCENT_ADAMW: return &VEC_FN(adamw_fused_bf16_native);
        default: return NULL;
        }
#endif
#if VEC_HAVE_HALF
    switch (kind) {
    case DESCENT_SGD: return &VEC_FN(sgd_fused);
    case DESCENT_ADAM: return &VEC_FN(adam_fused);
    case DESCENT_ADAMW: return &VEC_FN(adamw_fused);
    default: return NULL;
    }
#endif
    return NULL;
}

static unsigned vector_bits(void) { return (unsigned)(VEC_WIDTH * 32); }

const descent_isa_kernels VEC_FN(isa) = {
    .optim = {
#define OPTIM_ENTRY(KIND, name, ...) [DESCENT_##KIND] = VEC_FN(name),
        DESCENT_OPTIMIZERS(OPTIM_ENTRY)
#undef OPTIM_ENTRY
    },
    .tensor_passes = {[DESCENT_LAMB] = {VEC_FN(lamb_reduce), VEC_FN(lamb_apply)}},
    .first_nonfinite = VEC_FN(first_nonfinite),
    .norm_sum = VEC_FN(norm_sum),
    .scale = VEC_FN(scale),
    .clamp = VEC_FN(clamp),
    .sum_squares = VEC_FN(sum_squares),
    .gemm = VEC_FN(gemm),
    .gemm_nt = VEC_FN(gemm_nt),
    .lbfgs = {VEC_FN(lbfgs_dot), VEC_FN(lbfgs_abs_sum), VEC_FN(lbfgs_abs_max),
              VEC_FN(lbfgs_axpy), VEC_FN(lbfgs_scale), VEC_FN(lbfgs_sub)},
    .mlp_bias_act = VEC_FN(mlp_bias_act),
    .mlp_act_grad = VEC_FN(mlp_act_grad),
    .mlp_softmax_xent = VEC_FN(mlp_softmax_xent),
    .mlp_transpose = VEC_FN(mlp_transpose),
    .map_exp = VEC_FN(map_exp),
    .map_tanh = VEC_FN(map_tanh),
    .vector_bits = vector_bits,
    .convert = {VEC_FN(widen_bf16), VEC_FN(widen_fp16), VEC_FN(narrow_bf16),
                VEC_FN(narrow_fp16)},
    .fused = fused,
};
