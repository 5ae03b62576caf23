/*
 * Hogwild (descent_train_hogwild) and its sparse problem, sparse-logreg:
 * the generator (seeded, well formed, its gradient), Hogwild on 1 and 2
 * threads reaching the loss of synchronous SGD (descent_train) with the
 * same lr, batch and epochs, its rows, schedule and stop rules, and every
 * setting it does not take refused before any work.  Races make a 2-thread
 * run differ from run to run, so those checks are on the loss, not bits.
 */
#include <string.h>

#include "check.h"
#include "descent.h"
#include "problems.h"

/* The comparison's recipe: batch 100 at lr 5 (a step of 0.05 per example),
 * 5 epochs; the loss falls from log 2 = 0.693 to about 0.33. */
#define BATCH 100
#define LR 5.0
#define EPOCHS 5
/* How close Hogwild must end to synchronous SGD's full-data loss (0.331).
 * One thread's other shuffling stream moves it by about 2e-5, two threads'
 * races (stale reads, rare lost updates: 10 features of 10000 per example)
 * by up to about 1e-3 from run to run; a run that drops one thread's
 * updates ends at 0.392, 0.06 off. */
#define LOSS_TOLERANCE 0.01

static descent_problem *problem;
static const descent_sparse_logreg *data;
static double sync_loss = NAN;

static void config_for(descent_train_config *c, int threads)
{
    descent_train_config_default(DESCENT_SGD, c);
    c->h.lr = LR, c->batch = BATCH, c->epochs = EPOCHS, c->threads = threads;
}

static float *zeros(void)
{
    return calloc((size_t)data->n_features, sizeof(float));
}

static void test_sparse_problem_is_seeded_and_well_formed(void)
{
    EXPECT(data->n_examples == DESCENT_SPARSE_EXAMPLES &&
               data->n_features == DESCENT_SPARSE_FEATURES,
           "%ld examples x %ld features", data->n_examples, data->n_features);
    EXPECT(descent_sparse_logreg_check(data) == DESCENT_OK, "%s", descent_last_error());
    long plus = 0, short_rows = 0;
    for (long i = 0; i < data->n_examples; i++) {
        plus += data->label[i] > 0;
        short_rows += data->row_start[i + 1] - data->row_start[i] != DESCENT_SPARSE_NONZEROS;
        for (long k = data->row_start[i] + 1; k < data->row_start[i + 1]; k++)
            short_rows += data->col[k] <= data->col[k - 1]; /* sorted, distinct */
    }
    EXPECT(short_rows == 0, "%ld rows without %d sorted distinct features", short_rows,
           DESCENT_SPARSE_NONZEROS);
    EXPECT(plus > data->n_examples / 3 && plus < 2 * data->n_examples / 3, "%ld of %ld +1",
           plus, data->n_examples);
    float *w = zeros();
    EXPECT_NEAR(descent_sparse_logreg_loss(data, w), log(2.0), 1e-9);
    free(w);
    EXPECT(descent_problem_sparse(problem) == data, "the callbacks' data");
    EXPECT(descent_problem_optimum(problem, NULL) == NULL, "no closed-form optimum");

    descent_sparse_set a, b, c;
    EXPECT(descent_sparse_logreg_make(500, 100, 5, 7, &a) == DESCENT_OK, "make a");
    EXPECT(descent_sparse_logreg_make(500, 100, 5, 7, &b) == DESCENT_OK, "make b");
    EXPECT(descent_sparse_logreg_make(500, 100, 5, 8, &c) == DESCENT_OK, "make c");
    EXPECT(!memcmp(a.col, b.col, 2500 * sizeof *a.col) &&
               !memcmp(a.val, b.val, 2500 * sizeof *a.val) &&
               !memcmp(a.label, b.label, 500 * sizeof *a.label),
           "the same seed drew other data");
    EXPECT(memcmp(a.val, c.val, 2500 * sizeof *a.val) != 0, "seeds 7 and 8 drew the same");
    EXPECT(a.loss_at_truth < log(2.0) - 0.1, "the labels follow w*: loss there %g",
           a.loss_at_truth);
    descent_sparse_logreg_free(&a), descent_sparse_logreg_free(&b), descent_sparse_logreg_free(&c);
}

