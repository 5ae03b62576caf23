/*
 * descent-converge — time-to-result benchmarks (in the spirit of DeepOBS
 * and AlgoPerf): how many steps and seconds each optimizer needs to reach a
 * fixed target, with its learning rate tuned on a small grid.
 *
 *   descent-converge [--scope quick|default|full] [--out DIR] [--data DIR]
 *
 * Problems (src/problems.h, src/idx.h):
 *   linreg       linreg-2x1 (y = 2x + 1 + noise, 100 points), full-batch,
 *                parameters from 0; target: loss <= 1.01 x the closed-form
 *                least-squares loss; the seed draws the data.
 *   rosenbrock   (1-x)^2 + 100 (y-x^2)^2 from (-1.5, 2) (seed 1) or that
 *                point moved by up to +-0.05 per coordinate (other seeds);
 *                target f < 1e-4.
 *   fmnist       Fashion-MNIST, 784-128-10 ReLU MLP, softmax cross-entropy,
 *                batch 64, a fixed training subset (the first N images)
 *                standardized with its own pixel statistics, test accuracy
 *                on the first M test images every K steps; target: test
 *                accuracy >= A (N, M, K, A and the epoch cap by scope,
 *                written to the JSON); the seed draws the initial weights
 *                and the shuffling.
 * Every optimizer runs at PyTorch's defaults (momentum 0.9 for sgd_momentum
 * and nesterov) except lr, picked per problem from the grid: the lr with
 * the smallest median steps-to-target over the seeds (ties: seconds; if no
 * lr reaches the target, the best median final loss/accuracy).  A run that
 * misses the target (cap reached, or it diverged) counts as never (+inf)
 * in the median; the JSON writes null and "never" for it.  Seconds count
 * the gradient and optimizer work only (not the target checks, the test
 * evaluations or the logging), all on one thread (on a small shared
 * machine a second OpenMP thread mostly adds waiting; the MLP's results
 * do not depend on the thread count).  The median is over the seeds of the
 * selected lr (a tuned, so optimistic, number, as in DeepOBS).
 *
 * Also: full-batch GD vs mini-batch (10) vs SGD (batch 1) on linreg with
 * plain SGD (lr tuned, cap 200 epochs), lr schedules (constant, step,
 * exponential, cosine) side by side on mini-batch linreg, and the paths of
 * several optimizers over the Rosenbrock contour.
 *
 * Output (DIR, default results): convergence.json, convergence_summary.txt,
 * curves/<problem>_<optimizer>.csv (best lr, first seed: step, epoch,
 * seconds, loss[, test_acc]), curves/batch_<name>.csv,
 * curves/schedule_<name>.csv, paths/rosenbrock_<optimizer>.csv (x, y per
 * step).  Files are written whole or not at all (descent_outfile).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../src/idx.h"
#include "../src/problems.h"
#include "../src/rng.h"
#include "config.h"
#include "bench.h"
#include "descent.h"

#define NEVER INFINITY

/* ------------------------------------------------------------ optimizers */

/* The benchmarks' optimizer configurations (bench.h: the registry's
 * optimizers and its benchmark branches), filled by main. */
typedef bench_optim_config optcfg;
static optcfg optcfgs[BENCH_MAX_CONFIGS];
#define N_OPT BENCH_MAX_CONFIGS

static const optcfg *find_optcfg(const char *name)
{
    for (int i = 0; i < N_OPT && optcfgs[i].name; i++)
        if (strcmp(optcfgs[i].name, name) == 0)
            return &optcfgs[i];
    fprintf(stderr, "descent-converge: no optimizer configuration '%s'\n", name);
    exit(1);
}

static descent_optimizer *make_opt(const optcfg *c, double lr, size_t n, int threads)
{
    descent_hparams h;
    descent_optimizer *opt = NULL;
    if (bench_optim_hparams(c, &h) != DESCENT_OK) {
        fprintf(stderr, "descent-converge: %s: %s\n", c->name, descent_last_error());
        exit(1);
    }
    h.lr = lr; /* the configuration's own lr is what the grid replaces */
    if (descent_optimizer_create(c->kind, &h, n, &opt) != DESCENT_OK ||
        descent_optimizer_set_threads(opt, threads) != DESCENT_OK) {
        fprintf(stderr, "descent-converge: %s: %s\n", c->name, descent_last_error());
        exit(1);
    }
    return opt;
}


/* ----------------------------------------------------------- scope */

static struct scope {
    const char *name;
    int seeds;
    const double *grid;
    int ngrid;
    const double *mnist_grid;
    int nmnist_grid;
    int only_two; /* quick: adam and sgd only */
    long linreg_cap, rosen_cap;
    int mnist_train, mnist_test, mnist_epochs, mnist_eval_every;
    double mnist_target;
    int batch_epochs, schedule_epochs;
} S;

static const double grid_full[] = {1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1};
static const double grid_mnist_default[] = {1e-3, 1e-2, 1e-1, 1};
static const double grid_quick[] = {1e-2, 1e-1};

