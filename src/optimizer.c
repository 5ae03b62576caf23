/* The optimizer object: owns the state arrays and the step counter, and
 * runs each step through the chosen variant and the OpenMP layer. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "internal.h"
#include "thread_tuner.h"

struct descent_optimizer {
    descent_optim_kind kind;
    descent_hparams h;
    size_t n;
    long t;             /* steps taken */
    double mu_product;  /* the running product (NAdam: mu_1*...*mu_t) */
    float *state[3];    /* NULL where the chosen options need no array */
    descent_isa isa;
    descent_kernel_fn kernel;
    int threads;        /* 0: chosen by the tuner, 1 or all (thread_tuner.h) */
    thread_tuner tuner;
    descent_nonfinite_policy nonfinite;
    descent_finite_fn check; /* the gradient check of the chosen variant */
    long skipped;            /* steps skipped under DESCENT_NONFINITE_SKIP */
};

void descent_optimizer_reset(descent_optimizer *opt)
{
    if (!opt)
        return;
    opt->t = 0;
    opt->skipped = 0;
    opt->mu_product = 1.0;
    const descent_optim_info *info = descent_optim_info_of(opt->kind);
    for (int s = 0; s < info->state_count; s++) {
        if (!opt->state[s])
            continue;
        const descent_hparam_key initial = info->states[s].initial;
        const float init =
            initial == DESCENT_HP_NONE ? 0.0f : (float)descent_hparams_get(&opt->h, initial);
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
    thread_tuner_init(&opt->tuner);
    for (int i = 0; i < descent_optim_state_count(kind); i++) {
        if (!descent_optim_state_used(kind, h, i))
            continue;
        opt->state[i] = descent_alloc_floats(n);
        if (!opt->state[i]) {
            descent_optimizer_free(opt);
            return descent_fail(DESCENT_ERR_NOMEM,
                                "out of memory: %s state for %zu parameters needs %.4g bytes",
                                descent_optim_state_name(kind, i), n,
                                (double)n * sizeof(float)); /* n * 4 may overflow size_t */
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
    if (!opt)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_set_isa: opt is NULL");
    descent_isa chosen;
    descent_status s = descent_isa_resolve(isa, &chosen);
    if (s != DESCENT_OK)
        return s;
    const descent_isa_kernels *table = descent_isa_table(chosen); /* every entry set */
    opt->isa = chosen;
    opt->kernel = table->optim[opt->kind];
    opt->check = table->first_nonfinite;
    return DESCENT_OK;
}

descent_isa descent_optimizer_isa(const descent_optimizer *opt)
{
    return opt ? opt->isa : DESCENT_ISA_COUNT;
}

descent_status descent_optimizer_set_threads(descent_optimizer *opt, int threads)
{
    if (!opt)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_set_threads: opt is NULL");
    if (threads < 0)
        return descent_fail(DESCENT_ERR_INVALID, "invalid thread count %d", threads);
    opt->threads = threads;
    return DESCENT_OK;
}

descent_status descent_optimizer_set_lr(descent_optimizer *opt, double lr)
{
    if (!opt)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_set_lr: opt is NULL");
    if (!(lr >= 0.0) || !isfinite(lr))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid learning rate: %g", lr);
    opt->h.lr = lr;
    return DESCENT_OK;
}

descent_status descent_optimizer_set_momentum(descent_optimizer *opt, double momentum)
{
    if (!opt || !(momentum >= 0.0 && momentum < 1.0))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid momentum value: %g", momentum);
    if (opt->kind == DESCENT_SGD || opt->kind == DESCENT_RMSPROP)
        opt->h.momentum = momentum;
    else
        opt->h.beta1 = momentum;
    return DESCENT_OK;
}

const descent_hparams *descent_optimizer_hparams(const descent_optimizer *opt)
{
    return opt ? &opt->h : NULL;
}

descent_status descent_optimizer_step(descent_optimizer *opt, float *param,
                                      const float *grad)
{
    if (!opt || ((!param || !grad) && opt->n > 0))
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_step: NULL argument");
    /* Step numbers run from 1 to LONG_MAX (descent.h); one more would overflow the counter. */
    if (opt->t == LONG_MAX)
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_optimizer_step: %ld steps taken, the most a step count "
                            "holds; reset the optimizer to step again", opt->t);
    /* An explicit thread count is used as it is; the default is measured,
     * where the step is big enough to be split at all. */
    thread_plan plan = {.threads = opt->threads ? opt->threads : 1, .candidate = -1};
    if (!opt->threads && descent_parallel_splits(opt->n))
        plan = thread_tuner_plan(&opt->tuner, 0);
    if (opt->nonfinite != DESCENT_NONFINITE_PROPAGATE && opt->n > 0) {
        const size_t bad = descent_parallel_first_nonfinite(opt->check, opt->n, grad, plan.threads);
        if (bad < opt->n) {
            if (opt->nonfinite == DESCENT_NONFINITE_SKIP) {
                opt->skipped++;
                return DESCENT_OK;
            }
            return descent_fail(DESCENT_ERR_NONFINITE,
                                "non-finite gradient at step %ld: grad[%zu] = %g "
                                "(first bad element of %zu); step not taken",
                                opt->t + 1, bad, (double)grad[bad], opt->n);
        }
    }
    const descent_step step = {
        .kind = opt->kind,
        .h = &opt->h,
        .t = opt->t + 1,
        .mu_product_before = opt->mu_product,
    };
    descent_parallel_step(opt->kernel, &step, opt->n, param, grad, opt->state, plan.threads);
    thread_tuner_done(&opt->tuner, &plan, (double)opt->n);
    opt->t = step.t;
    const descent_optim_info *info = descent_optim_info_of(opt->kind);
    if (info->product_factor)
        opt->mu_product *= info->product_factor(&opt->h, step.t);
    return DESCENT_OK;
}

long descent_optimizer_step_count(const descent_optimizer *opt)
{
    return opt ? opt->t : 0;
}

void descent_optimizer_set_step_count(descent_optimizer *opt, long t)
{
    opt->t = t;
}

size_t descent_optimizer_size(const descent_optimizer *opt)
{
    return opt ? opt->n : 0;
}

const float *descent_optimizer_state(const descent_optimizer *opt, int index)
{
    if (!opt || index < 0 || index >= 3)
        return NULL;
    return opt->state[index];
}

static const char *const nonfinite_names[DESCENT_NONFINITE_COUNT] = {"propagate", "skip",
                                                                     "stop"};

const char *descent_nonfinite_name(descent_nonfinite_policy policy)
{
    if ((unsigned)policy >= DESCENT_NONFINITE_COUNT)
        return "unknown";
    return nonfinite_names[policy];
}

descent_status descent_nonfinite_from_name(const char *name, descent_nonfinite_policy *policy)
{
    if (!name || !policy)
        return descent_fail(DESCENT_ERR_INVALID, "descent_nonfinite_from_name: NULL argument");
    const int i = descent_name_index("non-finite policy", nonfinite_names,
                                     DESCENT_NONFINITE_COUNT, name, DESCENT_ERR_INVALID);
    if (i < 0)
        return DESCENT_ERR_INVALID;
    *policy = (descent_nonfinite_policy)i;
    return DESCENT_OK;
}

descent_status descent_optimizer_set_nonfinite(descent_optimizer *opt,
                                               descent_nonfinite_policy policy)
{
    if (!opt)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_set_nonfinite: opt is NULL");
    if ((unsigned)policy >= DESCENT_NONFINITE_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "invalid non-finite policy %d", (int)policy);
    opt->nonfinite = policy;
    return DESCENT_OK;
}

descent_nonfinite_policy descent_optimizer_nonfinite(const descent_optimizer *opt)
{
    return opt ? opt->nonfinite : DESCENT_NONFINITE_COUNT;
}

long descent_optimizer_skipped_steps(const descent_optimizer *opt)
{
    return opt ? opt->skipped : 0;
}
