/*
 * descent-converge — time-to-result benchmarks (DeepOBS / AlgoPerf style),
 * every run through the library's one training loop, descent_train(), on
 * its built-in problems (descent_problem_create) and schedules.
 *
 *   descent-converge [--scope quick|default|full] [--out DIR] [--data DIR]
 *                    [--only NAME[,NAME...]] [--lr-grid LO,HI[,FACTOR]]
 *
 * Problems:
 *   linreg      linreg-2x1, full batch; target: full-data loss <= 1.01 x
 *               the least-squares optimum; the seed draws the data and the
 *               initial weights.  The lr is chosen on steps to target.
 *   rosenbrock  from (-1.5, 2) (seed 1) or that point moved by up to +-0.05
 *               (other seeds); target f < 1e-4; chosen on steps to target.
 *   fmnist      Fashion-MNIST 784-128-10 ReLU, batch 64, standardized with
 *               the training part's statistics; the last V training images
 *               are a held-out validation split.  The lr is chosen on the
 *               final validation accuracy; the test split is only reported:
 *               test accuracy after every epoch, epochs to the target.
 * lr: a log grid (LO .. HI, ratio FACTOR) widened by one point at a time
 * past whichever edge holds the best lr until the best is interior
 * ("widened" in the summary and JSON; "bracketed": false if the limits
 * 1e-7 .. 1e3 or 16 points stopped it).  Tuning uses the scope's tuning
 * seeds; then every seed 1..N runs at the chosen lr and the report gives
 * median, min and max.  A miss (budget spent, or diverged) is never (+inf,
 * null in the JSON).  Seconds: gradient and optimizer work only, one thread.
 * Also: full batch vs mini-batch 10 vs SGD (batch 1) on linreg (plain SGD,
 * lr bracketed the same way), lr schedules side by side (linreg, SGD
 * batch 10) through descent_train's schedule fields, and mixed precision:
 * fmnist with Adam at its fmnist lr, the parameters (bf16, fp16) and the
 * state (bf16) kept at 16 bits through descent_train's param_dtype /
 * state_dtype (bf16 parameters also rounded stochastically:
 * stochastic_rounding), next to fp32 on the same seeds.
 *
 * Output (DIR, default results), each file whole or not at all
 * (descent_outfile): convergence.json, convergence_summary.txt,
 * convergence_table.txt, curves/<problem>_<optimizer>.csv (chosen lr, seed
 * 1, a row per epoch), curves/batch_<run>.csv, curves/schedule_<name>.csv,
 * curves/precision_<run>.csv,
 * curves/lrsens_<problem>_<optimizer>.csv (lr, the selection value),
 * paths/rosenbrock_<optimizer>.csv.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "converge.h"

static const char *const prob_names[P_COUNT] = {"linreg", "rosenbrock", "fmnist"};

/* ---------------------------------------------------------------- files */

static char out_dir[4096] = "results";

typedef struct outfile {
    descent_outfile *file;
    FILE *f;
} outfile;

/* DIR[/sub]/name through descent_outfile: a file that cannot be written
 * ends the run with status 2 (the writer removes its temporaries). */
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
    if (descent_outfile_commit(o->file) != DESCENT_OK) {
        fprintf(stderr, "descent-converge: %s\n", descent_last_error());
        exit(2);
    }
    o->file = NULL, o->f = NULL;
}
/* ----------------------------------------------------------------- reports */

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

static void json_spread(FILE *f, const char *name, const spread *s)
{
    fprintf(f, ", \"%s\": {\"median\": ", name);
    json_num(f, s->median);
    fputs(", \"min\": ", f);
    json_num(f, s->min);
    fputs(", \"max\": ", f);
    json_num(f, s->max);
    fputc('}', f);
}

static void cell(char *buf, size_t size, const spread *s, const char *fmt)
{
    char a[3][24];
    const double v[3] = {s->median, s->min, s->max};
    for (int i = 0; i < 3; i++)
        if (isfinite(v[i]))
            snprintf(a[i], sizeof a[i], fmt, v[i]);
        else
            snprintf(a[i], sizeof a[i], "never");
    snprintf(buf, size, "%s [%s..%s]", a[0], a[1], a[2]);
}