static int set_scope(const char *name)
{
    if (strcmp(name, "quick") == 0)
        S = (struct scope){"quick", 1, grid_quick, 2, grid_quick, 2, 1, 2000, 2000,
                           2000, 500, 1, 10, 0.70, 20, 20};
    else if (strcmp(name, "default") == 0)
        S = (struct scope){"default", 3, grid_full, 7, grid_mnist_default, 4, 0, 5000, 20000,
                           20000, 2000, 2, 50, 0.84, 200, 100};
    else if (strcmp(name, "full") == 0)
        S = (struct scope){"full", 5, grid_full, 7, grid_full, 7, 0, 10000, 50000,
                           60000, 10000, 5, 100, 0.85, 200, 100};
    else
        return -1;
    return 0;
}

/* -------------------------------------------------------------- files */

static char out_dir[4096] = "results";

/* DIR/sub/name through the library's writer (descent.h, "Output files"):
 * complete or not there.  A file that cannot be written ends the run with
 * status 2; the writer's exit hook removes every temporary still open. */
typedef struct outfile {
    descent_outfile *file;
    FILE *f;
} outfile;

static void out_open(outfile *o, const char *sub, const char *name)
{
    char dir[4200], path[4400];
    snprintf(dir, sizeof dir, "%s%s%s", out_dir, sub ? "/" : "", sub ? sub : "");
    mkdir(out_dir, 0777);
    if (sub)
        mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (descent_outfile_open(path, &o->file) != DESCENT_OK) {
        fprintf(stderr, "descent-converge: %s\n", descent_last_error());
        exit(2);
    }
    o->f = descent_outfile_stream(o->file);
}

static void out_finish(outfile *o)
{
    if (o->file == NULL)
        return;
    if (descent_outfile_commit(o->file) != DESCENT_OK) {
        fprintf(stderr, "descent-converge: %s\n", descent_last_error());
        exit(2);
    }
    o->file = NULL;
    o->f = NULL;
}

/* ------------------------------------------------------- run records */

typedef struct run_result {
    double steps;   /* to target, NEVER if missed */
    double seconds; /* to target, NEVER if missed */
    double final;   /* final loss (linreg, rosenbrock) or test accuracy */
    double final_loss;
    long steps_run;
} run_result;

/* A curve sink: CSV rows, every `every` steps (and the first 100). */
typedef struct curve {
    FILE *f;
} curve;

/* acc: a 5th column (test accuracy, or linreg's excess loss); NAN: none */
static void curve_row(curve *c, long step, double epoch, double sec, double loss, double acc)
{
    if (c == NULL || c->f == NULL)
        return;
    if (!isnan(acc))
        fprintf(c->f, "%ld,%.6g,%.6g,%.9g,%.6g\n", step, epoch, sec, loss, acc);
    else
        fprintf(c->f, "%ld,%.6g,%.6g,%.9g\n", step, epoch, sec, loss);
}

static int keep_row(long step)
{
    return step <= 100 || (step <= 1000 && step % 5 == 0) || step % 25 == 0;
}

/* ------------------------------------------------------------ linreg */

typedef enum { SCHED_CONSTANT, SCHED_STEP, SCHED_EXP, SCHED_COSINE, SCHED_COUNT } sched_kind;
static const char *const sched_names[SCHED_COUNT] = {"constant", "step", "exponential",
                                                     "cosine"};
static const char *const sched_desc[SCHED_COUNT] = {
    "lr0", "lr0 * 0.5^floor(epoch/10) (StepLR step_size=10 gamma=0.5)",
    "lr0 * 0.95^epoch (ExponentialLR gamma=0.95)",
    "lr0 * (1 + cos(pi epoch / T)) / 2 (CosineAnnealingLR T_max=T epochs)"};

static double sched_lr(sched_kind k, double lr0, int epoch, int total)
{
    switch (k) {
    case SCHED_STEP: return lr0 * pow(0.5, epoch / 10);
    case SCHED_EXP: return lr0 * pow(0.95, epoch);
    case SCHED_COSINE: return lr0 * 0.5 * (1 + cos(3.14159265358979323846 * epoch / total));
    default: return lr0;
    }
}

static double linreg_loss(const descent_linreg *p, const float *theta)
{
    double s = 0;
    for (int i = 0; i < p->n; i++) {
        double pred = theta[p->features];
        for (int j = 0; j < p->features; j++)
            pred += (double)theta[j] * p->x[(size_t)i * p->features + j];
        double r = pred - p->y[i];
        s += r * r;
    }
    return s / p->n;
}

