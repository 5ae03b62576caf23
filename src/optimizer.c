/* The optimizer object: owns the state arrays and the step counter, and
 * runs each step through the chosen variant and the OpenMP layer. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "config.h"
#include "internal.h"
#include "thread_tuner.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

/* A tensor of the flat vector and its own hyperparameters (NAN: the
 * optimizer's). */
typedef struct optimizer_segment {
    size_t start, size;
    double lr, weight_decay;
} optimizer_segment;

struct descent_optimizer {
    descent_optim_kind kind;
    descent_hparams h;
    size_t n;
    long t;             /* steps taken */
    double mu_product;  /* the running product (NAdam: mu_1*...*mu_t) */
    float *state[3];    /* NULL where the chosen options need no array */
    descent_isa isa;
    descent_kernel_fn kernel;
    const descent_tensor_passes *passes; /* the kernel's two passes (per-tensor kinds) */
    int threads;        /* 0: chosen by the tuner, 1 or all (thread_tuner.h) */
    thread_tuner tuner;
    descent_nonfinite_policy nonfinite;
    descent_finite_fn check; /* the gradient check of the chosen variant */
    long skipped;            /* steps skipped under DESCENT_NONFINITE_SKIP */
    size_t segment_count;    /* 0: one segment of n, no own hparams */
    optimizer_segment *segments;
    /* descent_optimizer_set_storage: what the parameters and the state are
     * rounded to after each step (FP32: nothing); with stochastic set
     * (descent_optimizer_set_storage_rounding), bf16 parameters are rounded
     * stochastically with seed, element i as global element first + i. */
    descent_dtype store_param, store_state;
    int stochastic;
    unsigned long long seed;
    size_t first;
};

/* x[0, n) rounded in place to dtype, nearest even, with the variant's
 * conversions (bit for bit the reference's). */
static void round_to(const descent_isa_kernels *table, descent_dtype dtype, size_t n, float *x)
{
    if (dtype == DESCENT_FP32 || !table)
        return;
    uint16_t h[1024];
    const descent_convert_kernels *cv = &table->convert;
    for (size_t i = 0; i < n; i += 1024) {
        const size_t m = n - i < 1024 ? n - i : 1024;
        if (dtype == DESCENT_BF16) {
            cv->narrow_bf16(m, x + i, h);
            cv->widen_bf16(m, h, x + i);
        } else {
            cv->narrow_fp16(m, x + i, h);
            cv->widen_fp16(m, h, x + i);
        }
    }
}

/* Stochastic rounding of the parameters after step t: a block of the
 * parallel layer at a time, each element with the bits descent_mixed_step
 * draws for (seed, t, first + its index), so any split gives the same. */
typedef struct stochastic_call {
    const descent_optimizer *opt;
    long t;
    float *param;
} stochastic_call;

static void round_block_stochastic(void *ctx, size_t start, size_t len)
{
    const stochastic_call *c = ctx;
    const descent_convert_kernels *cv = &descent_isa_table(c->opt->isa)->convert;
    uint16_t h[1024];
    for (size_t i = start; i < start + len; i += 1024) {
        const size_t m = start + len - i < 1024 ? start + len - i : 1024;
        descent_ref_narrow_bf16_stochastic(m, c->param + i, h, c->opt->seed, c->t,
                                           c->opt->first + i);
        cv->widen_bf16(m, h, c->param + i);
    }
}

/* The parameters after step t, rounded as the storage says (the Philox
 * bits cost about as much as the step: shared over its threads). */
static void round_params(const descent_optimizer *opt, long t, float *param, int threads)
{
    if (!opt->stochastic) {
        round_to(descent_isa_table(opt->isa), opt->store_param, opt->n, param);
        return;
    }
    stochastic_call c = {opt, t, param};
    descent_parallel_for_blocks(opt->n, threads, round_block_stochastic, &c);
}

static void round_state(descent_optimizer *opt)
{
    for (int k = 0; k < 3; k++)
        if (opt->state[k])
            round_to(descent_isa_table(opt->isa), opt->store_state, opt->n, opt->state[k]);
}

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
    round_state(opt); /* initial values as the storage holds them */
}

