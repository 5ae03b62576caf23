/*
 * descent golden — replays oracle files and compares with the tolerance that
 * ../shared/golden/README.md recommends:
 *   optimizers: at every step t, max_i |got - want| <= 1e-5 * S_t, where S_t
 *               is the running max of |value| over init and param 1..t;
 *   MLP:        |loss - want| <= 1e-5 |want|; per gradient tensor
 *               max|got - want| <= rtol * max|want|, rtol 1e-5 (1e-4 when a
 *               layer's fan-in is 100 or more);
 *   schedules:  every lr and momentum value within 1e-12 * max(1, |want|)
 *               (FORMAT.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/golden.h"
#include "cli.h"

#define OPTIM_RTOL 1e-5
#define MLP_LOSS_RTOL 1e-5
#define MLP_GRAD_RTOL 1e-5      /* per tensor, relative to max|want| */
#define MLP_GRAD_RTOL_WIDE 1e-4 /* layers with fan-in >= 100 */
#define SCHED_RTOL 1e-12

typedef struct golden_options {
    descent_isa isa;
    int threads;
} golden_options;

typedef enum { RESULT_PASS, RESULT_FAIL, RESULT_SKIP, RESULT_ERROR } result;

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Replays an optimizer trajectory and reports the element whose error is the
 * largest fraction of its step's tolerance. */
static result replay_optim(const char *path, const golden_optim *o, const golden_options *opt)
{
    descent_optimizer *optimizer;
    if (descent_optimizer_create(o->kind, &o->h, o->n, &optimizer) != DESCENT_OK ||
        descent_optimizer_set_isa(optimizer, opt->isa) != DESCENT_OK ||
        descent_optimizer_set_threads(optimizer, opt->threads) != DESCENT_OK) {
        printf("ERROR %s: %s\n", base_name(path), descent_last_error());
        descent_optimizer_free(optimizer);
        return RESULT_ERROR;
    }
    float *param = malloc((o->n ? o->n : 1) * sizeof(float));
    if (!param) {
        printf("ERROR %s: out of memory\n", base_name(path));
        descent_optimizer_free(optimizer);
        return RESULT_ERROR;
    }
    memcpy(param, o->init, o->n * sizeof(float));

    double scale = 0;
    for (size_t i = 0; i < o->n; i++)
        scale = fmax(scale, fabs(o->init[i]));
    double worst_ratio = 0, worst_err = 0, worst_tol = 0;
    long worst_step = 0;
    size_t worst_index = 0;
    float worst_got = 0, worst_want = 0;
    int nonfinite = 0;

    for (long t = 1; t <= o->steps; t++) {
        const float *grad = o->grads + (size_t)(t - 1) * o->n;
        const float *want = o->params + (size_t)(t - 1) * o->n;
        descent_optimizer_step(optimizer, param, grad);
        for (size_t i = 0; i < o->n; i++)
            scale = fmax(scale, fabs(want[i]));
        const double tol = OPTIM_RTOL * scale;
        for (size_t i = 0; i < o->n; i++) {
            double err = fabs((double)param[i] - (double)want[i]);
            if (!isfinite(param[i]) && isfinite(want[i]))
                nonfinite = 1, err = INFINITY;
            /* tol can be 0 when every value so far is 0: then only exact passes */
            double ratio = tol > 0 ? err / tol : (err > 0 ? INFINITY : 0);
            if (ratio > worst_ratio || (t == 1 && i == 0)) {
                worst_ratio = ratio, worst_err = err, worst_tol = tol;
                worst_step = t, worst_index = i, worst_got = param[i], worst_want = want[i];
            }
        }
    }
    free(param);
    descent_optimizer_free(optimizer);

    if (worst_ratio <= 1.0 && !nonfinite) {
        /* worst_ratio * OPTIM_RTOL is the README's metric, max|err|/S_t */
        printf("PASS  %-40s %-8s n=%-6zu steps=%-4ld worst max|err|/S_t %.2e\n",
               base_name(path), descent_optim_name(o->kind), o->n, o->steps,
               worst_ratio * OPTIM_RTOL);
        return RESULT_PASS;
    }
    printf("FAIL  %-40s %-8s step %ld index %zu: got %.9g want %.9g (err %.3g > tol %.3g)\n",
           base_name(path), descent_optim_name(o->kind), worst_step, worst_index, worst_got,
           worst_want, worst_err, worst_tol);
    return RESULT_FAIL;
}