/* "-" (the starting grid bracketed it), "-N" / "+M" / "-N+M" (points added
 * below / above; "%.0d" prints nothing for 0), " edge" when not bracketed. */
static const char *widen_note(const tuned *t, char *buf, size_t size)
{
    if (!t->widened_low && !t->widened_high)
        snprintf(buf, size, "%s", t->bracketed ? "-" : "edge");
    else
        snprintf(buf, size, "%.0d%s%.0d%s", -t->widened_low, t->widened_high ? "+" : "",
                 t->widened_high, t->bracketed ? "" : " edge");
    return buf;
}

/* Tunes s, runs every seed at the chosen lr (seed 1 writes the curve). */
static void json_report(FILE *J, const report *r)
{
    const tuned *t = &r->t;
    fprintf(J, "\"best_lr\": %g, \"bracketed\": %s, \"widened\": %s, "
               "\"widened_low\": %d, \"widened_high\": %d, \"lr_grid\": [",
            t->lr[t->best], t->bracketed ? "true" : "false",
            t->widened_low + t->widened_high ? "true" : "false", t->widened_low,
            t->widened_high);
    for (int i = 0; i < t->n; i++)
        fprintf(J, "%s%g", i ? ", " : "", t->lr[i]);
    fputs("], \"lr_score\": [", J);
    for (int i = 0; i < t->n; i++) {
        fputs(i ? ", " : "", J);
        json_num(J, t->score[i]);
    }
    fprintf(J, "], \"seeds\": %d, \"reached_seeds\": %d", S.seeds, r->reached);
    json_spread(J, "epochs_to_target", &r->epochs);
    json_spread(J, "seconds_to_target", &r->seconds);
    json_spread(J, "final", &r->final);
}

static void text_row(FILE *T, const char *name, const report *r, const char *ffmt)
{
    char e[96], s[96], f[96], w[32];
    cell(e, sizeof e, &r->epochs, "%.0f");
    cell(s, sizeof s, &r->seconds, "%.3g");
    cell(f, sizeof f, &r->final, ffmt);
    fprintf(T, "  %-14s %9.3g %-8s %-20s %-26s %5d/%-2d %s\n", name, r->t.lr[r->t.best],
            widen_note(&r->t, w, sizeof w), e, s, r->reached, S.seeds, f);
}

static void text_header(FILE *T)
{
    fprintf(T, "  %-14s %9s %-8s %-20s %-26s %8s %s\n", "run", "lr", "widened",
            "epochs [min..max]", "seconds [min..max]", "reached", "final [min..max]");
}

/* --------------------------------------------------------------- sections */

static const char *const only_names[] = {"linreg", "rosenbrock", "fmnist", "batch",
                                         "schedules", "paths", "precision"};
static const char *only;

static int wants(const char *name)
{
    if (only == NULL)
        return 1;
    const size_t len = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += len)
        if ((p == only || p[-1] == ',') && (p[len] == '\0' || p[len] == ','))
            return 1;
    return 0;
}

static void describe_target(int p, char *buf, size_t size)
{
    if (p == P_LINREG)
        snprintf(buf, size, "linreg-2x1, full batch: full-data loss <= 1.01 x least-squares "
                            "optimum within %ld steps; lr chosen on steps to target",
                 S.linreg_cap);
    else if (p == P_ROSEN)
        snprintf(buf, size, "Rosenbrock from (-1.5, 2) (+-0.05 for seeds > 1): f < 1e-4 within "
                            "%ld steps; lr chosen on steps to target", S.rosen_cap);
    else
        snprintf(buf, size, "Fashion-MNIST 784-128-10 relu, batch 64, %ld train / %ld "
                            "validation / %ld test images, %ld epochs: test accuracy >= %.2f "
                            "(checked every epoch); lr chosen on final validation accuracy",
                 S.mnist_train - S.mnist_val, S.mnist_val, S.mnist_test, S.mnist_epochs,
                 S.mnist_target);
}

