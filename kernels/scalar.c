/* The scalar "variant": the reference optimizers behind the common kernel
 * signature, so that they can be dispatched and threaded like the others,
 * with the scalar non-finite check and gemm: the table descent_scalar_isa. */
#include <math.h>

#include "kernel.h"

/* Every optimizer's reference through the registry's generic caller, which
 * knows each one's signature. */
static void reference_step(const descent_step *s, size_t n, float *param, const float *grad,
                           float *const state[3])
{
    /* Each block starts from the same product; the caller advances it once. */
    double mu_product = s->mu_product_before;
    descent_call_reference_signature(s->kind, NULL, s->h, s->t, n, param, grad, state,
                                     &mu_product);
}

static size_t first_nonfinite(size_t n, const float *x)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return i;
    return n;
}

const descent_isa_kernels descent_scalar_isa = {
    .optim = {
#define OPTIM_ENTRY(KIND, ...) [DESCENT_##KIND] = reference_step,
        DESCENT_OPTIMIZERS(OPTIM_ENTRY)
#undef OPTIM_ENTRY
    },
    .first_nonfinite = first_nonfinite,
    .gemm = descent_gemm_scalar,
    .gemm_nt = descent_gemm_nt_scalar,
};
