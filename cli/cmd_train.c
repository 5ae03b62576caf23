/*
 * descent train — trains a model with one of the optimizers: linear
 * regression against its closed-form solution, an MLP on Fashion-MNIST, or
 * the 2-D test functions (quadratic, Rosenbrock, Beale).  Every step goes
 * through descent_optimizer; the MLP through the fast descent_mlp object.
 * Runs are reproducible: the same seed, ISA and thread count give the same
 * log apart from the time column (the MLP and the optimizers give the same
 * bits for any thread count, so in practice the thread count does not
 * matter either).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../src/idx.h"
#include "../src/problems.h"
#include "../src/rng.h"
#include "cli.h"
#include "config.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

#define PI 3.14159265358979323846

/* ------------------------------------------------------------ problems */

typedef enum { KIND_LINREG, KIND_MNIST, KIND_FUNC } problem_kind;

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
    {"quadratic", KIND_FUNC, DESCENT_SGD, 0.03, 0, 1000, 0,
     "f = 0.5 (x^2 + 50 y^2) from (10, 1); minimum 0 at (0, 0)"},
    {"rosenbrock", KIND_FUNC, DESCENT_ADAM, 0.02, 0, 10000, 0,
     "f = (1-x)^2 + 100 (y-x^2)^2 from (-1.2, 1); minimum 0 at (1, 1)"},
    {"beale", KIND_FUNC, DESCENT_ADAM, 0.01, 0, 10000, 0,
     "f = (1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2 from (1, 1); minimum 0 at (3, 0.5)"},
};
#define N_PROBLEMS (sizeof problems / sizeof problems[0])

/* ---------------------------------------------------- hyperparameters */

/* One flag per hyperparameter of the registry (descent.h), with PyTorch's
 * name: --lr, --weight-decay, --initial-accumulator-value, ...; a flag
 * (nesterov, amsgrad, centered) takes [=0|1]. */
static const char *hp_flag(descent_hparam_key key)
{
    static char flags[DESCENT_HP_COUNT][48];
    char *f = flags[key];
    if (!f[0]) {
        snprintf(f, sizeof flags[key], "--%s", descent_hparam_name(key));
        for (char *c = f + 2; *c; c++)
            if (*c == '_')
                *c = '-';
    }
    return f;
}

static int same_hparams(descent_optim_kind a, descent_optim_kind b)
{
    for (int k = 0; k < DESCENT_HP_COUNT; k++)
        if (descent_optim_has_hparam(a, (descent_hparam_key)k) !=
            descent_optim_has_hparam(b, (descent_hparam_key)k))
            return 0;
    return 1;
}

/* The help's optimizer flags: those every optimizer has, then one line per
 * group of optimizers with the same others, in the registry's order. */
static void print_hp_flags(FILE *out)
{
    int common[DESCENT_HP_COUNT];
    for (int k = 0; k < DESCENT_HP_COUNT; k++) {
        common[k] = 1;
        for (int o = 0; o < DESCENT_OPTIM_COUNT; o++)
            common[k] &= descent_optim_has_hparam((descent_optim_kind)o, (descent_hparam_key)k);
    }
    for (int k = 0; k < DESCENT_HP_COUNT; k++) /* indented by 2, 2 apart */
        if (common[k])
            fprintf(out, "  %s X%s", hp_flag((descent_hparam_key)k),
                    k == DESCENT_HP_LR ? " (> 0)" : "");
    fprintf(out, "\n");
    int printed[DESCENT_OPTIM_COUNT] = {0};
    for (int o = 0; o < DESCENT_OPTIM_COUNT; o++) {
        if (printed[o])
            continue;
        char names[256] = ""; /* "adam, adamw" and room for the ':' */
        for (int p = o; p < DESCENT_OPTIM_COUNT; p++) {
            if (printed[p] || !same_hparams((descent_optim_kind)o, (descent_optim_kind)p))
                continue;
            printed[p] = 1;
            const size_t used = strlen(names);
            snprintf(names + used, sizeof names - 1 - used, "%s%s", used ? ", " : "",
                     descent_optim_name((descent_optim_kind)p));
        }
        fprintf(out, "  %-10s", strcat(names, ":"));
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)o);
        const char *gap = " ";
        for (int k = 0; k < info->key_count; k++) {
            const descent_hparam_key key = info->keys[k].key;
            if (common[key])
                continue;
            fprintf(out, "%s%s%s", gap, hp_flag(key),
                    descent_hparam_is_bool(key) ? "[=0|1]" : " X");
            gap = "  ";
        }
        fprintf(out, "\n");
    }
}

/* ------------------------------------------------------------- options */

typedef enum { SCHED_CONSTANT, SCHED_STEP, SCHED_EXPONENTIAL, SCHED_COSINE } schedule_kind;
static const char *const schedule_names[] = {"constant", "step", "exponential", "cosine"};