static void write_lrsens(int p, const char *opt, const tuned *t)
{
    char name[128];
    outfile f;
    snprintf(name, sizeof name, "lrsens_%s_%s.csv", prob_names[p], opt);
    out_open(&f, "curves", name);
    fprintf(f.f, "lr,%s\n", p == P_MNIST ? "validation_accuracy" : "steps_to_target");
    for (int i = 0; i < t->n; i++)
        if (isfinite(t->score[i]))
            fprintf(f.f, "%g,%.6g\n", t->lr[i], p == P_MNIST ? -t->score[i] : t->score[i]);
    out_finish(&f);
}

static report results[P_COUNT][BENCH_MAX_CONFIGS];

static void problem_section(FILE *J, FILE *T, int p, const bench_optim_config **opts, int nopt,
                            int *first)
{
    char target[320];
    describe_target(p, target, sizeof target);
    fprintf(stderr, "descent-converge: %s ...\n", prob_names[p]);
    fprintf(J, "%s\n    {\"name\": \"%s\", \"target\": \"%s\",\n", *first ? "" : ",",
            prob_names[p], target);
    if (p == P_MNIST)
        fprintf(J, "     \"selection_split\": \"validation\", \"selection_metric\": "
                   "\"validation_accuracy\", \"validation_images\": %ld,\n"
                   "     \"report_split\": \"test\", \"report_metric\": \"test_accuracy\", "
                   "\"test_images\": %ld, \"train_images\": %ld, \"budget_epochs\": %ld,\n",
                S.mnist_val, S.mnist_test, S.mnist_train - S.mnist_val, S.mnist_epochs);
    else
        fprintf(J, "     \"selection_split\": \"train\", \"selection_metric\": "
                   "\"steps_to_target\", \"report_metric\": \"final_loss\",\n");
    fputs("     \"results\": [", J);
    *first = 0;
    fprintf(T, "\n%s: %s\n", prob_names[p], target);
    text_header(T);
    const double t0 = descent_seconds();
    for (int o = 0; o < nopt; o++) {
        report *r = &results[p][o];
        const setting s = {p, opts[o], p == P_MNIST ? 64 : 0,
                           p == P_LINREG ? S.linreg_cap : p == P_ROSEN ? S.rosen_cap
                                                                      : S.mnist_epochs,
                           NULL, NULL, DESCENT_PER_EPOCH, p != P_MNIST, DESCENT_FP32,
                           DESCENT_FP32, 0};
        char name[128];
        outfile cf, pf;
        snprintf(name, sizeof name, "%s_%s.csv", prob_names[p], opts[o]->name);
        out_open(&cf, "curves", name);
        const int paths = p == P_ROSEN && wants("paths");
        if (paths) {
            snprintf(name, sizeof name, "rosenbrock_%s.csv", opts[o]->name);
            out_open(&pf, "paths", name);
        }
        evaluate(&s, r, cf.f, paths ? pf.f : NULL);
        out_finish(&cf);
        if (paths)
            out_finish(&pf);
        write_lrsens(p, opts[o]->name, &r->t);
        fprintf(J, "%s\n       {\"optimizer\": \"%s\", ", o ? "," : "", opts[o]->name);
        json_report(J, r);
        fputc('}', J);
        text_row(T, opts[o]->name, r, p == P_MNIST ? "%.4f" : "%.4g");
    }
    fprintf(J, "\n     ], \"wall_seconds\": %.3g}", descent_seconds() - t0);
}

static void batch_section(FILE *J, FILE *T, const bench_optim_config *sgd)
{
    static const struct {
        const char *name;
        long batch;
    } bs[] = {{"full_batch_gd", 0}, {"minibatch_10", 10}, {"sgd_batch_1", 1}};
    fprintf(stderr, "descent-converge: batch sizes ...\n");
    fprintf(J, ",\n  \"batch_sizes\": {\"problem\": \"linreg-2x1, plain SGD, full-data loss <= "
               "1.01 x optimum within %ld epochs\", \"results\": [", S.batch_epochs);
    fprintf(T, "\nBatch size: linreg-2x1, plain SGD, lr bracketed, %ld epochs at most; "
               "median [min..max] over %d seeds\n", S.batch_epochs, S.seeds);
    text_header(T);
    for (size_t k = 0; k < sizeof bs / sizeof bs[0]; k++) {
        const setting s = {P_LINREG, sgd, bs[k].batch, S.batch_epochs, NULL, NULL,
                           DESCENT_PER_EPOCH, 1, DESCENT_FP32, DESCENT_FP32, 0};
        char name[128];
        outfile cf;
        report r;
        snprintf(name, sizeof name, "batch_%s.csv", bs[k].name);
        out_open(&cf, "curves", name);
        evaluate(&s, &r, cf.f, NULL);
        out_finish(&cf);
        fprintf(J, "%s\n    {\"run\": \"%s\", \"batch\": %ld, ", k ? "," : "", bs[k].name,
                bs[k].batch);
        json_report(J, &r);
        fputc('}', J);
        text_row(T, bs[k].name, &r, "%.6g");
    }
    fputs("\n  ]}", J);
}

