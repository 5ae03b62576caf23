/*
 * descent train — trains linear regressions, an MLP on Fashion-MNIST or the
 * 2-D test functions.  This file reads flags (from tables) and prints; the
 * problems, the loop and the schedules are the library's (descent_train.h,
 * descent_schedule.h).  The same seed, ISA and threads give the same log
 * apart from the time column.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

typedef enum { KIND_LINREG, KIND_MNIST, KIND_FUNC, KIND_SPARSE } problem_kind;

/* The recipe `descent train` uses for each problem. */
typedef struct problem_info {
    const char *name;
    problem_kind kind;
    descent_optim_kind optim; /* default optimizer ... */
    double lr;                /* ... and its default learning rate here */
    long batch;               /* default batch, 0 = full */
    long epochs;              /* default epoch limit (an epoch is one step on 2-D functions) */
    int cosine;               /* default schedule: cosine (1) or constant (0) */
    const char *summary;
} problem_info;

static const problem_info problems[] = {
    {"linreg", KIND_LINREG, DESCENT_SGD, 0.1, 0, 1000, 0, "the same as linreg-2x1"},
    {"linreg-2x1", KIND_LINREG, DESCENT_SGD, 0.1, 0, 1000, 0,
     "y = 2x + 1 + N(0, 0.5^2), x ~ U(-1, 1), 100 points"},
    {"linreg-4-3x", KIND_LINREG, DESCENT_SGD, 0.1, 0, 1000, 0,
     "y = 4 + 3x + N(0, 1), x ~ U(0, 2), 100 points"},
    {"linreg-multi", KIND_LINREG, DESCENT_SGD, 0.1, 0, 1000, 0,
     "5 features x ~ N(0, I), y = x.(1.5,-2,0.5,3,-1) + 0.7 + N(0, 0.1^2), 500 points"},
    {"fashion-mnist", KIND_MNIST, DESCENT_ADAM, 1e-3, 64, 10, 1,
     "MLP classifier, softmax cross-entropy, 60000 train / 10000 test images"},
    {"sparse-logreg", KIND_SPARSE, DESCENT_SGD, 0.5, 10, 10, 0,
     "logistic regression, 100000 examples x 10000 features, 10 nonzeros each (--hogwild)"},
    {"quadratic", KIND_FUNC, DESCENT_SGD, 0.03, 0, 1000, 0,
     "f = 0.5 (x^2 + 50 y^2) from (10, 1); minimum 0 at (0, 0)"},
    {"rosenbrock", KIND_FUNC, DESCENT_ADAM, 0.02, 0, 10000, 0,
     "f = (1-x)^2 + 100 (y-x^2)^2 from (-1.2, 1); minimum 0 at (1, 1)"},
    {"beale", KIND_FUNC, DESCENT_ADAM, 0.01, 0, 10000, 0,
     "f = (1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2 from (1, 1); minimum 0 at (3, 0.5)"},
};
#define N_PROBLEMS (sizeof problems / sizeof problems[0])

typedef struct options { /* ----------------------------------------- options */
    const problem_info *problem;
    const char *model;
    descent_activation activation;
    descent_optim_kind optim;
    int hp_set[DESCENT_HP_COUNT];
    double hp_value[DESCENT_HP_COUNT];
    long batch;          /* 0 = full */
    cli_schedule schedule;
    long unit;           /* descent_train_unit */
    long max_steps, epochs; /* 0 = no limit, the problem's */
    double grad_tol, target_loss, target_accuracy;
    unsigned long long seed;
    descent_isa isa;
    long threads; /* 0 = auto */
    const char *data_dir, *log_path, *save_state, *resume;
    long save_every;
    long train_limit, test_limit; /* 0 = all */
    int standardize, quiet;
    int hogwild; /* --hogwild: descent_train_hogwild instead of descent_train */
    descent_nonfinite_policy nonfinite;
    long max_skips;
    cli_train_extras extras; /* gradient and model flags (cli/grad_flags.c) */
    cli_lbfgs lbfgs;         /* --optimizer lbfgs and its flags (cli/lbfgs_flags.c) */
    int shard_state;         /* --shard-state: ZeRO stage 1 under mpirun (cli/dist.c) */
    unsigned char given[64]; /* by the index in flags[] */
} options;