typedef struct options {
    const problem_info *problem;
    const char *model;
    const char *activation_name;
    descent_activation activation;
    int optim_set;
    descent_optim_kind optim;
    int hp_set[DESCENT_HP_COUNT];
    double hp_value[DESCENT_HP_COUNT];
    int batch_set;
    long batch; /* 0 = full */
    int schedule_set;
    schedule_kind schedule;
    long step_size;      /* 0 = default */
    double gamma;        /* NAN = default */
    long t_max;          /* 0 = default */
    long warmup;
    long max_steps;      /* 0 = no limit */
    long epochs;         /* 0 = problem default */
    double grad_tol;     /* 0 = off */
    int target_loss_set;
    double target_loss;
    double target_accuracy; /* 0 = off */
    unsigned long long seed;
    descent_isa isa;
    int threads;
    const char *data_dir;
    long train_limit, test_limit; /* 0 = all */
    int standardize; /* -1 = the problem's default (on for fashion-mnist) */
    const char *log_path;
    int quiet;
    int nonfinite_set; /* --on-nonfinite given; else the divergence rule */
    descent_nonfinite_policy nonfinite;
    long max_skips; /* --on-nonfinite skip: consecutive skips that stop the run; 0 = none */
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: descent train --problem NAME [options]\n"
            "\n"
            "Trains a model with one of the optimizers and prints a summary line: steps,\n"
            "epochs, seconds, the final loss over the whole training set (f on the 2-D\n"
            "functions), the test accuracy and why it stopped.  One progress line per\n"
            "epoch goes to stderr.  Exit status 0, or 1 if the loss became NaN/Inf,\n"
            "2 for bad options or data.\n"
            "\n"
            "problems (default optimizer, lr, batch, epochs):\n");
    for (size_t i = 0; i < N_PROBLEMS; i++) {
        const problem_info *p = &problems[i];
        char batch[32];
        if (p->kind == KIND_FUNC)
            snprintf(batch, sizeof batch, "-");
        else if (p->batch == 0)
            snprintf(batch, sizeof batch, "full");
        else
            snprintf(batch, sizeof batch, "%ld", p->batch);
        fprintf(out, "  %-14s %s\n  %14s (%s, lr %g, batch %s, %ld %s%s)\n", p->name,
                p->summary, "", descent_optim_name(p->optim), p->lr, batch, p->epochs,
                p->kind == KIND_FUNC ? "steps" : "epochs", p->cosine ? ", cosine schedule" : "");
    }
    fprintf(out,
            "\n"
            "model (fashion-mnist only):\n"
            "  --model SIZES         layer sizes, input first (default 784-128-10)\n"
            "  --activation NAME     relu, tanh or sigmoid (default relu)\n"
            "  --standardize[=0|1]   pixels standardized to mean 0, std 1 with the training\n"
            "                        set's statistics (the default), or =0: pixel/255 in [0, 1]\n"
            "\n"
            "optimizer (torch.optim's names and defaults):\n"
            "  --optimizer NAME     ");
    for (int o = 0; o < DESCENT_OPTIM_COUNT; o++)
        fprintf(out, " %s", descent_optim_name((descent_optim_kind)o));
    fprintf(out,
            "\n"
            "                        (default: the problem's; its lr is the problem's, any\n"
            "                        other optimizer starts from torch.optim's default lr)\n");
    print_hp_flags(out);
    fprintf(out,
            "  A flag the chosen optimizer does not have is an error.\n"
            "\n"
            "batches and learning-rate schedule:\n"
            "  --batch full|B        full = gradient descent on the whole training set,\n"
            "                        1 = SGD, B = mini-batches of B, reshuffled every epoch\n"
            "                        (the last batch of an epoch may be smaller)\n"
            "  --schedule NAME       constant (the default, except cosine for fashion-mnist),\n"
            "                        step (lr*gamma^floor(e/step_size)),\n"
            "                        exponential (lr*gamma^e), cosine (lr*(1+cos(pi*e/t_max))/2),\n"
            "                        with e the number of finished epochs\n"
            "  --step-size N         epochs per step decay (default: a third of the epochs)\n"
            "  --gamma X             decay factor (default 0.1 for step, 0.9 for exponential)\n"
            "  --t-max N             cosine half-period in epochs (default: the epochs planned)\n"
            "  --warmup N            linear warm-up: step s <= N uses lr*s/N\n"
            "\n"
            "stopping (whichever comes first):\n"
            "  --epochs N            epoch limit (default: the problem's)\n"
            "  --max-steps N         optimizer step limit\n"
            "  --grad-tol X          stop when the gradient norm of a step's batch is below X\n"
            "                        (\"converged\"; with --batch full the true gradient)\n"
            "  --target-loss X       stop when a step's batch loss is at most X\n"
            "  --target-accuracy X   stop when the test accuracy (0..1, measured after every\n"
            "                        epoch) is at least X (fashion-mnist)\n"
            "\n"
            "run:\n"
            "  --seed N              seeds initialization, synthetic data and shuffling (default 1)\n"
            "  --isa NAME            scalar, avx2, avx512, neon or best (default best, or $DESCENT_ISA)\n"
            "  --threads N           run on N OpenMP threads (default: auto, each call on 1\n"
            "                        or all threads (OMP_NUM_THREADS or all cores), whichever\n"
            "                        is faster on this machine now; same results)\n"
            "  --data DIR            Fashion-MNIST directory (default: %s)\n"
            "  --train-limit N       use only the first N training examples\n"
            "  --test-limit N        use only the first N test examples\n"
            "  --log FILE.csv        one row per step: step,epoch,time_s,loss,grad_norm,lr,\n"
            "                        test_accuracy (after the epoch's last step, else empty);\n"
            "                        loss and grad_norm are the step's batch's, before the\n"
            "                        update.  A regular file is written under a temporary\n"
            "                        name and renamed when complete; a device or FIFO\n"
            "                        (/dev/stdout) directly.  Write errors: exit status 2\n"
            "  --quiet               no progress lines\n"
            "  --on-nonfinite POLICY a NaN/Inf gradient: propagate (step anyway, as PyTorch,\n"
            "                        then stop as diverged), skip (leave that step out and\n"
            "                        go on; --max-skips N in a row, default 100, 0 = no limit,\n"
            "                        stop the run with exit status 1), stop (exit 1 naming\n"
            "                        the element).  Default: stop\n"
            "                        as diverged at a non-finite loss or gradient, unstepped\n",
            *DESCENT_DATA_DIR ? DESCENT_DATA_DIR : "none found by configure");
}

static int parse_long(const char *flag, const char *v, long lo, long hi, long *out)
{
    return v && cli_parse_int(flag, v, lo, hi, out);
}

