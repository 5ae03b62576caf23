/* descent-converge: runs through descent_train, lr bracketing and the
 * statistics (bench/converge.h; the reports are bench/converge.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "converge.h"

struct scope S;
double grid_lo, grid_hi, grid_factor;

int set_scope(const char *name)
{
    if (strcmp(name, "quick") == 0)
        S = (struct scope){"quick", 2, 1, 1, 1e-2, 1e-1, 10, 1e-2, 1e-1, 10, 2000, 2000,
                           2500, 500, 1000, 2, 0.70, 20, 20, 2, 2};
    else if (strcmp(name, "default") == 0)
        S = (struct scope){"default", 5, 1, 0, 1e-3, 1, sqrt(10), 1e-4, 1, 10, 5000, 20000,
                           12000, 2000, 10000, 3, 0.81, 200, 100, 3, 3};
    else if (strcmp(name, "full") == 0)
        S = (struct scope){"full", 5, 2, 0, 1e-3, 1, sqrt(10), 1e-4, 1, sqrt(10), 10000, 50000,
                           60000, 5000, 10000, 10, 0.88, 200, 100, 5, 10};
    else
        return -1;
    return 0;
}

void die(const char *what)
{
    fprintf(stderr, "descent-converge: %s: %s\n", what, descent_last_error());
    exit(1);
}

/* ------------------------------------------------------------ one run */

/* A problem instance per seed where the seed draws data (linreg); one for
 * Rosenbrock and one for Fashion-MNIST (the seed draws only the weights). */
static descent_problem *linregs[MAX_SEEDS], *rosen, *mnist;
static const descent_mlp_shape mnist_shape = {.layers = 2, .sizes = {784, 128, 10},
                                              .activation = DESCENT_RELU,
                                              .loss = DESCENT_CROSS_ENTROPY};

/* The on_step observer: at each epoch end, the reported value (test
 * accuracy, full-data loss) against the target, and the curve row. */
typedef struct observer {
    const setting *s;
    descent_problem *prob;
    const float *params;
    double target;
    FILE *curve, *path;
    double loss_sum;
    long loss_n;
    int tuning; /* fmnist: the test split is not looked at while tuning */
    outcome *o;
} observer;

static int keep_row(long step)
{
    return step <= 100 || (step <= 1000 && step % 5 == 0) || step % 25 == 0;
}

static double full_loss(descent_problem *p, const float *params)
{
    const descent_train_problem *cb = descent_problem_callbacks(p);
    double loss = NAN;
    if (cb->loss_grad(cb->ctx, params, NULL, cb->n_examples, NULL, &loss) != DESCENT_OK)
        return NAN;
    return loss;
}

static int observe(void *ctx, const descent_train_row *row)
{
    observer *ob = ctx;
    if (!row->took)
        return 0;
    ob->loss_sum += row->loss, ob->loss_n++;
    if (ob->path && (row->step <= 200 || row->step % 10 == 0))
        fprintf(ob->path, "%ld,%.7g,%.7g\n", row->step, ob->params[0], ob->params[1]);
    const int mn = ob->s->prob == P_MNIST;
    if (!row->epoch_end || (mn && ob->tuning))
        return 0;
    const double value = mn ? descent_problem_test_metric(ob->prob, ob->params)
                            : full_loss(ob->prob, ob->params);
    const int hit = mn ? value >= ob->target : value <= ob->target;
    ob->o->final = value;
    if (mn && row->epoch <= MAX_EPOCHS_KEPT)
        ob->o->per_epoch[row->epoch - 1] = value;
    if (ob->curve && (mn || keep_row(row->step) || hit)) {
        double opt = 0;
        fprintf(ob->curve, "%ld,%ld,%.6g,%.9g", row->step, row->epoch, row->seconds,
                mn ? ob->loss_sum / ob->loss_n : value);
        if (mn)
            fprintf(ob->curve, ",%.6g", value);
        else if (descent_problem_optimum(ob->prob, &opt) && ob->s->prob == P_LINREG)
            fprintf(ob->curve, ",%.6g", value - opt);
        fputc('\n', ob->curve);
    }
    ob->loss_sum = 0, ob->loss_n = 0;
    if (hit && ob->o->steps == NEVER) {
        ob->o->epochs = (double)row->epoch, ob->o->steps = (double)row->step;
        ob->o->seconds = row->seconds;
    }
    return hit && ob->s->stop_at_target;
}

/* Rosenbrock's start moved by up to +-0.05 per coordinate for seeds > 1
 * (splitmix64 of the seed: the move only has to be fixed per seed). */
