/* Hogwild! (descent_hogwild.h): lock-free asynchronous SGD on sparse
 * logistic regression, on POSIX threads that meet once per epoch. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "problems.h"
#include "rng.h"

/*
 * The shared parameters are read and written by every thread at once, on
 * purpose: Hogwild's races are the algorithm.  Each access is one relaxed
 * atomic load or store of one float (GCC's and Clang's __atomic builtins on
 * a plain float), so that a race is defined behaviour under the C11 memory
 * model and a reader sees some whole value a thread wrote, never a torn
 * one; relaxed order costs nothing over a plain move on x86 and AArch64.
 * The update w += step is a load then a store, not an atomic add: a write
 * of another thread in between is lost, as in the paper's implementation.
 */
static inline float shared_load(const float *w)
{
    float v;
    __atomic_load(w, &v, __ATOMIC_RELAXED);
    return v;
}

static inline void shared_store(float *w, float v)
{
    __atomic_store(w, &v, __ATOMIC_RELAXED);
}

typedef struct hogwild hogwild;

/* One thread's share: its examples, its generator, its epoch's totals. */
typedef struct worker {
    hogwild *run;
    int *mine; /* examples t, t+T, t+2T, ... reshuffled every epoch */
    long n_mine;
    descent_rng rng;
    double *dmargin; /* the batch's d loss / d margin */
    long updates;    /* this epoch's */
    double loss_sum; /* over this epoch's batches, of their mean loss */
    pthread_t thread;
} worker;

struct hogwild {
    const descent_sparse_logreg *data;
    float *w;
    long batch;
    double lr; /* this epoch's */
    int threads;
    worker *workers;
};

/* The batch's gradient at w as read now, then w -= lr * gradient on the
 * batch's features only; returns the batch's mean loss. */
static double batch_update(const hogwild *h, const int *examples, long count, double *dmargin)
{
    const descent_sparse_logreg *d = h->data;
    double loss = 0;
    for (long e = 0; e < count; e++) {
        const long i = examples[e];
        double margin = 0, slope;
        for (long k = d->row_start[i]; k < d->row_start[i + 1]; k++)
            margin += (double)d->val[k] * shared_load(h->w + d->col[k]);
        loss += descent_softplus(-d->label[i] * margin, &slope);
        dmargin[e] = -d->label[i] * slope;
    }
    const double step = -h->lr / (double)count;
    for (long e = 0; e < count; e++) {
        const long i = examples[e];
        const float scale = (float)(step * dmargin[e]);
        for (long k = d->row_start[i]; k < d->row_start[i + 1]; k++) {
            float *wk = h->w + d->col[k];
            shared_store(wk, shared_load(wk) + scale * d->val[k]);
        }
    }
    return loss / (double)count;
}

static void *worker_epoch(void *arg)
{
    worker *k = arg;
    const hogwild *h = k->run;
    descent_rng_shuffle(&k->rng, k->mine, (size_t)k->n_mine);
    long updates = 0; /* counted here, stored once: the workers share cache lines */
    double loss_sum = 0;
    for (long start = 0; start < k->n_mine; start += h->batch) {
        const long count = k->n_mine - start < h->batch ? k->n_mine - start : h->batch;
        loss_sum += batch_update(h, k->mine + start, count, k->dmargin);
        updates++;
    }
    k->updates = updates, k->loss_sum = loss_sum;
    return NULL;
}

/* One epoch on all threads (this one runs worker 0). */
static descent_status run_epoch(hogwild *h)
{
    int started = 1;
    descent_status s = DESCENT_OK;
    for (; started < h->threads; started++)
        if (pthread_create(&h->workers[started].thread, NULL, worker_epoch,
                           &h->workers[started]) != 0) {
            s = descent_fail(DESCENT_ERR_NOMEM, "hogwild: cannot start thread %d of %d",
                             started + 1, h->threads);
            break;
        }
    worker_epoch(&h->workers[0]);
    for (int t = 1; t < started; t++)
        pthread_join(h->workers[t].thread, NULL);
    return s;
}

static void free_workers(hogwild *h)
{
    for (int t = 0; h->workers && t < h->threads; t++)
        free(h->workers[t].mine), free(h->workers[t].dmargin);
    free(h->workers);
}