static int parse_positive(const char *flag, const char *v, double *out)
{
    if (!v || !cli_parse_double(flag, v, out))
        return 0;
    if (!(*out > 0)) {
        cli_error("%s: %s must be greater than 0", flag, v);
        return 0;
    }
    return 1;
}

static int parse_seed(const char *v, unsigned long long *out)
{
    if (!v)
        return 0;
    char *end;
    errno = 0;
    unsigned long long s = strtoull(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || errno == ERANGE) {
        cli_error("--seed: '%s' is not an unsigned 64-bit integer", v);
        return 0;
    }
    *out = s;
    return 1;
}

/* Parses argv into *o; returns 0 after printing the error. */
static int parse_options(int argc, char **argv, options *o, int *help)
{
    memset(o, 0, sizeof *o);
    o->isa = DESCENT_ISA_BEST;
    o->gamma = NAN;
    o->seed = 1;
    o->standardize = -1;
    o->data_dir = DESCENT_DATA_DIR;
    o->max_skips = 100;
    *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
#define VALUE(flag) cli_flag_value(argc, argv, &i, flag)
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            *help = 1;
            return 1;
        }
        int hp = -1;
        for (int k = 0; k < DESCENT_HP_COUNT; k++)
            if (cli_is_flag(arg, hp_flag((descent_hparam_key)k)))
                hp = k;
        if (hp >= 0) {
            const char *flag = hp_flag((descent_hparam_key)hp);
            double v;
            if (descent_hparam_is_bool((descent_hparam_key)hp)) {
                const char *eq = strchr(arg, '=');
                if (!eq || !strcmp(eq + 1, "1") || !strcmp(eq + 1, "true")) {
                    v = 1;
                } else if (!strcmp(eq + 1, "0") || !strcmp(eq + 1, "false")) {
                    v = 0;
                } else {
                    cli_error("%s: '%s' is not 0, 1, true or false", flag, eq + 1);
                    return 0;
                }
            } else {
                const char *text = VALUE(flag);
                if (!text || !cli_parse_double(flag, text, &v))
                    return 0;
                if (hp == DESCENT_HP_LR && !(v > 0)) {
                    cli_error("--lr: %s must be greater than 0", text);
                    return 0;
                }
            }
            o->hp_set[hp] = 1;
            o->hp_value[hp] = v;
        } else if (cli_is_flag(arg, "--problem")) {
            const char *v = VALUE("--problem");
            if (!v)
                return 0;
            o->problem = NULL;
            for (size_t k = 0; k < N_PROBLEMS; k++)
                if (!strcmp(v, problems[k].name))
                    o->problem = &problems[k];
            if (!o->problem) {
                cli_error("--problem: unknown problem '%s' (expected linreg, linreg-2x1, "
                          "linreg-4-3x, linreg-multi, fashion-mnist, quadratic, rosenbrock or "
                          "beale)", v);
                return 0;
            }
        } else if (cli_is_flag(arg, "--model")) {
            if (!(o->model = VALUE("--model")))
                return 0;
            descent_mlp_shape s;
            if (descent_mlp_shape_parse(o->model, &s) != DESCENT_OK) {
                cli_error("--model: %s", descent_last_error());
                return 0;
            }
        } else if (cli_is_flag(arg, "--activation")) {
            if (!(o->activation_name = VALUE("--activation")))
                return 0;
            if (descent_activation_from_name(o->activation_name, &o->activation) != DESCENT_OK) {
                cli_error("--activation: %s", descent_last_error());
                return 0;
            }
        } else if (cli_is_flag(arg, "--optimizer")) {
            const char *v = VALUE("--optimizer");
            if (!v)
                return 0;
            if (descent_optim_from_name(v, &o->optim) != DESCENT_OK) {
                cli_error("--optimizer: %s", descent_last_error());
                return 0;
            }
            o->optim_set = 1;
        } else if (cli_is_flag(arg, "--batch")) {
            const char *v = VALUE("--batch");
            if (!v)
                return 0;
            o->batch_set = 1;
            if (!strcmp(v, "full"))
                o->batch = 0;
            else if (!cli_parse_int("--batch", v, 1, 1L << 30, &o->batch))
                return 0;
        } else if (cli_is_flag(arg, "--schedule")) {
            const char *v = VALUE("--schedule");
            if (!v)
                return 0;
            int found = -1;
            for (int k = 0; k < 4; k++)
                if (!strcmp(v, schedule_names[k]))
                    found = k;
            if (found < 0) {
                cli_error("--schedule: unknown schedule '%s' (expected constant, step, "
                          "exponential or cosine)", v);
                return 0;
            }
            o->schedule = (schedule_kind)found;
            o->schedule_set = 1;
        } else if (cli_is_flag(arg, "--step-size")) {
            if (!parse_long("--step-size", VALUE("--step-size"), 1, 1L << 40, &o->step_size))
                return 0;
        } else if (cli_is_flag(arg, "--gamma")) {
            if (!parse_positive("--gamma", VALUE("--gamma"), &o->gamma))
                return 0;
        } else if (cli_is_flag(arg, "--t-max")) {
            if (!parse_long("--t-max", VALUE("--t-max"), 1, 1L << 40, &o->t_max))
                return 0;
        } else if (cli_is_flag(arg, "--warmup")) {
            if (!parse_long("--warmup", VALUE("--warmup"), 0, 1L << 40, &o->warmup))
                return 0;
        } else if (cli_is_flag(arg, "--max-steps")) {
            if (!parse_long("--max-steps", VALUE("--max-steps"), 1, 1L << 40, &o->max_steps))
                return 0;
        } else if (cli_is_flag(arg, "--epochs")) {
            if (!parse_long("--epochs", VALUE("--epochs"), 1, 1L << 40, &o->epochs))
                return 0;
        } else if (cli_is_flag(arg, "--grad-tol")) {
            if (!parse_positive("--grad-tol", VALUE("--grad-tol"), &o->grad_tol))
                return 0;
        } else if (cli_is_flag(arg, "--target-loss")) {
            const char *v = VALUE("--target-loss");
            if (!v || !cli_parse_double("--target-loss", v, &o->target_loss))
                return 0;
            o->target_loss_set = 1;
        } else if (cli_is_flag(arg, "--target-accuracy")) {
            const char *v = VALUE("--target-accuracy");
            if (!v || !cli_parse_double("--target-accuracy", v, &o->target_accuracy))
                return 0;
            if (!(o->target_accuracy > 0 && o->target_accuracy <= 1)) {
                cli_error("--target-accuracy: %s is not in (0, 1] (a fraction, e.g. 0.88)", v);
                return 0;
            }
        } else if (cli_is_flag(arg, "--seed")) {
            if (!parse_seed(VALUE("--seed"), &o->seed))
                return 0;
        } else if (cli_is_flag(arg, "--isa")) {
            const char *v = VALUE("--isa");
            descent_isa requested;
            if (!v)
                return 0;
            if (descent_isa_from_name(v, &requested) != DESCENT_OK ||
                descent_isa_resolve(requested, &o->isa) != DESCENT_OK) {
                cli_error("--isa: %s", descent_last_error());
                return 0;
            }
        } else if (cli_is_flag(arg, "--threads")) {
            long t;
            if (!parse_long("--threads", VALUE("--threads"), 1, 1024, &t))
                return 0;
            o->threads = (int)t;
        } else if (cli_is_flag(arg, "--data")) {
            if (!(o->data_dir = VALUE("--data")))
                return 0;
            if (!*o->data_dir) {
                cli_error("--data: empty directory name");
                return 0;
            }
        } else if (cli_is_flag(arg, "--train-limit")) {
            if (!parse_long("--train-limit", VALUE("--train-limit"), 1, 1L << 30,
                            &o->train_limit))
                return 0;
        } else if (cli_is_flag(arg, "--test-limit")) {
            if (!parse_long("--test-limit", VALUE("--test-limit"), 1, 1L << 30, &o->test_limit))
                return 0;
        } else if (cli_is_flag(arg, "--log")) {
            if (!(o->log_path = VALUE("--log")))
                return 0;
            if (!*o->log_path) {
                cli_error("--log: empty file name");
                return 0;
            }
        } else if (cli_is_flag(arg, "--standardize")) {
            const char *eq = strchr(arg, '=');
            if (!eq || !strcmp(eq + 1, "1") || !strcmp(eq + 1, "true")) {
                o->standardize = 1;
            } else if (!strcmp(eq + 1, "0") || !strcmp(eq + 1, "false")) {
                o->standardize = 0;
            } else {
                cli_error("--standardize: '%s' is not 0, 1, true or false", eq + 1);
                return 0;
            }
        } else if (!strcmp(arg, "--quiet")) {
            o->quiet = 1;
        } else if (cli_is_flag(arg, "--on-nonfinite")) {
            const char *v = VALUE("--on-nonfinite");
            if (!v)
                return 0;
            if (descent_nonfinite_from_name(v, &o->nonfinite) != DESCENT_OK) {
                cli_error("--on-nonfinite: %s", descent_last_error());
                return 0;
            }
            o->nonfinite_set = 1;
        } else if (cli_is_flag(arg, "--max-skips")) {
            if (!parse_long("--max-skips", VALUE("--max-skips"), 0, 1L << 40, &o->max_skips))
                return 0;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            cli_error("train: unknown option '%s'", arg);
            return 0;
        } else {
            cli_error("train: unexpected argument '%s'", arg);
            return 0;
        }