static void schedule_section(FILE *J, FILE *T, const bench_optim_config *sgd)
{
    static const struct {
        const char *name, *args;
        descent_train_unit unit;
    } sc[] = {{"constant", "", DESCENT_PER_EPOCH},
              {"step_lr", "step_size=10 gamma=0.5", DESCENT_PER_EPOCH},
              {"exponential_lr", "gamma=0.95", DESCENT_PER_EPOCH},
              {"cosine_annealing_lr", "", DESCENT_PER_EPOCH},
              /* plain SGD: no momentum to cycle (and a momentum set on an SGD
               * created without one has no buffer: see the report) */
              {"one_cycle_lr", "max_lr=0.1 cycle_momentum=0", DESCENT_PER_STEP},
              {"sequential_linear_cosine", "start_factor=0.1 warmup_iters=5",
               DESCENT_PER_EPOCH}};
    const double lr0 = 0.1;
    fprintf(stderr, "descent-converge: schedules ...\n");
    fprintf(J, ",\n  \"schedules\": {\"problem\": \"linreg-2x1, SGD batch 10, lr %g, %ld "
               "epochs (the schedules' horizon)\", \"results\": [", lr0, S.schedule_epochs);
    fprintf(T, "\nLearning-rate schedules: linreg-2x1, SGD batch 10, lr %g, %ld epochs; "
               "median [min..max] over %d seeds; final: full-data loss\n",
            lr0, S.schedule_epochs, S.seeds);
    fprintf(T, "  %-26s %-9s %-20s %-26s %s\n", "schedule", "unit", "epochs [min..max]",
            "seconds [min..max]", "final loss [min..max]");
    for (size_t k = 0; k < sizeof sc / sizeof sc[0]; k++) {
        const setting s = {P_LINREG, sgd, 10, S.schedule_epochs, sc[k].name, sc[k].args,
                           sc[k].unit, 0, DESCENT_FP32, DESCENT_FP32, 0};
        double ep[MAX_SEEDS], se[MAX_SEEDS], fi[MAX_SEEDS];
        int reached = 0;
        char name[128], e[96], sec[96], f[96];
        outfile cf;
        snprintf(name, sizeof name, "schedule_%s.csv", sc[k].name);
        out_open(&cf, "curves", name);
        for (int i = 0; i < S.seeds; i++) {
            outcome o = run_one(&s, lr0, i + 1, 0, i ? NULL : cf.f, NULL);
            ep[i] = o.epochs, se[i] = o.seconds, fi[i] = o.final;
            reached += o.steps != NEVER;
        }
        out_finish(&cf);
        spread es = spread_of(ep, S.seeds), ss = spread_of(se, S.seeds);
        spread fs = spread_of(fi, S.seeds);
        const char *unit = sc[k].unit == DESCENT_PER_STEP ? "per step" : "per epoch";
        fprintf(J, "%s\n    {\"schedule\": \"%s\", \"args\": \"%s\", \"unit\": \"%s\", "
                   "\"lr\": %g, \"reached_seeds\": %d", k ? "," : "", sc[k].name, sc[k].args,
                unit, lr0, reached);
        json_spread(J, "epochs_to_target", &es);
        json_spread(J, "seconds_to_target", &ss);
        json_spread(J, "final_loss", &fs);
        fputc('}', J);
        cell(e, sizeof e, &es, "%.0f");
        cell(sec, sizeof sec, &ss, "%.3g");
        cell(f, sizeof f, &fs, "%.6g");
        fprintf(T, "  %-26s %-9s %-20s %-26s %s\n", sc[k].name, unit, e, sec, f);
    }
    fputs("\n  ]}", J);
}