/* batch 0 = full batch; max_epochs caps; stop_at_target: end at the target. */
static run_result run_linreg(const descent_linreg *p, const optcfg *oc, double lr, int batch,
                             long max_steps, sched_kind sched, int sched_epochs,
                             int stop_at_target, unsigned long long seed, curve *cv)
{
    const int f = p->features, n = p->n;
    const int B = batch <= 0 || batch > n ? n : batch;
    float theta[DESCENT_LINREG_MAX_FEATURES + 1] = {0}, grad[DESCENT_LINREG_MAX_FEATURES + 1];
    descent_optimizer *opt = make_opt(oc, lr, (size_t)f + 1, 1);
    int *order = malloc((size_t)n * sizeof *order);
    for (int i = 0; i < n; i++)
        order[i] = i;
    descent_rng rng;
    descent_rng_seed(&rng, seed * 7919 + 17);
    const double target = 1.01 * p->loss_at_solution;
    run_result r = {NEVER, NEVER, NAN, NAN, 0};
    double sec = 0, loss = linreg_loss(p, theta);
    curve_row(cv, 0, 0, 0, loss, loss - p->loss_at_solution);
    int pos = n;
    long step = 0;
    int epoch = 0;
    while (step < max_steps) {
        double t0 = descent_seconds();
        if (pos >= n) { /* new epoch */
            if (B < n)
                descent_rng_shuffle(&rng, order, (size_t)n);
            pos = 0;
            descent_optimizer_set_lr(opt, sched_lr(sched, lr, epoch, sched_epochs));
        }
        int take = n - pos < B ? n - pos : B;
        for (int j = 0; j <= f; j++)
            grad[j] = 0;
        double gacc[DESCENT_LINREG_MAX_FEATURES + 1] = {0};
        for (int k = 0; k < take; k++) {
            const int i = order[pos + k];
            const float *x = p->x + (size_t)i * f;
            double pred = theta[f];
            for (int j = 0; j < f; j++)
                pred += (double)theta[j] * x[j];
            double e = 2.0 * (pred - p->y[i]) / take;
            for (int j = 0; j < f; j++)
                gacc[j] += e * x[j];
            gacc[f] += e;
        }
        for (int j = 0; j <= f; j++)
            grad[j] = (float)gacc[j];
        descent_status st = descent_optimizer_step(opt, theta, grad);
        pos += take;
        step++;
        if (pos >= n)
            epoch++;
        sec += descent_seconds() - t0;
        loss = linreg_loss(p, theta);
        if (keep_row(step))
            curve_row(cv, step, (double)step * B / n, sec, loss, loss - p->loss_at_solution);
        if (st != DESCENT_OK || !isfinite(loss))
            break;
        if (loss <= target && r.steps == NEVER) {
            r.steps = (double)step;
            r.seconds = sec;
            if (stop_at_target)
                break;
        }
    }
    if (!keep_row(step))
        curve_row(cv, step, (double)step * B / n, sec, loss, loss - p->loss_at_solution);
    r.final = r.final_loss = isfinite(loss) ? loss : NAN;
    r.steps_run = step;
    descent_optimizer_free(opt);
    free(order);
    return r;
}

/* -------------------------------------------------------- rosenbrock */

static run_result run_rosen(const descent_func2d *fn, const optcfg *oc, double lr, long cap,
                            unsigned long long seed, curve *cv, FILE *path)
{
    float p[2] = {-1.5f, 2.0f}, g[2];
    if (seed > 1) {
        descent_rng rng;
        descent_rng_seed(&rng, seed);
        p[0] += (float)(0.1 * (descent_rng_uniform_double(&rng) - 0.5));
        p[1] += (float)(0.1 * (descent_rng_uniform_double(&rng) - 0.5));
    }
    descent_optimizer *opt = make_opt(oc, lr, 2, 1);
    run_result r = {NEVER, NEVER, NAN, NAN, 0};
    double sec = 0, pd[2] = {p[0], p[1]}, gd[2];
    double f = fn->f(pd, gd);
    curve_row(cv, 0, 0, 0, f, NAN);
    if (path)
        fprintf(path, "0,%.7g,%.7g\n", p[0], p[1]);
    long step = 0;
    while (step < cap) {
        double t0 = descent_seconds();
        pd[0] = p[0];
        pd[1] = p[1];
        fn->f(pd, gd);
        g[0] = (float)gd[0];
        g[1] = (float)gd[1];
        descent_status st = descent_optimizer_step(opt, p, g);
        sec += descent_seconds() - t0;
        step++;
        pd[0] = p[0];
        pd[1] = p[1];
        f = fn->f(pd, gd);
        if (keep_row(step))
            curve_row(cv, step, (double)step, sec, f, NAN);
        if (path && (step <= 200 || step % 10 == 0))
            fprintf(path, "%ld,%.7g,%.7g\n", step, p[0], p[1]);
        if (st != DESCENT_OK || !isfinite(f) || fabs(p[0]) > 1e6 || fabs(p[1]) > 1e6)
            break;
        if (f < 1e-4) {
            r.steps = (double)step;
            r.seconds = sec;
            break;
        }
    }
    r.final = r.final_loss = isfinite(f) ? f : NAN;
    r.steps_run = step;
    descent_optimizer_free(opt);
    return r;
}

/* ---------------------------------------------------- fashion-mnist */

static descent_dataset mn_train, mn_test;
static int mn_ok;

static double mnist_accuracy(descent_mlp *mlp, const float *params, float *out)
{
    const int chunk = descent_mlp_max_batch(mlp);
    long correct = 0;
    for (int start = 0; start < S.mnist_test; start += chunk) {
        int b = S.mnist_test - start < chunk ? S.mnist_test - start : chunk;
        descent_mlp_forward(mlp, params, b, mn_test.images + (size_t)start * 784, out);
        for (int i = 0; i < b; i++) {
            int best = 0;
            for (int k = 1; k < 10; k++)
                if (out[i * 10 + k] > out[i * 10 + best])
                    best = k;
            correct += best == mn_test.labels[start + i];
        }
    }
    return (double)correct / S.mnist_test;
}

