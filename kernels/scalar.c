/* The scalar "variant": the reference optimizers behind the common kernel
 * signature, so that they can be dispatched and threaded like the others. */
#include <math.h>

#include "kernel.h"

static void sgd(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    descent_ref_sgd(s->h, s->t, n, p, g, st[0]);
}

static void adam(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    descent_ref_adam(s->h, s->t, n, p, g, st[0], st[1], st[2]);
}

static void adamw(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    descent_ref_adamw(s->h, s->t, n, p, g, st[0], st[1], st[2]);
}

static void rmsprop(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    descent_ref_rmsprop(s->h, s->t, n, p, g, st[0], st[1], st[2]);
}

static void adagrad(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    descent_ref_adagrad(s->h, s->t, n, p, g, st[0]);
}

static void adadelta(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    descent_ref_adadelta(s->h, s->t, n, p, g, st[0], st[1]);
}

static void adamax(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    descent_ref_adamax(s->h, s->t, n, p, g, st[0], st[1]);
}

static void nadam(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    /* Each block starts from the same product; the caller advances it once. */
    double mu_product = s->mu_product_before;
    descent_ref_nadam(s->h, s->t, &mu_product, n, p, g, st[0], st[1]);
}

static void radam(const descent_step *s, size_t n, float *p, const float *g, float *const st[3])
{
    descent_ref_radam(s->h, s->t, n, p, g, st[0], st[1]);
}

const descent_kernel_fn descent_scalar_kernels[DESCENT_OPTIM_COUNT] = {
    [DESCENT_SGD] = sgd,         [DESCENT_ADAM] = adam,       [DESCENT_ADAMW] = adamw,
    [DESCENT_RMSPROP] = rmsprop, [DESCENT_ADAGRAD] = adagrad, [DESCENT_ADADELTA] = adadelta,
    [DESCENT_ADAMAX] = adamax,   [DESCENT_NADAM] = nadam,     [DESCENT_RADAM] = radam,
};

/* The non-finite check for the scalar variant (the vector ones are in
 * kernels/check/finite.c). */
size_t descent_scalar_first_nonfinite(size_t n, const float *x)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return i;
    return n;
}
