/* Parser of the L-BFGS oracle files and their problems (golden_lbfgs.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden_lbfgs.h"
#include "golden_reader.h"
#include "internal.h"

static const char *const problem_names[GOLDEN_LBFGS_PROBLEM_COUNT] = {
    "quadratic", "least_squares", "rosenbrock"};

const char *golden_lbfgs_problem_name(golden_lbfgs_problem p)
{
    return (unsigned)p < GOLDEN_LBFGS_PROBLEM_COUNT ? problem_names[p] : "?";
}

/* A record `key word` whose word is one of names[0..count). */
static descent_status read_word(golden_reader *r, const char *key, const char *const *names,
                                int count, int *out)
{
    descent_status s = golden_expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    char *word = golden_token(&r->rest);
    for (int i = 0; word && i < count; i++)
        if (!strcmp(word, names[i])) {
            *out = i;
            return golden_expect_end_of_record(r);
        }
    char msg[64];
    snprintf(msg, sizeof msg, "unknown %s", key);
    return golden_bad(r, msg, word ? word : "(missing)");
}

static descent_status read_options(golden_reader *r, descent_lbfgs_options *o)
{
    descent_status s;
    descent_lbfgs_options_default(o);
    const char *ls_names[DESCENT_LBFGS_LINE_SEARCH_COUNT] = {
        descent_lbfgs_line_search_name(DESCENT_LBFGS_LINE_SEARCH_NONE),
        descent_lbfgs_line_search_name(DESCENT_LBFGS_STRONG_WOLFE)};
    int ls = 0;
    if ((s = golden_read_number(r, "lr", &o->lr)) || (s = golden_read_count(r, "max_iter", 1, &o->max_iter)) ||
        (s = golden_read_count(r, "max_eval", 1, &o->max_eval)) ||
        (s = golden_read_number(r, "tolerance_grad", &o->tolerance_grad)) ||
        (s = golden_read_number(r, "tolerance_change", &o->tolerance_change)) ||
        (s = golden_read_count(r, "history_size", 1, &o->history_size)) ||
        (s = read_word(r, "line_search_fn", ls_names, DESCENT_LBFGS_LINE_SEARCH_COUNT, &ls)))
        return s;
    o->line_search_fn = (descent_lbfgs_line_search)ls;
    if (descent_lbfgs_options_validate(o) != DESCENT_OK)
        return golden_bad(r, "invalid options", descent_last_error());
    return DESCENT_OK;
}

static descent_status read_problem(golden_reader *r, golden_lbfgs *g)
{
    descent_status s;
    int problem;
    long n, m = 0;
    if ((s = read_word(r, "problem", problem_names, GOLDEN_LBFGS_PROBLEM_COUNT, &problem)) ||
        (s = golden_read_count(r, "n", 1, &n)))
        return s;
    g->problem = (golden_lbfgs_problem)problem;
    g->n = (size_t)n;
    switch (g->problem) {
    case GOLDEN_LBFGS_QUADRATIC:
        if ((s = golden_read_tensor(r, "d", g->n, &g->d)) ||
            (s = golden_read_tensor(r, "c", g->n, &g->c)))
            return s;
        break;
    case GOLDEN_LBFGS_LEAST_SQUARES:
        if ((s = golden_read_count(r, "m", 1, &m)))
            return s;
        g->m = (size_t)m;
        if (g->m > (size_t)GOLDEN_MAX_COUNT / g->n)
            return golden_bad(r, "m * n is too large", NULL);
        if ((s = golden_read_tensor(r, "A", g->m * g->n, &g->A)) ||
            (s = golden_read_tensor(r, "b", g->m, &g->b)))
            return s;
        break;
    case GOLDEN_LBFGS_ROSENBROCK:
        if (g->n < 2)
            return golden_bad(r, "rosenbrock needs n >= 2", NULL);
        break;
    default:
        break;
    }
    return DESCENT_OK;
}