typedef enum { SCOPE_ANY, SCOPE_DATA, SCOPE_MNIST } flag_scope;
typedef enum { /* the generic ones (cli.h), then those of this command */
    T_LONG = CLI_LONG, T_DOUBLE = CLI_DOUBLE, T_POSITIVE = CLI_POSITIVE,
    T_FRACTION = CLI_FRACTION, T_BOOL = CLI_BOOL, T_SWITCH = CLI_SWITCH, T_TEXT = CLI_TEXT,
    T_SEED = CLI_SEED, T_PROBLEM = CLI_VALUE_TYPES, T_MODEL, T_ACTIVATION, T_OPTIMIZER, T_ISA,
    T_NONFINITE, T_BATCH, T_UNIT, T_SCHEDULE
} flag_type;

typedef struct flag_def {
    const char *name;
    flag_type type;
    size_t offset;   /* the options field; SIZE_MAX: checked, then a schedule argument */
    long lo, hi;     /* integers' range */
    flag_scope scope;
    const char *key; /* a schedule argument: its torch name */
} flag_def;

#define AT(field) offsetof(options, field)
#define BIG (1L << 40)
static const flag_def flags[] = {
    {"--problem", T_PROBLEM, AT(problem), 0, 0, SCOPE_ANY, NULL},
    {"--model", T_MODEL, AT(model), 0, 0, SCOPE_MNIST, NULL},
    {"--activation", T_ACTIVATION, AT(activation), 0, 0, SCOPE_MNIST, NULL},
    {"--standardize", T_BOOL, AT(standardize), 0, 0, SCOPE_MNIST, NULL},
    {"--optimizer", T_OPTIMIZER, AT(optim), 0, 0, SCOPE_ANY, NULL},
    {"--batch", T_BATCH, AT(batch), 1, 1L << 30, SCOPE_DATA, NULL},
    {"--schedule", T_SCHEDULE, 0, 0, 0, SCOPE_ANY, NULL},
    {"--schedule-unit", T_UNIT, AT(unit), 0, 0, SCOPE_ANY, NULL},
    {"--step-size", T_LONG, SIZE_MAX, 1, BIG, SCOPE_ANY, "step_size"},
    {"--gamma", T_POSITIVE, SIZE_MAX, 0, 0, SCOPE_ANY, "gamma"},
    {"--t-max", T_LONG, SIZE_MAX, 1, BIG, SCOPE_ANY, "T_max"},
    {"--max-steps", T_LONG, AT(max_steps), 1, BIG, SCOPE_ANY, NULL},
    {"--epochs", T_LONG, AT(epochs), 1, BIG, SCOPE_ANY, NULL},
    {"--grad-tol", T_POSITIVE, AT(grad_tol), 0, 0, SCOPE_ANY, NULL},
    {"--target-loss", T_DOUBLE, AT(target_loss), 0, 0, SCOPE_ANY, NULL},
    {"--target-accuracy", T_FRACTION, AT(target_accuracy), 0, 0, SCOPE_MNIST, NULL},
    {"--seed", T_SEED, AT(seed), 0, 0, SCOPE_ANY, NULL},
    {"--isa", T_ISA, AT(isa), 0, 0, SCOPE_ANY, NULL},
    {"--threads", T_LONG, AT(threads), 1, 1024, SCOPE_ANY, NULL},
    {"--data", T_TEXT, AT(data_dir), 0, 0, SCOPE_ANY, NULL},
    {"--train-limit", T_LONG, AT(train_limit), 1, 1L << 30, SCOPE_MNIST, NULL},
    {"--test-limit", T_LONG, AT(test_limit), 1, 1L << 30, SCOPE_MNIST, NULL},
    {"--log", T_TEXT, AT(log_path), 0, 0, SCOPE_ANY, NULL},
    {"--save-state", T_TEXT, AT(save_state), 0, 0, SCOPE_ANY, NULL},
    {"--save-every", T_LONG, AT(save_every), 1, BIG, SCOPE_ANY, NULL},
    {"--resume", T_TEXT, AT(resume), 0, 0, SCOPE_ANY, NULL},
    {"--quiet", T_SWITCH, AT(quiet), 0, 0, SCOPE_ANY, NULL},
    {"--on-nonfinite", T_NONFINITE, AT(nonfinite), 0, 0, SCOPE_ANY, NULL},
    {"--max-skips", T_LONG, AT(max_skips), 0, BIG, SCOPE_ANY, NULL},
    {"--shard-state", T_SWITCH, AT(shard_state), 0, 0, SCOPE_DATA, NULL},
    {"--hogwild", T_SWITCH, AT(hogwild), 0, 0, SCOPE_ANY, NULL},
};
#define N_FLAGS (sizeof flags / sizeof flags[0])

static int given(const options *o, const char *name)
{
    for (size_t k = 0; k < N_FLAGS; k++)
        if (!strcmp(flags[k].name, name))
            return o->given[k];
    return 0;
}