/* Adam on fmnist at the lr the fmnist tuning chose in fp32 (not retuned),
 * with the parameters and the optimizer state kept at 16-bit precision
 * (descent_train's param_dtype / state_dtype: fp32 math, rounded to nearest
 * even after every step, or for the _sr run's bf16 parameters
 * stochastically: stochastic_rounding) next to fp32 itself, on the same
 * seeds, so that the differences are paired: the same initial weights and
 * shuffles. */
static const struct precision_run {
    const char *name;
    descent_dtype param, state;
    int stochastic_rounding;
} precision_runs[] = {{"fp32", DESCENT_FP32, DESCENT_FP32, 0},
                      {"bf16_params", DESCENT_BF16, DESCENT_FP32, 0},
                      {"bf16_params_state", DESCENT_BF16, DESCENT_BF16, 0},
                      {"fp16_params", DESCENT_FP16, DESCENT_FP32, 0},
                      {"bf16_params_sr", DESCENT_BF16, DESCENT_FP32, 1}};
enum { N_PRECISION = sizeof precision_runs / sizeof precision_runs[0] };

/* Test accuracy per seed (the runs' final and per-epoch values). */
typedef struct precision_result {
    double final[MAX_SEEDS], epoch[MAX_EPOCHS_KEPT][MAX_SEEDS];
} precision_result;

static void precision_runs_of(const setting *s, double lr, precision_result *r, FILE *curve)
{
    for (int k = 0; k < S.precision_seeds; k++) {
        const outcome o = run_one(s, lr, k + 1, 0, k ? NULL : curve, NULL);
        r->final[k] = o.final;
        for (long e = 0; e < s->epochs; e++)
            r->epoch[e][k] = o.per_epoch[e];
    }
}

/* Accuracy spread of seeds' values v (copied: accuracy_spread sorts). */
static spread seeds_spread(const double *v)
{
    double c[MAX_SEEDS];
    memcpy(c, v, sizeof c);
    return accuracy_spread(c, S.precision_seeds);
}

/* 100 x (a - b) per seed, paired by seed: median, min and max (NAN: none). */
static spread points_minus(const double *a, const double *b)
{
    double d[MAX_SEEDS];
    for (int k = 0; k < S.precision_seeds; k++)
        d[k] = 100 * (a[k] - b[k]);
    for (int k = 0; k < S.precision_seeds; k++)
        if (!isfinite(d[k]))
            return (spread){NAN, NAN, NAN};
    return spread_of(d, S.precision_seeds);
}

static void json_precision_row(FILE *J, const struct precision_run *run, long epochs,
                               const precision_result *r, const precision_result *fp32)
{
    spread per[MAX_EPOCHS_KEPT], base[MAX_EPOCHS_KEPT];
    for (long e = 0; e < epochs; e++)
        per[e] = seeds_spread(r->epoch[e]), base[e] = seeds_spread(fp32->epoch[e]);
    fprintf(J, "\n    {\"run\": \"%s\", \"param_dtype\": \"%s\", \"state_dtype\": \"%s\", "
               "\"stochastic_rounding\": %s",
            run->name, descent_dtype_name(run->param), descent_dtype_name(run->state),
            run->stochastic_rounding ? "true" : "false");
    const spread fin = seeds_spread(r->final), fin32 = seeds_spread(fp32->final);
    json_spread(J, "final_test_accuracy", &fin);
    fputs(", \"final_minus_fp32_points\": ", J);
    json_num(J, 100 * (fin.median - fin32.median));
    const spread paired = points_minus(r->final, fp32->final);
    json_spread(J, "final_minus_fp32_points_paired", &paired);
    static const char *const key[3] = {"median", "min", "max"};
    fputs(", \"test_accuracy_per_epoch\": {", J);
    for (int q = 0; q < 3; q++) {
        fprintf(J, "%s\"%s\": [", q ? ", " : "", key[q]);
        for (long e = 0; e < epochs; e++) {
            const double v[3] = {per[e].median, per[e].min, per[e].max};
            fputs(e ? ", " : "", J);
            json_num(J, v[q]);
        }
        fputc(']', J);
    }
    fputs("}, \"per_epoch_minus_fp32_points\": [", J);
    for (long e = 0; e < epochs; e++) {
        fputs(e ? ", " : "", J);
        json_num(J, 100 * (per[e].median - base[e].median));
    }
    fputs("]}", J);
}

