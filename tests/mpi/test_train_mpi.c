/*
 * descent_train over MPI (include/descent_mpi.h), run by tests/cli_mpi.sh
 * under mpirun -np 2 (and -np 3 --linreg-only, the small problem only):
 * data-parallel training against one process
 * with the same global batch, ZeRO stage 1 against unsharded, the same bits
 * on every rank and on a second run, and the refusals.  Every rank runs
 * every check (they are collective); rank 0 prints the TAP lines.
 *
 * The agreement tolerance (README.md): the ranks' gradients are summed in
 * another order than one process's (each share's mean, weighted, then
 * added up), so the parameters differ from one process's by rounding,
 * which training then carries: after 200 Adam steps on Fashion-MNIST the
 * final loss agrees within 1e-4 relative and the parameters within 2e-3
 * absolute (2 lr: Adam moves an element by about lr a step whatever the
 * size of its gradient, so a near-zero one can take another sign; measured:
 * see the "# measured" lines).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "descent.h"
#include "descent_mpi.h"

#define LOSS_RTOL 1e-4
#define PARAM_ATOL 2e-3

static int rank, size, tests_run, tests_failed;
static const descent_train_comm *comm;

/* The verdict of every rank (all must pass), printed by rank 0. */
static void report(int ok, const char *name)
{
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    tests_run++;
    tests_failed += !all;
    if (rank == 0)
        printf("%sok %d - %s (np %d)\n", all ? "" : "not ", tests_run, name, size);
}

static void skip(const char *name, const char *why)
{
    tests_run++;
    if (rank == 0)
        printf("ok %d - %s # SKIP %s\n", tests_run, name, why);
}

/* The problem's callbacks, counting the examples of the gradients asked
 * for (the training steps; the final loss asks for none). */
typedef struct counting {
    const descent_train_problem *inner;
    long examples;
} counting;

static descent_status counting_loss_grad(void *ctx, const float *params, const long *idx,
                                         long count, float *grad, double *loss)
{
    counting *k = ctx;
    k->examples += grad ? count : 0;
    return k->inner->loss_grad(k->inner->ctx, params, idx, count, grad, loss);
}

static descent_status counting_metric(void *ctx, const float *params, double *value)
{
    const counting *k = ctx;
    return k->inner->metric(k->inner->ctx, params, value);
}

typedef struct problem_run {
    descent_problem *prob;
    const descent_train_problem *cb; /* the counting callbacks */
    descent_train_problem counted;
    counting counter;
    float *params;
    descent_train_result result;
    descent_status status;
} problem_run;

/* A training run from the problem's initial parameters. */
static void train(problem_run *r, const descent_train_config *c)
{
    descent_problem_init_params(r->prob, r->params);
    r->counter.examples = 0;
    r->status = descent_train(r->cb, c, r->params, &r->result);
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++)
        d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

/* Every rank's parameters are rank 0's, bit for bit. */
static int same_on_every_rank(const float *params, size_t n)
{
    float *root = malloc(n * sizeof *root);
    if (!root)
        return 0;
    memcpy(root, params, n * sizeof *root);
    MPI_Bcast(root, (int)n, MPI_FLOAT, 0, MPI_COMM_WORLD);
    const int same = !memcmp(root, params, n * sizeof *root);
    free(root);
    return same;
}

static void config_for(descent_train_config *c, descent_optim_kind optim, long batch)
{
    descent_train_config_default(optim, c);
    c->threads = 1, c->batch = batch, c->seed = 5;
    c->h.lr = optim == DESCENT_SGD ? 0.05 : 1e-3;
    if (optim == DESCENT_SGD)
        c->h.momentum = 0.9; /* a state to shard */
}

