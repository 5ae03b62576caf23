/*
 * descent-bench's Hogwild rows: how lock-free asynchronous SGD
 * (descent_train_hogwild, src/hogwild.c) scales with threads on the
 * built-in sparse problem, sparse-logreg (100000 examples x 10000
 * features, 10 nonzeros each), at the paper's batch of 1 and lr 0.05.
 *
 *   BM_hogwild/sparse_logreg/epoch/batch:1/real_time/threads:N
 *       one iteration is one epoch (every example once: 100000 updates
 *       shared out over the N threads), each continuing from the last
 *       one's weights.  updates_per_second: the updates over the threads'
 *       training seconds (descent_train_result.seconds, as descent train
 *       reports them: without the call's setup and data check).
 *   BM_hogwild/sparse_logreg/to_target/batch:1/iterations:1/real_time/threads:N
 *       one iteration is a whole run from w = 0 until the loss over all
 *       examples, evaluated after every epoch outside the timing, is at
 *       most target_loss: 1.01 x sync_loss, the loss synchronous SGD
 *       (descent_train) reaches in 5 epochs with the same step per example
 *       (batch 100 at lr 5, so that its dense steps cost 0.2 s, not 8).
 *       seconds_to_target: the threads' training seconds to get there;
 *       epochs_to_target; final_loss; updates_per_second as above.
 *
 * Threads: 1, 2, and all cores when there are more.  Each row runs its own
 * threads (POSIX threads, not OpenMP), and the rows are nondeterministic
 * (the threads race by design): compare medians.
 */
#include <math.h>
#include <stdlib.h>

#include "bench.h"
#include "harness.h"

#define LR 0.05
#define SYNC_BATCH 100
#define SYNC_EPOCHS 5
#define TARGET_FACTOR 1.01
#define MAX_EPOCHS 50

typedef struct hogwild_case {
    int to_target;
} hogwild_case;

/* The problem and the synchronous reference, made on first use. */
static descent_problem *problem;
static double sync_loss = NAN;

static const descent_sparse_logreg *sparse_data(bench_state *s)
{
    if (!problem) {
        descent_problem_spec spec;
        descent_problem_spec_default("sparse-logreg", &spec);
        if (descent_problem_create(&spec, &problem) != DESCENT_OK) {
            bench_skip_with_error(s, "sparse-logreg: %s", descent_last_error());
            return NULL;
        }
    }
    return descent_problem_sparse(problem);
}

static double synchronous_loss(const descent_sparse_logreg *d)
{
    if (!isnan(sync_loss))
        return sync_loss;
    descent_train_config c;
    descent_train_config_default(DESCENT_SGD, &c);
    c.h.lr = LR * SYNC_BATCH, c.batch = SYNC_BATCH, c.epochs = SYNC_EPOCHS;
    descent_train_result r;
    float *w = calloc((size_t)d->n_features, sizeof *w);
    if (w && descent_train(descent_problem_callbacks(problem), &c, w, &r) == DESCENT_OK)
        sync_loss = r.final_loss;
    free(w);
    return sync_loss;
}

static void bm_hogwild(bench_state *s)
{
    const hogwild_case *hc = bench_data(s);
    const descent_sparse_logreg *d = sparse_data(s);
    if (!d)
        return;
    const double target = hc->to_target ? TARGET_FACTOR * synchronous_loss(d) : NAN;
    float *w = calloc((size_t)d->n_features, sizeof *w);
    if (!w || (hc->to_target && isnan(target))) {
        bench_skip_with_error(s, "%s", w ? descent_last_error() : "out of memory");
        free(w);
        return;
    }
    descent_train_config c;
    descent_train_config_default(DESCENT_SGD, &c);
    c.h.lr = LR, c.batch = 1, c.threads = bench_threads(s);
    c.epochs = hc->to_target ? MAX_EPOCHS : 1, c.target_loss = target;
    double train_seconds = 0, updates = 0, epochs = 0, final_loss = NAN;
    int reached = 1;
    while (bench_keep_running(s)) {
        descent_train_result r;
        if (descent_train_hogwild(d, &c, w, &r) != DESCENT_OK) {
            bench_skip_with_error(s, "%s", descent_last_error());
            break;
        }
        train_seconds += r.seconds, updates += (double)r.steps, epochs += (double)r.epochs;
        final_loss = r.final_loss;
        reached &= !hc->to_target || r.stop == DESCENT_STOP_TARGET_LOSS;
    }
    if (train_seconds > 0)
        bench_set_counter(s, "updates_per_second", updates / train_seconds, 0);
    if (isfinite(final_loss))
        bench_set_counter(s, "final_loss", final_loss, 0);
    if (hc->to_target) {
        const double runs = (double)bench_iterations(s);
        bench_set_counter(s, "target_loss", target, 0);
        bench_set_counter(s, "sync_loss", sync_loss, 0);
        if (reached) {
            bench_set_counter(s, "seconds_to_target", train_seconds / runs, 0);
            bench_set_counter(s, "epochs_to_target", epochs / runs, 0);
        } else {
            bench_set_label(s, "target not reached in 50 epochs");
        }
    }
    free(w);
}

void bench_register_hogwild(void)
{
    static const hogwild_case epoch = {0}, to_target = {1};
    const int all = bench_all_threads();
    const int threads[3] = {1, 2, all};
    for (int k = 0; k < (all > 2 ? 3 : 2); k++) {
        bench_register("BM_hogwild", bm_hogwild,
                       &(bench_args){.variant = {"sparse_logreg", "epoch"}, .arg = {1},
                                     .nargs = 1, .arg_name = {"batch"}, .threads = threads[k],
                                     .use_real_time = 1, .data = &epoch});
        bench_register("BM_hogwild", bm_hogwild,
                       &(bench_args){.variant = {"sparse_logreg", "to_target"}, .arg = {1},
                                     .nargs = 1, .arg_name = {"batch"}, .threads = threads[k],
                                     .iterations = 1, .use_real_time = 1, .data = &to_target});
    }
}