static const char *optim_name(const options *o)
{
    return o->lbfgs.on ? "lbfgs" : descent_optim_name(o->optim);
}

/* Library parsers: name -> value, DESCENT_ERR_INVALID with a message. */
static int library_ok(const char *flag, descent_status s)
{
    if (s != DESCENT_OK)
        cli_error("%s%s%s", flag ? flag : "", flag ? ": " : "", descent_last_error());
    return s == DESCENT_OK;
}

static int parse_value(const flag_def *f, const char *v, options *o)
{
    long scratch_long;
    double scratch_double;
    void *field = f->offset == SIZE_MAX ? (f->type == T_LONG ? (void *)&scratch_long
                                                             : (void *)&scratch_double)
                                        : (char *)o + f->offset;
    if ((int)f->type < (int)CLI_VALUE_TYPES) {
        if (!cli_parse_value(f->name, (cli_value_type)f->type, v, f->lo, f->hi, field))
            return 0;
        return !f->key || cli_schedule_add(&o->schedule, f->name, f->key, v);
    }
    switch (f->type) {
    case T_PROBLEM:
        for (size_t k = 0; k < N_PROBLEMS; k++)
            if (!strcmp(v, problems[k].name))
                return o->problem = &problems[k], 1;
        cli_error("--problem: unknown problem '%s' (expected linreg, linreg-2x1, linreg-4-3x, "
                  "linreg-multi, fashion-mnist, sparse-logreg, quadratic, rosenbrock or beale)",
                  v);
        return 0;
    case T_MODEL: {
        descent_mlp_shape s;
        o->model = v;
        return library_ok(f->name, descent_mlp_shape_parse(v, &s));
    }
    case T_ACTIVATION: return library_ok(f->name, descent_activation_from_name(v, field));
    case T_OPTIMIZER: /* lbfgs has its own API: the registry's SGD stands in for it */
        if ((o->lbfgs.on = !strcmp(v, "lbfgs")))
            return *(descent_optim_kind *)field = DESCENT_SGD, 1;
        return library_ok(f->name, descent_optim_from_name(v, field));
    case T_NONFINITE: return library_ok(f->name, descent_nonfinite_from_name(v, field));
    case T_ISA: {
        descent_isa requested;
        return library_ok(f->name, descent_isa_from_name(v, &requested)) &&
               library_ok(f->name, descent_isa_resolve(requested, field));
    }
    case T_BATCH:
        if (!strcmp(v, "full"))
            return *(long *)field = 0, 1;
        return cli_parse_int(f->name, v, f->lo, f->hi, field);
    case T_UNIT:
        *(long *)field = !strcmp(v, "step") ? DESCENT_PER_STEP : DESCENT_PER_EPOCH;
        if (!strcmp(v, "epoch") || !strcmp(v, "step"))
            return 1;
        cli_error("%s: '%s' is not epoch or step", f->name, v);
        return 0;
    case T_SCHEDULE: return cli_schedule_select(&o->schedule, f->name, v);
    default: break;
    }
    return 1;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: descent train --problem NAME [options]\n\n"
                 "Trains a model and prints a summary line: steps, epochs, seconds, the final\n"
                 "loss over the whole training set (f on the 2-D functions), the test accuracy\n"
                 "and why it stopped.  Progress lines go to stderr.  Exit status 0, or 1 if\n"
                 "the loss became NaN/Inf, 2 for bad options or data.\n\n"
                 "problems (default optimizer, lr, batch, epochs):\n");
    for (size_t i = 0; i < N_PROBLEMS; i++) {
        const problem_info *p = &problems[i];
        char batch[32] = "-";
        if (p->kind != KIND_FUNC)
            snprintf(batch, sizeof batch, p->batch ? "%ld" : "full", p->batch);
        fprintf(out, "  %-14s %s\n  %14s (%s, lr %g, batch %s, %ld %s%s)\n", p->name, p->summary,
                "", descent_optim_name(p->optim), p->lr, batch, p->epochs,
                p->kind == KIND_FUNC ? "steps" : "epochs", p->cosine ? ", cosine schedule" : "");
    }
    fprintf(out, "\nmodel (fashion-mnist only):\n"
                 "  --model SIZES         layer sizes, input first (default 784-128-10)\n"
                 "  --activation NAME     relu, tanh or sigmoid (default relu)\n"
                 "  --standardize[=0|1]   pixels to mean 0, std 1 (default), or =0: pixel/255\n\n"
                 "optimizer (torch.optim's names and defaults):\n  --optimizer NAME     ");
    for (int o = 0; o < DESCENT_OPTIM_COUNT; o++)
        fprintf(out, " %s", descent_optim_name((descent_optim_kind)o));
    fprintf(out, " lbfgs\n                        (default: the problem's, with its lr)\n");
    cli_print_hparam_flags(out);
    cli_print_lbfgs_flags(out);
    fprintf(out, "  A flag the chosen optimizer does not have is an error.\n\n"
                 "batches and learning-rate schedule (torch.optim.lr_scheduler):\n"
                 "  --batch full|B        full batch, 1 = SGD, or B reshuffled every epoch\n"
                 "  --schedule NAME       constant (default; cosine for fashion-mnist), step\n"
                 "                        (step_lr, step size a third of the epochs, gamma 0.1),\n"
                 "                        exponential (exponential_lr, gamma 0.9), cosine\n"
                 "                        (cosine_annealing_lr, T_max the epochs planned), or:\n");
    cli_print_schedules(out);
    fprintf(out, "  --step-size N, --t-max N: --step_size, --T_max.  --schedule-unit epoch|step:\n"
                 "                        the schedule moves every epoch (default) or step\n"
                 "  --hogwild             sparse-logreg: asynchronous lock-free SGD (Hogwild!) on\n"
                 "                        --threads threads (default: the online CPUs), each on\n"
                 "                        its own batches, updating only their features; plain\n"
                 "                        SGD, a per-epoch schedule, --epochs and --target-loss\n"
                 "                        (the loss over all examples after each epoch, not timed)\n\n");
    cli_print_train_extras(out);
    cli_print_train_run_help(out);
}

