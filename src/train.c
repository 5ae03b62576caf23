/* The one training loop (descent_train.h): batches, optimizer, schedule,
 * stop rules.  `descent train`, descent-converge and the tests use it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "internal.h"
#include "rng.h"
#include "train_internal.h"

const char *descent_train_stop_name(descent_train_stop stop)
{
    static const char *const names[] = {"none", "epochs", "max_steps", "grad_norm",
                                        "target_loss", "target_metric", "diverged",
                                        "skips", "callback"};
    return (unsigned)stop < sizeof names / sizeof names[0] ? names[stop] : "unknown";
}

void descent_train_config_default(descent_optim_kind optim, descent_train_config *c)
{
    memset(c, 0, sizeof *c);
    c->optim = optim;
    descent_hparams_default(optim, &c->h);
    c->isa = DESCENT_ISA_BEST;
    c->seed = 1;
    c->schedule_unit = DESCENT_PER_EPOCH;
    c->epochs = 1;
    c->target_loss = NAN;
    c->target_metric = NAN;
    c->grad_noise_gamma = 0.55;
    c->clip_norm_type = 2;
}

double descent_accuracy(const float *logits, const int *labels, long count, int classes)
{
    if (!logits || !labels || count <= 0 || classes < 1)
        return NAN;
    long correct = 0;
    for (long k = 0; k < count; k++) {
        const float *z = logits + (size_t)k * (size_t)classes;
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (z[c] > z[best])
                best = c;
        correct += best == labels[k];
    }
    return (double)correct / (double)count;
}

/* ------------------------------------------------------------------ loop */

/* What cycle_momentum cycles: SGD's and RMSprop's momentum, else beta1. */
static int uses_beta1(descent_optim_kind k)
{
    return k != DESCENT_SGD && k != DESCENT_RMSPROP;
}


static descent_status check_args(const descent_train_problem *p, const descent_train_config *c,
                                 const float *params, const descent_train_result *out)
{
    if (!p || !c || !params || !out || !p->loss_grad)
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_train: problem, loss_grad, config, params and result "
                            "are required");
    if (p->n_params == 0 || p->n_examples < 0)
        return descent_fail(DESCENT_ERR_INVALID, "descent_train: %zu parameters, %ld examples",
                            p->n_params, p->n_examples);
    if (c->epochs < 1 || c->max_steps < 0 || c->batch < 0 || c->metric_every < 0 ||
        c->max_skips < 0 || !(c->grad_tol >= 0))
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_train: epochs must be > 0; batch, max_steps, "
                            "metric_every, max_skips and grad_tol >= 0");
    if (p->n_examples > 0 && c->batch > p->n_examples)
        return descent_fail(DESCENT_ERR_INVALID,
                            "--batch %ld is larger than the %ld training examples (use --batch "
                            "full)", c->batch, p->n_examples);
    if (p->n_examples > 0x7fffffffL)
        return descent_fail(DESCENT_ERR_INVALID, "descent_train: too many examples");
    if (!(c->grad_noise_eta >= 0) || !(c->grad_noise_gamma >= 0) || !(c->clip_grad_value >= 0) ||
        !(c->clip_grad_norm >= 0) || !(c->clip_norm_type > 0))
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_train: grad_noise_eta, grad_noise_gamma, clip_grad_value "
                            "and clip_grad_norm must be >= 0, clip_norm_type > 0");
    if (c->lbfgs && (c->save_state || c->resume))
        return descent_fail(DESCENT_ERR_INVALID, "descent_train: L-BFGS runs save no state");
    if (c->save_every < 0)
        return descent_fail(DESCENT_ERR_INVALID, "descent_train: save_every must be >= 0");
    if ((unsigned)c->param_dtype >= DESCENT_DTYPE_COUNT ||
        (c->state_dtype != DESCENT_FP32 && c->state_dtype != DESCENT_BF16))
        return descent_fail(DESCENT_ERR_INVALID, "descent_train: parameters fp32, bf16 or fp16; "
                            "state fp32 or bf16");
    if (c->stochastic_rounding && c->param_dtype != DESCENT_BF16)
        return descent_fail(DESCENT_ERR_INVALID, "descent_train: stochastic rounding is for bf16 "
                            "parameters only (param_dtype %s)",
                            descent_dtype_name(c->param_dtype));
    if (c->lbfgs && (c->param_dtype != DESCENT_FP32 || c->state_dtype != DESCENT_FP32))
        return descent_fail(DESCENT_ERR_INVALID, "L-BFGS keeps its parameters in fp32");
    if (c->lbfgs && (c->batch != 0 || c->grad_noise_eta > 0 || c->clip_grad_value > 0 ||
                     c->clip_grad_norm > 0 || c->nonfinite_set))
        return descent_fail(DESCENT_ERR_INVALID,
                            "L-BFGS needs the full batch (every closure call the same "
                            "function), and takes no noise, clipping or nonfinite policy");
    const descent_status s = c->lbfgs ? descent_lbfgs_options_validate(c->lbfgs) : DESCENT_OK;
    return s == DESCENT_OK ? descent_train_dist_check(p, c) : s;
}