static descent_status make_workers(hogwild *h, unsigned long long seed)
{
    const long n = h->data->n_examples, T = h->threads;
    if (!(h->workers = calloc((size_t)T, sizeof *h->workers)))
        return descent_fail(DESCENT_ERR_NOMEM, "hogwild: out of memory");
    for (int t = 0; t < T; t++) {
        worker *k = &h->workers[t];
        k->run = h;
        k->n_mine = (n - t + T - 1) / T;
        k->mine = malloc((size_t)k->n_mine * sizeof *k->mine);
        k->dmargin = malloc((size_t)h->batch * sizeof *k->dmargin);
        if (!k->mine || !k->dmargin)
            return descent_fail(DESCENT_ERR_NOMEM, "hogwild: out of memory");
        for (long j = 0; j < k->n_mine; j++)
            k->mine[j] = (int)(t + j * T);
        /* thread t's stream: a generator of its own from (seed, t) */
        descent_rng_seed(&k->rng, (seed ^ 0x4067d1d5eed0ULL) + 0x9e3779b97f4a7c15ULL * (t + 1));
    }
    return DESCENT_OK;
}

static descent_status make_schedule(const descent_train_config *c, descent_schedule **out)
{
    *out = NULL;
    if (!c->schedule || !strcmp(c->schedule, "constant"))
        return DESCENT_OK;
    descent_status s = descent_schedule_create(c->schedule, c->schedule_args, c->h.lr, 0,
                                               c->epochs, out);
    if (s == DESCENT_OK && !isnan(descent_schedule_momentum(*out)))
        s = descent_fail(DESCENT_ERR_INVALID, "hogwild: the schedule cycles the momentum, "
                         "which plain SGD has not (cycle_momentum=0)");
    return s;
}

/* What a Hogwild run takes from the config; anything else is refused. */
static descent_status check_config(const descent_sparse_logreg *d, const descent_train_config *c)
{
    const descent_hparams *h = &c->h;
    if (c->optim != DESCENT_SGD || c->lbfgs)
        return descent_fail(DESCENT_ERR_INVALID, "hogwild: plain SGD only, not %s",
                            c->lbfgs ? "lbfgs" : descent_optim_name(c->optim));
    if (h->momentum != 0 || h->weight_decay != 0 || h->nesterov || h->maximize)
        return descent_fail(DESCENT_ERR_INVALID,
                            "hogwild: SGD without momentum, weight decay, nesterov or maximize "
                            "(their state or decay would touch every coordinate)");
    const struct { int set; const char *what; } refused[] = {
        {c->max_steps != 0, "max_steps"},
        {c->grad_tol != 0, "grad_tol"},
        {!isnan(c->target_metric), "target_metric"},
        {c->grad_noise_eta != 0, "gradient noise"},
        {c->clip_grad_value != 0 || c->clip_grad_norm != 0, "gradient clipping"},
        {c->nonfinite_set, "nonfinite policy"},
        {c->save_state || c->resume, "checkpoints (save_state, resume)"},
        {c->schedule_unit != DESCENT_PER_EPOCH, "per-step schedule"},
        {c->comm && c->comm->size > 1, "communicator (Hogwild is one process's threads)"},
        {c->shard_state, "shard_state"},
    };
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++)
        if (refused[k].set)
            return descent_fail(DESCENT_ERR_INVALID,
                                "hogwild: no %s (a run takes lr, a per-epoch schedule, batch, "
                                "threads, seed, epochs and target_loss)",
                                refused[k].what);
    if (c->batch == 0)
        return descent_fail(DESCENT_ERR_INVALID, "hogwild: mini-batches (1 to %ld examples per "
                            "update), not the full batch", d->n_examples);
    if (c->batch < 1 || c->batch > d->n_examples)
        return descent_fail(DESCENT_ERR_INVALID,
                            "hogwild: a batch of 1 to %ld examples per update, not %ld",
                            d->n_examples, c->batch);
    if (c->epochs < 1 || c->threads < 0)
        return descent_fail(DESCENT_ERR_INVALID, "hogwild: epochs %ld, threads %d", c->epochs,
                            c->threads);
    descent_status s = descent_hparams_validate(DESCENT_SGD, h);
    descent_schedule *sched = NULL; /* its arguments, and that it leaves momentum alone */
    if (s == DESCENT_OK)
        s = make_schedule(c, &sched);
    descent_schedule_free(sched);
    return s;
}