#undef VALUE
    }
    return 1;
}

/* Checks that the options fit together and fills in the defaults. */
static int resolve_options(options *o, descent_hparams *h)
{
    if (!o->problem) {
        cli_error("train: --problem is required (see 'descent train --help')");
        return 0;
    }
    const problem_info *p = o->problem;
    const int mnist = p->kind == KIND_MNIST, func = p->kind == KIND_FUNC;
    struct {
        int given;
        const char *flag;
        int ok;
    } scope[] = {
        {o->model != NULL, "--model", mnist},
        {o->activation_name != NULL, "--activation", mnist},
        {o->standardize >= 0, "--standardize", mnist},
        {o->train_limit != 0, "--train-limit", mnist},
        {o->test_limit != 0, "--test-limit", mnist},
        {o->target_accuracy != 0, "--target-accuracy", mnist},
        {o->batch_set, "--batch", !func},
    };
    for (size_t k = 0; k < sizeof scope / sizeof scope[0]; k++) {
        if (scope[k].given && !scope[k].ok) {
            cli_error("%s does not apply to --problem %s", scope[k].flag, p->name);
            return 0;
        }
    }
    if (!o->optim_set)
        o->optim = p->optim;
    descent_hparams_default(o->optim, h);
    if (o->optim == p->optim)
        h->lr = p->lr;
    for (int k = 0; k < DESCENT_HP_COUNT; k++) {
        if (!o->hp_set[k])
            continue;
        if (!descent_optim_has_hparam(o->optim, (descent_hparam_key)k)) {
            cli_error("%s does not apply to --optimizer %s", hp_flag((descent_hparam_key)k),
                      descent_optim_name(o->optim));
            return 0;
        }
        descent_hparams_set(h, (descent_hparam_key)k, o->hp_value[k]);
    }
    if (descent_hparams_validate(o->optim, h) != DESCENT_OK) {
        cli_error("%s: %s", descent_optim_name(o->optim), descent_last_error());
        return 0;
    }
    if (!o->batch_set)
        o->batch = p->batch;
    if (!o->epochs)
        o->epochs = p->epochs;
    if (!o->schedule_set && p->cosine)
        o->schedule = SCHED_COSINE;
    if (o->standardize < 0)
        o->standardize = mnist;
    if (o->schedule != SCHED_STEP && o->step_size) {
        cli_error("--step-size applies to --schedule step");
        return 0;
    }
    if (o->schedule != SCHED_STEP && o->schedule != SCHED_EXPONENTIAL && !isnan(o->gamma)) {
        cli_error("--gamma applies to --schedule step or exponential");
        return 0;
    }
    if (o->schedule != SCHED_COSINE && o->t_max) {
        cli_error("--t-max applies to --schedule cosine");
        return 0;
    }
    if (isnan(o->gamma))
        o->gamma = o->schedule == SCHED_STEP ? 0.1 : 0.9;
    if (mnist) {
        struct stat st;
        if (!o->data_dir || !*o->data_dir) {
            cli_error("fashion-mnist: configure found no Fashion-MNIST data (apt-get install "
                      "dataset-fashion-mnist, or pass --data DIR)");
            return 0;
        }
        if (stat(o->data_dir, &st) != 0) {
            cli_error("--data: %s: %s", o->data_dir, strerror(errno));
            return 0;
        }
        if (!S_ISDIR(st.st_mode)) {
            cli_error("--data: %s: not a directory", o->data_dir);
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------- trainer */

typedef struct trainer {
    const options *o;
    descent_hparams h;
    size_t n;
    float *params, *grad;
    /* data problems: the model is an MLP (linear regression: one layer, MSE) */
    descent_mlp_shape shape;
    descent_mlp *mlp;
    descent_dataset train_set, test_set;
    descent_linreg lin;
    int n_train, n_test, in, out;
    const float *x, *y, *test_x;
    const int *labels, *test_labels;
    int batch; /* resolved; n_train for full */
    int *order;
    float *bx, *by, *logits;
    int *blab;
    descent_rng rng;
    /* 2-D functions */
    const descent_func2d *func;
    descent_optimizer *opt;
} trainer;

static void trainer_free(trainer *t)
{
    descent_mlp_free(t->mlp);
    descent_optimizer_free(t->opt);
    descent_dataset_free(&t->train_set);
    descent_dataset_free(&t->test_set);
    descent_linreg_free(&t->lin);
    free(t->params), free(t->grad), free(t->order), free(t->bx), free(t->by), free(t->blab);
    free(t->logits);
}


static int load_data(trainer *t)
{
    const options *o = t->o;
    const problem_info *p = o->problem;
    if (p->kind == KIND_LINREG) {
        if (descent_linreg_make(p->name, o->seed, &t->lin) != DESCENT_OK) {
            cli_error("%s", descent_last_error());
            return 0;
        }
        t->n_train = t->lin.n, t->in = t->lin.features, t->out = 1;
        t->x = t->lin.x, t->y = t->lin.y;
        t->shape = (descent_mlp_shape){.layers = 1, .sizes = {t->in, 1},
                                       .activation = DESCENT_RELU, .loss = DESCENT_MSE};
        return 1;
    }
    if (descent_fashion_mnist_load(o->data_dir, 1, &t->train_set) != DESCENT_OK ||
        descent_fashion_mnist_load(o->data_dir, 0, &t->test_set) != DESCENT_OK) {
        cli_error("fashion-mnist: %s", descent_last_error());
        return 0;
    }
    t->n_train = (int)t->train_set.count;
    t->n_test = (int)t->test_set.count;
    if (o->train_limit && o->train_limit < t->n_train)
        t->n_train = (int)o->train_limit;
    if (o->test_limit && o->test_limit < t->n_test)
        t->n_test = (int)o->test_limit;
    if (o->standardize) {
        descent_dataset subset = t->train_set;
        subset.count = (size_t)t->n_train;
        double mean, std;
        descent_dataset_pixel_stats(&subset, &mean, &std);
        if (!(std > 0)) {
            cli_error("--standardize: the training pixels have no spread");
            return 0;
        }
        descent_dataset_standardize(&t->train_set, mean, std);
        descent_dataset_standardize(&t->test_set, mean, std);
    }
    t->x = t->train_set.images, t->labels = t->train_set.labels;
    t->test_x = t->test_set.images, t->test_labels = t->test_set.labels;
    t->shape.activation = o->activation_name ? o->activation : DESCENT_RELU;
    t->shape.loss = DESCENT_CROSS_ENTROPY;
    descent_mlp_shape_parse(o->model ? o->model : "784-128-10", &t->shape);
    if (t->shape.sizes[0] != 784 || t->shape.sizes[t->shape.layers] != 10) {
        cli_error("--model %s: fashion-mnist needs 784 inputs and 10 outputs (e.g. 784-128-10)",
                  o->model);
        return 0;
    }
    t->in = 784, t->out = 10;
    return 1;
}

static int setup(trainer *t)
{
    const options *o = t->o;
    const problem_info *p = o->problem;
    if (p->kind == KIND_FUNC) {
        t->func = descent_func2d_find(p->name);
        t->n = 2;
        t->n_train = 1, t->batch = 1;
    } else {
        if (!load_data(t))
            return 0;
        if (o->batch > t->n_train) {
            cli_error("--batch %ld is larger than the %d training examples (use --batch full)",
                      o->batch, t->n_train);
            return 0;
        }
        t->batch = o->batch ? (int)o->batch : t->n_train;
        t->n = descent_mlp_param_count(&t->shape);
    }
    t->params = malloc(t->n * sizeof(float));
    t->grad = malloc(t->n * sizeof(float));
    if (!t->params || !t->grad) {
        cli_error("out of memory for %zu parameters", t->n);
        return 0;
    }
    if (t->func) {
        t->params[0] = (float)t->func->start[0];
        t->params[1] = (float)t->func->start[1];
    } else {
        /* Evaluation runs in chunks of at least 1000 examples. */
        const int max_batch = t->batch > 1000 ? t->batch : 1000;
        descent_status s = descent_mlp_create(&t->shape, max_batch, &t->mlp);
        if (s == DESCENT_OK)
            s = descent_mlp_set_isa(t->mlp, o->isa);
        if (s == DESCENT_OK)
            s = descent_mlp_set_threads(t->mlp, o->threads);
        if (s == DESCENT_OK)
            s = descent_mlp_init_params(&t->shape, t->params, o->seed);
        if (s != DESCENT_OK) {
            cli_error("%s", descent_last_error());
            return 0;
        }
        t->order = malloc((size_t)t->n_train * sizeof(int));
        t->bx = malloc((size_t)t->batch * t->in * sizeof(float));
        t->by = malloc((size_t)t->batch * t->out * sizeof(float));
        t->blab = malloc((size_t)t->batch * sizeof(int));
        t->logits = malloc((size_t)max_batch * t->out * sizeof(float));
        if (!t->order || !t->bx || !t->by || !t->blab || !t->logits) {
            cli_error("out of memory for batches of %d", t->batch);
            return 0;
        }
        for (int i = 0; i < t->n_train; i++)
            t->order[i] = i;
    }
    descent_rng_seed(&t->rng, o->seed ^ 0x5eed5eed5eed5eedULL);
    descent_status s = descent_optimizer_create(o->optim, &t->h, t->n, &t->opt);
    if (s == DESCENT_OK)
        s = descent_optimizer_set_isa(t->opt, o->isa);
    if (s == DESCENT_OK)
        s = descent_optimizer_set_threads(t->opt, o->threads);
    if (s != DESCENT_OK) {
        cli_error("%s", descent_last_error());
        return 0;
    }
    return 1;
}

/* Loss and gradient on examples order[start .. start+count). */
static int loss_grad(trainer *t, int start, int count, float *loss)
{
    if (t->func) {
        const double p[2] = {t->params[0], t->params[1]};
        double g[2];
        *loss = (float)t->func->f(p, g);
        t->grad[0] = (float)g[0], t->grad[1] = (float)g[1];
        return 1;
    }
    const float *x = t->x, *y = t->y;
    const int *labels = t->labels;
    if (count < t->n_train) { /* gather the batch */
        for (int k = 0; k < count; k++) {
            const int e = t->order[start + k];
            memcpy(t->bx + (size_t)k * t->in, t->x + (size_t)e * t->in,
                   (size_t)t->in * sizeof(float));
            if (t->y)
                memcpy(t->by + (size_t)k * t->out, t->y + (size_t)e * t->out,
                       (size_t)t->out * sizeof(float));
            if (t->labels)
                t->blab[k] = t->labels[e];
        }
        x = t->bx, y = t->y ? t->by : NULL, labels = t->labels ? t->blab : NULL;
    }
    if (descent_mlp_loss_grad(t->mlp, t->params, count, x, labels, y, t->grad, loss) !=
        DESCENT_OK) {
        cli_error("%s", descent_last_error());
        return 0;
    }
    return 1;
}

/* Loss over the whole training set at the current parameters. */
static double full_loss(trainer *t)
{
    if (t->func) {
        const double p[2] = {t->params[0], t->params[1]};
        double g[2];
        return t->func->f(p, g);
    }
    const int chunk = descent_mlp_max_batch(t->mlp);
    double total = 0;
    for (int start = 0; start < t->n_train; start += chunk) {
        const int count = t->n_train - start < chunk ? t->n_train - start : chunk;
        float loss = NAN;
        descent_mlp_loss_grad(t->mlp, t->params, count, t->x + (size_t)start * t->in,
                              t->labels ? t->labels + start : NULL,
                              t->y ? t->y + (size_t)start * t->out : NULL, NULL, &loss);
        total += (double)loss * count;
    }
    return total / t->n_train;
}

/* Fraction of the test set classified correctly (argmax of the logits). */
static double test_accuracy(trainer *t)
{
    const int chunk = descent_mlp_max_batch(t->mlp);
    long correct = 0;
    for (int start = 0; start < t->n_test; start += chunk) {
        const int count = t->n_test - start < chunk ? t->n_test - start : chunk;
        descent_mlp_forward(t->mlp, t->params, count, t->test_x + (size_t)start * t->in,
                            t->logits);
        for (int k = 0; k < count; k++) {
            const float *z = t->logits + (size_t)k * t->out;
            int best = 0;
            for (int c = 1; c < t->out; c++)
                if (z[c] > z[best])
                    best = c;
            correct += best == t->test_labels[start + k];
        }
    }
    return (double)correct / t->n_test;
}

static double scheduled_lr(const options *o, double base, long epochs_done, long step,
                           long planned_epochs)
{
    double lr = base;
    switch (o->schedule) {
    case SCHED_STEP: {
        const long size = o->step_size ? o->step_size
                                       : (planned_epochs >= 3 ? planned_epochs / 3 : 1);
        lr = base * pow(o->gamma, (double)(epochs_done / size));
        break;
    }
    case SCHED_EXPONENTIAL: lr = base * pow(o->gamma, (double)epochs_done); break;
    case SCHED_COSINE: {
        const long t_max = o->t_max ? o->t_max : planned_epochs;
        lr = base * 0.5 * (1.0 + cos(PI * (double)epochs_done / (double)t_max));
        break;
    }
    default: break;
    }
    if (o->warmup > 0 && step <= o->warmup)
        lr *= (double)step / (double)o->warmup;
    return lr;
}

typedef enum {
    STOP_NONE, STOP_EPOCHS, STOP_MAX_STEPS, STOP_CONVERGED, STOP_TARGET_LOSS,
    STOP_TARGET_ACCURACY, STOP_DIVERGED, STOP_SKIPS
} stop_reason;

int cmd_train(int argc, char **argv)
{
    options o;
    int help;
    if (!parse_options(argc, argv, &o, &help))
        return EXIT_USAGE;
    if (help) {
        usage(stdout);
        return 0;
    }
    trainer t;
    memset(&t, 0, sizeof t);
    t.o = &o;
    if (!resolve_options(&o, &t.h))
        return EXIT_USAGE;
    if (o.isa == DESCENT_ISA_BEST && descent_isa_resolve(DESCENT_ISA_BEST, &o.isa) != DESCENT_OK) {
        cli_error("%s", descent_last_error());
        return EXIT_USAGE;
    }
    /* The log is opened before the data is loaded and anything runs, so an
     * unwritable path (a directory, a missing folder) costs nothing. */
    descent_outfile *log_file = NULL;
    if (o.log_path && descent_outfile_open(o.log_path, &log_file) != DESCENT_OK) {
        cli_error("--log: %s", descent_last_error());
        return EXIT_USAGE;
    }
    FILE *log = descent_outfile_stream(log_file);
    if (!setup(&t)) {
        descent_outfile_discard(log_file);
        trainer_free(&t);
        return EXIT_USAGE;
    }
    if (log)
        fprintf(log, "step,epoch,time_s,loss,grad_norm,lr,test_accuracy\n");

    if (o.nonfinite_set)
        descent_optimizer_set_nonfinite(t.opt, o.nonfinite);
    long skipped_steps = 0, skipped_in_a_row = 0;

    /* "2 threads", or "auto threads (1 or 2)": the default measures per
     * call which one pays (descent_optimizer_set_threads). */
    char threads[48];
    int most = 1;
#if DESCENT_HAVE_OPENMP
    most = omp_get_max_threads();
#endif
    if (o.threads > 0 || most == 1)
        snprintf(threads, sizeof threads, "%d threads", o.threads > 0 ? o.threads : 1);
    else
        snprintf(threads, sizeof threads, "auto threads (1 or %d)", most);
    const long steps_per_epoch = (t.n_train + t.batch - 1) / t.batch;
    long planned_epochs = o.epochs;
    if (o.max_steps && (o.max_steps + steps_per_epoch - 1) / steps_per_epoch < planned_epochs)
        planned_epochs = (o.max_steps + steps_per_epoch - 1) / steps_per_epoch;
    const int shuffle = !t.func && t.batch < t.n_train;
    if (!o.quiet) {
        fprintf(stderr, "train: %s", o.problem->name);
        if (o.problem->kind == KIND_MNIST) {
            fprintf(stderr, ", model %s %s, %d train / %d test examples, pixels %s",
                    o.model ? o.model : "784-128-10", descent_activation_name(t.shape.activation),
                    t.n_train, t.n_test, o.standardize ? "standardized" : "in [0, 1]");
        } else if (o.problem->kind == KIND_LINREG) {
            fprintf(stderr, " (%s)", t.lin.formula);
        }
        fprintf(stderr, ", %s lr %g (%s schedule)", descent_optim_name(o.optim), t.h.lr,
                schedule_names[o.schedule]);
        if (!t.func)
            fprintf(stderr, ", batch %d, %ld steps per epoch", t.batch, steps_per_epoch);
        fprintf(stderr, ", seed %llu, isa %s, %s\n", o.seed, descent_isa_name(o.isa), threads);
    }

    const double t0 = descent_seconds();
    double last_progress = -1;
    long step = 0, epoch = 0;
    stop_reason stop = STOP_NONE;
    double last_accuracy = NAN, last_gnorm = NAN;
    float last_loss = NAN;
    int accuracy_current = 0; /* last_accuracy measured at the current parameters */
    int ok = 1;
    while (stop == STOP_NONE && ok && !(log && ferror(log))) {
        epoch++;
        if (shuffle)
            descent_rng_shuffle(&t.rng, t.order, (size_t)t.n_train);
        double epoch_loss = 0;
        long epoch_steps = 0;
        for (int start = 0; start < t.n_train && stop == STOP_NONE; start += t.batch) {
            const int count = t.n_train - start < t.batch ? t.n_train - start : t.batch;
            const double lr = scheduled_lr(&o, t.h.lr, epoch - 1, step + 1, planned_epochs);
            descent_optimizer_set_lr(t.opt, lr);
            float loss;
            if (!(ok = loss_grad(&t, start, count, &loss)))
                break;
            double sum_sq = 0;
            for (size_t i = 0; i < t.n; i++)
                sum_sq += (double)t.grad[i] * t.grad[i];
            const double gnorm = sqrt(sum_sq);
            last_loss = loss, last_gnorm = gnorm;
            const int finite = isfinite(loss) && isfinite(gnorm);
            /* took: a step was taken; diverged: stop after this row. */
            int took = finite, diverged = !finite;
            if (o.nonfinite_set) { /* --on-nonfinite: the optimizer's check decides */
                const long skipped_before = descent_optimizer_skipped_steps(t.opt);
                if (descent_optimizer_step(t.opt, t.params, t.grad) == DESCENT_ERR_NONFINITE) {
                    cli_error("%s", descent_last_error());
                    took = 0, diverged = 1;
                } else if (descent_optimizer_skipped_steps(t.opt) > skipped_before) {
                    took = 0, diverged = 0;
                    skipped_steps++;
                    skipped_in_a_row++;
                } else {
                    took = 1, diverged = !finite;
                }
            }
            if (took) {
                skipped_in_a_row = 0;
                if (!o.nonfinite_set)
                    descent_optimizer_step(t.opt, t.params, t.grad);
                step++;
                accuracy_current = 0;
                epoch_loss += loss;
                epoch_steps++;
            }
            double acc = NAN;
            if (took && start + count >= t.n_train && t.n_test > 0) {
                acc = last_accuracy = test_accuracy(&t);
                accuracy_current = 1;
            }
            if (log) {
                fprintf(log, "%ld,%ld,%.6f,%.9g,%.9g,%.9g,", took ? step : step + 1, epoch,
                        descent_seconds() - t0, loss, gnorm, lr);
                if (!isnan(acc))
                    fprintf(log, "%.6f", acc);
                fputc('\n', log);
                if (ferror(log)) /* a full disk or a size limit: commit says which */
                    break;
            }
            if (diverged)
                stop = STOP_DIVERGED;
            else if (!took && o.max_skips && skipped_in_a_row >= o.max_skips)
                stop = STOP_SKIPS; /* the gradient stays non-finite: no point going on */
            else if (!took)
                continue; /* --on-nonfinite skip */
            else if (o.grad_tol > 0 && gnorm < o.grad_tol)
                stop = STOP_CONVERGED;
            else if (o.target_loss_set && loss <= o.target_loss)
                stop = STOP_TARGET_LOSS;
            else if (o.target_accuracy > 0 && !isnan(acc) && acc >= o.target_accuracy)
                stop = STOP_TARGET_ACCURACY;
            else if (o.max_steps && step >= o.max_steps)
                stop = STOP_MAX_STEPS;
        }
        if (stop == STOP_NONE && epoch >= o.epochs)
            stop = STOP_EPOCHS;
        const double elapsed = descent_seconds() - t0;
        if (!o.quiet && ok && (stop != STOP_NONE || elapsed - last_progress >= 0.5)) {
            last_progress = elapsed;
            if (t.func)
                fprintf(stderr, "step %ld/%ld: f %.6g", step, planned_epochs, (double)last_loss);
            else
                fprintf(stderr, "epoch %ld/%ld: step %ld, loss %.6g (epoch mean)", epoch,
                        planned_epochs, step, epoch_steps ? epoch_loss / epoch_steps : last_loss);
            if (accuracy_current)
                fprintf(stderr, ", test accuracy %.4f", last_accuracy);
            fprintf(stderr, ", lr %.4g, %.1f s\n", descent_optimizer_hparams(t.opt)->lr, elapsed);
        }
    }
    const double seconds = descent_seconds() - t0;

    /* A log that could not be written whole (ENOSPC, EFBIG) is a data
     * error, status 2, distinct from a diverged run's 1. */
    int status = ok ? 0 : 1;
    if (log_file && !ok) {
        descent_outfile_discard(log_file);
    } else if (log_file && descent_outfile_commit(log_file) != DESCENT_OK) {
        cli_error("--log: %s", descent_last_error());
        status = EXIT_USAGE;
    }
    if (status != 0) {
        trainer_free(&t);
        return status;
    }

    /* The summary. */
    const double final_loss = full_loss(&t);
    if (t.n_test > 0 && !accuracy_current)
        last_accuracy = test_accuracy(&t);
    printf("train: %s %s, %ld steps", o.problem->name, descent_optim_name(o.optim), step);
    if (!t.func)
        printf(", %ld epochs", epoch);
    if (skipped_steps)
        printf(", %ld skipped (non-finite gradient)", skipped_steps);
    printf(", %.2f s, isa %s, %s; final %s %.6g", seconds, descent_isa_name(o.isa), threads,
           t.func ? "f" : "loss", final_loss);
    if (t.n_test > 0)
        printf(", test accuracy %.4f", last_accuracy);
    if (o.problem->kind == KIND_LINREG) {
        double dist = fabs((double)t.params[descent_mlp_bias_offset(&t.shape, 1)] - t.lin.b);
        for (int f = 0; f < t.lin.features; f++)
            dist = fmax(dist, fabs((double)t.params[f] - t.lin.w[f]));
        printf(" (least squares %.6g), max|theta - theta*| %.3g", t.lin.loss_at_solution, dist);
    } else if (t.func) {
        const double dx = t.params[0] - t.func->minimum[0], dy = t.params[1] - t.func->minimum[1];
        printf(" at (%.6g, %.6g), distance to the minimum (%g, %g) %.3g", t.params[0],
               t.params[1], t.func->minimum[0], t.func->minimum[1], sqrt(dx * dx + dy * dy));
    }
    printf("; stopped: ");
    switch (stop) {
    case STOP_EPOCHS: printf("epoch limit (%ld)\n", o.epochs); break;
    case STOP_MAX_STEPS: printf("step limit (%ld)\n", o.max_steps); break;
    case STOP_CONVERGED: printf("converged (gradient norm %.3g < %g)\n", last_gnorm, o.grad_tol); break;
    case STOP_TARGET_LOSS: printf("target loss reached (%.6g <= %g)\n", last_loss, o.target_loss); break;
    case STOP_TARGET_ACCURACY:
        printf("target accuracy reached (%.4f >= %g)\n", last_accuracy, o.target_accuracy);
        break;
    case STOP_DIVERGED: printf("diverged (loss %g, gradient norm %g)\n", last_loss, last_gnorm); break;
    case STOP_SKIPS:
        printf("%ld steps in a row skipped for a non-finite gradient (--max-skips)\n", o.max_skips);
        break;
    default: printf("\n"); break;
    }
    /* Parameters left non-finite (--on-nonfinite skip can end a run there
     * when the last steps were taken with huge but finite gradients) are a
     * failed run, whatever rule stopped it. */
    if (!isfinite(final_loss)) {
        cli_error("train: the final %s is not finite", t.func ? "f" : "loss");
        trainer_free(&t);
        return 1;
    }
    trainer_free(&t);
    return stop == STOP_DIVERGED || stop == STOP_SKIPS ? 1 : 0;
}

int cmd_train_check(int argc, char **argv)
{
    options o;
    descent_hparams h;
    int help;
    if (!parse_options(argc, argv, &o, &help))
        return EXIT_USAGE;
    if (help)
        return 0;
    return resolve_options(&o, &h) ? 0 : EXIT_USAGE;
}
