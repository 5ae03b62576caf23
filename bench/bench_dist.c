/*
 * descent-bench-dist — BM_dist rows: data-parallel training over MPI
 * (include/descent_mpi.h), plain and ZeRO stage 1, run under mpirun (make
 * bench: bench/run_suite.sh, -np 2).  Built only when configure found MPI.
 *
 *   BM_dist/fashion-mnist/<model>/<plain|shard>/np:<N>/iterations:<steps>/real_time
 *
 * One iteration is one training step of the global batch 64 (Adam, one
 * thread per process, the first 12800 training images); the row's time is
 * per step.  Counters, the largest over the ranks: compute_s_per_step
 * (gradient and optimizer work), comm_s_per_step (in the collectives: they
 * run after the backward pass, not overlapped with it), bytes_sent_per_step
 * (one rank's payload), state_bytes_per_rank (the optimizer state) and
 * comm_fraction.  Every rank runs every row (the rows are collective); rank
 * 0 reports, the others write nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "descent.h"
#include "descent_mpi.h"
#include "harness.h"

static int rank, size;
static descent_mpi *mpi;

typedef struct dist_row {
    const char *model;
    int shard;
} dist_row;

/* The problems, loaded once per model (not timed). */
static descent_problem *problem_for(const char *model)
{
    static descent_problem *loaded[4];
    static const char *models[4];
    for (int k = 0; k < 4 && models[k]; k++)
        if (!strcmp(models[k], model))
            return loaded[k];
    int k = 0;
    while (k < 3 && models[k])
        k++;
    descent_problem_spec spec;
    descent_problem_spec_default("fashion-mnist", &spec);
    const char *dir = getenv("DATA_DIR");
    spec.data_dir = dir && *dir ? dir : DESCENT_DATA_DIR;
    spec.model = model, spec.threads = 1, spec.train_limit = 12800, spec.test_limit = 100;
    descent_problem_free(loaded[k]);
    loaded[k] = NULL, models[k] = model;
    if (descent_problem_create(&spec, &loaded[k]) != DESCENT_OK)
        loaded[k] = NULL;
    return loaded[k];
}

static double largest(double value)
{
    double most = value;
    MPI_Allreduce(&value, &most, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return most;
}

static void bm_dist(bench_state *s)
{
    const dist_row *row = bench_data(s);
    descent_problem *prob = problem_for(row->model);
    int ok = prob != NULL, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (!all) {
        bench_skip_with_error(s, "no Fashion-MNIST data (DATA_DIR, or configure's)");
        return;
    }
    const descent_train_problem *cb = descent_problem_callbacks(prob);
    float *params = malloc(cb->n_params * sizeof *params);
    descent_train_config c;
    descent_train_config_default(DESCENT_ADAM, &c);
    c.threads = 1, c.batch = 64, c.max_steps = bench_iterations(s), c.epochs = 1000;
    c.comm = descent_mpi_comm(mpi), c.shard_state = row->shard;
    descent_train_result r;
    descent_status st = params ? descent_problem_init_params(prob, params) : DESCENT_ERR_NOMEM;
    descent_mpi_reset_stats(mpi);
    int ran = 0;
    while (bench_keep_running(s))
        if (!ran++ && st == DESCENT_OK)
            st = descent_train(cb, &c, params, &r);
    ok = st == DESCENT_OK && r.steps == c.max_steps;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (!all) {
        bench_skip_with_error(s, "descent_train: %s", st ? descent_last_error() : "short run");
        free(params);
        return;
    }
    descent_mpi_stats stats;
    descent_mpi_get_stats(mpi, &stats);
    const double steps = (double)r.steps;
    const double comm = largest(r.comm_seconds), compute = largest(r.seconds - r.comm_seconds);
    bench_set_counter(s, "compute_s_per_step", compute / steps, BENCH_COUNTER_PLAIN);
    bench_set_counter(s, "comm_s_per_step", comm / steps, BENCH_COUNTER_PLAIN);
    bench_set_counter(s, "comm_fraction", comm / (comm + compute), BENCH_COUNTER_PLAIN);
    bench_set_counter(s, "bytes_sent_per_step", largest((double)stats.bytes_sent) / steps,
                      BENCH_COUNTER_PLAIN);
    bench_set_counter(s, "state_bytes_per_rank", largest((double)r.state_bytes),
                      BENCH_COUNTER_PLAIN);
    bench_set_items_processed(s, steps * (double)c.batch);
    free(params);
}

/* Ranks other than 0 run the same rows with no output of their own. */
static int quiet_argv(int argc, char **argv)
{
    int kept = 1;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--benchmark_out", 15) != 0)
            argv[kept++] = argv[i];
    argv[kept] = NULL;
    return freopen("/dev/null", "w", stdout) && freopen("/dev/null", "w", stderr) ? kept : -1;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (descent_mpi_create(MPI_COMM_WORLD, &mpi) != DESCENT_OK) {
        fprintf(stderr, "descent-bench-dist: %s\n", descent_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (rank > 0 && (argc = quiet_argv(argc, argv)) < 0)
        MPI_Abort(MPI_COMM_WORLD, 1);
    static const dist_row rows[] = {{"784-128-10", 0}, {"784-128-10", 1},
                                    {"784-1024-1024-10", 0}, {"784-1024-1024-10", 1}};
    char np[16];
    snprintf(np, sizeof np, "np:%d", size);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const int small = !strcmp(rows[k].model, "784-128-10");
        bench_register("BM_dist", bm_dist, &(bench_args){
            .variant = {"fashion-mnist", rows[k].model, rows[k].shard ? "shard" : "plain", np},
            .iterations = small ? 200 : 40, .use_real_time = 1, .data = &rows[k]});
    }
    const int status = bench_main(argc, argv);
    descent_mpi_free(mpi);
    MPI_Finalize();
    return status;
}