void descent_optimizer_free(descent_optimizer *opt)
{
    if (!opt)
        return;
    for (int s = 0; s < 3; s++)
        descent_free_floats(opt->state[s]);
    free(opt->segments);
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
    opt->passes = &table->tensor_passes[opt->kind];
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
    const descent_optim_info *info = descent_optim_info_of(opt->kind);
    if (descent_optim_has_hparam(opt->kind, DESCENT_HP_MOMENTUM)) {
        /* The momentum buffer exists only when the optimizer was created
         * with momentum > 0: cycling it from 0 would step without one. */
        for (int i = 0; i < info->state_count; i++)
            if (info->states[i].used_if == DESCENT_HP_MOMENTUM && !opt->state[i])
                return descent_fail(DESCENT_ERR_INVALID,
                                    "cycle_momentum: %s was created with momentum 0, so it has "
                                    "no momentum buffer; give it --momentum > 0 or set "
                                    "cycle_momentum=0", info->name);
        opt->h.momentum = momentum;
    } else if (descent_optim_has_hparam(opt->kind, DESCENT_HP_BETA1)) {
        opt->h.beta1 = momentum;
    } else {
        return descent_fail(DESCENT_ERR_INVALID, "cycle_momentum: %s has neither momentum nor "
                            "beta1 (optimizer must support momentum with `cycle_momentum` option "
                            "enabled); set cycle_momentum=0", info->name);
    }
    return DESCENT_OK;
}

const descent_hparams *descent_optimizer_hparams(const descent_optimizer *opt)
{
    return opt ? &opt->h : NULL;
}

/* The hyperparameters of segment `seg`: the optimizer's, with the
 * segment's own lr and weight decay where it has them. */
static descent_hparams segment_hparams(const descent_optimizer *opt, const optimizer_segment *seg)
{
    descent_hparams h = opt->h;
    if (!isnan(seg->lr))
        h.lr = seg->lr;
    if (!isnan(seg->weight_decay))
        h.weight_decay = seg->weight_decay;
    return h;
}

/* One segment: its slice of param, grad and the state arrays. */
static void step_segment(const descent_optimizer *opt, const descent_step *step, size_t k,
                         float *param, const float *grad, int threads)
{
    const optimizer_segment *seg = &opt->segments[k];
    const descent_hparams h = segment_hparams(opt, seg);
    descent_step own = *step;
    own.h = &h;
    float *const slice[3] = {
        opt->state[0] ? opt->state[0] + seg->start : NULL,
        opt->state[1] ? opt->state[1] + seg->start : NULL,
        opt->state[2] ? opt->state[2] + seg->start : NULL,
    };
    descent_parallel_step(opt->kernel, opt->passes, &own, seg->size, param + seg->start,
                          grad + seg->start, slice, threads);
}

/* Whether segment k steps on all the threads: an elementwise kind's always;
 * a per-tensor kind's (LAMB) when its kernel has its two passes and the
 * segment is large enough to share out (descent_parallel_splits). */
static int segment_on_all_threads(const descent_optimizer *opt, size_t k)
{
    return !descent_optim_per_tensor(opt->kind) ||
           (opt->passes->reduce && descent_parallel_splits(opt->segments[k].size));
}

/* Every segment in turn, on all the threads where it can; the rest, per-
 * tensor segments stepped whole, are shared out over the threads instead
 * (each one's reduction keeps its order either way). */
static void step_segments(const descent_optimizer *opt, const descent_step *step, float *param,
                          const float *grad, int threads)
{
    const size_t count = opt->segment_count;
    for (size_t k = 0; k < count; k++)
        if (segment_on_all_threads(opt, k))
            step_segment(opt, step, k, param, grad, threads);
    if (!descent_optim_per_tensor(opt->kind))
        return;
#if DESCENT_HAVE_OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
    if ((size_t)threads > count)
        threads = (int)count;
#pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1)
#else
    (void)threads;
#endif
    for (size_t k = 0; k < count; k++)
        if (!segment_on_all_threads(opt, k))
            step_segment(opt, step, k, param, grad, 1);
}

