/*
 * Replays oracle files (descent_golden_check, include/descent.h) and
 * compares with the tolerance ../shared/golden/FORMAT.md recommends:
 *   optimizers: at every step t, max_i |got - want| <= 1e-5 * S_t, where S_t
 *               is the running max of |value| over init and param 1..t (a
 *               state the file records, ASGD's ax, has its own S_t);
 *   MLP:        |loss - want| <= 1e-5 |want|; per gradient tensor
 *               max|got - want| <= rtol * max|want|, rtol 1e-5 (1e-4 when a
 *               layer's fan-in is 100 or more);
 *   L-BFGS:     1e-4 * S_t, and the closure evaluations exactly;
 *   schedules:  1e-12 * max(1, |want|) on every lr and momentum;
 *   clipping:   golden_clip.c.
 * One place for `descent golden` and for the tests.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "internal.h"

#define OPTIM_RTOL 1e-5
#define SCHED_RTOL 1e-12 /* relative to max(1, |want|) */
#define MLP_LOSS_RTOL 1e-5
#define MLP_GRAD_RTOL 1e-5      /* per tensor, relative to max|want| */
#define MLP_GRAD_RTOL_WIDE 1e-4 /* layers with fan-in >= 100 */
#define LBFGS_RTOL 1e-4

typedef struct golden_options {
    descent_isa isa;
    int threads;
} golden_options;

typedef descent_golden_verdict result;
#define RESULT_PASS DESCENT_GOLDEN_PASS
#define RESULT_FAIL DESCENT_GOLDEN_FAIL
#define RESULT_ERROR DESCENT_GOLDEN_ERROR

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* One trajectory being compared row by row (the parameters, or a state the
 * file records): the running scale S_t and the worst element so far, as a
 * fraction of its step's tolerance. */
typedef struct row_check {
    const char *what; /* "param", "ax" */
    double scale;
    double worst_ratio, worst_err, worst_tol;
    long worst_step;
    size_t worst_index;
    float worst_got, worst_want;
    int nonfinite;
} row_check;

static void check_row(row_check *c, long t, const float *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c->scale = fmax(c->scale, fabs(want[i]));
    const double tol = OPTIM_RTOL * c->scale;
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - (double)want[i]);
        if (!isfinite(got[i]) && isfinite(want[i]))
            c->nonfinite = 1, err = INFINITY;
        /* tol can be 0 when every value so far is 0: then only exact passes */
        double ratio = tol > 0 ? err / tol : (err > 0 ? INFINITY : 0);
        if (ratio > c->worst_ratio || (t == 1 && i == 0)) {
            c->worst_ratio = ratio, c->worst_err = err, c->worst_tol = tol;
            c->worst_step = t, c->worst_index = i, c->worst_got = got[i];
            c->worst_want = want[i];
        }
    }
}

static int row_check_passed(const row_check *c)
{
    return c->worst_ratio <= 1.0 && !c->nonfinite;
}

/* Replays an optimizer trajectory and reports the element whose error is the
 * largest fraction of its step's tolerance: of the parameters and of the
 * state the file records (ASGD's ax), each with its own S_t. */