static int thread_count(const descent_train_config *c, long examples)
{
    long t = c->threads;
    if (t == 0) {
        t = sysconf(_SC_NPROCESSORS_ONLN);
        t = t > 0 ? t : 1;
    }
    return (int)(t < examples ? t : examples);
}

/* The epochs, with their rows and stop rules. */
static descent_status train(hogwild *h, const descent_train_config *c, descent_schedule *sched,
                            descent_train_result *out)
{
    descent_status s = DESCENT_OK;
    double full_loss = NAN; /* evaluated after the last epoch (target_loss) */
    while (s == DESCENT_OK && out->stop == DESCENT_STOP_NONE) {
        const long epoch = ++out->epochs;
        h->lr = sched ? descent_schedule_lr(sched) : c->h.lr;
        const double t0 = descent_seconds();
        if ((s = run_epoch(h)) != DESCENT_OK)
            break;
        out->seconds += descent_seconds() - t0;
        long updates = 0;
        double loss_sum = 0;
        for (int t = 0; t < h->threads; t++)
            updates += h->workers[t].updates, loss_sum += h->workers[t].loss_sum;
        out->steps += updates;
        out->last_loss = loss_sum / (double)updates;
        full_loss = NAN;
        if (!isnan(c->target_loss) && isfinite(out->last_loss)) {
            const double e0 = descent_seconds();
            full_loss = descent_sparse_logreg_loss(h->data, h->w);
            out->eval_seconds += descent_seconds() - e0;
        }
        const descent_train_row row = {.step = out->steps, .epoch = epoch, .took = 1,
                                       .epoch_end = 1, .seconds = out->seconds,
                                       .loss = out->last_loss, .grad_norm = NAN, .lr = h->lr,
                                       .metric = NAN};
        if (c->on_step && c->on_step(c->ctx, &row))
            out->stop = DESCENT_STOP_CALLBACK;
        else if (!isfinite(out->last_loss))
            out->stop = DESCENT_STOP_DIVERGED;
        else if (full_loss <= c->target_loss)
            out->stop = DESCENT_STOP_TARGET_LOSS;
        else if (epoch >= c->epochs)
            out->stop = DESCENT_STOP_EPOCHS;
        if (sched) /* reduce_lr_on_plateau watches the epoch's mean batch loss */
            s = descent_schedule_step(sched, isfinite(out->last_loss) ? out->last_loss
                                                                      : HUGE_VAL);
    }
    if (s == DESCENT_OK) /* after the run, not timed */
        out->final_loss = isnan(full_loss) ? descent_sparse_logreg_loss(h->data, h->w)
                                           : full_loss;
    return s;
}

descent_status descent_train_hogwild_check(const descent_sparse_logreg *data,
                                           const descent_train_config *c)
{
    if (!data || !c)
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_train_hogwild: data, config, params and result are "
                            "required");
    const descent_status s = descent_sparse_logreg_check(data);
    return s == DESCENT_OK ? check_config(data, c) : s;
}

descent_status descent_train_hogwild(const descent_sparse_logreg *data,
                                     const descent_train_config *c, float *params,
                                     descent_train_result *out)
{
    descent_status s = descent_train_hogwild_check(data, c);
    if (s == DESCENT_OK && (!params || !out))
        s = descent_fail(DESCENT_ERR_INVALID,
                         "descent_train_hogwild: data, config, params and result are required");
    if (s != DESCENT_OK)
        return s;
    memset(out, 0, sizeof *out);
    out->last_loss = out->last_grad_norm = out->metric = out->final_loss = NAN;
    hogwild h = {.data = data, .w = params, .batch = c->batch,
                 .threads = thread_count(c, data->n_examples)};
    descent_schedule *sched = NULL;
    s = make_workers(&h, c->seed);
    if (s == DESCENT_OK)
        s = make_schedule(c, &sched);
    if (s == DESCENT_OK)
        s = train(&h, c, sched, out);
    descent_schedule_free(sched);
    free_workers(&h);
    return s;
}