static void text_precision_row(FILE *T, const struct precision_run *run, long epochs,
                               const precision_result *r, const precision_result *fp32)
{
    char f[96], d[96];
    const spread fin = seeds_spread(r->final), fin32 = seeds_spread(fp32->final);
    const spread paired = points_minus(r->final, fp32->final);
    cell(f, sizeof f, &fin, "%.4f");
    if (isfinite(fin.median - fin32.median) && isfinite(paired.min))
        snprintf(d, sizeof d, "%+.2f [%+.2f..%+.2f]", 100 * (fin.median - fin32.median),
                 paired.min, paired.max);
    else
        snprintf(d, sizeof d, "n/a");
    fprintf(T, "  %-18s %-6s %-6s %-24s %-21s", run->name, descent_dtype_name(run->param),
            descent_dtype_name(run->state), f, d);
    for (long e = 0; e < epochs; e++) {
        const spread s = seeds_spread(r->epoch[e]);
        if (isfinite(s.median))
            fprintf(T, " %.4f", s.median);
        else
            fputs(" never", T);
    }
    fputc('\n', T);
}

/* adam: the fmnist section's report (NULL when it did not run: then Adam is
 * tuned here the same way, without writing its files). */
static void precision_section(FILE *J, FILE *T, const bench_optim_config *adam,
                              const report *adam_fmnist)
{
    const double t0 = descent_seconds();
    fprintf(stderr, "descent-converge: precision ...\n");
    setting s = {P_MNIST, adam, 64, S.precision_epochs, NULL, NULL, DESCENT_PER_EPOCH, 0,
                 DESCENT_FP32, DESCENT_FP32, 0};
    report tuned_here;
    if (!adam_fmnist) {
        s.epochs = S.mnist_epochs; /* the fmnist section's setting */
        evaluate(&s, &tuned_here, NULL, NULL);
        adam_fmnist = &tuned_here;
        s.epochs = S.precision_epochs;
    }
    const double lr = adam_fmnist->t.lr[adam_fmnist->t.best];
    static precision_result res[N_PRECISION];
    for (int k = 0; k < N_PRECISION; k++) {
        char name[128];
        outfile cf;
        s.param_dtype = precision_runs[k].param, s.state_dtype = precision_runs[k].state;
        s.stochastic_rounding = precision_runs[k].stochastic_rounding;
        snprintf(name, sizeof name, "precision_%s.csv", precision_runs[k].name);
        out_open(&cf, "curves", name);
        precision_runs_of(&s, lr, &res[k], cf.f);
        out_finish(&cf);
    }
    const long epochs = s.epochs; /* <= MAX_EPOCHS_KEPT (the scopes') */
    fprintf(J, ",\n  \"precision\": {\"problem\": \"Fashion-MNIST 784-128-10 relu, batch 64, "
               "%ld train / %ld test images, %ld epochs\", \"optimizer\": \"adam\", \"lr\": %g, "
               "\"lr_from\": \"the fmnist section's Adam tuning (fp32), not retuned\", "
               "\"math\": \"fp32\", \"rounding\": \"nearest even after every step, except "
               "a stochastic_rounding run's parameters (stochastic, seeded by the run's seed)\", "
               "\"seeds\": %d, \"epochs\": %ld,\n   \"metric\": \"test_accuracy\", "
               "\"minus_fp32\": \"accuracy points, 100 x (median - fp32's median); paired: "
               "per seed (same initial weights and shuffles)\",\n   \"results\": [",
            S.mnist_train - S.mnist_val, S.mnist_test, epochs, lr, S.precision_seeds, epochs);
    char fewer[64] = "";
    if (S.precision_seeds < S.seeds)
        snprintf(fewer, sizeof fewer, " (%d of the %d seeds above, to keep it cheap)",
                 S.precision_seeds, S.seeds);
    fprintf(T, "\nMixed precision: fmnist as above, Adam at lr %g (the fp32 choice above, "
               "not retuned), %ld epochs, seeds 1..%d%s;\nparameters / optimizer state kept "
               "at that precision (fp32 math, rounded to nearest even every step; _sr: the "
               "parameters stochastically); test accuracy median [min..max];\nvs fp32: "
               "median minus fp32's median, in accuracy points [paired per seed min..max]\n",
            lr, epochs, S.precision_seeds, fewer);
    fprintf(T, "  %-18s %-6s %-6s %-24s %-21s %s\n", "run", "params", "state",
            "final [min..max]", "vs fp32 (points)", "median per epoch");
    for (int k = 0; k < N_PRECISION; k++) {
        fputs(k ? "," : "", J);
        json_precision_row(J, &precision_runs[k], epochs, &res[k], &res[0]);
        text_precision_row(T, &precision_runs[k], epochs, &res[k], &res[0]);
    }
    fprintf(J, "\n  ], \"wall_seconds\": %.3g}", descent_seconds() - t0);
}