static result replay_optim(FILE *out, const char *path, const golden_optim *o,
                           const golden_options *opt)
{
    descent_optimizer *optimizer;
    if (descent_optimizer_create(o->kind, &o->h, o->n, &optimizer) != DESCENT_OK ||
        descent_optimizer_set_isa(optimizer, opt->isa) != DESCENT_OK ||
        descent_optimizer_set_threads(optimizer, opt->threads) != DESCENT_OK ||
        descent_optimizer_set_segments(optimizer, o->segment_count, o->segments) != DESCENT_OK) {
        fprintf(out, "ERROR %s: %s\n", base_name(path), descent_last_error());
        descent_optimizer_free(optimizer);
        return RESULT_ERROR;
    }
    float *param = malloc((o->n ? o->n : 1) * sizeof(float));
    if (!param) {
        fprintf(out, "ERROR %s: out of memory\n", base_name(path));
        descent_optimizer_free(optimizer);
        return RESULT_ERROR;
    }
    memcpy(param, o->init, o->n * sizeof(float));

    row_check checks[2] = {{.what = "param"}, {.what = NULL}};
    for (size_t i = 0; i < o->n; i++)
        checks[0].scale = fmax(checks[0].scale, fabs(o->init[i]));
    if (o->state_index >= 0)
        checks[1].what = descent_optim_state_name(o->kind, o->state_index);

    for (long t = 1; t <= o->steps; t++) {
        const size_t row = (size_t)(t - 1) * o->n;
        descent_optimizer_step(optimizer, param, o->grads + row);
        check_row(&checks[0], t, param, o->params + row, o->n);
        if (checks[1].what)
            check_row(&checks[1], t, descent_optimizer_state(optimizer, o->state_index),
                      o->states + row, o->n);
    }
    free(param);
    descent_optimizer_free(optimizer);

    const row_check *failed = !row_check_passed(&checks[0]) ? &checks[0]
                            : checks[1].what && !row_check_passed(&checks[1]) ? &checks[1]
                            : NULL;
    if (!failed) {
        /* worst_ratio * OPTIM_RTOL is the README's metric, max|err|/S_t */
        double worst = checks[0].worst_ratio;
        if (checks[1].what)
            worst = fmax(worst, checks[1].worst_ratio);
        fprintf(out, "PASS  %-40s %-8s n=%-6zu steps=%-4ld worst max|err|/S_t %.2e\n",
               base_name(path), descent_optim_name(o->kind), o->n, o->steps,
               worst * OPTIM_RTOL);
        return RESULT_PASS;
    }
    /* "step 3 index 0" for the parameters, "step 3 ax index 0" for a state */
    fprintf(out, "FAIL  %-40s %-8s step %ld %s%sindex %zu: got %.9g want %.9g (err %.3g > tol %.3g)\n",
           base_name(path), descent_optim_name(o->kind), failed->worst_step,
           failed == checks ? "" : failed->what, failed == checks ? "" : " ",
           failed->worst_index, failed->worst_got, failed->worst_want, failed->worst_err,
           failed->worst_tol);
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
static result replay_mlp(FILE *out, const char *path, const golden_mlp *m,
                         const golden_options *opt)
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
        fprintf(out, "ERROR %s: %s\n", base_name(path), m->layers > DESCENT_MLP_MAX_LAYERS
                                                      ? "too many layers" : descent_last_error());
        descent_mlp_free(mlp);
        return RESULT_ERROR;
    }
    const size_t n = descent_mlp_param_count(&shape);
    params = malloc(n * sizeof(float));
    grad = malloc(n * sizeof(float));
    if (!params || !grad) {
        fprintf(out, "ERROR %s: out of memory\n", base_name(path));
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
        fprintf(out, "ERROR %s: %s\n", base_name(path), descent_last_error());
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
        fprintf(out, "PASS  %-40s mlp      %s %s %s batch=%d worst max|err|/max|want| %.2e\n",
               base_name(path), layers, m->activation, m->loss, m->batch, worst);
        return RESULT_PASS;
    }
    fprintf(out, "FAIL  %-40s mlp      %s\n", base_name(path), why);
    return RESULT_FAIL;
}

/* Replays an L-BFGS file: each step one descent_lbfgs_step with the file's
 * problem as the closure; params within 1e-4 * S_t, func_evals exactly. */
static result replay_lbfgs(FILE *out, const char *path, const golden_lbfgs *g,
                           const golden_options *opt)
{
    descent_lbfgs *lbfgs = NULL;
    float *param = malloc(g->n * sizeof(float));
    if (!param || descent_lbfgs_create(&g->options, g->n, &lbfgs) != DESCENT_OK ||
        descent_lbfgs_set_isa(lbfgs, opt->isa) != DESCENT_OK ||
        descent_lbfgs_set_threads(lbfgs, opt->threads) != DESCENT_OK) {
        fprintf(out, "ERROR %s: %s\n", base_name(path), param ? descent_last_error() : "out of memory");
        descent_lbfgs_free(lbfgs);
        free(param);
        return RESULT_ERROR;
    }
    memcpy(param, g->init, g->n * sizeof(float));
    double scale = 0, worst = 0;
    for (size_t i = 0; i < g->n; i++)
        scale = fmax(scale, fabs(g->init[i]));
    char why[256] = "";
    for (long t = 1; t <= g->steps && !why[0]; t++) {
        const float *want = g->params + (size_t)(t - 1) * g->n;
        if (descent_lbfgs_step(lbfgs, param, golden_lbfgs_closure, (void *)g, NULL) !=
            DESCENT_OK) {
            snprintf(why, sizeof why, "step %ld: %s", t, descent_last_error());
            break;
        }
        for (size_t i = 0; i < g->n; i++)
            scale = fmax(scale, fabs(want[i]));
        for (size_t i = 0; i < g->n && !why[0]; i++) {
            const double err = fabs((double)param[i] - (double)want[i]);
            const double ratio = scale > 0 ? err / scale : (err > 0 ? INFINITY : 0);
            worst = fmax(worst, ratio);
            if (!(err <= LBFGS_RTOL * scale))
                snprintf(why, sizeof why, "step %ld index %zu: got %.9g want %.9g "
                         "(err %.3g > tol %.3g)", t, i, param[i], want[i], err,
                         LBFGS_RTOL * scale);
        }
        const long evals = descent_lbfgs_func_evals(lbfgs);
        if (!why[0] && evals != g->func_evals[t - 1])
            snprintf(why, sizeof why, "step %ld: func_evals %ld, want %ld", t, evals,
                     g->func_evals[t - 1]);
    }
    const long evals = descent_lbfgs_func_evals(lbfgs);
    descent_lbfgs_free(lbfgs);
    free(param);
    if (why[0]) {
        fprintf(out, "FAIL  %-40s lbfgs    %s\n", base_name(path), why);
        return RESULT_FAIL;
    }
    fprintf(out, "PASS  %-40s lbfgs    %s %s n=%zu steps=%ld func_evals=%ld "
           "worst max|err|/S_t %.2e\n", base_name(path), golden_lbfgs_problem_name(g->problem),
           descent_lbfgs_line_search_name(g->options.line_search_fn), g->n, g->steps, evals,
           worst);
    return RESULT_PASS;
}

