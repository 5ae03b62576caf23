/*
 * descent_train's data-parallel path (descent_train_config.comm) without
 * MPI: threads as ranks over an in-memory comm with the contract of
 * include/descent_mpi.h (parts summed in rank order), so that the loop's
 * shares, parts and ZeRO-1 steps run in every build, the sanitizers' and
 * valgrind's included.  tests/cli_mpi.sh runs the same over MPI.
 */
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "descent.h"

#define MAX_RANKS 4

typedef struct world {
    int size;
    pthread_barrier_t barrier;
    float *vec[MAX_RANKS];
    double *values[MAX_RANKS];
} world;

typedef struct rank_run {
    world *w;
    int rank;
    descent_train_comm comm;
    descent_train_config config;
    float *params, *scratch;
    size_t n;
    double scratch_values[8];
    descent_train_result result;
    descent_status status;
} rank_run;

static descent_status reduce_scatter(void *ctx, float *v, const size_t *offsets)
{
    rank_run *r = ctx;
    world *w = r->w;
    w->vec[r->rank] = v;
    pthread_barrier_wait(&w->barrier);
    const size_t lo = offsets[r->rank], hi = offsets[r->rank + 1];
    for (size_t i = lo; i < hi; i++) {
        float s = w->vec[0][i];
        for (int k = 1; k < w->size; k++)
            s += w->vec[k][i];
        r->scratch[i] = s;
    }
    pthread_barrier_wait(&w->barrier); /* every part read before any is written */
    memcpy(v + lo, r->scratch + lo, (hi - lo) * sizeof *v);
    return DESCENT_OK;
}

static descent_status allgather(void *ctx, float *v, const size_t *offsets)
{
    rank_run *r = ctx;
    world *w = r->w;
    w->vec[r->rank] = v;
    pthread_barrier_wait(&w->barrier);
    for (int k = 0; k < w->size; k++)
        if (k != r->rank)
            memcpy(v + offsets[k], w->vec[k] + offsets[k],
                   (offsets[k + 1] - offsets[k]) * sizeof *v);
    pthread_barrier_wait(&w->barrier);
    return DESCENT_OK;
}

static descent_status sum(void *ctx, double *v, int n)
{
    rank_run *r = ctx;
    world *w = r->w;
    w->values[r->rank] = v;
    pthread_barrier_wait(&w->barrier);
    for (int i = 0; i < n; i++) {
        r->scratch_values[i] = w->values[0][i];
        for (int k = 1; k < w->size; k++)
            r->scratch_values[i] += w->values[k][i];
    }
    pthread_barrier_wait(&w->barrier);
    memcpy(v, r->scratch_values, (size_t)n * sizeof *v);
    return DESCENT_OK;
}

static descent_problem *linreg(void)
{
    descent_problem_spec spec;
    descent_problem_spec_default("linreg-multi", &spec);
    spec.threads = 1;
    descent_problem *p = NULL;
    return descent_problem_create(&spec, &p) == DESCENT_OK ? p : NULL;
}

static void *rank_main(void *arg)
{
    rank_run *r = arg;
    descent_problem *p = linreg();
    r->status = DESCENT_ERR_NOMEM;
    if (p && descent_problem_init_params(p, r->params) == DESCENT_OK)
        r->status = descent_train(descent_problem_callbacks(p), &r->config, r->params,
                                  &r->result);
    descent_problem_free(p);
    return NULL;
}

/* `size` ranks on threads; rank k's parameters in params[k]. */
static int run_ranks(int size, const descent_train_config *c, int shard, float **params,
                     rank_run *runs, size_t n)
{
    world w = {.size = size};
    pthread_t threads[MAX_RANKS];
    pthread_barrier_init(&w.barrier, NULL, (unsigned)size);
    int ok = 1;
    for (int k = 0; k < size; k++) {
        rank_run *r = &runs[k];
        *r = (rank_run){.w = &w, .rank = k, .config = *c, .params = params[k], .n = n};
        r->scratch = malloc(n * sizeof *r->scratch);
        r->comm = (descent_train_comm){.rank = k, .size = size, .reduce_scatter = reduce_scatter,
                                       .allgather = allgather, .sum = sum, .ctx = r};
        r->config.comm = &r->comm, r->config.shard_state = shard;
    }
    for (int k = 0; k < size; k++)
        ok &= pthread_create(&threads[k], NULL, rank_main, &runs[k]) == 0;
    for (int k = 0; k < size; k++)
        pthread_join(threads[k], NULL);
    pthread_barrier_destroy(&w.barrier);
    for (int k = 0; k < size; k++)
        ok &= runs[k].status == DESCENT_OK, free(runs[k].scratch);
    return ok;
}