static run_result run_mnist(const optcfg *oc, double lr, unsigned long long seed, curve *cv)
{
    descent_mlp_shape shape = {.layers = 2, .sizes = {784, 128, 10},
                               .activation = DESCENT_RELU, .loss = DESCENT_CROSS_ENTROPY};
    const int B = 64, chunk = 256;
    const size_t n = descent_mlp_param_count(&shape);
    float *params = malloc(n * sizeof *params), *grad = malloc(n * sizeof *grad);
    float *xb = malloc((size_t)chunk * 784 * sizeof *xb), *out = malloc(chunk * 10 * sizeof *out);
    int *yb = malloc(chunk * sizeof *yb), *order = malloc((size_t)S.mnist_train * sizeof *order);
    descent_mlp *mlp = NULL;
    if (!params || !grad || !xb || !out || !yb || !order ||
        descent_mlp_init_params(&shape, params, seed) != DESCENT_OK ||
        descent_mlp_create(&shape, chunk, &mlp) != DESCENT_OK ||
        descent_mlp_set_threads(mlp, 1) != DESCENT_OK) {
        fprintf(stderr, "descent-converge: mnist setup: %s\n", descent_last_error());
        exit(1);
    }
    descent_optimizer *opt = make_opt(oc, lr, n, 1);
    descent_rng rng;
    descent_rng_seed(&rng, seed * 104729 + 3);
    for (int i = 0; i < S.mnist_train; i++)
        order[i] = i;
    run_result r = {NEVER, NEVER, NAN, NAN, 0};
    const long steps_per_epoch = S.mnist_train / B; /* drop the last partial batch */
    const long cap = steps_per_epoch * S.mnist_epochs;
    double sec = 0, acc = mnist_accuracy(mlp, params, out), loss_sum = 0;
    long loss_count = 0;
    float loss = NAN;
    curve_row(cv, 0, 0, 0, NAN, acc);
    long step = 0;
    int diverged = 0;
    while (step < cap && !diverged) {
        if (step % steps_per_epoch == 0)
            descent_rng_shuffle(&rng, order, (size_t)S.mnist_train);
        const long pos = (step % steps_per_epoch) * B;
        for (int k = 0; k < B; k++) {
            const int i = order[pos + k];
            memcpy(xb + (size_t)k * 784, mn_train.images + (size_t)i * 784, 784 * sizeof(float));
            yb[k] = mn_train.labels[i];
        }
        double t0 = descent_seconds();
        descent_status st = descent_mlp_loss_grad(mlp, params, B, xb, yb, NULL, grad, &loss);
        if (st == DESCENT_OK)
            st = descent_optimizer_step(opt, params, grad);
        sec += descent_seconds() - t0;
        step++;
        if (st != DESCENT_OK || !isfinite(loss))
            diverged = 1;
        loss_sum += loss;
        loss_count++;
        if (step % S.mnist_eval_every == 0 || step == cap || diverged) {
            acc = diverged ? 0 : mnist_accuracy(mlp, params, out);
            curve_row(cv, step, (double)step / steps_per_epoch, sec, loss_sum / loss_count, acc);
            r.final_loss = loss_sum / loss_count;
            loss_sum = 0;
            loss_count = 0;
            if (acc >= S.mnist_target && r.steps == NEVER) {
                r.steps = (double)step;
                r.seconds = sec;
                break;
            }
        }
    }
    r.final = acc;
    r.steps_run = step;
    descent_optimizer_free(opt);
    descent_mlp_free(mlp);
    free(params);
    free(grad);
    free(xb);
    free(out);
    free(yb);
    free(order);
    return r;
}

/* ----------------------------------------------------------- tuning */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int k)
{
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

typedef struct lr_summary {
    double lr, steps, seconds, final;
    int reached;
} lr_summary;

typedef struct tuned {
    const char *name;
    int nlr;
    lr_summary lrs[8];
    int best;
} tuned;

typedef enum { PROB_LINREG, PROB_ROSEN, PROB_MNIST, PROB_COUNT } prob_kind;
static const char *const prob_names[PROB_COUNT] = {"linreg", "rosenbrock", "fmnist"};

static descent_linreg linregs[8];
static const descent_func2d *rosen;

static run_result run_one(prob_kind p, const optcfg *oc, double lr, int seed, curve *cv,
                          FILE *path)
{
    switch (p) {
    case PROB_LINREG:
        return run_linreg(&linregs[seed - 1], oc, lr, 0, S.linreg_cap, SCHED_CONSTANT, 1, 1,
                          (unsigned long long)seed, cv);
    case PROB_ROSEN:
        return run_rosen(rosen, oc, lr, S.rosen_cap, (unsigned long long)seed, cv, path);
    default:
        return run_mnist(oc, lr, (unsigned long long)seed, cv);
    }
}

/* higher_better: the final metric is an accuracy. */
static void summarize_lr(lr_summary *s, double lr, run_result *runs, int k)
{
    double st[16], se[16], fi[16];
    s->lr = lr;
    s->reached = 0;
    for (int i = 0; i < k; i++) {
        st[i] = runs[i].steps;
        se[i] = runs[i].seconds;
        fi[i] = isnan(runs[i].final) ? INFINITY : runs[i].final;
        s->reached += runs[i].steps != NEVER;
    }
    s->steps = median(st, k);
    s->seconds = median(se, k);
    s->final = median(fi, k);
}

static int better(const lr_summary *a, const lr_summary *b, int higher_better)
{
    if (a->steps != b->steps)
        return a->steps < b->steps;
    if (a->steps != NEVER)
        return a->seconds < b->seconds;
    double fa = a->final, fb = b->final;
    if (higher_better) {
        fa = isfinite(fa) ? -fa : INFINITY;
        fb = isfinite(fb) ? -fb : INFINITY;
    }
    return fa < fb;
}

static void tune(prob_kind p, const optcfg *oc, const double *grid, int ngrid, tuned *t)
{
    t->name = oc->name;
    t->nlr = ngrid;
    t->best = 0;
    for (int g = 0; g < ngrid; g++) {
        run_result runs[16];
        for (int s = 0; s < S.seeds; s++)
            runs[s] = run_one(p, oc, grid[g], s + 1, NULL, NULL);
        summarize_lr(&t->lrs[g], grid[g], runs, S.seeds);
        if (g > 0 && better(&t->lrs[g], &t->lrs[t->best], p == PROB_MNIST))
            t->best = g;
    }
}

/* --------------------------------------------------------------- JSON */

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

static void fmt_steps(char *buf, size_t size, double v)
{
    if (v == NEVER)
        snprintf(buf, size, "never");
    else
        snprintf(buf, size, "%.0f", v);
}

static void fmt_sec(char *buf, size_t size, double v)
{
    if (v == NEVER)
        snprintf(buf, size, "never");
    else
        snprintf(buf, size, "%.3g", v);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: descent-converge [--scope quick|default|full] [--out DIR] [--data DIR]\n"
               "       [--only PROBLEM[,PROBLEM...]]  (linreg, rosenbrock, fmnist, batch,\n"
               "                                       schedules, paths)\n");
}

