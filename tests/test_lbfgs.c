/*
 * descent_lbfgs (torch.optim.LBFGS): convergence to a known minimum, the
 * same bits for 1, 2 and 3 threads on every variant, torch's default
 * max_eval, options rejected with torch's words, and a closure that returns
 * a non-finite loss or gradient (the step stops, params go back to the last
 * finite point, and the object keeps working).  The oracle files are
 * replayed by `descent golden` (tests/run.sh).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "descent.h"

/* f(x) = 0.5 sum_i d_i (x_i - c_i)^2 with d_i in [1, 10], c_i known. */
typedef struct quadratic {
    size_t n;
    float *d, *c;
    long calls;
    long poison_call; /* this call (1-based) returns NaN; 0: none */
    int poison_grad;  /* ... in the gradient instead of the loss */
} quadratic;

static quadratic quadratic_make(size_t n)
{
    quadratic q = {.n = n, .d = malloc(n * sizeof(float)), .c = malloc(n * sizeof(float))};
    for (size_t i = 0; i < n; i++) {
        q.d[i] = 1.0f + (float)(i * 7 % 10);
        q.c[i] = (float)((long)(i % 13) - 6) * 0.25f;
    }
    return q;
}

static void quadratic_free(quadratic *q)
{
    free(q->d);
    free(q->c);
}

static float quadratic_closure(void *ctx, const float *x, float *grad)
{
    quadratic *q = ctx;
    double f = 0;
    for (size_t i = 0; i < q->n; i++) {
        const float r = x[i] - q->c[i];
        grad[i] = q->d[i] * r;
        f += 0.5 * q->d[i] * r * r;
    }
    if (++q->calls == q->poison_call) {
        if (q->poison_grad)
            grad[q->n / 2] = INFINITY;
        else
            return NAN;
    }
    return (float)f;
}

static descent_lbfgs *make(const descent_lbfgs_options *o, size_t n)
{
    descent_lbfgs *L = NULL;
    EXPECT(descent_lbfgs_create(o, n, &L) == DESCENT_OK, "create: %s", descent_last_error());
    return L;
}

static float *zeros(size_t n)
{
    return calloc(n, sizeof(float));
}

/* Both line searches reach c from 0 within a few steps, and the loss they
 * return falls. */
static void test_converges_on_a_quadratic(void)
{
    for (int ls = 0; ls < DESCENT_LBFGS_LINE_SEARCH_COUNT; ls++) {
        quadratic q = quadratic_make(50);
        descent_lbfgs_options o;
        descent_lbfgs_options_default(&o);
        o.line_search_fn = (descent_lbfgs_line_search)ls;
        o.lr = ls == DESCENT_LBFGS_STRONG_WOLFE ? 1 : 0.1;
        descent_lbfgs *L = make(&o, q.n);
        float *x = zeros(q.n), loss = 0, first = 0;
        for (int step = 0; L && step < 10; step++) {
            EXPECT(descent_lbfgs_step(L, x, quadratic_closure, &q, &loss) == DESCENT_OK, "%s",
                   descent_last_error());
            if (step == 0)
                first = loss;
        }
        double worst = 0;
        for (size_t i = 0; i < q.n; i++)
            worst = fmax(worst, fabs((double)x[i] - q.c[i]));
        EXPECT(worst <= 1e-4, "%s: max|x - c| = %g", descent_lbfgs_line_search_name(o.line_search_fn),
               worst);
        EXPECT(loss < first * 1e-6, "loss %g, first %g", loss, first);
        EXPECT(descent_lbfgs_func_evals(L) == q.calls, "func_evals %ld, calls %ld",
               descent_lbfgs_func_evals(L), q.calls);
        descent_lbfgs_free(L);
        free(x);
        quadratic_free(&q);
    }
}

/* n spans three blocks of the OpenMP layer, so the dot products are
 * combined from partial sums: 1, 2 and 3 threads give the same bits. */