descent_status descent_optimizer_set_segments(descent_optimizer *opt, size_t count,
                                              const size_t *sizes)
{
    if (!opt || (count > 0 && !sizes))
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_set_segments: NULL argument");
    size_t total = 0;
    for (size_t k = 0; k < count; k++) {
        if (sizes[k] > opt->n - total)
            return descent_fail(DESCENT_ERR_INVALID,
                                "segments: segment %zu of %zu elements runs past the %zu "
                                "parameters", k, sizes[k], opt->n);
        total += sizes[k];
    }
    if (count > 0 && total != opt->n)
        return descent_fail(DESCENT_ERR_INVALID,
                            "segments: %zu segments hold %zu elements, the optimizer has %zu",
                            count, total, opt->n);
    optimizer_segment *segments = NULL;
    if (count > 0 && !(segments = calloc(count, sizeof *segments)))
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory for %zu segments", count);
    for (size_t k = 0, start = 0; k < count; start += sizes[k], k++)
        segments[k] = (optimizer_segment){start, sizes[k], NAN, NAN};
    free(opt->segments);
    opt->segments = segments;
    opt->segment_count = count;
    return DESCENT_OK;
}

descent_status descent_optimizer_set_segment_hparams(descent_optimizer *opt, size_t index,
                                                     double lr, double weight_decay)
{
    if (!opt)
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_optimizer_set_segment_hparams: opt is NULL");
    if (index >= opt->segment_count)
        return descent_fail(DESCENT_ERR_INVALID, "segment %zu: the optimizer has %zu segments",
                            index, opt->segment_count);
    optimizer_segment seg = opt->segments[index];
    seg.lr = lr, seg.weight_decay = weight_decay;
    const descent_hparams h = segment_hparams(opt, &seg);
    if (descent_hparams_validate(opt->kind, &h) != DESCENT_OK)
        return DESCENT_ERR_INVALID; /* its message names the value */
    opt->segments[index] = seg;
    return DESCENT_OK;
}

size_t descent_optimizer_segment_count(const descent_optimizer *opt)
{
    return opt ? (opt->segment_count ? opt->segment_count : 1) : 0;
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
    if (opt->segment_count == 0)
        descent_parallel_step(opt->kernel, opt->passes, &step, opt->n, param, grad, opt->state,
                              plan.threads);
    else
        step_segments(opt, &step, param, grad, plan.threads);
    if (opt->store_param != DESCENT_FP32)
        round_params(opt, step.t, param, plan.threads);
    round_state(opt);
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

descent_status descent_optimizer_set_storage(descent_optimizer *opt, descent_dtype param,
                                             descent_dtype state)
{
    if (!opt)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_set_storage: opt is NULL");
    if ((unsigned)param >= DESCENT_DTYPE_COUNT || (state != DESCENT_FP32 && state != DESCENT_BF16))
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_optimizer_set_storage: parameters fp32, bf16 or fp16; "
                            "state fp32 or bf16");
    opt->store_param = param;
    opt->store_state = state;
    opt->stochastic = 0; /* nearest until set_storage_rounding asks again */
    round_state(opt);
    return DESCENT_OK;
}

