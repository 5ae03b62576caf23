/* This ISA's kernel table (descent_avx2_isa, descent_avx512_isa,
 * descent_neon_isa: kernel.h), compiled once per ISA like the kernels it
 * collects: the optimizers from the registry's rows, the non-finite check
 * the clipping kernels and the MLP's two products. */
#include "../kernel.h"
#include "../vec/vec.h"

#define DECLARE_OPTIM(KIND, name, ...) descent_kernel VEC_FN(name);
DESCENT_OPTIMIZERS(DECLARE_OPTIM)
#undef DECLARE_OPTIM
descent_finite_check VEC_FN(first_nonfinite);
descent_norm_sum VEC_FN(norm_sum);
descent_scale VEC_FN(scale);
descent_clamp VEC_FN(clamp);
descent_gemm VEC_FN(gemm);
descent_gemm_nt VEC_FN(gemm_nt);

const descent_isa_kernels VEC_FN(isa) = {
    .optim = {
#define OPTIM_ENTRY(KIND, name, ...) [DESCENT_##KIND] = VEC_FN(name),
        DESCENT_OPTIMIZERS(OPTIM_ENTRY)
#undef OPTIM_ENTRY
    },
    .first_nonfinite = VEC_FN(first_nonfinite),
    .norm_sum = VEC_FN(norm_sum),
    .scale = VEC_FN(scale),
    .clamp = VEC_FN(clamp),
    .gemm = VEC_FN(gemm),
    .gemm_nt = VEC_FN(gemm_nt),
};