/* Parses argv into *o; returns 0 after printing the error. */
static int parse_options(int argc, char **argv, options *o, int *help)
{
    memset(o, 0, sizeof *o);
    o->isa = DESCENT_ISA_BEST, o->seed = 1, o->standardize = -1, o->max_skips = 100;
    o->data_dir = DESCENT_DATA_DIR, o->target_loss = NAN;
    cli_train_extras_default(&o->extras);
    cli_lbfgs_default(&o->lbfgs);
    *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *key;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
            return *help = 1;
        const int hp = cli_hparam_of(arg), extra = cli_train_extra_of(arg),
                  lb = cli_lbfgs_flag_of(arg);
        size_t f = 0;
        while (f < N_FLAGS && !cli_is_flag(arg, flags[f].name))
            f++;
        if (hp >= 0) {
            if (!cli_parse_hparam(argc, argv, &i, hp, &o->hp_value[hp]))
                return 0;
            o->hp_set[hp] = 1;
        } else if (extra >= 0 || lb >= 0) {
            if (!(extra >= 0 ? cli_parse_train_extra(argc, argv, &i, extra, &o->extras)
                             : cli_parse_lbfgs_flag(argc, argv, &i, lb, &o->lbfgs)))
                return 0;
        } else if (f < N_FLAGS) {
            const int bare = flags[f].type == T_BOOL || flags[f].type == T_SWITCH;
            const char *eq = strchr(arg, '=');
            const char *v = bare ? (eq ? eq + 1 : NULL)
                                 : cli_flag_value(argc, argv, &i, flags[f].name);
            if ((!bare && !v) || !parse_value(&flags[f], v, o))
                return 0;
            o->given[f] = 1;
        } else if ((key = cli_schedule_key_of(arg))) {
            char name[48];
            snprintf(name, sizeof name, "--%s", key);
            const char *v = cli_flag_value(argc, argv, &i, name);
            if (!v || !cli_schedule_add(&o->schedule, NULL, key, v))
                return 0;
        } else {
            cli_error("train: %s '%s'", arg[0] == '-' && arg[1] ? "unknown option"
                                                                : "unexpected argument", arg);
            return 0;
        }
    }
    return 1;
}