/* The worst of one schedule value against its tolerance, SCHED_RTOL *
 * max(1, |want|): the ratio err/tol, with what to print if it fails. */
typedef struct sched_worst {
    double ratio;
    long step;
    const char *what;
    double got, want;
} sched_worst;

static void sched_compare(sched_worst *w, const char *what, long step, double got, double want)
{
    const double tol = SCHED_RTOL * fmax(1.0, fabs(want));
    const double err = fabs(got - want);
    const double ratio = isnan(err) ? INFINITY : err / tol;
    if (ratio > w->ratio || w->what == NULL)
        *w = (sched_worst){ratio, step, what, got, want};
}

/* Replays a schedule: the lr (and momentum) after construction, then after
 * each step with the file's metric. */
static result replay_sched(const char *path, const golden_sched *g)
{
    descent_schedule *s;
    if (descent_schedule_create(g->name, g->args, g->lr, GOLDEN_SCHED_MOMENTUM, 0, &s) !=
        DESCENT_OK) {
        printf("ERROR %s: %s\n", base_name(path), descent_last_error());
        return RESULT_ERROR;
    }
    sched_worst w = {0};
    for (long t = 0; t <= g->steps; t++) {
        if (t > 0 && descent_schedule_step(s, g->metrics ? g->metrics[t - 1] : NAN) !=
                         DESCENT_OK) {
            /* PyTorch would have raised here too: the file is not one it wrote. */
            printf("ERROR %s: step %ld: %s\n", base_name(path), t, descent_last_error());
            descent_schedule_free(s);
            return RESULT_ERROR;
        }
        sched_compare(&w, "lr", t, descent_schedule_lr(s), g->lr_values[t]);
        if (g->momentum_values)
            sched_compare(&w, "momentum", t, descent_schedule_momentum(s),
                          g->momentum_values[t]);
    }
    descent_schedule_free(s);
    if (w.ratio <= 1.0) {
        printf("PASS  %-40s sched    %s steps=%ld%s worst |err|/max(1,|want|) %.2e\n",
               base_name(path), g->name, g->steps, g->momentum_values ? " +momentum" : "",
               w.ratio * SCHED_RTOL);
        return RESULT_PASS;
    }
    printf("FAIL  %-40s sched    %s step %ld %s: got %.17g want %.17g (err %.3g > tol %.3g)\n",
           base_name(path), g->name, w.step, w.what, w.got, w.want, fabs(w.got - w.want),
           SCHED_RTOL * fmax(1.0, fabs(w.want)));
    return RESULT_FAIL;
}

/* Compares one gradient tensor: max|got - want| <= rtol * max|want|.  On
 * failure fills the worst element's description and returns 0. */
static int compare_tensor(const char *name, const float *got, const float *want, size_t n,
                          double rtol, double *worst_metric, char *why, size_t why_len)
{
    double scale = 0, worst = 0;
    size_t worst_i = 0;
    int nonfinite = 0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs(want[i]));
        double err = fabs((double)got[i] - (double)want[i]);
        if (!isfinite(got[i]))
            nonfinite = 1, err = INFINITY;
        if (err > worst || i == 0)
            worst = err, worst_i = i;
    }
    const double tol = rtol * scale;
    double metric = scale > 0 ? worst / scale : (worst > 0 ? INFINITY : 0);
    if (metric > *worst_metric)
        *worst_metric = metric;
    if (!nonfinite && worst <= tol)
        return 1;
    snprintf(why, why_len, "%s index %zu: got %.9g want %.9g (err %.3g > tol %.3g)", name,
             worst_i, got[worst_i], want[worst_i], worst, tol);
    return 0;
}

/* Replays an MLP file with the fast MLP object: the loss within 1e-5
 * relative, each dW_l and db_l within rtol * max|want|. */