/* The compact table summary.sh prints: epochs (seconds) to target. */
static void write_table(const int *ran, const bench_optim_config **opts, int nopt)
{
    outfile tab;
    out_open(&tab, NULL, "convergence_table.txt");
    fprintf(tab.f, "%-13s", "epochs (s)");
    for (int p = 0; p < P_COUNT; p++)
        if (ran[p])
            fprintf(tab.f, " %26s", prob_names[p]);
    fputc('\n', tab.f);
    for (int o = 0; o < nopt; o++) {
        fprintf(tab.f, "%-13s", opts[o]->name);
        for (int p = 0; p < P_COUNT; p++)
            if (ran[p]) {
                const report *r = &results[p][o];
                char c[64];
                if (!isfinite(r->epochs.median))
                    snprintf(c, sizeof c, "never (lr %.3g)", r->t.lr[r->t.best]);
                else
                    snprintf(c, sizeof c, "%.0f (%.2gs) lr %.3g", r->epochs.median,
                             r->seconds.median, r->t.lr[r->t.best]);
                fprintf(tab.f, " %26s", c);
            }
        fputc('\n', tab.f);
    }
    out_finish(&tab);
}

/* The fmnist section's Adam row. */
static const report *adam_report(const bench_optim_config **opts, int nopt)
{
    for (int o = 0; o < nopt; o++)
        if (strcmp(opts[o]->name, "adam") == 0)
            return &results[P_MNIST][o];
    return NULL;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fprintf(f, "usage: descent-converge [--scope quick|default|full] [--out DIR] [--data DIR]\n"
               "       [--only NAME[,NAME...]]  (linreg, rosenbrock, fmnist, batch, schedules,\n"
               "                                 paths, precision)\n"
               "       [--lr-grid LO,HI[,FACTOR]]  (the starting lr grid for every tuning)\n");
}

static int check_only(const char *list)
{
    for (const char *p = list;;) {
        const size_t len = strcspn(p, ",");
        int known = 0;
        for (size_t i = 0; i < sizeof only_names / sizeof only_names[0]; i++)
            known |= strlen(only_names[i]) == len && strncmp(p, only_names[i], len) == 0;
        if (!known) {
            fprintf(stderr, "descent-converge: --only: unknown name '%.*s' (known: linreg, "
                            "rosenbrock, fmnist, batch, schedules, paths, precision)\n",
                    (int)len, p);
            return 0;
        }
        if (p[len] == '\0')
            return 1;
        p += len + 1;
    }
}

static int parse_grid(const char *v)
{
    char *end;
    grid_lo = strtod(v, &end);
    if (*end != ',')
        return 0;
    grid_hi = strtod(end + 1, &end);
    grid_factor = sqrt(10);
    if (*end == ',')
        grid_factor = strtod(end + 1, &end);
    return *end == '\0' && grid_lo >= LR_MIN && grid_hi >= grid_lo && grid_hi <= LR_MAX &&
           grid_factor > 1.01 && grid_factor <= 100;
}