/* The problem's tensors as the optimizer's segments; biases without
 * weight decay under no_bias_decay (torch's usual two param groups). */
static descent_status set_tensors(const run *r)
{
    const descent_train_problem *p = r->p;
    if (!p->n_tensors)
        return DESCENT_OK;
    if (r->step_n < p->n_params) /* a sharded run steps a part of them */
        return descent_train_dist_segments(r);
    descent_status s = descent_optimizer_set_segments(r->opt, p->n_tensors, p->tensor_sizes);
    for (size_t k = 0; k < p->n_tensors && s == DESCENT_OK; k++)
        if (r->c->no_bias_decay && p->tensor_is_bias && p->tensor_is_bias[k])
            s = descent_optimizer_set_segment_hparams(r->opt, k, NAN, 0);
    return s;
}

/* Epochs the run plans: the epoch limit, or fewer where max_steps ends it. */
static long planned_epochs(const run *r)
{
    long e = r->c->epochs;
    const long m = r->c->max_steps;
    if (m && (m + r->steps_per_epoch - 1) / r->steps_per_epoch < e)
        e = (m + r->steps_per_epoch - 1) / r->steps_per_epoch;
    return e;
}

static descent_status make_schedule(run *r);
static descent_status apply_schedule(run *r, double *lr);

static descent_status make_lbfgs(run *r)
{
    descent_status s = descent_lbfgs_create(r->c->lbfgs, r->p->n_params, &r->lbfgs);
    if (s == DESCENT_OK)
        s = descent_lbfgs_set_isa(r->lbfgs, r->c->isa);
    if (s == DESCENT_OK)
        s = descent_lbfgs_set_threads(r->lbfgs, r->c->threads);
    return s;
}

/* The initial parameters as the storage holds them (nearest even). */
static void round_params(float *x, size_t n, descent_dtype dtype)
{
    uint16_t h[1024];
    for (size_t i = 0; dtype != DESCENT_FP32 && i < n; i += 1024) {
        const size_t m = n - i < 1024 ? n - i : 1024;
        descent_convert(m, DESCENT_FP32, x + i, dtype, h);
        descent_convert(m, dtype, h, DESCENT_FP32, x + i);
    }
}

