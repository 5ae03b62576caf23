/* This ISA's row of the dispatch table (descent_avx2_kernels, ...), from
 * the registry's rows (include/descent_optimizers.h). */
#include "../kernel.h"
#include "../vec/vec.h"

#define DECLARE(KIND, name, ...)                                                       \
    void VEC_FN(name)(const descent_step *s, size_t n, float *param, const float *grad, \
                      float *const state[3]);
DESCENT_OPTIMIZERS(DECLARE)
#undef DECLARE

const descent_kernel_fn VEC_FN(kernels)[DESCENT_OPTIM_COUNT] = {
#define ENTRY(KIND, name, ...) [DESCENT_##KIND] = VEC_FN(name),
    DESCENT_OPTIMIZERS(ENTRY)
#undef ENTRY
};