static void jitter_start(float *p, int seed)
{
    unsigned long long z = (unsigned long long)seed * 0x9e3779b97f4a7c15ULL;
    for (int k = 0; k < 2; k++) {
        z += 0x9e3779b97f4a7c15ULL;
        unsigned long long x = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        p[k] += (float)(0.1 * ((double)((x ^ (x >> 31)) >> 11) / 9007199254740992.0 - 0.5));
    }
}

static double target_of(int prob, descent_problem *p)
{
    double opt = 0;
    if (prob == P_MNIST)
        return S.mnist_target;
    descent_problem_optimum(p, &opt);
    return prob == P_LINREG ? 1.01 * opt : 1e-4;
}

outcome run_one(const setting *s, double lr, int seed, int tuning, FILE *curve,
                FILE *path)
{
    descent_problem *p = s->prob == P_LINREG ? linregs[seed - 1]
                         : s->prob == P_ROSEN ? rosen : mnist;
    const descent_train_problem *cb = descent_problem_callbacks(p);
    float *params = malloc(cb->n_params * sizeof *params);
    if (!params)
        die("out of memory");
    if (s->prob == P_MNIST ? descent_mlp_init_params(&mnist_shape, params,
                                                     (unsigned long long)seed)
                           : descent_problem_init_params(p, params))
        die("initial parameters");
    if (s->prob == P_ROSEN && seed > 1)
        jitter_start(params, seed);
    outcome o = {NEVER, NEVER, NEVER, NAN, NAN, {0}};
    for (int e = 0; e < MAX_EPOCHS_KEPT; e++)
        o.per_epoch[e] = NAN;
    observer ob = {s, p, params, target_of(s->prob, p), curve, path, 0, 0, tuning, &o};
    descent_train_config c;
    descent_train_config_default(s->opt->kind, &c);
    if (bench_optim_hparams(s->opt, &c.h) != DESCENT_OK)
        die(s->opt->name);
    c.h.lr = lr; /* the configuration's own lr is what the grid replaces */
    c.threads = 1, c.batch = s->batch, c.seed = (unsigned long long)seed;
    c.epochs = s->epochs; /* metric_every 0: the validation accuracy at the end only */
    c.schedule = s->schedule, c.schedule_args = s->schedule_args, c.schedule_unit = s->unit;
    c.param_dtype = s->param_dtype, c.state_dtype = s->state_dtype;
    c.stochastic_rounding = s->stochastic_rounding;
    c.on_step = observe, c.ctx = &ob;
    if (curve)
        fprintf(curve, s->prob == P_MNIST    ? "step,epoch,seconds,train_loss,test_acc\n"
                       : s->prob == P_LINREG ? "step,epoch,seconds,loss,excess_loss\n"
                                             : "step,epoch,seconds,loss\n");
    if (path)
        fprintf(path, "step,x,y\n0,%.7g,%.7g\n", params[0], params[1]);
    descent_train_result r;
    if (descent_train(cb, &c, params, &r) != DESCENT_OK)
        die("descent_train");
    o.select = r.metric; /* fmnist: validation accuracy; NAN elsewhere */
    if (r.stop == DESCENT_STOP_DIVERGED || !isfinite(o.final))
        o.final = s->prob == P_MNIST ? o.final : NAN;
    free(params);
    return o;
}

/* ------------------------------------------------------------- statistics */

spread spread_of(double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (isnan(v[i]))
            v[i] = INFINITY;
    spread s;
    s.median = descent_median(v, (size_t)n); /* sorts v */
    s.min = v[0], s.max = v[n - 1];
    return s;
}

spread accuracy_spread(double *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = -v[i]; /* NAN stays NAN: +inf in spread_of, the worst accuracy */
    const spread s = spread_of(v, n);
    return (spread){-s.median, -s.max, -s.min};
}

/* ------------------------------------------------------------------ tuning */

/* Lower is better: steps to target (tie: final loss), or for fmnist minus
 * the validation accuracy (tie: seconds). */
static void score_lr(const setting *s, double lr, double *score, double *tie)
{
    double a[MAX_SEEDS], b[MAX_SEEDS];
    for (int k = 0; k < S.tune_seeds; k++) {
        outcome o = run_one(s, lr, k + 1, 1, NULL, NULL);
        if (s->prob == P_MNIST)
            a[k] = isnan(o.select) ? INFINITY : -o.select, b[k] = o.seconds;
        else
            a[k] = o.steps, b[k] = o.final;
    }
    *score = spread_of(a, S.tune_seeds).median;
    *tie = spread_of(b, S.tune_seeds).median;
}