static descent_status setup(run *r)
{
    const descent_train_config *c = r->c;
    r->n_ex = r->p->n_examples;
    r->batch = r->n_ex == 0 ? 1 : (c->batch == 0 ? r->n_ex : c->batch);
    r->steps_per_epoch = r->n_ex == 0 ? 1 : (r->n_ex + r->batch - 1) / r->batch;
    r->grad = descent_alloc_floats(r->p->n_params);
    if (!r->grad)
        return descent_fail(DESCENT_ERR_NOMEM, "descent_train: out of memory");
    if (r->n_ex > 0 && r->batch < r->n_ex) {
        r->order = malloc((size_t)r->n_ex * sizeof *r->order);
        r->idx = malloc((size_t)r->batch * sizeof *r->idx);
        r->next_idx = malloc((size_t)r->batch * sizeof *r->next_idx);
        if (!r->order || !r->idx || !r->next_idx)
            return descent_fail(DESCENT_ERR_NOMEM, "descent_train: out of memory");
        for (long i = 0; i < r->n_ex; i++)
            r->order[i] = (int)i;
    }
    descent_rng_seed(&r->rng, c->seed ^ 0x5eed5eed5eed5eedULL);
    descent_isa isa;
    descent_status s = descent_isa_resolve(c->isa, &isa);
    if (s != DESCENT_OK)
        return s;
    r->sum_squares = descent_isa_table(isa)->sum_squares;
    s = descent_train_dist_setup(r);
    if (s == DESCENT_OK && c->lbfgs)
        s = make_lbfgs(r);
    if (s != DESCENT_OK || c->lbfgs)
        return s == DESCENT_OK ? make_schedule(r) : s;
    s = descent_optimizer_create(c->optim, &c->h, r->step_n, &r->opt);
    for (int i = 0; s == DESCENT_OK && i < descent_optim_state_count(c->optim); i++)
        r->out->state_bytes += descent_optimizer_state(r->opt, i) ? r->step_n * sizeof(float) : 0;
    if (s == DESCENT_OK)
        s = descent_optimizer_set_isa(r->opt, c->isa);
    if (s == DESCENT_OK)
        s = descent_optimizer_set_threads(r->opt, c->threads);
    if (s == DESCENT_OK && c->nonfinite_set)
        s = descent_optimizer_set_nonfinite(r->opt, c->nonfinite);
    if (s == DESCENT_OK)
        s = set_tensors(r);
    if (s == DESCENT_OK && (c->param_dtype != DESCENT_FP32 || c->state_dtype != DESCENT_FP32)) {
        s = descent_optimizer_set_storage(r->opt, c->param_dtype, c->state_dtype);
        if (s == DESCENT_OK && c->stochastic_rounding)
            s = descent_optimizer_set_storage_rounding(r->opt, 1, c->seed ^ 0x5a0d5a0d5a0d5a0dULL,
                                                       r->step_lo);
        round_params(r->params, r->p->n_params, c->param_dtype);
    }
    return s == DESCENT_OK ? make_schedule(r) : s;
}

static descent_status make_schedule(run *r)
{
    const descent_train_config *c = r->c;
    if (!c->schedule || !strcmp(c->schedule, "constant"))
        return DESCENT_OK;
    const long epochs = planned_epochs(r);
    long horizon = epochs;
    if (c->schedule_unit == DESCENT_PER_STEP) {
        horizon = epochs * r->steps_per_epoch;
        if (c->max_steps && c->max_steps < horizon)
            horizon = c->max_steps;
    }
    const double momentum = uses_beta1(c->optim) ? c->h.beta1 : c->h.momentum;
    descent_status s = descent_schedule_create(c->schedule, c->schedule_args, c->h.lr, momentum,
                                               horizon, &r->sched);
    /* A momentum the optimizer cannot cycle is refused here, before any step. */
    double lr;
    return s == DESCENT_OK ? apply_schedule(r, &lr) : s;
}

/* The loop's state from c->resume, once everything is set up; a
 * save_state path that cannot be written fails here, before any work. */
static descent_status setup_and_resume(run *r)
{
    descent_status s = setup(r);
    descent_ckpt_writer *w = NULL;
    if (s == DESCENT_OK && r->c->save_state &&
        (s = descent_ckpt_create(r->c->save_state, &w)) == DESCENT_OK)
        descent_ckpt_discard(w);
    return s == DESCENT_OK && r->c->resume ? descent_train_load_state(r) : s;
}

static void teardown(run *r)
{
    descent_free_floats(r->grad);
    free(r->order), free(r->idx), free(r->next_idx);
    descent_optimizer_free(r->opt);
    descent_lbfgs_free(r->lbfgs);
    descent_schedule_free(r->sched);
    descent_train_dist_teardown(r);
}

/* The schedule's lr and momentum onto the optimizer. */
static descent_status apply_schedule(run *r, double *lr)
{
    *lr = r->c->h.lr;
    if (!r->sched)
        return DESCENT_OK;
    *lr = descent_schedule_lr(r->sched);
    if (r->lbfgs)
        return descent_lbfgs_set_lr(r->lbfgs, *lr);
    descent_status s = descent_optimizer_set_lr(r->opt, *lr);
    const double m = descent_schedule_momentum(r->sched);
    if (s == DESCENT_OK && !isnan(m))
        s = descent_optimizer_set_momentum(r->opt, m);
    return s;
}