/* Checks that the options fit together and fills in the defaults. */
static int resolve_options(options *o, descent_hparams *h)
{
    const problem_info *p = o->problem;
    if (!p) {
        cli_error("train: --problem is required (see 'descent train --help')");
        return 0;
    }
    for (size_t k = 0; k < N_FLAGS; k++) {
        const flag_scope s = flags[k].scope;
        if (o->given[k] && ((s == SCOPE_MNIST && p->kind != KIND_MNIST) ||
                            (s == SCOPE_DATA && p->kind == KIND_FUNC))) {
            cli_error("%s does not apply to --problem %s", flags[k].name, p->name);
            return 0;
        }
    }
    if (!cli_train_extras_check(&o->extras, p->kind == KIND_LINREG || p->kind == KIND_MNIST,
                                p->name)) /* --init, --no-bias-decay: the MLP's */
        return 0;
    if (o->hogwild && p->kind != KIND_SPARSE) { /* the rest is descent_train_hogwild's check */
        cli_error("--hogwild needs a sparse problem (sparse-logreg), not --problem %s", p->name);
        return 0;
    }
    if (o->hogwild && !o->threads) { /* descent_train_hogwild's default, said in the log */
        const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = cpus > 0 ? cpus : 1;
    }
    if (!given(o, "--optimizer"))
        o->optim = p->optim;
    descent_hparams_default(o->optim, h);
    if (o->lbfgs.on || o->optim == p->optim)
        h->lr = o->lbfgs.on ? o->lbfgs.options.lr : p->lr;
    for (int k = 0; k < DESCENT_HP_COUNT; k++) {
        if (o->hp_set[k] && (o->lbfgs.on ? k != DESCENT_HP_LR
                                         : !descent_optim_has_hparam(o->optim, k))) {
            cli_error("%s does not apply to --optimizer %s", cli_hparam_flag((descent_hparam_key)k),
                      optim_name(o));
            return 0;
        }
        if (o->hp_set[k])
            descent_hparams_set(h, (descent_hparam_key)k, o->hp_value[k]);
    }
    if (!library_ok(descent_optim_name(o->optim), descent_hparams_validate(o->optim, h)))
        return 0;
    if (!given(o, "--batch"))
        o->batch = p->batch;
    o->lbfgs.options.lr = h->lr;
    if (given(o, "--save-every") && !o->save_state)
        return cli_error("--save-every needs --save-state"), 0;
    if (!cli_lbfgs_check(&o->lbfgs, o->batch, &o->extras,
                         given(o, "--on-nonfinite") || o->save_state || o->resume))
        return 0;
    if (!o->epochs)
        o->epochs = p->epochs;
    if (!o->schedule.name)
        cli_schedule_select(&o->schedule, "--schedule", p->cosine ? "cosine" : "constant");
    if (o->standardize < 0)
        o->standardize = p->kind == KIND_MNIST;
    if (!cli_schedule_check(&o->schedule))
        return 0;
    struct stat st;
    if (p->kind != KIND_MNIST)
        return 1;
    if (!o->data_dir || !*o->data_dir)
        cli_error("fashion-mnist: configure found no Fashion-MNIST data (apt-get install "
                  "dataset-fashion-mnist, or pass --data DIR)");
    else if (stat(o->data_dir, &st) != 0)
        cli_error("--data: %s: %s", o->data_dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        cli_error("--data: %s: not a directory", o->data_dir);
    else
        return 1;
    return 0;
}

/* Epochs the run plans: the epoch limit, or fewer where --max-steps ends it. */
static long planned_epochs(const options *o, long n_examples)
{
    const long b = o->batch ? o->batch : n_examples;
    const long per_epoch = n_examples ? (n_examples + b - 1) / b : 1;
    const long by_steps = o->max_steps ? (o->max_steps + per_epoch - 1) / per_epoch : 0;
    return by_steps && by_steps < o->epochs ? by_steps : o->epochs;
}

/* What the per-step callback keeps: the log, and the progress lines. */
typedef struct progress {
    const options *o;
    FILE *log; /* NULL without --log */
    double t0, last_print, epoch_loss, lr, metric;
    long epoch, epoch_steps, step, planned;
    int printed; /* the current epoch's line is out */
} progress;

static void print_progress(progress *g, double loss)
{
    g->printed = 1;
    g->last_print = descent_seconds() - g->t0;
    if (g->o->problem->kind == KIND_FUNC)
        fprintf(stderr, "step %ld/%ld: f %.6g", g->step, g->planned, loss);
    else
        fprintf(stderr, "epoch %ld/%ld: step %ld, loss %.6g (epoch mean)", g->epoch, g->planned,
                g->step, g->epoch_steps ? g->epoch_loss / g->epoch_steps : loss);
    if (!isnan(g->metric))
        fprintf(stderr, ", test accuracy %.4f", g->metric);
    fprintf(stderr, ", lr %.4g, %.1f s\n", g->lr, g->last_print);
}

static int on_step(void *ctx, const descent_train_row *r)
{
    progress *g = ctx;
    if (r->epoch != g->epoch)
        g->epoch = r->epoch, g->epoch_loss = 0, g->epoch_steps = 0, g->printed = 0;
    g->step = r->took ? r->step : r->step - 1;
    g->epoch_loss += r->took ? r->loss : 0, g->epoch_steps += r->took;
    g->lr = r->lr, g->metric = r->metric;
    if (!g->o->quiet && r->epoch_end && descent_seconds() - g->t0 - g->last_print >= 0.5)
        print_progress(g, r->loss);
    if (!g->log)
        return 0;
    fprintf(g->log, "%ld,%ld,%.6f,%.9g,%.9g,%.9g,", r->step, r->epoch, r->seconds, r->loss,
            r->grad_norm, r->lr);
    if (!isnan(r->metric))
        fprintf(g->log, "%.6f", r->metric);
    fputc('\n', g->log);
    return ferror(g->log) != 0; /* a full disk or a size limit: commit says which */
}

static void print_summary(const options *o, const descent_problem *prob, const float *params,
                          const descent_train_result *r, const char *threads)
{
    const int func = o->problem->kind == KIND_FUNC;
    const size_t n = descent_problem_callbacks(prob)->n_params;
    printf("train: %s %s, %ld steps", o->problem->name, optim_name(o), r->steps);
    if (o->lbfgs.on)
        printf(" (%ld function evaluations)", r->func_evals);
    if (!func)
        printf(", %ld epochs", r->epochs);
    if (r->skipped)
        printf(", %ld skipped (non-finite gradient)", r->skipped);
    printf(", %.2f s, isa %s, %s; final %s %.6g", r->seconds + r->eval_seconds,
           descent_isa_name(o->isa), threads, func ? "f" : "loss", r->final_loss);
    if (o->hogwild) /* the threads' time alone, without the loss evaluations */
        printf(" (training %.3f s, %.3g updates/s)", r->seconds,
               r->seconds > 0 ? (double)r->steps / r->seconds : 0.0);
    if (descent_problem_callbacks(prob)->metric)
        printf(", test accuracy %.4f", r->metric);
    double value, dist = 0;
    const double *best = descent_problem_optimum(prob, &value);
    if (best && !func) {
        for (size_t i = 0; i < n; i++)
            dist = fmax(dist, fabs((double)params[i] - best[i]));
        printf(" (least squares %.6g), max|theta - theta*| %.3g", value, dist);
    } else if (best) {
        const double dx = params[0] - best[0], dy = params[1] - best[1];
        printf(" at (%.6g, %.6g), distance to the minimum (%g, %g) %.3g", params[0], params[1],
               best[0], best[1], sqrt(dx * dx + dy * dy));
    }
    printf("; stopped: ");
    const descent_train_stop stop = r->stop;
    if (stop == DESCENT_STOP_EPOCHS || stop == DESCENT_STOP_MAX_STEPS)
        printf("%s limit (%ld)\n", stop == DESCENT_STOP_EPOCHS ? "epoch" : "step",
               stop == DESCENT_STOP_EPOCHS ? o->epochs : o->max_steps);
    else if (stop == DESCENT_STOP_GRAD_NORM)
        printf("converged (gradient norm %.3g < %g)\n", r->last_grad_norm, o->grad_tol);
    else if (stop == DESCENT_STOP_TARGET_LOSS)
        printf("target loss reached (%.6g <= %g)\n", r->last_loss, o->target_loss);
    else if (stop == DESCENT_STOP_TARGET_METRIC)
        printf("target accuracy reached (%.4f >= %g)\n", r->metric, o->target_accuracy);
    else if (stop == DESCENT_STOP_DIVERGED)
        printf("diverged (loss %g, gradient norm %g)\n", r->last_loss, r->last_grad_norm);
    else
        printf(stop == DESCENT_STOP_SKIPS ? "%ld steps in a row skipped for a non-finite "
                                            "gradient (--max-skips)\n" : "\n", o->max_skips);
}

/* Creates the problem and checks the batch and the schedule against it. */
static int make_problem(options *o, descent_problem **prob)
{
    const descent_problem_spec spec = {
        .name = o->problem->name, .seed = o->seed, .data_dir = o->data_dir, .model = o->model,
        .activation = o->activation, .standardize = o->standardize,
        .train_limit = o->train_limit, .test_limit = o->test_limit, .isa = o->isa,
        .threads = (int)o->threads, .init = o->extras.init};
    if (!library_ok(NULL, descent_problem_create(&spec, prob)))
        return 0;
    const long n = descent_problem_callbacks(*prob)->n_examples;
    if (o->batch > n) {
        cli_error("--batch %ld is larger than the %ld training examples (use --batch full)",
                  o->batch, n);
        return 0;
    }
    cli_schedule_args(&o->schedule, planned_epochs(o, n));
    descent_schedule *s = NULL; /* its arguments checked now: a usage error */
    const int ok = library_ok("--schedule", descent_schedule_create(
                                  o->schedule.torch, o->schedule.args, 1, 0.9, 1000, &s));
    return descent_schedule_free(s), ok;
}

static void print_start(const options *o, const descent_problem *prob, const descent_hparams *h,
                        const char *threads)
{
    const descent_train_problem *cb = descent_problem_callbacks(prob);
    fprintf(stderr, o->problem->kind == KIND_MNIST ? "train: %s, %s" :
                    o->problem->kind == KIND_FUNC ? "train: %s" : "train: %s (%s)",
            o->problem->name, descent_problem_describe(prob));
    fprintf(stderr, ", %s lr %g (%s schedule)", optim_name(o), h->lr,
            o->schedule.name);
    if (cb->n_examples) {
        const long b = o->batch ? o->batch : cb->n_examples;
        fprintf(stderr, ", batch %ld, %ld steps per epoch", b, (cb->n_examples + b - 1) / b);
    }
    char precision[80];
    cli_describe_precision(&o->extras, precision, sizeof precision);
    fprintf(stderr, ", seed %llu, isa %s, %s", o->seed, descent_isa_name(o->isa), threads);
    fprintf(stderr, strcmp(precision, "fp32") ? ", %s\n" : "\n", precision);
}

/* Under mpirun or --shard-state: the optimizer state per process and the
 * time and bytes of the collectives, the largest rank's.  Collective: every
 * rank calls it right after descent_train, whatever happens next. */
typedef struct dist_summary {
    double state, compute, comm, sent;
} dist_summary;

static dist_summary summarize_dist(const cli_dist *d, const descent_train_result *r)
{
    return (dist_summary){.state = cli_dist_max(d, (double)r->state_bytes),
                          .compute = cli_dist_max(d, r->seconds - r->comm_seconds),
                          .comm = cli_dist_max(d, r->comm_seconds),
                          .sent = cli_dist_max(d, cli_dist_bytes_sent(d))};
}

static void print_dist(const options *o, const cli_dist *d, const dist_summary *m)
{
    printf("dist: %d process%s, shard-state %s, optimizer state %.0f bytes per process, "
           "%.3f s computing, %.3f s communicating, %.0f bytes sent per process\n", d->size,
           d->size > 1 ? "es" : "", o->shard_state ? "on" : "off", m->state, m->compute,
           m->comm, m->sent);
}

static int run(options *o, const descent_hparams *h, descent_outfile *log_file,
               const cli_dist *d)
{
    descent_problem *prob = NULL;
    float *params = NULL;
    int status = EXIT_USAGE;
    char threads[48];
    if (o->hogwild)
        snprintf(threads, sizeof threads, "hogwild on %ld thread%s", o->threads,
                 o->threads == 1 ? "" : "s");
    else
        cli_describe_threads(o->threads, threads, sizeof threads);
    descent_train_config c;
    descent_train_config_default(o->optim, &c);
    progress g = {.o = o, .log = descent_outfile_stream(log_file), .metric = NAN};
    if (!make_problem(o, &prob))
        goto done;
    const descent_train_problem *cb = descent_problem_callbacks(prob);
    /* 64-byte aligned, as the library's own buffers: glibc's malloc gives
     * large blocks 16-byte alignment, and every 64-byte vector load and
     * store of the weights (the forward, the step) then spans two cache
     * lines.  (The 784-128-10 loss_grad at batch 64 with both x and the
     * parameters so placed took 8-17% longer; in this run the batch is
     * gathered into aligned rows, and 5 runs each gave medians of 1.78 s
     * against 1.82 s, within the noise.) */
    const size_t param_bytes = (cb->n_params * sizeof *params + 63) / 64 * 64;
    if (!(params = aligned_alloc(64, param_bytes ? param_bytes : 64))) {
        cli_error("out of memory for %zu parameters", cb->n_params);
        goto done;
    }
    descent_problem_init_params(prob, params);
    c.h = *h, c.isa = o->isa, c.threads = (int)o->threads, c.batch = o->batch, c.seed = o->seed;
    c.schedule = o->schedule.torch, c.schedule_args = o->schedule.args;
    c.schedule_unit = (descent_train_unit)o->unit, c.epochs = o->epochs;
    c.max_steps = o->max_steps, c.grad_tol = o->grad_tol, c.target_loss = o->target_loss;
    c.target_metric = o->target_accuracy > 0 ? o->target_accuracy : NAN, c.metric_every = 1;
    c.nonfinite_set = given(o, "--on-nonfinite"), c.nonfinite = o->nonfinite;
    c.max_skips = o->max_skips, c.on_step = on_step, c.ctx = &g;
    cli_train_extras_apply(&o->extras, &c);
    c.lbfgs = o->lbfgs.on ? &o->lbfgs.options : NULL;
    c.save_state = o->save_state, c.save_every = o->save_every, c.resume = o->resume;
    c.comm = d->comm, c.shard_state = o->shard_state && d->comm;
    if (o->hogwild && /* a setting it does not take: one message, before anything runs */
        !library_ok(NULL, descent_train_hogwild_check(descent_problem_sparse(prob), &c)))
        goto done;
    g.planned = planned_epochs(o, cb->n_examples);
    if (g.log)
        fprintf(g.log, "step,epoch,time_s,loss,grad_norm,lr,test_accuracy\n");
    if (!o->quiet)
        print_start(o, prob, h, threads);
    g.t0 = descent_seconds(), g.last_print = -1;
    descent_train_result r = {0};
    /* a failing loss or gradient: 1; a refused setting, or a state file that
     * cannot be read or written or is another run's: 2.  The log is discarded. */
    const descent_status ts = o->hogwild
                                  ? descent_train_hogwild(descent_problem_sparse(prob), &c,
                                                          params, &r)
                                  : descent_train(cb, &c, params, &r);
    const dist_summary dist = summarize_dist(d, &r);
    status = ts == DESCENT_ERR_INVALID || ts == DESCENT_ERR_IO || ts == DESCENT_ERR_FORMAT
                 ? EXIT_USAGE : 1;
    if (!library_ok(NULL, ts))
        goto done;
    if (r.message[0])
        cli_error("%s", r.message);
    if (!o->quiet && !g.printed)
        print_progress(&g, r.last_loss);
    /* A log that could not be written whole (ENOSPC, EFBIG) is a data
     * error, status 2, distinct from a diverged run's 1. */
    status = log_file && descent_outfile_commit(log_file) != DESCENT_OK ? EXIT_USAGE : 0;
    log_file = NULL;
    if (status) {
        cli_error("--log: %s", descent_last_error());
        goto done;
    }
    print_summary(o, prob, params, &r, threads);
    if (d->size > 1 || o->shard_state)
        print_dist(o, d, &dist);
    /* Parameters left non-finite (--on-nonfinite skip can end a run there)
     * are a failed run, whatever rule stopped it. */
    if (!isfinite(r.final_loss)) {
        cli_error("train: the final %s is not finite",
                  o->problem->kind == KIND_FUNC ? "f" : "loss");
        status = 1;
    } else {
        status = r.stop == DESCENT_STOP_DIVERGED || r.stop == DESCENT_STOP_SKIPS;
    }
done:
    descent_outfile_discard(log_file);
    descent_problem_free(prob);
    free(params);
    return status;
}

int cmd_train(int argc, char **argv)
{
    options o;
    descent_hparams h;
    int help;
    cli_dist d;
    cli_dist_launch(&d);
    if (!parse_options(argc, argv, &o, &help))
        return EXIT_USAGE;
    if (help) {
        usage(stdout);
        return 0;
    }
    if (!resolve_options(&o, &h))
        return EXIT_USAGE;
    if (o.isa == DESCENT_ISA_BEST && !library_ok("--isa", descent_isa_resolve(o.isa, &o.isa)))
        return EXIT_USAGE;
    if (d.rank > 0)
        o.log_path = NULL; /* rank 0 writes it */
    /* The log is opened before the data is loaded and anything runs, so an
     * unwritable path (a directory, a missing folder) costs nothing; and
     * before MPI starts, so that rank 0 failing alone leaves no rank waiting
     * in a collective (mpirun ends the job). */
    descent_outfile *log_file = NULL;
    if (o.log_path && descent_outfile_open(o.log_path, &log_file) != DESCENT_OK) {
        cli_error("--log: %s", descent_last_error());
        return EXIT_USAGE;
    }
    if (!cli_dist_start(&d)) {
        descent_outfile_discard(log_file);
        cli_dist_finish(&d);
        return EXIT_USAGE;
    }
    const int status = run(&o, &h, log_file, &d);
    cli_dist_finish(&d);
    return status;
}

int cmd_train_check(int argc, char **argv)
{
    options o;
    descent_hparams h;
    int help;
    const int ok = parse_options(argc, argv, &o, &help) && (help || resolve_options(&o, &h));
    return ok ? 0 : EXIT_USAGE;
}