descent_status descent_optimizer_set_storage_rounding(descent_optimizer *opt, int stochastic,
                                                      unsigned long long seed, size_t first)
{
    if (!opt)
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_optimizer_set_storage_rounding: opt is NULL");
    if (stochastic && opt->store_param != DESCENT_BF16)
        return descent_fail(DESCENT_ERR_INVALID,
                            "stochastic rounding is for bf16 parameters only (the storage "
                            "keeps them at %s)", descent_dtype_name(opt->store_param));
    opt->stochastic = stochastic != 0;
    opt->seed = seed;
    opt->first = first;
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

/* ---------------------------------------------------------- checkpoints */

/* Section names: PREFIX.kind, PREFIX.hp.<key>, PREFIX.counters (t,
 * skipped), PREFIX.mu_product, PREFIX.state.<torch's state name>. */
static const char *section(char *buf, size_t size, const char *prefix, const char *what)
{
    snprintf(buf, size, "%s.%s", prefix, what);
    return buf;
}

descent_status descent_optimizer_save(const descent_optimizer *opt, descent_ckpt_writer *w,
                                      const char *prefix)
{
    if (!opt || !w || !prefix)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_save: NULL argument");
    const descent_optim_info *info = descent_optim_info_of(opt->kind);
    char name[64], what[48];
    descent_status s = descent_ckpt_put(w, section(name, sizeof name, prefix, "kind"),
                                        DESCENT_CKPT_BYTES, info->name, strlen(info->name));
    for (int k = 0; k < info->key_count && s == DESCENT_OK; k++) {
        const double v = descent_hparams_get(&opt->h, info->keys[k].key);
        snprintf(what, sizeof what, "hp.%s", descent_hparam_name(info->keys[k].key));
        s = descent_ckpt_put(w, section(name, sizeof name, prefix, what), DESCENT_CKPT_F64, &v, 1);
    }
    const int64_t counters[2] = {opt->t, opt->skipped};
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, section(name, sizeof name, prefix, "counters"), DESCENT_CKPT_I64,
                             counters, 2);
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, section(name, sizeof name, prefix, "mu_product"),
                             DESCENT_CKPT_F64, &opt->mu_product, 1);
    for (int i = 0; i < info->state_count && s == DESCENT_OK; i++) {
        if (!opt->state[i])
            continue;
        snprintf(what, sizeof what, "state.%s", info->states[i].name);
        s = descent_ckpt_put(w, section(name, sizeof name, prefix, what), DESCENT_CKPT_F32,
                             opt->state[i], opt->n);
    }
    /* Segments: sizes and each one's own lr and weight decay (NAN: none). */
    const size_t count = opt->segment_count;
    int64_t *sizes = count ? malloc(count * sizeof *sizes) : NULL;
    double *own = count ? malloc(2 * count * sizeof *own) : NULL;
    if (count && (!sizes || !own))
        s = s == DESCENT_OK ? descent_fail(DESCENT_ERR_NOMEM, "out of memory saving segments") : s;
    for (size_t k = 0; k < count && sizes && own; k++) {
        sizes[k] = (int64_t)opt->segments[k].size;
        own[2 * k] = opt->segments[k].lr, own[2 * k + 1] = opt->segments[k].weight_decay;
    }
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, section(name, sizeof name, prefix, "segments"), DESCENT_CKPT_I64,
                             sizes, count);
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, section(name, sizeof name, prefix, "segment_hparams"),
                             DESCENT_CKPT_F64, own, 2 * count);
    free(sizes), free(own);
    return s;
}