static int parse_args(int argc, char **argv, const char **data_dir)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(descent_close_stdout("descent-converge") != 0 ? 2 : 0);
        } else if (v && strcmp(a, "--scope") == 0) {
            if (set_scope(v) != 0) {
                fprintf(stderr, "descent-converge: --scope: unknown scope '%s'\n", v);
                return 0;
            }
        } else if (v && strcmp(a, "--out") == 0) {
            snprintf(out_dir, sizeof out_dir, "%s", v);
        } else if (v && strcmp(a, "--data") == 0) {
            *data_dir = v;
        } else if (v && strcmp(a, "--only") == 0) {
            if (!check_only(v))
                return 0;
            only = v;
        } else if (v && strcmp(a, "--lr-grid") == 0) {
            if (!parse_grid(v)) {
                fprintf(stderr, "descent-converge: --lr-grid: expected LO,HI[,FACTOR] with "
                                "%g <= LO <= HI <= %g and 1.01 < FACTOR <= 100, got '%s'\n",
                        LR_MIN, LR_MAX, v);
                return 0;
            }
        } else {
            fprintf(stderr, "descent-converge: bad argument '%s' (see --help)\n", a);
            return 0;
        }
        i++;
    }
    return 1;
}

int main(int argc, char **argv)
{
    descent_guard_std_fds();
    const char *data_dir = DESCENT_DATA_DIR;
    set_scope("default");
    if (!parse_args(argc, argv, &data_dir))
        return 2;
    static bench_optim_config configs[BENCH_MAX_CONFIGS];
    const bench_optim_config *opts[BENCH_MAX_CONFIGS], *sgd = NULL, *adam = NULL;
    int nopt = 0;
    const int all = bench_optim_configs(configs);
    for (int i = 0; i < all; i++) {
        if (strcmp(configs[i].name, "sgd") == 0)
            sgd = &configs[i];
        if (strcmp(configs[i].name, "adam") == 0)
            adam = &configs[i];
        if (!S.only_two || !strcmp(configs[i].name, "adam") || !strcmp(configs[i].name, "sgd"))
            opts[nopt++] = &configs[i];
    }
    const char *mnist_note = load_problems(data_dir, wants("fmnist") || wants("precision"));
    outfile js, sum;
    out_open(&js, NULL, "convergence.json");
    out_open(&sum, NULL, "convergence_summary.txt");
    FILE *J = js.f, *T = sum.f;
    const double t_start = descent_seconds();
    fprintf(J, "{\n  \"context\": {\"program\": \"descent-converge\", \"scope\": \"%s\", "
               "\"seeds\": %d, \"tune_seeds\": %d,\n   \"selection\": \"lr on a log grid, "
               "widened past the edge holding the best until the best is interior; fmnist: "
               "best median final validation accuracy over the tuning seeds, linreg and "
               "rosenbrock: fewest median steps to target\",\n   \"report\": \"every seed "
               "at the chosen lr: median, min and max; a miss is never (null)\",\n   "
               "\"seconds\": \"gradient + optimizer work only, one thread\"},\n  "
               "\"problems\": [", S.name, S.seeds, S.tune_seeds);
    fprintf(T, "Time to result (scope %s): the lr bracketed on a log grid (widened: points "
               "added below (-) or above (+) the starting grid; edge: not bracketed),\n"
               "then %d seeds at that lr: median [min..max]; never: target missed\n",
            S.name, S.seeds);
    int first = 1, ran[P_COUNT] = {0};
    for (int p = 0; p < P_COUNT; p++)
        if ((wants(prob_names[p]) || (p == P_ROSEN && wants("paths"))) &&
            (p != P_MNIST || have_mnist())) {
            problem_section(J, T, p, opts, nopt, &first);
            ran[p] = 1;
        }
    fputs("\n  ]", J);
    write_table(ran, opts, nopt);
    if (wants("batch"))
        batch_section(J, T, sgd);
    if (wants("schedules"))
        schedule_section(J, T, sgd);
    if (wants("precision") && have_mnist() && adam)
        precision_section(J, T, adam, ran[P_MNIST] ? adam_report(opts, nopt) : NULL);
    fputs(",\n  \"fmnist_note\": ", J);
    if (mnist_note)
        fprintf(J, "\"%s\"", mnist_note);
    else
        fputs("null", J);
    fprintf(J, ",\n  \"wall_seconds\": %.3g\n}\n", descent_seconds() - t_start);
    out_finish(&js);
    out_finish(&sum);
    free_problems();
    return descent_close_stdout("descent-converge") != 0 ? 2 : 0;
}