/* The synchronous loop's gradient against central differences in double. */
static void test_sparse_gradient_matches_differences(void)
{
    descent_sparse_set s;
    if (descent_sparse_logreg_make(300, 40, 4, 3, &s) != DESCENT_OK) {
        EXPECT(0, "%s", descent_last_error());
        return;
    }
    float w[40], grad[40];
    for (int j = 0; j < 40; j++)
        w[j] = 0.3f * (float)((j % 7) - 3);
    const long idx[5] = {4, 17, 99, 200, 17};
    double loss;
    EXPECT(descent_sparse_logreg_loss_grad(&s.data, w, idx, 5, grad, &loss) == DESCENT_OK,
           "%s", descent_last_error());
    double worst = 0;
    for (int j = 0; j < 40; j++) {
        const float keep = w[j], h = 1.0f / 64; /* exact in float */
        double up, down;
        w[j] = keep + h;
        descent_sparse_logreg_loss_grad(&s.data, w, idx, 5, NULL, &up);
        w[j] = keep - h;
        descent_sparse_logreg_loss_grad(&s.data, w, idx, 5, NULL, &down);
        w[j] = keep;
        worst = fmax(worst, fabs((up - down) / (2 * h) - grad[j]));
    }
    EXPECT(worst < 1e-4, "gradient off by %g", worst);
    double full;
    descent_sparse_logreg_loss_grad(&s.data, w, NULL, 300, NULL, &full);
    EXPECT_NEAR(full, descent_sparse_logreg_loss(&s.data, w), 0);
    descent_sparse_logreg_free(&s);
}

/* Hogwild on `threads` threads from w = 0 with the recipe. */
static descent_train_result hogwild_run(int threads, float **w_out)
{
    descent_train_config c;
    config_for(&c, threads);
    descent_train_result r = {0};
    float *w = zeros();
    const descent_status s = descent_train_hogwild(data, &c, w, &r);
    EXPECT(s == DESCENT_OK, "threads %d: %s", threads, descent_last_error());
    if (w_out)
        *w_out = w;
    else
        free(w);
    return r;
}

/* Updates an epoch makes: thread t has ceil of its share / BATCH. */
static long updates_per_epoch(int threads)
{
    long u = 0;
    for (int t = 0; t < threads; t++)
        u += ((data->n_examples - t + threads - 1) / threads + BATCH - 1) / BATCH;
    return u;
}

static void check_reaches_sync(int threads)
{
    const descent_train_result r = hogwild_run(threads, NULL);
    printf("# %d thread(s): loss %.6f, synchronous %.6f, %ld updates, %.3f s\n", threads,
           r.final_loss, sync_loss, r.steps, r.seconds);
    EXPECT_NEAR(r.final_loss, sync_loss, LOSS_TOLERANCE);
    EXPECT(r.stop == DESCENT_STOP_EPOCHS && r.epochs == EPOCHS, "stop %s after %ld epochs",
           descent_train_stop_name(r.stop), r.epochs);
    EXPECT(r.steps == EPOCHS * updates_per_epoch(threads), "%ld updates, want %ld", r.steps,
           EPOCHS * updates_per_epoch(threads));
    EXPECT(r.seconds > 0 && r.eval_seconds == 0, "seconds %g, eval %g", r.seconds,
           r.eval_seconds);
}

static void test_synchronous_sgd_learns(void)
{
    descent_train_config c;
    config_for(&c, 0);
    descent_train_result r;
    float *w = zeros();
    EXPECT(descent_train(descent_problem_callbacks(problem), &c, w, &r) == DESCENT_OK, "%s",
           descent_last_error());
    sync_loss = r.final_loss;
    EXPECT(sync_loss < 0.36, "synchronous SGD ends at %g (log 2 = 0.693)", sync_loss);
    free(w);
}