static descent_status evaluate(run *r, double *value)
{
    const double t0 = descent_seconds();
    descent_status s = r->p->metric(r->p->ctx, r->params, value);
    r->out->eval_seconds += descent_seconds() - t0;
    r->out->metric = *value;
    r->metric_current = 1;
    return s;
}

static int wants_metric(const run *r, long epoch)
{
    const descent_train_config *c = r->c;
    if (!r->p->metric)
        return 0;
    if (c->metric_every > 0)
        return epoch % c->metric_every == 0;
    return !isnan(c->target_metric);
}

/* The gradient's 2-norm, in double with the same bits on every ISA and
 * thread count (kernels/clip/sum_squares.h: 32 lanes, not one chain of
 * dependent adds, which took a fifth of the Fashion-MNIST run). */
static double norm2(const run *r, const float *v, size_t n)
{
    return sqrt(r->sum_squares(n, v));
}

/* The optimizer step under the nonfinite policy: sets took and diverged. */
static void take_step(run *r, int finite, int *took, int *diverged)
{
    descent_train_result *out = r->out;
    float *params = r->params + r->step_lo, *grad = r->grad + r->step_lo;
    *took = finite, *diverged = !finite;
    if (!r->c->nonfinite_set) { /* a non-finite step is the end of the run, unstepped */
        if (finite)
            descent_optimizer_step(r->opt, params, grad);
        return;
    }
    const long skipped_before = descent_optimizer_skipped_steps(r->opt);
    if (descent_optimizer_step(r->opt, params, grad) == DESCENT_ERR_NONFINITE) {
        snprintf(out->message, sizeof out->message, "%s", descent_last_error());
        *took = 0, *diverged = 1;
    } else if (descent_optimizer_skipped_steps(r->opt) > skipped_before) {
        *took = 0, *diverged = 0;
        out->skipped++;
        r->skipped_in_a_row++;
    } else {
        *took = 1, *diverged = !finite;
    }
}

/* Noise, value clipping, norm clipping (descent_train_config's order); a
 * non-finite total norm under clip_error_if_nonfinite sets *refused: the
 * run ends there as diverged, unstepped, whatever the nonfinite policy. */
static descent_status transform_grad(run *r, int *refused)
{
    const descent_train_config *c = r->c;
    const size_t n = r->step_n; /* shard_state: this part (noise and norm clipping refused) */
    float *grad = r->grad + r->step_lo;
    const descent_exec exec = {.isa = c->isa, .threads = c->threads};
    descent_status s = DESCENT_OK;
    if (c->grad_noise_eta > 0)
        s = descent_grad_noise(grad, n, c->grad_noise_eta, c->grad_noise_gamma,
                               descent_optimizer_step_count(r->opt) + 1,
                               c->seed ^ 0x9015e9015e9015e9ULL, c->threads);
    if (s == DESCENT_OK && c->clip_grad_value > 0)
        s = descent_clip_grad_value(grad, n, c->clip_grad_value, &exec);
    if (s == DESCENT_OK && c->clip_grad_norm > 0)
        s = descent_clip_grad_norm(grad, n, c->clip_grad_norm, c->clip_norm_type,
                                   c->clip_error_if_nonfinite, &exec, NULL);
    if (s != DESCENT_ERR_NONFINITE)
        return s;
    snprintf(r->out->message, sizeof r->out->message, "%s", descent_last_error());
    *refused = 1;
    return DESCENT_OK;
}

/* The registry optimizer's step: the batch's gradient, noise and clipping,
 * the step under the nonfinite policy. */
static descent_status gradient_step(run *r, const long *idx, long count, double *loss,
                                    double *gnorm, int *took, int *diverged)
{
    descent_status s;
    if (r->comm) {
        s = descent_train_dist_gradient(r, idx, count, loss, gnorm);
    } else {
        s = r->p->loss_grad(r->p->ctx, r->params, idx, r->n_ex ? count : 0, r->grad, loss);
        *gnorm = norm2(r, r->grad, r->p->n_params);
    }
    if (s != DESCENT_OK)
        return s;
    const int finite = isfinite(*loss) && isfinite(*gnorm);
    int refused = 0;
    if ((finite || r->c->nonfinite_set) && (s = transform_grad(r, &refused)) != DESCENT_OK)
        return s;
    if (!refused)
        take_step(r, finite, took, diverged);
    return descent_train_dist_gather(r);
}