descent_status golden_parse_lbfgs(golden_reader *r, golden_lbfgs *g)
{
    memset(g, 0, sizeof *g);
    descent_status s;
    char *name = golden_token(&r->rest);
    if (!name || strcmp(name, "lbfgs"))
        return golden_bad(r, "expected 'optimizer lbfgs'", name ? name : "(missing)");
    if ((s = golden_expect_end_of_record(r)) || (s = read_options(r, &g->options)) ||
        (s = read_problem(r, g)) || (s = golden_read_count(r, "steps", 1, &g->steps)) ||
        (s = golden_read_tensor(r, "init", g->n, &g->init)))
        return s;
    /* Grown a step at a time, so that a huge claimed count fails on the
     * first missing line rather than on an allocation. */
    for (long t = 1; t <= g->steps; t++) {
        float *p = realloc(g->params, (size_t)t * g->n * sizeof(float));
        if (p)
            g->params = p;
        long *e = realloc(g->func_evals, (size_t)t * sizeof(long));
        if (e)
            g->func_evals = e;
        if (!p || !e)
            return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory at step %ld",
                                r->name, r->lineno, t);
        float count;
        if ((s = golden_read_step_row(r, "param", t, g->n, g->params + (size_t)(t - 1) * g->n)) ||
            (s = golden_read_step_row(r, "func_evals", t, 1, &count)))
            return s;
        if (!(count >= 1 && count <= 16777216.0f) || count != (float)(long)count)
            return golden_bad(r, "func_evals must be a positive integer", NULL);
        g->func_evals[t - 1] = (long)count;
    }
    return DESCENT_OK;
}

void golden_lbfgs_free(golden_lbfgs *g)
{
    if (!g)
        return;
    free(g->d);
    free(g->c);
    free(g->A);
    free(g->b);
    free(g->init);
    free(g->params);
    free(g->func_evals);
    memset(g, 0, sizeof *g);
}

static float quadratic(const golden_lbfgs *g, const float *x, float *grad)
{
    double f = 0;
    for (size_t i = 0; i < g->n; i++) {
        const float r = x[i] - g->c[i];
        grad[i] = g->d[i] * r;
        f += (double)g->d[i] * r * r;
    }
    return (float)(0.5 * f);
}

static float least_squares(const golden_lbfgs *g, const float *x, float *grad)
{
    double f = 0;
    /* grad = A^T r, summed in double per column: two passes over A. */
    double *column = calloc(g->n, sizeof(double));
    for (size_t i = 0; i < g->m; i++) {
        const float *row = g->A + i * g->n;
        double ax = 0;
        for (size_t j = 0; j < g->n; j++)
            ax += (double)row[j] * x[j];
        const float r = (float)ax - g->b[i];
        f += (double)r * r;
        if (column)
            for (size_t j = 0; j < g->n; j++)
                column[j] += (double)row[j] * r;
    }
    for (size_t j = 0; j < g->n; j++)
        grad[j] = column ? (float)column[j] : NAN; /* out of memory: a non-finite gradient */
    free(column);
    return (float)(0.5 * f);
}

static float rosenbrock(const golden_lbfgs *g, const float *x, float *grad)
{
    double f = 0;
    for (size_t i = 0; i < g->n; i++)
        grad[i] = 0;
    double previous = 0; /* d/dx_i of the term i-1 */
    for (size_t i = 0; i + 1 < g->n; i++) {
        const double xi = x[i], u = (double)x[i + 1] - xi * xi, v = 1 - xi;
        f += 100 * u * u + v * v;
        grad[i] = (float)(previous - 400 * xi * u - 2 * v);
        previous = 200 * u;
    }
    grad[g->n - 1] = (float)previous;
    return (float)f;
}

float golden_lbfgs_closure(void *ctx, const float *x, float *grad)
{
    const golden_lbfgs *g = ctx;
    switch (g->problem) {
    case GOLDEN_LBFGS_QUADRATIC: return quadratic(g, x, grad);
    case GOLDEN_LBFGS_LEAST_SQUARES: return least_squares(g, x, grad);
    case GOLDEN_LBFGS_ROSENBROCK: return rosenbrock(g, x, grad);
    default: return NAN;
    }
}