/* One problem: one process, data parallel twice, ZeRO stage 1. */
static void check_problem(problem_run *r, const char *label, descent_optim_kind optim,
                          long batch, int no_bias_decay)
{
    const size_t n = r->cb->n_params;
    float *one = malloc(n * sizeof *one), *plain = malloc(n * sizeof *plain);
    char name[160];
    descent_train_config c;
    config_for(&c, optim, batch);
    c.no_bias_decay = no_bias_decay;
    if (no_bias_decay)
        c.h.weight_decay = 0.01;
    train(r, &c);
    const descent_train_result alone = r->result;
    const long alone_examples = r->counter.examples;
    memcpy(one, r->params, n * sizeof *one);
    c.comm = comm;
    train(r, &c);
    memcpy(plain, r->params, n * sizeof *plain);
    /* each rank computed the gradient on its share only: the shares add up
     * to one process's examples */
    long examples = 0;
    MPI_Allreduce(&r->counter.examples, &examples, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    snprintf(name, sizeof name, "%s: the ranks' shares add up to the batches", label);
    report(examples == alone_examples && r->counter.examples <= alone_examples / size +
           alone.steps, name);
    const double dtheta = max_abs_diff(plain, one, n);
    const double dloss = fabs(r->result.final_loss - alone.final_loss) / fabs(alone.final_loss);
    if (rank == 0)
        printf("# measured %s np %d: final loss %.9g (one process %.9g, relative %.3g), "
               "max|theta - theta_1| %.3g, %ld steps\n", label, size, r->result.final_loss,
               alone.final_loss, dloss, dtheta, r->result.steps);
    snprintf(name, sizeof name, "%s: data parallel within loss rtol %g, params atol %g of "
             "one process", label, LOSS_RTOL, PARAM_ATOL);
    report(r->status == DESCENT_OK && r->result.steps == alone.steps && dloss <= LOSS_RTOL &&
           dtheta <= PARAM_ATOL, name);
    snprintf(name, sizeof name, "%s: every rank the same bits", label);
    report(same_on_every_rank(plain, n), name);
    train(r, &c);
    snprintf(name, sizeof name, "%s: a second run the same bits", label);
    report(!memcmp(plain, r->params, n * sizeof *plain), name);
    const size_t unsharded = r->result.state_bytes;
    c.shard_state = 1;
    train(r, &c);
    snprintf(name, sizeof name, "%s: ZeRO-1 the same bits as unsharded", label);
    report(r->status == DESCENT_OK && !memcmp(plain, r->params, n * sizeof *plain) &&
           same_on_every_rank(r->params, n), name);
    double mine = (double)r->result.state_bytes, total = 0, most = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&mine, &most, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("# measured %s: optimizer state %zu bytes unsharded, %.0f per rank at most "
               "sharded, %.0f in all\n", label, unsharded, most, total);
    snprintf(name, sizeof name, "%s: ZeRO-1 state per rank 1/%d (parts 64-byte aligned)",
             label, size);
    /* a part is n / size rounded to 16 floats: within 16 floats per state array */
    report(total == (double)unsharded &&
           most <= (double)unsharded / size + 16.0 * sizeof(float) * 3, name);
    free(one), free(plain);
}

static int open_problem(problem_run *r, const char *name, long train_limit)
{
    descent_problem_spec spec;
    descent_problem_spec_default(name, &spec);
    spec.threads = 1, spec.train_limit = train_limit, spec.test_limit = train_limit ? 1000 : 0;
    if (train_limit)
        spec.data_dir = DESCENT_DATA_DIR;
    memset(r, 0, sizeof *r);
    if (descent_problem_create(&spec, &r->prob) != DESCENT_OK)
        return 0;
    r->counter.inner = descent_problem_callbacks(r->prob);
    r->counted = *r->counter.inner;
    r->counted.loss_grad = counting_loss_grad, r->counted.ctx = &r->counter;
    r->counted.metric = r->counter.inner->metric ? counting_metric : NULL;
    r->cb = &r->counted;
    r->params = malloc(r->cb->n_params * sizeof *r->params);
    return r->params != NULL;
}

static void close_problem(problem_run *r)
{
    descent_problem_free(r->prob);
    free(r->params);
}

/* What a sharded or distributed run cannot do is refused before any step. */
static void check_refusals(problem_run *r)
{
    descent_train_config c;
    config_for(&c, DESCENT_LAMB, 50);
    c.comm = comm, c.shard_state = 1;
    train(r, &c);
    report(r->status == DESCENT_ERR_INVALID && strstr(descent_last_error(), "lamb"),
           "ZeRO-1 refuses LAMB (per-tensor trust ratio)");
    config_for(&c, DESCENT_SGD, 50);
    c.comm = comm, c.shard_state = 1, c.clip_grad_norm = 1;
    train(r, &c);
    report(r->status == DESCENT_ERR_INVALID, "ZeRO-1 refuses norm clipping");
    config_for(&c, DESCENT_SGD, 50);
    c.comm = comm, c.save_state = "unused.ckpt";
    train(r, &c);
    report(r->status == DESCENT_ERR_INVALID, "distributed runs refuse checkpoints");
    config_for(&c, DESCENT_SGD, 50);
    c.comm = comm, c.clip_grad_norm = 0.5, c.clip_grad_value = 0.1;
    train(r, &c);
    report(r->status == DESCENT_OK && same_on_every_rank(r->params, r->cb->n_params),
           "data parallel with clipping: every rank the same bits");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    descent_mpi *m = NULL;
    if (descent_mpi_create(MPI_COMM_WORLD, &m) != DESCENT_OK) {
        fprintf(stderr, "descent_mpi_create: %s\n", descent_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    comm = descent_mpi_comm(m);
    problem_run r;
    /* 500 examples, 6 parameters; batch 7 leaves a short last batch, and
     * batch 1 a rank with no share */
    if (open_problem(&r, "linreg-multi", 0)) {
        check_problem(&r, "linreg-multi sgd batch 7", DESCENT_SGD, 7, 0);
        check_problem(&r, "linreg-multi adam batch 1", DESCENT_ADAM, 1, 0);
        check_refusals(&r);
        close_problem(&r);
    } else {
        report(0, "linreg-multi opens");
    }
    if (argc > 1 && !strcmp(argv[1], "--linreg-only")) {
        skip("fashion-mnist data parallel", "--linreg-only");
    } else if (*DESCENT_DATA_DIR && open_problem(&r, "fashion-mnist", 12800)) {
        check_problem(&r, "fashion-mnist adam batch 64", DESCENT_ADAM, 64, 0);
        check_problem(&r, "fashion-mnist adamw no-bias-decay batch 63", DESCENT_ADAMW, 63, 1);
        close_problem(&r);
    } else {
        skip("fashion-mnist data parallel", "no Fashion-MNIST data (configure)");
    }
    descent_mpi_free(m);
    MPI_Finalize();
    return tests_failed != 0;
}