/* torch's closure over all examples: the loss and gradient at params; the
 * first call of a step (at the step's start) is the row's loss and norm. */
typedef struct closure_ctx {
    run *r;
    long calls;
    double first_loss, first_norm;
    descent_status status;
} closure_ctx;

static float full_batch_closure(void *ctx, const float *params, float *grad)
{
    closure_ctx *k = ctx;
    const descent_train_problem *p = k->r->p;
    double loss = NAN;
    const descent_status s = p->loss_grad(p->ctx, params, NULL, p->n_examples, grad, &loss);
    if (s != DESCENT_OK && k->status == DESCENT_OK)
        k->status = s;
    if (k->calls++ == 0)
        k->first_loss = loss, k->first_norm = norm2(k->r, grad, p->n_params);
    return s == DESCENT_OK ? (float)loss : NAN;
}

/* One descent_lbfgs_step (its own iterations and line search); a
 * non-finite loss or gradient ends the run as diverged, params at the
 * last finite point. */
static descent_status lbfgs_step(run *r, double *loss, double *gnorm, int *took,
                                 int *diverged)
{
    closure_ctx k = {.r = r, .first_loss = NAN, .first_norm = NAN};
    const descent_status s = descent_lbfgs_step(r->lbfgs, r->params, full_batch_closure, &k,
                                                NULL);
    r->out->func_evals = descent_lbfgs_func_evals(r->lbfgs);
    *loss = k.first_loss, *gnorm = k.first_norm;
    if (k.status != DESCENT_OK)
        return k.status;
    *took = s == DESCENT_OK, *diverged = s != DESCENT_OK;
    if (s == DESCENT_ERR_NONFINITE)
        snprintf(r->out->message, sizeof r->out->message, "%s", descent_last_error());
    return s == DESCENT_ERR_NONFINITE ? DESCENT_OK : s;
}

/* The examples of the step after this one, from order[next] on, to the
 * problem's next_batch hint (none past the epoch's end: the next epoch
 * reshuffles first). */
static void tell_next_batch(run *r, long next)
{
    if (!r->p->next_batch)
        return;
    const long left = r->n_ex - next;
    const long count = left < r->batch ? (left > 0 ? left : 0) : r->batch;
    for (long k = 0; k < count; k++)
        r->next_idx[k] = r->order[next + k];
    r->p->next_batch(r->p->ctx, r->next_idx, count);
}

/* One step on examples order[start .. start+count); sets *stop. */
static descent_status one_step(run *r, long epoch, long start, long count,
                               descent_train_stop *stop)
{
    const descent_train_config *c = r->c;
    descent_train_result *out = r->out;
    double lr;
    descent_status s = apply_schedule(r, &lr);
    if (s != DESCENT_OK)
        return s;
    const long *idx = NULL;
    if (r->idx) {
        for (long k = 0; k < count; k++)
            r->idx[k] = r->order[start + k];
        idx = r->idx;
        tell_next_batch(r, start + count);
    }
    const double t0 = descent_seconds();
    double loss = NAN, gnorm = NAN;
    int took = 0, diverged = 1;
    s = r->lbfgs ? lbfgs_step(r, &loss, &gnorm, &took, &diverged)
                 : gradient_step(r, idx, count, &loss, &gnorm, &took, &diverged);
    if (s != DESCENT_OK)
        return s;
    out->seconds += descent_seconds() - t0;
    out->last_loss = loss, out->last_grad_norm = gnorm;
    const int epoch_end = r->n_ex == 0 || start + count >= r->n_ex;
    if (took) {
        r->skipped_in_a_row = 0;
        r->epoch_loss += loss, r->epoch_steps++;
        out->steps++;
        r->metric_current = 0;
    }
    descent_train_row row = {.step = took ? out->steps : out->steps + 1, .epoch = epoch,
                             .took = took, .epoch_end = epoch_end, .seconds = out->seconds,
                             .loss = loss, .grad_norm = gnorm, .lr = lr, .metric = NAN};
    if (took && epoch_end && wants_metric(r, epoch) && (s = evaluate(r, &row.metric)))
        return s;
    if (c->on_step && c->on_step(c->ctx, &row))
        *stop = DESCENT_STOP_CALLBACK;
    else if (diverged)
        *stop = DESCENT_STOP_DIVERGED;
    else if (!took && c->max_skips && r->skipped_in_a_row >= c->max_skips)
        *stop = DESCENT_STOP_SKIPS; /* the gradient stays non-finite: no point going on */
    else if (!took)
        return DESCENT_OK;
    else if (c->grad_tol > 0 && gnorm < c->grad_tol)
        *stop = DESCENT_STOP_GRAD_NORM;
    else if (loss <= c->target_loss)
        *stop = DESCENT_STOP_TARGET_LOSS;
    else if (row.metric >= c->target_metric)
        *stop = DESCENT_STOP_TARGET_METRIC;
    else if (c->max_steps && out->steps >= c->max_steps)
        *stop = DESCENT_STOP_MAX_STEPS;
    if (took && c->schedule_unit == DESCENT_PER_STEP && r->sched)
        s = descent_schedule_step(r->sched, isfinite(loss) ? loss : HUGE_VAL);
    return s;
}