static result replay_mlp(const char *path, const golden_mlp *m, const golden_options *opt)
{
    descent_mlp_shape shape = {.layers = m->layers};
    memcpy(shape.sizes, m->sizes, sizeof(int) * (size_t)(m->layers + 1));
    descent_mlp *mlp = NULL;
    float *params = NULL, *grad = NULL;
    if (m->layers > DESCENT_MLP_MAX_LAYERS ||
        descent_activation_from_name(m->activation, &shape.activation) != DESCENT_OK ||
        descent_loss_from_name(m->loss, &shape.loss) != DESCENT_OK ||
        descent_mlp_create(&shape, m->batch, &mlp) != DESCENT_OK ||
        descent_mlp_set_isa(mlp, opt->isa) != DESCENT_OK ||
        descent_mlp_set_threads(mlp, opt->threads) != DESCENT_OK) {
        printf("ERROR %s: %s\n", base_name(path), m->layers > DESCENT_MLP_MAX_LAYERS
                                                      ? "too many layers" : descent_last_error());
        descent_mlp_free(mlp);
        return RESULT_ERROR;
    }
    const size_t n = descent_mlp_param_count(&shape);
    params = malloc(n * sizeof(float));
    grad = malloc(n * sizeof(float));
    if (!params || !grad) {
        printf("ERROR %s: out of memory\n", base_name(path));
        free(params), free(grad), descent_mlp_free(mlp);
        return RESULT_ERROR;
    }
    for (int l = 1; l <= shape.layers; l++) {
        const size_t in = (size_t)shape.sizes[l - 1], out = (size_t)shape.sizes[l];
        memcpy(params + descent_mlp_weight_offset(&shape, l), m->W[l - 1], in * out * sizeof(float));
        memcpy(params + descent_mlp_bias_offset(&shape, l), m->b[l - 1], out * sizeof(float));
    }
    float loss;
    if (descent_mlp_loss_grad(mlp, params, m->batch, m->x, m->labels, m->target, grad, &loss) !=
        DESCENT_OK) {
        printf("ERROR %s: %s\n", base_name(path), descent_last_error());
        free(params), free(grad), descent_mlp_free(mlp);
        return RESULT_ERROR;
    }

    char why[256] = "";
    int ok = 1;
    const double loss_err = fabs((double)loss - m->loss_value);
    double worst = fabs(m->loss_value) > 0 ? loss_err / fabs(m->loss_value) : loss_err;
    if (!(loss_err <= MLP_LOSS_RTOL * fabs(m->loss_value))) {
        snprintf(why, sizeof why, "loss: got %.9g want %.9g (err %.3g > tol %.3g)", loss,
                 m->loss_value, loss_err, MLP_LOSS_RTOL * fabs(m->loss_value));
        ok = 0;
    }
    for (int l = 1; l <= shape.layers && ok; l++) {
        const size_t in = (size_t)shape.sizes[l - 1], out = (size_t)shape.sizes[l];
        const double rtol = in >= 100 ? MLP_GRAD_RTOL_WIDE : MLP_GRAD_RTOL;
        char name[16];
        snprintf(name, sizeof name, "dW%d", l);
        ok = compare_tensor(name, grad + descent_mlp_weight_offset(&shape, l), m->dW[l - 1],
                            in * out, rtol, &worst, why, sizeof why);
        if (ok) {
            snprintf(name, sizeof name, "db%d", l);
            ok = compare_tensor(name, grad + descent_mlp_bias_offset(&shape, l), m->db[l - 1],
                                out, rtol, &worst, why, sizeof why);
        }
    }
    free(params), free(grad), descent_mlp_free(mlp);

    char layers[128] = "";
    for (int l = 0; l <= shape.layers; l++) {
        size_t len = strlen(layers);
        snprintf(layers + len, sizeof layers - len, "%s%d", l ? "-" : "", shape.sizes[l]);
    }
    if (ok) {
        printf("PASS  %-40s mlp      %s %s %s batch=%d worst max|err|/max|want| %.2e\n",
               base_name(path), layers, m->activation, m->loss, m->batch, worst);
        return RESULT_PASS;
    }
    printf("FAIL  %-40s mlp      %s\n", base_name(path), why);
    return RESULT_FAIL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: descent golden [--isa NAME] [--threads N] FILE...\n"
            "\n"
            "Replays oracle files (format: ../shared/golden/FORMAT.md) with the chosen\n"
            "variant and prints PASS, FAIL, SKIP or ERROR per file, then a summary.\n"
            "Exit status: 0 if no file failed, 1 if a file FAILed (a value outside the\n"
            "tolerance), 2 if a file could not be read or is malformed (ERROR: the run is\n"
            "not a valid check, so 2 wins over 1), or on bad usage.\n"
            "\n"
            "  --isa NAME     scalar, avx2, avx512, neon or best (default: best, or $DESCENT_ISA)\n"
            "  --threads N    OpenMP threads (default: OMP_NUM_THREADS or all cores)\n");
}