static void test_same_bits_for_any_thread_count(void)
{
    const size_t n = 40000;
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        float *first = NULL;
        long first_evals = 0;
        for (int threads = 1; threads <= 3; threads++) {
            quadratic q = quadratic_make(n);
            descent_lbfgs_options o;
            descent_lbfgs_options_default(&o);
            o.line_search_fn = DESCENT_LBFGS_STRONG_WOLFE;
            o.history_size = 5;
            descent_lbfgs *L = make(&o, n);
            EXPECT(descent_lbfgs_set_isa(L, (descent_isa)isa) == DESCENT_OK, "set_isa");
            EXPECT(descent_lbfgs_set_threads(L, threads) == DESCENT_OK, "set_threads");
            float *x = zeros(n);
            for (int step = 0; step < 2; step++)
                EXPECT(descent_lbfgs_step(L, x, quadratic_closure, &q, NULL) == DESCENT_OK,
                       "%s", descent_last_error());
            if (!first) {
                first = x, first_evals = descent_lbfgs_func_evals(L);
            } else {
                EXPECT(memcmp(first, x, n * sizeof(float)) == 0, "%s: %d threads differ",
                       descent_isa_name((descent_isa)isa), threads);
                EXPECT(descent_lbfgs_func_evals(L) == first_evals, "func_evals differ");
                free(x);
            }
            descent_lbfgs_free(L);
            quadratic_free(&q);
        }
        free(first);
    }
}

static void test_default_max_eval(void)
{
    const long max_iter[] = {1, 3, 4, 20, 21}, want[] = {1, 3, 5, 25, 26};
    for (int k = 0; k < 5; k++) {
        descent_lbfgs_options o;
        descent_lbfgs_options_default(&o);
        o.max_iter = max_iter[k];
        descent_lbfgs *L = make(&o, 3);
        EXPECT(L && descent_lbfgs_get_options(L)->max_eval == want[k],
               "max_iter %ld: max_eval %ld, want %ld", max_iter[k],
               L ? descent_lbfgs_get_options(L)->max_eval : -1, want[k]);
        descent_lbfgs_free(L);
    }
}

/* Each bad option: DESCENT_ERR_INVALID, no object, a message naming it. */
static void test_bad_options_rejected(void)
{
    struct {
        const char *field, *message;
        double value;
    } cases[] = {
        {"lr", "Invalid learning rate: -1", -1},
        {"lr", "Invalid learning rate: nan", NAN},
        {"max_iter", "Invalid max_iter: 0", 0},
        {"max_eval", "Invalid max_eval: -1", -1},
        {"tolerance_grad", "Invalid tolerance_grad: -1", -1},
        {"tolerance_change", "Invalid tolerance_change: nan", NAN},
        {"history_size", "Invalid history_size: 0", 0},
        {"line_search_fn", "only 'strong_wolfe' is supported", 7},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        descent_lbfgs_options o;
        descent_lbfgs_options_default(&o);
        const char *f = cases[k].field;
        const double v = cases[k].value;
        if (!strcmp(f, "lr")) o.lr = v;
        if (!strcmp(f, "max_iter")) o.max_iter = (long)v;
        if (!strcmp(f, "max_eval")) o.max_eval = (long)v;
        if (!strcmp(f, "tolerance_grad")) o.tolerance_grad = v;
        if (!strcmp(f, "tolerance_change")) o.tolerance_change = v;
        if (!strcmp(f, "history_size")) o.history_size = (long)v;
        if (!strcmp(f, "line_search_fn")) o.line_search_fn = (descent_lbfgs_line_search)(int)v;
        descent_lbfgs *L = (descent_lbfgs *)&o; /* must be set to NULL */
        EXPECT(descent_lbfgs_create(&o, 4, &L) == DESCENT_ERR_INVALID, "%s accepted", f);
        EXPECT(L == NULL, "%s: object returned", f);
        EXPECT(strstr(descent_last_error(), cases[k].message), "%s: message '%s'", f,
               descent_last_error());
    }
    descent_lbfgs_options o;
    descent_lbfgs_options_default(&o);
    descent_lbfgs *L;
    EXPECT(descent_lbfgs_create(&o, 0, &L) == DESCENT_ERR_INVALID, "n = 0 accepted");
    EXPECT(descent_lbfgs_create(NULL, 4, &L) == DESCENT_ERR_INVALID, "NULL options accepted");
    L = make(&o, 4);
    float x[4] = {0};
    EXPECT(descent_lbfgs_step(L, x, NULL, NULL, NULL) == DESCENT_ERR_INVALID, "NULL closure");
    EXPECT(descent_lbfgs_step(NULL, x, quadratic_closure, NULL, NULL) == DESCENT_ERR_INVALID,
           "NULL object");
    EXPECT(descent_lbfgs_set_lr(L, -0.5) == DESCENT_ERR_INVALID, "negative lr accepted");
    EXPECT(descent_lbfgs_set_threads(L, -1) == DESCENT_ERR_INVALID, "-1 threads accepted");
    descent_lbfgs_line_search ls;
    EXPECT(descent_lbfgs_line_search_from_name("wolfe", &ls) == DESCENT_ERR_INVALID, "wolfe");
    EXPECT(descent_lbfgs_line_search_from_name("strong_wolfe", &ls) == DESCENT_OK &&
           ls == DESCENT_LBFGS_STRONG_WOLFE, "strong_wolfe");
    descent_lbfgs_free(L);
    descent_lbfgs_free(NULL);
}