/* An epoch, or the rest of one a resumed run stopped in (r->pos > 0). */
static descent_status one_epoch(run *r, long epoch, descent_train_stop *stop)
{
    if (r->pos == 0 && r->order)
        descent_rng_shuffle(&r->rng, r->order, (size_t)r->n_ex);
    if (r->pos == 0)
        r->epoch_loss = 0, r->epoch_steps = 0;
    const long n = r->n_ex ? r->n_ex : 1;
    descent_status s = DESCENT_OK;
    for (long start = r->pos; start < n && *stop == DESCENT_STOP_NONE && s == DESCENT_OK;
         start += r->batch) {
        const long count = n - start < r->batch ? n - start : r->batch;
        s = one_step(r, epoch, start, count, stop);
        r->pos = start + count < n ? start + count : 0;
    }
    if (s != DESCENT_OK)
        return s;
    if (r->sched && r->c->schedule_unit == DESCENT_PER_EPOCH && r->pos == 0) {
        /* only a whole epoch moves it: a run stopped within one and
         * resumed steps it once, at that epoch's end */
        /* reduce_lr_on_plateau watches the epoch's mean batch loss */
        const double watched = r->epoch_steps ? r->epoch_loss / r->epoch_steps : HUGE_VAL;
        s = descent_schedule_step(r->sched, isfinite(watched) ? watched : HUGE_VAL);
    }
    if (*stop == DESCENT_STOP_NONE && epoch >= r->c->epochs)
        *stop = DESCENT_STOP_EPOCHS;
    if (s == DESCENT_OK && r->c->save_state && r->c->save_every > 0 && r->pos == 0 &&
        *stop == DESCENT_STOP_NONE && epoch % r->c->save_every == 0)
        s = descent_train_save_state(r);
    return s;
}

static descent_status finish(run *r)
{
    descent_train_result *out = r->out;
    double value;
    descent_status s = DESCENT_OK;
    if (r->p->metric && !r->metric_current)
        s = evaluate(r, &value);
    if (s == DESCENT_OK)
        s = r->p->loss_grad(r->p->ctx, r->params, NULL, r->n_ex, NULL, &out->final_loss);
    if (s == DESCENT_OK && r->c->save_state)
        s = descent_train_save_state(r);
    return s;
}

descent_status descent_train(const descent_train_problem *p, const descent_train_config *c,
                             float *params, descent_train_result *out)
{
    descent_status s = check_args(p, c, params, out);
    if (s != DESCENT_OK)
        return s;
    memset(out, 0, sizeof *out);
    out->last_loss = out->last_grad_norm = out->metric = out->final_loss = NAN;
    run r = {.p = p, .c = c, .out = out, .params = params};
    s = setup_and_resume(&r);
    descent_train_stop stop = DESCENT_STOP_NONE;
    while (s == DESCENT_OK && stop == DESCENT_STOP_NONE)
        s = one_epoch(&r, ++out->epochs, &stop);
    out->stop = stop;
    if (s == DESCENT_OK)
        s = finish(&r);
    teardown(&r);
    return s;
}