static void sgd_config(descent_train_config *c, long batch)
{
    descent_train_config_default(DESCENT_SGD, c);
    c->h.lr = 0.05, c->h.momentum = 0.9, c->threads = 1, c->batch = batch, c->epochs = 3;
    c->seed = 5;
}

/* The linreg problem and a parameter vector per rank, of *n floats each
 * (NULL, reported, without the problem). */
static descent_problem *rank_setup(float *params[MAX_RANKS], size_t *n)
{
    descent_problem *p = linreg();
    EXPECT(p != NULL, "linreg-multi: %s", descent_last_error());
    if (!p)
        return NULL;
    *n = descent_problem_callbacks(p)->n_params;
    for (int k = 0; k < MAX_RANKS; k++)
        params[k] = malloc(*n * sizeof(float));
    return p;
}

static void rank_teardown(descent_problem *p, float *params[MAX_RANKS])
{
    for (int k = 0; k < MAX_RANKS; k++)
        free(params[k]);
    descent_problem_free(p);
}

/* 2 and 3 ranks, batch 7 (a short last batch) and the full batch: within
 * the tolerance of one process, every rank the same bits, ZeRO-1 the
 * unsharded bits with the state cut in parts. */
static void test_data_parallel(void)
{
    float *params[MAX_RANKS];
    size_t n;
    descent_problem *p = rank_setup(params, &n);
    if (!p)
        return;
    float *alone = malloc(n * sizeof *alone), *plain = malloc(n * sizeof *plain);
    rank_run runs[MAX_RANKS];
    for (int size = 2; size <= 3; size++) {
        for (long batch = 0; batch <= 7; batch += 7) {
            descent_train_config c;
            sgd_config(&c, batch);
            descent_train_result one;
            descent_problem_init_params(p, alone);
            EXPECT(descent_train(descent_problem_callbacks(p), &c, alone, &one) == DESCENT_OK,
                   "one process: %s", descent_last_error());
            EXPECT(run_ranks(size, &c, 0, params, runs, n), "%d ranks, batch %ld", size, batch);
            memcpy(plain, params[0], n * sizeof *plain);
            double d = 0;
            for (size_t i = 0; i < n; i++)
                d = fmax(d, fabs((double)plain[i] - alone[i]));
            EXPECT(d <= 1e-5, "%d ranks, batch %ld: max|theta - theta_1| = %g", size, batch, d);
            EXPECT(fabs(runs[0].result.final_loss - one.final_loss) <= 1e-4 * one.final_loss,
                   "final loss %.9g, one process %.9g", runs[0].result.final_loss,
                   one.final_loss);
            EXPECT(runs[0].result.steps == one.steps, "%ld steps, one process %ld",
                   runs[0].result.steps, one.steps);
            for (int k = 1; k < size; k++)
                EXPECT(!memcmp(params[k], plain, n * sizeof *plain), "rank %d differs", k);
            EXPECT(run_ranks(size, &c, 1, params, runs, n), "sharded");
            size_t total = 0;
            for (int k = 0; k < size; k++) {
                EXPECT(!memcmp(params[k], plain, n * sizeof *plain),
                       "%d ranks, batch %ld: sharded rank %d differs from unsharded", size,
                       batch, k);
                EXPECT(runs[k].result.state_bytes < one.state_bytes, "rank %d: %zu state "
                       "bytes, unsharded %zu", k, runs[k].result.state_bytes, one.state_bytes);
                total += runs[k].result.state_bytes;
            }
            EXPECT(total == one.state_bytes, "the parts' state %zu, unsharded %zu", total,
                   one.state_bytes);
        }
    }
    free(alone), free(plain);
    rank_teardown(p, params);
}