/* The closure goes bad at call `poison` (in the loss or the gradient):
 * the step returns DESCENT_ERR_NONFINITE, params are finite and no worse
 * than where the step started, and once the closure is good again the
 * same object converges. */
static void check_nonfinite(descent_lbfgs_line_search ls, long poison, int in_grad)
{
    quadratic q = quadratic_make(20);
    descent_lbfgs_options o;
    descent_lbfgs_options_default(&o);
    o.line_search_fn = ls;
    o.lr = ls == DESCENT_LBFGS_STRONG_WOLFE ? 1 : 0.1;
    descent_lbfgs *L = make(&o, q.n);
    float *x = zeros(q.n), *before = zeros(q.n), *g = zeros(q.n);
    const float f0 = quadratic_closure(&q, x, g);
    q.calls = 0;
    q.poison_call = poison, q.poison_grad = in_grad;
    float loss = 0;
    const descent_status s = descent_lbfgs_step(L, x, quadratic_closure, &q, &loss);
    EXPECT(s == DESCENT_ERR_NONFINITE, "%s, call %ld: status %d",
           descent_lbfgs_line_search_name(ls), poison, (int)s);
    EXPECT(strstr(descent_last_error(), in_grad ? "non-finite gradient" : "non-finite loss"),
           "message '%s'", descent_last_error());
    EXPECT(descent_lbfgs_func_evals(L) == poison, "func_evals %ld, want %ld",
           descent_lbfgs_func_evals(L), poison);
    int finite = 1;
    for (size_t i = 0; i < q.n; i++)
        finite &= isfinite(x[i]);
    EXPECT(finite, "params not finite");
    q.poison_call = 0;
    const float f_after = quadratic_closure(&q, x, g);
    EXPECT(f_after <= f0, "params worse: f %g > %g", f_after, f0);
    if (poison == 1)
        EXPECT(memcmp(x, before, q.n * sizeof(float)) == 0, "params moved");
    for (int step = 0; step < 10; step++)
        EXPECT(descent_lbfgs_step(L, x, quadratic_closure, &q, &loss) == DESCENT_OK, "%s",
               descent_last_error());
    double worst = 0;
    for (size_t i = 0; i < q.n; i++)
        worst = fmax(worst, fabs((double)x[i] - q.c[i]));
    EXPECT(worst <= 1e-4, "after recovery max|x - c| = %g", worst);
    descent_lbfgs_free(L);
    free(x), free(before), free(g);
    quadratic_free(&q);
}

static void test_nonfinite_closure_handled(void)
{
    for (int ls = 0; ls < DESCENT_LBFGS_LINE_SEARCH_COUNT; ls++)
        for (long poison = 1; poison <= 4; poison++) {
            check_nonfinite((descent_lbfgs_line_search)ls, poison, 0);
            check_nonfinite((descent_lbfgs_line_search)ls, poison, 1);
        }
}

int main(void)
{
    RUN(test_converges_on_a_quadratic);
    RUN(test_same_bits_for_any_thread_count);
    RUN(test_default_max_eval);
    RUN(test_bad_options_rejected);
    RUN(test_nonfinite_closure_handled);
    return CHECK_EXIT_STATUS();
}
