/* The optimizer object: owns the state arrays and the step counter, and
 * runs each step through the chosen variant and the OpenMP layer. */
#include <math.h>
#include <stdlib.h>

#include "../kernels/kernel.h"
#include "internal.h"

struct descent_optimizer {
    descent_optim_kind kind;
    descent_hparams h;
    size_t n;
    long t;             /* steps taken */
    double mu_product;  /* NAdam: mu_1*...*mu_t */
    float *state[3];    /* NULL where the chosen options need no array */
    descent_isa isa;
    descent_kernel_fn kernel;
    int threads;        /* 0 = OpenMP default */
};

/* Whether state array `index` of `kind` is used under options `h`; unused
 * arrays are not allocated (e.g. max_exp_avg_sq without amsgrad). */
static int state_used(descent_optim_kind kind, const descent_hparams *h, int index)
{
    switch (kind) {
    case DESCENT_SGD: return h->momentum != 0;
    case DESCENT_ADAM:
    case DESCENT_ADAMW: return index < 2 || h->amsgrad;
    case DESCENT_RMSPROP:
        return index == 0 || (index == 1 && h->momentum > 0) || (index == 2 && h->centered);
    default: return index < descent_optim_state_count(kind);
    }
}

void descent_optimizer_reset(descent_optimizer *opt)
{
    if (!opt)
        return;
    opt->t = 0;
    opt->mu_product = 1.0;
    for (int s = 0; s < 3; s++) {
        if (!opt->state[s])
            continue;
        const float init = (opt->kind == DESCENT_ADAGRAD)
                               ? (float)opt->h.initial_accumulator_value : 0.0f;
        for (size_t i = 0; i < opt->n; i++)
            opt->state[s][i] = init;
    }
}

void descent_optimizer_free(descent_optimizer *opt)
{
    if (!opt)
        return;
    for (int s = 0; s < 3; s++)
        descent_free_floats(opt->state[s]);
    free(opt);
}

descent_status descent_optimizer_create(descent_optim_kind kind,
                                        const descent_hparams *h, size_t n,
                                        descent_optimizer **out)
{
    if (!out)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_create: out is NULL");
    *out = NULL;
    descent_status s = descent_hparams_validate(kind, h);
    if (s != DESCENT_OK)
        return s;

    descent_optimizer *opt = calloc(1, sizeof *opt);
    if (!opt)
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory creating an optimizer");
    opt->kind = kind;
    opt->h = *h;
    opt->n = n;
    for (int i = 0; i < descent_optim_state_count(kind); i++) {
        if (!state_used(kind, h, i))
            continue;
        opt->state[i] = descent_alloc_floats(n);
        if (!opt->state[i]) {
            descent_optimizer_free(opt);
            return descent_fail(DESCENT_ERR_NOMEM,
                                "out of memory: %s state for %zu parameters needs %zu bytes",
                                descent_optim_state_name(kind, i), n, n * sizeof(float));
        }
    }
    s = descent_optimizer_set_isa(opt, DESCENT_ISA_BEST);
    if (s != DESCENT_OK) {
        descent_optimizer_free(opt);
        return s;
    }
    descent_optimizer_reset(opt);
    *out = opt;
    return DESCENT_OK;
}

descent_status descent_optimizer_set_isa(descent_optimizer *opt, descent_isa isa)
{
    descent_isa chosen;
    descent_status s = descent_isa_resolve(isa, &chosen);
    if (s != DESCENT_OK)
        return s;
    descent_kernel_fn kernel = descent_kernel_lookup(chosen, opt->kind);
    if (!kernel)
        return descent_fail(DESCENT_ERR_ISA, "no %s kernel for %s", descent_isa_name(chosen),
                            descent_optim_name(opt->kind));
    opt->isa = chosen;
    opt->kernel = kernel;
    return DESCENT_OK;
}

descent_isa descent_optimizer_isa(const descent_optimizer *opt)
{
    return opt->isa;
}

descent_status descent_optimizer_set_threads(descent_optimizer *opt, int threads)
{
    if (threads < 0)
        return descent_fail(DESCENT_ERR_INVALID, "invalid thread count %d", threads);
    opt->threads = threads;
    return DESCENT_OK;
}

descent_status descent_optimizer_set_lr(descent_optimizer *opt, double lr)
{
    if (!(lr >= 0.0) || !isfinite(lr))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid learning rate: %g", lr);
    opt->h.lr = lr;
    return DESCENT_OK;
}

const descent_hparams *descent_optimizer_hparams(const descent_optimizer *opt)
{
    return &opt->h;
}

descent_status descent_optimizer_step(descent_optimizer *opt, float *param,
                                      const float *grad)
{
    if (!opt || ((!param || !grad) && opt->n > 0))
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_step: NULL argument");
    const descent_step step = {
        .kind = opt->kind,
        .h = &opt->h,
        .t = opt->t + 1,
        .mu_product_before = opt->mu_product,
    };
    descent_parallel_step(opt->kernel, &step, opt->n, param, grad, opt->state, opt->threads);
    opt->t = step.t;
    if (opt->kind == DESCENT_NADAM)
        opt->mu_product *= descent_nadam_momentum(&opt->h, step.t);
    return DESCENT_OK;
}

long descent_optimizer_step_count(const descent_optimizer *opt)
{
    return opt->t;
}

size_t descent_optimizer_size(const descent_optimizer *opt)
{
    return opt->n;
}

const float *descent_optimizer_state(const descent_optimizer *opt, int index)
{
    if (index < 0 || index >= 3)
        return NULL;
    return opt->state[index];
}