static void test_hogwild_two_threads_reaches_the_synchronous_loss(void)
{
    check_reaches_sync(2);
}

static void test_hogwild_one_thread_reaches_it_reproducibly(void)
{
    check_reaches_sync(1);
    float *a, *b;
    hogwild_run(1, &a);
    hogwild_run(1, &b);
    EXPECT(!memcmp(a, b, (size_t)data->n_features * sizeof *a),
           "one thread is sequential SGD: two runs differ");
    free(a), free(b);
}

typedef struct rows {
    long n, epoch[16], step[16];
    double lr[16], loss[16];
    long stop_after; /* the callback's stop (0 = never) */
} rows;

static int record(void *ctx, const descent_train_row *row)
{
    rows *k = ctx;
    if (k->n < 16)
        k->epoch[k->n] = row->epoch, k->step[k->n] = row->step, k->lr[k->n] = row->lr,
        k->loss[k->n] = row->loss;
    k->n++;
    return k->stop_after && k->n >= k->stop_after;
}

static void test_hogwild_rows_schedule_and_stops(void)
{
    descent_train_config c;
    config_for(&c, 2);
    rows k = {0};
    c.on_step = record, c.ctx = &k, c.epochs = 3;
    c.schedule = "step_lr", c.schedule_args = "step_size=1 gamma=0.5";
    descent_train_result r;
    float *w = zeros();
    EXPECT(descent_train_hogwild(data, &c, w, &r) == DESCENT_OK, "%s", descent_last_error());
    EXPECT(k.n == 3, "%ld rows for 3 epochs", k.n);
    for (long e = 0; e < 3 && e < k.n; e++) {
        EXPECT(k.epoch[e] == e + 1 && k.step[e] == (e + 1) * updates_per_epoch(2),
               "row %ld: epoch %ld, step %ld", e, k.epoch[e], k.step[e]);
        EXPECT_NEAR(k.lr[e], LR * pow(0.5, (double)e), 0);
        EXPECT(e == 0 || k.loss[e] < k.loss[e - 1], "epoch mean loss %g after %g", k.loss[e],
               k.loss[e - 1]);
    }
    EXPECT(r.last_loss == k.loss[2], "last_loss is the last epoch's mean batch loss");

    /* target_loss: the full-data loss after each epoch, out of the timing */
    memset(w, 0, (size_t)data->n_features * sizeof *w);
    config_for(&c, 2);
    c.epochs = 50, c.target_loss = sync_loss + LOSS_TOLERANCE;
    EXPECT(descent_train_hogwild(data, &c, w, &r) == DESCENT_OK, "%s", descent_last_error());
    EXPECT(r.stop == DESCENT_STOP_TARGET_LOSS && r.epochs <= EPOCHS + 2 &&
               r.final_loss <= c.target_loss && r.eval_seconds > 0,
           "stop %s after %ld epochs at %g (target %g), eval %g s",
           descent_train_stop_name(r.stop), r.epochs, r.final_loss, c.target_loss,
           r.eval_seconds);
    EXPECT_NEAR(r.final_loss, descent_sparse_logreg_loss(data, w), 0);

    memset(w, 0, (size_t)data->n_features * sizeof *w);
    config_for(&c, 2);
    k = (rows){.stop_after = 1};
    c.on_step = record, c.ctx = &k;
    EXPECT(descent_train_hogwild(data, &c, w, &r) == DESCENT_OK &&
               r.stop == DESCENT_STOP_CALLBACK && r.epochs == 1,
           "callback: stop %s after %ld epochs", descent_train_stop_name(r.stop), r.epochs);

    memset(w, 0, (size_t)data->n_features * sizeof *w);
    config_for(&c, 2);
    c.h.lr = 1e300; /* the step overflows to inf, the margins to inf - inf */
    EXPECT(descent_train_hogwild(data, &c, w, &r) == DESCENT_OK &&
               r.stop == DESCENT_STOP_DIVERGED && r.epochs == 1,
           "lr 1e300: stop %s after %ld epochs", descent_train_stop_name(r.stop), r.epochs);
    free(w);
}