static void add_lr(tuned *t, const setting *s, int at, double lr)
{
    memmove(&t->lr[at + 1], &t->lr[at], (size_t)(t->n - at) * sizeof t->lr[0]);
    memmove(&t->score[at + 1], &t->score[at], (size_t)(t->n - at) * sizeof t->score[0]);
    memmove(&t->tie[at + 1], &t->tie[at], (size_t)(t->n - at) * sizeof t->tie[0]);
    t->lr[at] = lr;
    t->n++;
    score_lr(s, lr, &t->score[at], &t->tie[at]);
}

static int best_of(const tuned *t)
{
    int b = 0;
    for (int i = 1; i < t->n; i++)
        if (t->score[i] < t->score[b] || (t->score[i] == t->score[b] && t->tie[i] < t->tie[b]))
            b = i;
    return b;
}

/* The grid LO .. HI, then widened past the edge that holds the best. */
static void tune(const setting *s, tuned *t)
{
    const int mn = s->prob == P_MNIST;
    const double f = grid_factor ? grid_factor : mn ? S.mnist_factor : S.factor;
    const double lo = grid_lo ? grid_lo : mn ? S.mnist_lo : S.lo;
    const double hi = grid_hi ? grid_hi : mn ? S.mnist_hi : S.hi;
    memset(t, 0, sizeof *t);
    for (double lr = lo; lr <= hi * 1.0001 && t->n < MAX_LRS; lr *= f)
        add_lr(t, s, t->n, lr);
    for (;;) {
        t->best = best_of(t);
        if (t->best > 0 && t->best < t->n - 1) {
            t->bracketed = 1;
            return;
        }
        const int low = t->best == 0;
        const double lr = low ? t->lr[0] / f : t->lr[t->n - 1] * f;
        if (t->n == MAX_LRS || lr < LR_MIN || lr > LR_MAX)
            return;
        add_lr(t, s, low ? 0 : t->n, lr);
        *(low ? &t->widened_low : &t->widened_high) += 1;
    }
}

void evaluate(const setting *s, report *r, FILE *curve, FILE *path)
{
    double ep[MAX_SEEDS], se[MAX_SEEDS], fi[MAX_SEEDS];
    tune(s, &r->t);
    r->reached = 0;
    for (int k = 0; k < S.seeds; k++) {
        outcome o = run_one(s, r->t.lr[r->t.best], k + 1, 0, k ? NULL : curve,
                            k ? NULL : path);
        ep[k] = o.epochs, se[k] = o.seconds, fi[k] = o.final;
        r->reached += o.steps != NEVER;
    }
    r->epochs = spread_of(ep, S.seeds);
    r->seconds = spread_of(se, S.seeds);
    r->final = s->prob == P_MNIST ? accuracy_spread(fi, S.seeds) : spread_of(fi, S.seeds);
}


const char *load_problems(const char *data_dir, int with_mnist)
{
    /* .isa: a zeroed spec would be DESCENT_ISA_SCALAR, the slow reference */
    descent_problem_spec spec = {.name = "linreg-2x1", .isa = DESCENT_ISA_BEST, .threads = 1};
    for (int s = 0; s < S.seeds; s++) {
        spec.seed = (unsigned long long)s + 1;
        if (descent_problem_create(&spec, &linregs[s]) != DESCENT_OK)
            die("linreg");
    }
    spec = (descent_problem_spec){.name = "rosenbrock", .seed = 1, .isa = DESCENT_ISA_BEST,
                                  .threads = 1};
    if (descent_problem_create(&spec, &rosen) != DESCENT_OK)
        die("rosenbrock");
    if (!with_mnist)
        return NULL;
    spec = (descent_problem_spec){.name = "fashion-mnist", .seed = 1, .data_dir = data_dir,
                                  .activation = DESCENT_RELU, .standardize = 1,
                                  .train_limit = S.mnist_train, .validation = S.mnist_val,
                                  .test_limit = S.mnist_test, .metric_on_validation = 1,
                                  .isa = DESCENT_ISA_BEST, .threads = 1};
    if (descent_problem_create(&spec, &mnist) != DESCENT_OK) {
        fprintf(stderr, "descent-converge: Fashion-MNIST skipped: %s\n", descent_last_error());
        return "skipped: data not found";
    }
    return NULL;
}


int have_mnist(void)
{
    return mnist != NULL;
}

void free_problems(void)
{
    for (int s = 0; s < MAX_SEEDS; s++)
        descent_problem_free(linregs[s]);
    descent_problem_free(rosen);
    descent_problem_free(mnist);
}
