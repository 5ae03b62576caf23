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

/* The clipping kernels, plain C: |x|^p summed in double in index order. */
static double norm_sum(size_t n, const float *x, double p)
{
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        const double a = fabs((double)x[i]);
        if (isinf(p))
            total = a != a || total != total ? NAN : (a > total ? a : total);
        else
            total += p == 1.0 ? a : p == 2.0 ? a * a : pow(a, p);
    }
    return total;
}

static void scale(size_t n, float *x, float factor)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] * factor;
}

static void clamp(size_t n, float *x, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] != x[i] ? x[i] : x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}

const descent_isa_kernels descent_scalar_isa = {
    .optim = {
#define OPTIM_ENTRY(KIND, ...) [DESCENT_##KIND] = reference_step,
        DESCENT_OPTIMIZERS(OPTIM_ENTRY)
#undef OPTIM_ENTRY
    },
    .first_nonfinite = first_nonfinite,
    .norm_sum = norm_sum,
    .scale = scale,
    .clamp = clamp,
    .gemm = descent_gemm_scalar,
    .gemm_nt = descent_gemm_nt_scalar,
};