int cmd_golden(int argc, char **argv)
{
    golden_options opt = {.isa = DESCENT_ISA_BEST, .threads = 0};
    const char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files)
        return EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            free(files);
            return 0;
        } else if (cli_is_flag(arg, "--isa")) {
            const char *v = cli_flag_value(argc, argv, &i, "--isa");
            descent_isa requested;
            if (!v || descent_isa_from_name(v, &requested) != DESCENT_OK ||
                descent_isa_resolve(requested, &opt.isa) != DESCENT_OK) {
                if (v)
                    cli_error("--isa: %s", descent_last_error());
                free(files);
                return EXIT_USAGE;
            }
        } else if (cli_is_flag(arg, "--threads")) {
            const char *v = cli_flag_value(argc, argv, &i, "--threads");
            long threads;
            if (!v || !cli_parse_int("--threads", v, 1, 1024, &threads)) {
                free(files);
                return EXIT_USAGE;
            }
            opt.threads = (int)threads;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            cli_error("golden: unknown option '%s'", arg);
            usage(stderr);
            free(files);
            return EXIT_USAGE;
        } else {
            files[nfiles++] = arg;
        }
    }
    if (nfiles == 0) {
        cli_error("golden: no files given");
        usage(stderr);
        free(files);
        return EXIT_USAGE;
    }
    if (opt.isa == DESCENT_ISA_BEST && descent_isa_resolve(DESCENT_ISA_BEST, &opt.isa)) {
        cli_error("%s", descent_last_error());
        free(files);
        return EXIT_USAGE;
    }

    printf("isa %s, threads %d; tolerance: optimizers max|got-want| <= %.0e * S_t "
           "(S_t = running max |value| of init..param t); MLP loss rel 1e-5, gradients "
           "max|got-want| <= rtol*max|want|, rtol 1e-5 (1e-4 for fan-in >= 100); "
           "schedules |got-want| <= 1e-12*max(1,|want|)\n",
           descent_isa_name(opt.isa), opt.threads, OPTIM_RTOL);
    int counts[4] = {0};
    for (int f = 0; f < nfiles; f++) {
        golden_file g;
        result r;
        if (golden_load(files[f], &g) != DESCENT_OK) {
            printf("ERROR %s\n", descent_last_error());
            r = RESULT_ERROR;
        } else if (g.is_mlp) {
            r = replay_mlp(files[f], &g.mlp, &opt);
        } else if (g.is_sched) {
            r = replay_sched(files[f], &g.sched);
        } else {
            r = replay_optim(files[f], &g.optim, &opt);
        }
        golden_free(&g);
        counts[r]++;
    }
    /* A file that cannot be read counts as failed: it proves nothing.  It is
     * a data error (status 2), not a numerical failure (1), and takes
     * precedence: a run over a broken file is not a valid check. */
    printf("golden: %d passed, %d failed, %d skipped\n", counts[RESULT_PASS],
           counts[RESULT_FAIL] + counts[RESULT_ERROR], counts[RESULT_SKIP]);
    free(files);
    if (counts[RESULT_ERROR])
        return EXIT_USAGE;
    return counts[RESULT_FAIL] ? 1 : 0;
}