descent_status descent_optimizer_load(descent_optimizer *opt, const descent_ckpt *c,
                                      const char *prefix)
{
    if (!opt || !c || !prefix)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optimizer_load: NULL argument");
    const descent_optim_info *info = descent_optim_info_of(opt->kind);
    char name[64], what[48], kind[32] = {0};
    const size_t len = strlen(info->name);
    descent_status s = descent_ckpt_get(c, section(name, sizeof name, prefix, "kind"),
                                        DESCENT_CKPT_BYTES, kind, len);
    if (s != DESCENT_OK || memcmp(kind, info->name, len) != 0)
        return descent_fail(DESCENT_ERR_FORMAT, "%s: the checkpoint's optimizer is not %s",
                            descent_ckpt_path(c), info->name);
    /* Everything is read and checked into a copy first, so a mismatch
     * leaves the optimizer as it was. */
    descent_hparams h = opt->h;
    for (int k = 0; k < info->key_count && s == DESCENT_OK; k++) {
        double v;
        snprintf(what, sizeof what, "hp.%s", descent_hparam_name(info->keys[k].key));
        s = descent_ckpt_get(c, section(name, sizeof name, prefix, what), DESCENT_CKPT_F64, &v, 1);
        if (s == DESCENT_OK)
            s = descent_hparams_set(&h, info->keys[k].key, v);
    }
    if (s == DESCENT_OK && (s = descent_hparams_validate(opt->kind, &h)) != DESCENT_OK)
        return descent_fail(DESCENT_ERR_FORMAT, "%s: %s", descent_ckpt_path(c),
                            descent_last_error());
    for (int i = 0; i < info->state_count && s == DESCENT_OK; i++)
        if (descent_optim_state_used(opt->kind, &h, i) != (opt->state[i] != NULL))
            return descent_fail(DESCENT_ERR_FORMAT,
                                "%s: the checkpoint's options %s the %s state; create the "
                                "optimizer with the same options", descent_ckpt_path(c),
                                opt->state[i] ? "do not use" : "use", info->states[i].name);
    /* The segments must be the ones this optimizer was given. */
    const size_t count = opt->segment_count;
    int64_t *sizes = malloc((count ? count : 1) * sizeof *sizes);
    double *own = malloc((count ? 2 * count : 1) * sizeof *own);
    if (!sizes || !own) {
        free(sizes), free(own);
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory loading segments");
    }
    if (s == DESCENT_OK)
        s = descent_ckpt_get(c, section(name, sizeof name, prefix, "segments"), DESCENT_CKPT_I64,
                             sizes, count);
    for (size_t k = 0; k < count && s == DESCENT_OK; k++)
        if (sizes[k] != (int64_t)opt->segments[k].size)
            s = descent_fail(DESCENT_ERR_FORMAT, "%s: segment %zu holds %lld elements, this "
                             "optimizer's %zu", descent_ckpt_path(c), k, (long long)sizes[k],
                             opt->segments[k].size);
    if (s == DESCENT_OK)
        s = descent_ckpt_get(c, section(name, sizeof name, prefix, "segment_hparams"),
                             DESCENT_CKPT_F64, own, 2 * count);
    free(sizes);
    if (s != DESCENT_OK) {
        free(own);
        return s;
    }
    int64_t counters[2];
    double mu_product;
    if (s == DESCENT_OK)
        s = descent_ckpt_get(c, section(name, sizeof name, prefix, "counters"), DESCENT_CKPT_I64,
                             counters, 2);
    if (s == DESCENT_OK)
        s = descent_ckpt_get(c, section(name, sizeof name, prefix, "mu_product"),
                             DESCENT_CKPT_F64, &mu_product, 1);
    if (s == DESCENT_OK && (counters[0] < 0 || counters[1] < 0))
        s = descent_fail(DESCENT_ERR_FORMAT, "%s: negative step count", descent_ckpt_path(c));
    for (int i = 0; i < info->state_count && s == DESCENT_OK; i++) {
        if (!opt->state[i])
            continue;
        snprintf(what, sizeof what, "state.%s", info->states[i].name);
        /* checked before any array is overwritten: a missing or wrong-sized
         * one fails here, with the optimizer untouched */
        const long long have =
            descent_ckpt_count(c, section(name, sizeof name, prefix, what), DESCENT_CKPT_F32);
        if (have != (long long)opt->n)
            s = have < 0 ? descent_fail(DESCENT_ERR_FORMAT, "%s: no float32 section '%s'",
                                        descent_ckpt_path(c), name)
                         : descent_fail(DESCENT_ERR_FORMAT, "%s: section '%s' holds %lld values, "
                                        "this optimizer has %zu (a checkpoint of another "
                                        "model?)", descent_ckpt_path(c), name, have, opt->n);
    }
    for (int i = 0; i < info->state_count && s == DESCENT_OK; i++) {
        if (!opt->state[i])
            continue;
        snprintf(what, sizeof what, "state.%s", info->states[i].name);
        s = descent_ckpt_get(c, section(name, sizeof name, prefix, what), DESCENT_CKPT_F32,
                             opt->state[i], opt->n);
    }
    if (s != DESCENT_OK) {
        free(own);
        return s;
    }
    for (size_t k = 0; k < count; k++)
        opt->segments[k].lr = own[2 * k], opt->segments[k].weight_decay = own[2 * k + 1];
    free(own);
    opt->h = h;
    opt->t = (long)counters[0];
    opt->skipped = (long)counters[1];
    opt->mu_product = mu_product;
    return DESCENT_OK;
}
