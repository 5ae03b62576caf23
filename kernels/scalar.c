/* The scalar "variant": the reference optimizers behind the common kernel
 * signature, so that they can be dispatched and threaded like the others,
 * with the scalar non-finite check, gemm and L-BFGS vector work: the table
 * descent_scalar_isa. */
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

/* L-BFGS's vector work as plain loops (kernel.h): one float accumulator,
 * and y + a*x rounded twice, as written. */
static float lbfgs_dot(size_t n, const float *x, const float *y)
{
    float sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i] * y[i];
    return sum;
}

static float lbfgs_abs_sum(size_t n, const float *x)
{
    float sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += fabsf(x[i]);
    return sum;
}

static float lbfgs_abs_max(size_t n, const float *x)
{
    float best = 0;
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(x[i]) <= best)) /* NaN wins, as torch's max */
            best = fabsf(x[i]);
    return best;
}

static void lbfgs_axpy(size_t n, float a, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = y[i] + a * x[i];
}

static void lbfgs_scale(size_t n, float a, const float *x, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a * x[i];
}

static void lbfgs_sub(size_t n, const float *a, const float *b, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] - b[i];
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
    .relu_bias = descent_relu_bias_scalar,
    .relu_grad = descent_relu_grad_scalar,
    .lbfgs = {lbfgs_dot, lbfgs_abs_sum, lbfgs_abs_max, lbfgs_axpy, lbfgs_scale, lbfgs_sub},
};