/* bf16 parameters rounded stochastically: the bits are drawn per element of
 * the whole vector, so ZeRO-1's parts (each rank's optimizer a part) give
 * the unsharded run's bits, on 2 and 3 ranks. */
static void test_sharded_stochastic_rounding(void)
{
    float *params[MAX_RANKS];
    size_t n;
    descent_problem *p = rank_setup(params, &n);
    if (!p)
        return;
    float *plain = malloc(n * sizeof *plain);
    rank_run runs[MAX_RANKS];
    descent_train_config c;
    sgd_config(&c, 7);
    c.h.lr = 0.01, c.param_dtype = DESCENT_BF16, c.stochastic_rounding = 1;
    for (int size = 2; size <= 3; size++) {
        EXPECT(run_ranks(size, &c, 0, params, runs, n), "%d ranks: %s", size,
               descent_last_error());
        memcpy(plain, params[0], n * sizeof *plain);
        EXPECT(run_ranks(size, &c, 1, params, runs, n), "sharded: %s", descent_last_error());
        for (int k = 0; k < size; k++)
            EXPECT(!memcmp(params[k], plain, n * sizeof *plain),
                   "%d ranks: stochastic rounding, sharded rank %d differs from unsharded", size,
                   k);
    }
    free(plain);
    rank_teardown(p, params);
}

static descent_status no_reduce(void *ctx, float *v, const size_t *offsets)
{
    (void)ctx, (void)v, (void)offsets;
    return DESCENT_OK;
}

static descent_status no_sum(void *ctx, double *v, int n)
{
    (void)ctx, (void)v, (void)n;
    return DESCENT_OK;
}

/* Bad comms and what a sharded or distributed run cannot do. */
static void test_refusals(void)
{
    descent_problem *p = linreg();
    if (!p)
        return;
    const descent_train_problem *cb = descent_problem_callbacks(p);
    float params[8];
    descent_train_result r;
    descent_train_config c;
    descent_train_comm comm = {.rank = 0, .size = 2, .reduce_scatter = no_reduce,
                               .allgather = no_reduce, .sum = no_sum};
    sgd_config(&c, 7);
    c.shard_state = 1;
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_ERR_INVALID, "shard without a comm");
    c.comm = &comm, c.shard_state = 0;
    comm.rank = 2;
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_ERR_INVALID, "rank 2 of 2");
    comm.rank = 0, comm.sum = NULL;
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_ERR_INVALID, "no sum");
    comm.sum = no_sum;
    c.resume = "x.ckpt";
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_ERR_INVALID &&
           strstr(descent_last_error(), "checkpoints"), "resume: %s", descent_last_error());
    c.resume = NULL, c.shard_state = 1, c.grad_noise_eta = 0.1;
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_ERR_INVALID, "noise, sharded");
    sgd_config(&c, 7);
    descent_train_config_default(DESCENT_LAMB, &c);
    c.comm = &comm, c.shard_state = 1, c.batch = 7;
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_ERR_INVALID &&
           strstr(descent_last_error(), "lamb"), "lamb, sharded: %s", descent_last_error());
    /* size 1: one process, the same bits as no comm */
    float with[8], without[8];
    comm.size = 1;
    sgd_config(&c, 7);
    c.comm = &comm, c.shard_state = 1;
    descent_problem_init_params(p, with);
    EXPECT(descent_train(cb, &c, with, &r) == DESCENT_OK, "size 1: %s", descent_last_error());
    c.comm = NULL, c.shard_state = 0;
    descent_problem_init_params(p, without);
    EXPECT(descent_train(cb, &c, without, &r) == DESCENT_OK, "no comm");
    EXPECT(!memcmp(with, without, cb->n_params * sizeof *with), "size 1 differs from no comm");
    descent_problem_free(p);
}

int main(void)
{
    RUN(test_data_parallel);
    RUN(test_sharded_stochastic_rounding);
    RUN(test_refusals);
    return CHECK_EXIT_STATUS();
}