/* Replays a schedule file: the lr (and momentum) after construction and
 * after each step within 1e-12 * max(1, |want|).  The base momentum is the
 * files' SGD momentum, 0.9. */
static int sched_value_fails(const char *what, long t, double got, double want, double *worst,
                             char *why, size_t size)
{
    const double tol = SCHED_RTOL * fmax(1.0, fabs(want));
    const double err = fabs(got - want);
    *worst = fmax(*worst, err / fmax(1.0, fabs(want)));
    if (err <= tol)
        return 0;
    snprintf(why, size, "%s after step %ld: got %.17g want %.17g (err %.3g > tol %.3g)", what,
             t, got, want, err, tol);
    return 1;
}

static result replay_sched(FILE *out, const char *path, const golden_sched *g)
{
    descent_schedule *s = NULL;
    if (descent_schedule_create(g->name, g->args, g->lr, 0.9, 0, &s) != DESCENT_OK) {
        fprintf(out, "ERROR %s: %s\n", base_name(path), descent_last_error());
        return RESULT_ERROR;
    }
    /* A file asking for a step the schedule refuses (one_cycle_lr past its
     * total_steps) is not a valid check: an ERROR, found before any value is
     * compared, so it wins over a FAIL. */
    for (long t = 1; t <= g->steps; t++)
        if (descent_schedule_step(s, g->metrics ? g->metrics[t - 1] : NAN) != DESCENT_OK) {
            fprintf(out, "ERROR %s: step %ld: %s\n", base_name(path), t, descent_last_error());
            descent_schedule_free(s);
            return RESULT_ERROR;
        }
    descent_schedule_free(s);
    if (descent_schedule_create(g->name, g->args, g->lr, 0.9, 0, &s) != DESCENT_OK) {
        fprintf(out, "ERROR %s: %s\n", base_name(path), descent_last_error());
        return RESULT_ERROR;
    }
    char why[256] = "";
    double worst = 0;
    for (long t = 0; t <= g->steps && !why[0]; t++) {
        if (t > 0 && descent_schedule_step(s, g->metrics ? g->metrics[t - 1] : NAN) !=
                         DESCENT_OK) {
            /* the file asks for a step the schedule refuses: not a valid check */
            fprintf(out, "ERROR %s: step %ld: %s\n", base_name(path), t, descent_last_error());
            descent_schedule_free(s);
            return RESULT_ERROR;
        }
        if (sched_value_fails("lr", t, descent_schedule_lr(s), g->lr_values[t], &worst, why,
                              sizeof why))
            break;
        if (g->momentum_values &&
            sched_value_fails("momentum", t, descent_schedule_momentum(s),
                              g->momentum_values[t], &worst, why, sizeof why))
            break;
    }
    descent_schedule_free(s);
    if (why[0]) {
        fprintf(out, "FAIL  %-40s sched    %s\n", base_name(path), why);
        return RESULT_FAIL;
    }
    fprintf(out, "PASS  %-40s sched    %s steps=%ld%s worst rel err %.2e\n", base_name(path), g->name,
           g->steps, g->momentum_values ? " (with momentum)" : "", worst);
    return RESULT_PASS;
}

const char *descent_golden_tolerances(void)
{
    return "optimizers max|got-want| <= 1e-05 * S_t (S_t = running max |value| of init..param "
           "t); MLP loss rel 1e-5, gradients max|got-want| <= rtol*max|want|, rtol 1e-5 (1e-4 "
           "for fan-in >= 100); L-BFGS 1e-4 * S_t and func_evals exactly; schedules 1e-12 * "
           "max(1, |want|)";
}

descent_golden_verdict descent_golden_check(const char *path, descent_isa isa, int threads,
                                            FILE *out)
{
    if (!path || !out) {
        descent_fail(DESCENT_ERR_INVALID, "descent_golden_check: NULL argument");
        return DESCENT_GOLDEN_ERROR;
    }
    const golden_options opt = {.isa = isa, .threads = threads};
    golden_file g;
    result r;
    if (golden_load(path, &g) != DESCENT_OK) {
        fprintf(out, "ERROR %s\n", descent_last_error());
        return DESCENT_GOLDEN_ERROR;
    }
    if (g.is_clip)
        r = (result)golden_clip_replay(out, path, &g.clip, opt.isa, opt.threads);
    else if (g.is_sched)
        r = replay_sched(out, path, &g.sched);
    else if (g.is_lbfgs)
        r = replay_lbfgs(out, path, &g.lbfgs, &opt);
    else if (g.is_mlp)
        r = replay_mlp(out, path, &g.mlp, &opt);
    else
        r = replay_optim(out, path, &g.optim, &opt);
    golden_free(&g);
    return r;
}