/* Each setting Hogwild does not take: DESCENT_ERR_INVALID, params untouched. */
static void test_hogwild_refuses_what_it_does_not_take(void)
{
    enum { CASES = 17 };
    static const descent_lbfgs_options lbfgs = {.lr = 1};
    static const descent_train_comm two_ranks = {.rank = 0, .size = 2}; /* never called */
    float *w = zeros();
    for (int k = 0; k < CASES; k++) {
        descent_train_config c;
        config_for(&c, 2);
        descent_sparse_logreg bad = *data;
        int label_at = -1;
        switch (k) {
        case 0: descent_train_config_default(DESCENT_ADAM, &c), c.batch = BATCH; break;
        case 1: c.h.momentum = 0.9; break;
        case 2: c.h.weight_decay = 1e-4; break;
        case 3: c.batch = 0; break;
        case 4: c.batch = data->n_examples + 1; break;
        case 5: c.max_steps = 10; break;
        case 6: c.grad_tol = 1e-3; break;
        case 7: c.clip_grad_norm = 1; break;
        case 8: c.schedule_unit = DESCENT_PER_STEP; break;
        case 9: c.save_state = "never-written.ckpt"; break;
        case 10: c.lbfgs = &lbfgs; break;
        case 11: c.schedule = "cyclic_lr", c.schedule_args = "base_lr=0.1 max_lr=1"; break;
        case 12: c.threads = -1; break;
        case 13: bad.n_features = 5; break; /* indices past the end */
        case 14: label_at = 3; break;
        case 15: c.comm = &two_ranks; break;
        case 16: c.shard_state = 1; break;
        }
        float *labels = NULL;
        if (label_at >= 0) { /* a label of 0 */
            labels = malloc((size_t)data->n_examples * sizeof *labels);
            memcpy(labels, data->label, (size_t)data->n_examples * sizeof *labels);
            labels[label_at] = 0;
            bad.label = labels;
        }
        descent_train_result r;
        const descent_status s = descent_train_hogwild(&bad, &c, w, &r);
        EXPECT(s == DESCENT_ERR_INVALID, "case %d: status %d", k, (int)s);
        printf("#   case %d: %s\n", k, descent_last_error());
        free(labels);
    }
    long touched = 0;
    for (long j = 0; j < data->n_features; j++)
        touched += w[j] != 0;
    EXPECT(touched == 0, "%ld parameters changed by refused runs", touched);
    descent_train_config c;
    config_for(&c, 1);
    descent_train_result r;
    EXPECT(descent_train_hogwild(NULL, &c, w, &r) == DESCENT_ERR_INVALID &&
               descent_train_hogwild(data, NULL, w, &r) == DESCENT_ERR_INVALID &&
               descent_train_hogwild(data, &c, NULL, &r) == DESCENT_ERR_INVALID &&
               descent_train_hogwild(data, &c, w, NULL) == DESCENT_ERR_INVALID,
           "NULL arguments");
    free(w);
}

int main(void)
{
    descent_problem_spec spec;
    descent_problem_spec_default("sparse-logreg", &spec);
    if (descent_problem_create(&spec, &problem) != DESCENT_OK) {
        printf("not ok 1 - sparse-logreg: %s\n", descent_last_error());
        return 1;
    }
    data = descent_problem_sparse(problem);
    RUN(test_sparse_problem_is_seeded_and_well_formed);
    RUN(test_sparse_gradient_matches_differences);
    RUN(test_synchronous_sgd_learns);
    RUN(test_hogwild_two_threads_reaches_the_synchronous_loss);
    RUN(test_hogwild_one_thread_reaches_it_reproducibly);
    RUN(test_hogwild_rows_schedule_and_stops);
    RUN(test_hogwild_refuses_what_it_does_not_take);
    descent_problem_free(problem);
    return CHECK_EXIT_STATUS();
}