/* The names --only takes; anything else is a usage error, so that a typo
 * cannot replace good results with an empty report. */
static const char *const only_names[] = {"linreg", "rosenbrock", "fmnist", "batch",
                                         "schedules", "paths"};

static int check_only(const char *only)
{
    const char *p = only;
    for (;;) {
        const size_t len = strcspn(p, ",");
        int known = 0;
        for (size_t i = 0; i < sizeof only_names / sizeof only_names[0]; i++)
            known |= strlen(only_names[i]) == len && strncmp(p, only_names[i], len) == 0;
        if (!known) {
            fprintf(stderr, "descent-converge: --only: unknown name '%.*s' (known: linreg, "
                            "rosenbrock, fmnist, batch, schedules, paths)\n", (int)len, p);
            return 0;
        }
        if (p[len] == '\0')
            return 1;
        p += len + 1;
    }
}

static int wants(const char *only, const char *name)
{
    if (only == NULL)
        return 1;
    size_t len = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += len)
        if ((p == only || p[-1] == ',') && (p[len] == '\0' || p[len] == ','))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    descent_guard_std_fds();
    const char *data_dir = DESCENT_DATA_DIR, *only = NULL;
    set_scope("default");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return descent_close_stdout("descent-converge") != 0 ? 2 : 0;
        } else if (strcmp(a, "--scope") == 0 && v) {
            if (set_scope(v) != 0) {
                fprintf(stderr, "descent-converge: --scope: unknown scope '%s'\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--out") == 0 && v) {
            snprintf(out_dir, sizeof out_dir, "%s", v);
            i++;
        } else if (strcmp(a, "--data") == 0 && v) {
            data_dir = v;
            i++;
        } else if (strcmp(a, "--only") == 0 && v) {
            if (!check_only(v))
                return 2;
            only = v;
            i++;
        } else {
            fprintf(stderr, "descent-converge: bad argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    const int all_opt = bench_optim_configs(optcfgs);
    const optcfg *const sgd = find_optcfg("sgd");
    const int nopt = S.only_two ? 2 : all_opt;
    const optcfg *opts[N_OPT];
    if (S.only_two) {
        opts[0] = find_optcfg("adam");
        opts[1] = sgd;
    } else {
        for (int i = 0; i < all_opt; i++)
            opts[i] = &optcfgs[i];
    }
    for (int s = 0; s < S.seeds; s++)
        if (descent_linreg_make("linreg-2x1", (unsigned long long)s + 1, &linregs[s]) !=
            DESCENT_OK) {
            fprintf(stderr, "descent-converge: linreg: %s\n", descent_last_error());
            return 1;
        }
    rosen = descent_func2d_find("rosenbrock");
    if (rosen == NULL) {
        fprintf(stderr, "descent-converge: no rosenbrock function\n");
        return 1;
    }
    const char *mnist_note = NULL;
    if (wants(only, "fmnist")) {
        if (descent_fashion_mnist_load(data_dir, 1, &mn_train) == DESCENT_OK &&
            descent_fashion_mnist_load(data_dir, 0, &mn_test) == DESCENT_OK) {
            if ((size_t)S.mnist_train > mn_train.count)
                S.mnist_train = (int)mn_train.count;
            if ((size_t)S.mnist_test > mn_test.count)
                S.mnist_test = (int)mn_test.count;
            /* standardize with the statistics of the subset used for training */
            descent_dataset sub = mn_train;
            sub.count = (size_t)S.mnist_train;
            double mean, sd;
            descent_dataset_pixel_stats(&sub, &mean, &sd);
            descent_dataset_standardize(&mn_train, mean, sd);
            descent_dataset_standardize(&mn_test, mean, sd);
            mn_ok = 1;
        } else {
            mnist_note = descent_last_error();
            fprintf(stderr, "descent-converge: Fashion-MNIST skipped: %s\n", mnist_note);
        }
    }

    outfile js, sum;
    out_open(&js, NULL, "convergence.json");
    out_open(&sum, NULL, "convergence_summary.txt");
    FILE *J = js.f, *T = sum.f;
    const double t_start = descent_seconds();
    fprintf(J, "{\n  \"context\": {\n    \"program\": \"descent-converge\",\n"
               "    \"scope\": \"%s\",\n    \"seeds\": %d,\n    \"lr_grid\": [",
            S.name, S.seeds);
    for (int g = 0; g < S.ngrid; g++)
        fprintf(J, "%s%g", g ? ", " : "", S.grid[g]);
    fprintf(J, "],\n    \"fmnist_lr_grid\": [");
    for (int g = 0; g < S.nmnist_grid; g++)
        fprintf(J, "%s%g", g ? ", " : "", S.mnist_grid[g]);
    fprintf(J, "],\n    \"selection\": \"per problem and optimizer, the lr with the smallest "
               "median steps-to-target over the seeds (ties: seconds; none reached: best "
               "median final metric); a miss counts as never (+inf, written null)\",\n"
               "    \"seconds\": \"gradient + optimizer step time only, one thread; "
               "fmnist curves: train_loss is the mean over the steps since the previous row\"\n  },\n  \"problems\": [");
    fprintf(T, "Time to result (median over %d seed%s, lr tuned on the grid; scope %s)\n", S.seeds,
            S.seeds > 1 ? "s" : "", S.name);

    int first_prob = 1, ran[PROB_COUNT] = {0};
    static tuned results[PROB_COUNT][N_OPT];
    for (int p = 0; p < PROB_COUNT; p++) {
        if (!wants(only, prob_names[p]) && !(p == PROB_ROSEN && wants(only, "paths")))
            continue;
        if (p == PROB_MNIST && !mn_ok)
            continue;
        const double *grid = p == PROB_MNIST ? S.mnist_grid : S.grid;
        const int ngrid = p == PROB_MNIST ? S.nmnist_grid : S.ngrid;
        char target[160];
        long cap = p == PROB_LINREG ? S.linreg_cap : p == PROB_ROSEN ? S.rosen_cap : 0;
        if (p == PROB_LINREG)
            snprintf(target, sizeof target,
                     "full-data MSE <= 1.01 x closed-form optimum (linreg-2x1, full batch, "
                     "cap %ld steps)", cap);
        else if (p == PROB_ROSEN)
            snprintf(target, sizeof target, "f < 1e-4 from (-1.5, 2) (+-0.05 for seeds > 1), "
                                            "cap %ld steps", cap);
        else {
            cap = (long)(S.mnist_train / 64) * S.mnist_epochs;
            snprintf(target, sizeof target,
                     "test accuracy >= %.2f on %d test images, %d training images, batch 64, "
                     "checked every %d steps, cap %d epochs", S.mnist_target, S.mnist_test,
                     S.mnist_train, S.mnist_eval_every, S.mnist_epochs);
        }
        const double t0 = descent_seconds();
        ran[p] = 1;
        fprintf(stderr, "descent-converge: %s ...\n", prob_names[p]);
        fprintf(J, "%s\n    {\n      \"name\": \"%s\",\n      \"target\": \"%s\",\n"
                   "      \"cap_steps\": %ld,\n      \"final_metric\": \"%s\",\n"
                   "      \"results\": [",
                first_prob ? "" : ",", prob_names[p], target, cap,
                p == PROB_MNIST ? "test_accuracy" : "loss");
        first_prob = 0;
        fprintf(T, "\n%s: %s\n  %-13s %8s %10s %10s %9s %12s\n", prob_names[p], target,
                "optimizer", "best lr", "steps", "seconds", "reached", "final");
        int fastest = -1;
        for (int o = 0; o < nopt; o++) {
            tuned *t = &results[p][o];
            tune((prob_kind)p, opts[o], grid, ngrid, t);
            const lr_summary *b = &t->lrs[t->best];
            /* the curve of the best lr, first seed */
            char name[128];
            snprintf(name, sizeof name, "%s_%s.csv", prob_names[p], t->name);
            outfile cf;
            out_open(&cf, "curves", name);
            fprintf(cf.f, p == PROB_MNIST    ? "step,epoch,seconds,train_loss,test_acc\n"
                          : p == PROB_LINREG ? "step,epoch,seconds,loss,excess_loss\n"
                                             : "step,epoch,seconds,loss\n");
            curve cv = {cf.f};
            run_one((prob_kind)p, opts[o], b->lr, 1, &cv, NULL);
            out_finish(&cf);
            fprintf(J, "%s\n        {\"optimizer\": \"%s\", \"best_lr\": %g, \"median_steps\": ",
                    o ? "," : "", t->name, b->lr);
            json_num(J, b->steps);
            fprintf(J, ", \"median_seconds\": ");
            json_num(J, b->seconds);
            fprintf(J, ", \"reached_seeds\": %d, \"seeds\": %d, \"median_final\": ", b->reached,
                    S.seeds);
            json_num(J, b->final);
            fprintf(J, ", \"never\": %s,\n         \"by_lr\": [", b->steps == NEVER ? "true"
                                                                             : "false");
            for (int g = 0; g < t->nlr; g++) {
                fprintf(J, "%s{\"lr\": %g, \"median_steps\": ", g ? ", " : "", t->lrs[g].lr);
                json_num(J, t->lrs[g].steps);
                fprintf(J, ", \"median_seconds\": ");
                json_num(J, t->lrs[g].seconds);
                fprintf(J, ", \"reached_seeds\": %d}", t->lrs[g].reached);
            }
            fprintf(J, "]}");
            char st[32], se[32];
            fmt_steps(st, sizeof st, b->steps);
            fmt_sec(se, sizeof se, b->seconds);
            fprintf(T, "  %-13s %8g %10s %10s %6d/%-2d %12.6g\n", t->name, b->lr, st, se,
                    b->reached, S.seeds, b->final);
            if (b->steps != NEVER &&
                (fastest < 0 || b->seconds < results[p][fastest].lrs[results[p][fastest].best].seconds))
                fastest = o;
        }
        fprintf(J, "\n      ],\n      \"fastest\": ");
        if (fastest >= 0) {
            const lr_summary *b = &results[p][fastest].lrs[results[p][fastest].best];
            fprintf(J, "\"%s\"", results[p][fastest].name);
            fprintf(T, "  fastest to target (seconds): %s (lr %g, %.0f steps, %.3g s)\n",
                    results[p][fastest].name, b->lr, b->steps, b->seconds);
        } else {
            fprintf(J, "null");
            fprintf(T, "  fastest to target: none reached it\n");
        }
        fprintf(J, ",\n      \"wall_seconds\": %.3g\n    }", descent_seconds() - t0);

        /* paths over the contour */
        if (p == PROB_ROSEN && wants(only, "paths")) {
            static const char *const names[] = {"sgd",     "sgd_momentum", "nesterov", "adam",
                                                "rmsprop", "adagrad",      "nadam"};
            for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
                for (int o = 0; o < nopt; o++)
                    if (strcmp(opts[o]->name, names[k]) == 0) {
                        char name[128];
                        snprintf(name, sizeof name, "rosenbrock_%s.csv", names[k]);
                        outfile pf;
                        out_open(&pf, "paths", name);
                        fprintf(pf.f, "step,x,y\n");
                        run_one(PROB_ROSEN, opts[o], results[p][o].lrs[results[p][o].best].lr, 1,
                                NULL, pf.f);
                        out_finish(&pf);
                    }
        }
    }
    fprintf(J, "\n  ]");

    /* the compact table: steps (seconds) to target per optimizer and problem */
    outfile tab;
    out_open(&tab, NULL, "convergence_table.txt");
    fprintf(tab.f, "%-13s", "steps (s)");
    for (int p = 0; p < PROB_COUNT; p++)
        if (ran[p])
            fprintf(tab.f, " %24s", prob_names[p]);
    fprintf(tab.f, "\n");
    for (int o = 0; o < nopt; o++) {
        fprintf(tab.f, "%-13s", opts[o]->name);
        for (int p = 0; p < PROB_COUNT; p++)
            if (ran[p]) {
                const lr_summary *b = &results[p][o].lrs[results[p][o].best];
                char cell[64];
                if (b->steps == NEVER)
                    snprintf(cell, sizeof cell, "never");
                else
                    snprintf(cell, sizeof cell, "%.0f (%.2gs) lr %g", b->steps, b->seconds, b->lr);
                fprintf(tab.f, " %24s", cell);
            }
        fprintf(tab.f, "\n");
    }
    fprintf(tab.f, "%-13s", "fastest");
    for (int p = 0; p < PROB_COUNT; p++)
        if (ran[p]) {
            int f = -1;
            for (int o = 0; o < nopt; o++) {
                const lr_summary *b = &results[p][o].lrs[results[p][o].best];
                if (b->steps != NEVER &&
                    (f < 0 || b->seconds < results[p][f].lrs[results[p][f].best].seconds))
                    f = o;
            }
            fprintf(tab.f, " %24s", f >= 0 ? opts[f]->name : "none");
        }
    fprintf(tab.f, "\n");
    out_finish(&tab);

    /* full batch vs mini-batch vs SGD, plain SGD on linreg */
    if (wants(only, "batch")) {
        static const struct {
            const char *name;
            int batch;
        } bs[] = {{"full_batch_gd", 0}, {"minibatch_10", 10}, {"sgd_batch_1", 1}};
        const descent_linreg *lp = &linregs[0];
        fprintf(stderr, "descent-converge: batch sizes ...\n");
        fprintf(J, ",\n  \"batch_sizes\": {\n    \"problem\": \"linreg-2x1, plain SGD, target "
                   "full-data MSE <= 1.01 x optimum, cap %d epochs\",\n    \"results\": [",
                S.batch_epochs);
        fprintf(T, "\nBatch size (linreg-2x1, plain SGD, lr tuned, cap %d epochs)\n  %-14s %8s "
                   "%10s %10s %10s %9s\n", S.batch_epochs, "run", "best lr", "steps", "epochs",
                "seconds", "reached");
        for (size_t k = 0; k < sizeof bs / sizeof bs[0]; k++) {
            const int B = bs[k].batch ? bs[k].batch : lp->n;
            const long cap = (long)S.batch_epochs * ((lp->n + B - 1) / B);
            lr_summary best = {0}, cur;
            for (int g = 0; g < S.ngrid; g++) {
                run_result runs[16];
                for (int s = 0; s < S.seeds; s++)
                    runs[s] = run_linreg(&linregs[s], sgd, S.grid[g], bs[k].batch, cap,
                                         SCHED_CONSTANT, 1, 1, (unsigned long long)s + 1, NULL);
                summarize_lr(&cur, S.grid[g], runs, S.seeds);
                if (g == 0 || better(&cur, &best, 0))
                    best = cur;
            }
            char name[128];
            snprintf(name, sizeof name, "batch_%s.csv", bs[k].name);
            outfile cf;
            out_open(&cf, "curves", name);
            fprintf(cf.f, "step,epoch,seconds,loss,excess_loss\n");
            curve cv = {cf.f};
            run_linreg(lp, sgd, best.lr, bs[k].batch, cap, SCHED_CONSTANT, 1, 0, 1, &cv);
            out_finish(&cf);
            const double epochs = best.steps == NEVER ? NEVER : best.steps * B / lp->n;
            fprintf(J, "%s\n      {\"run\": \"%s\", \"batch\": %d, \"best_lr\": %g, "
                       "\"median_steps\": ", k ? "," : "", bs[k].name, B, best.lr);
            json_num(J, best.steps);
            fprintf(J, ", \"median_epochs\": ");
            json_num(J, epochs);
            fprintf(J, ", \"median_seconds\": ");
            json_num(J, best.seconds);
            fprintf(J, ", \"reached_seeds\": %d}", best.reached);
            char st[32], ep[32], se[32];
            fmt_steps(st, sizeof st, best.steps);
            fmt_sec(ep, sizeof ep, epochs);
            fmt_sec(se, sizeof se, best.seconds);
            fprintf(T, "  %-14s %8g %10s %10s %10s %6d/%-2d\n", bs[k].name, best.lr, st, ep, se,
                    best.reached, S.seeds);
        }
        fprintf(J, "\n    ]\n  }");
    }

    /* lr schedules, mini-batch SGD on linreg */
    if (wants(only, "schedules")) {
        const descent_linreg *lp = &linregs[0];
        const int B = 10, epochs = S.schedule_epochs;
        const long cap = (long)epochs * ((lp->n + B - 1) / B);
        const double lr0 = 0.1;
        fprintf(stderr, "descent-converge: schedules ...\n");
        fprintf(J, ",\n  \"schedules\": {\n    \"problem\": \"linreg-2x1, SGD batch %d, lr0 = %g, "
                   "%d epochs (T), lr set once per epoch\",\n    \"results\": [",
                B, lr0, epochs);
        fprintf(T, "\nLearning-rate schedules (linreg-2x1, SGD batch %d, lr0 %g, %d epochs)\n"
                   "  %-12s %10s %10s %14s\n", B, lr0, epochs, "schedule", "steps", "seconds",
                "final loss");
        for (int k = 0; k < SCHED_COUNT; k++) {
            run_result runs[16];
            for (int s = 0; s < S.seeds; s++)
                runs[s] = run_linreg(&linregs[s], sgd, lr0, B, cap, (sched_kind)k, epochs,
                                     0, (unsigned long long)s + 1, NULL);
            lr_summary m;
            summarize_lr(&m, lr0, runs, S.seeds);
            char name[128];
            snprintf(name, sizeof name, "schedule_%s.csv", sched_names[k]);
            outfile cf;
            out_open(&cf, "curves", name);
            fprintf(cf.f, "step,epoch,seconds,loss,excess_loss\n");
            curve cv = {cf.f};
            run_linreg(lp, sgd, lr0, B, cap, (sched_kind)k, epochs, 0, 1, &cv);
            out_finish(&cf);
            fprintf(J, "%s\n      {\"schedule\": \"%s\", \"lr\": \"%s\", \"median_steps\": ",
                    k ? "," : "", sched_names[k], sched_desc[k]);
            json_num(J, m.steps);
            fprintf(J, ", \"median_seconds\": ");
            json_num(J, m.seconds);
            fprintf(J, ", \"reached_seeds\": %d, \"median_final_loss\": ", m.reached);
            json_num(J, m.final);
            fprintf(J, ", \"optimum_loss\": %.9g}", lp->loss_at_solution);
            char st[32], se[32];
            fmt_steps(st, sizeof st, m.steps);
            fmt_sec(se, sizeof se, m.seconds);
            fprintf(T, "  %-12s %10s %10s %14.8g\n", sched_names[k], st, se, m.final);
        }
        fprintf(J, "\n    ]\n  }");
    }
    fprintf(J, ",\n  \"fmnist_note\": ");
    if (mnist_note)
        fprintf(J, "\"skipped: data not found\"");
    else
        fprintf(J, "null");
    fprintf(J, ",\n  \"wall_seconds\": %.3g\n}\n", descent_seconds() - t_start);
    out_finish(&js);
    out_finish(&sum);
    for (int s = 0; s < S.seeds; s++)
        descent_linreg_free(&linregs[s]);
    if (mn_ok) {
        descent_dataset_free(&mn_train);
        descent_dataset_free(&mn_test);
    }
    return descent_close_stdout("descent-converge") != 0 ? 2 : 0;
}
