/*
 * The GEMM validator (descent_validate_gemm, descent.h): runs a function
 * with cblas_sgemm's signature (descent_sgemm_fn, row-major) against a
 * double-precision reference product, case by case, in a child process
 * (guarded_run_items, one per check) on guarded arrays, and reports per
 * check PASS or FAIL with the worst error and, for a failure, the smallest
 * failing case as a command line (the report of validate_report.h, as descent_validate).
 *
 * The checks:
 *   transpose XY  op(A) op(B) for one of NN, NT, TN, TT; alpha in {0, 1,
 *                 -0.75}, beta in {0, 1, 1.5}, at two sizes, with lda, ldb,
 *                 ldc padded beyond the minimum;
 *   edge          m, n, k over 1..65 around the usual register tiles (1, 2,
 *                 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65): all
 *                 (m, n) pairs, k and the transposes varied with them;
 *   empty         k = 0 (C = beta C) and m = 0 or n = 0 (C untouched);
 *   mlp_shapes    the products of a 784-128-10 MLP at batch 64 and 256
 *                 (descent_mlp_set_sgemm's forward, dW and dA calls);
 *   golden FILE   the MLP oracle files replayed with the port doing every
 *                 product, with the tolerance of `descent golden`;
 *   gradient      the port-driven MLP's loss and gradient against the
 *                 MLP's own kernels on three shapes, same tolerance.
 * The contract on every product case: A and B are mapped read-only with
 * NaN in their padding (a read of it poisons C), C has an inaccessible
 * page right after its last element or right before its first, the
 * padding of C between rows holds a sentinel that must survive bit for bit,
 * and when beta = 0 C holds NaN that must not reach the result (BLAS: C is
 * not read then).
 *
 * Tolerance: any order of summation of k products in float, with or
 * without FMA, errs by at most gamma_k sum_p |a_ip||b_pj| (Higham, Accuracy
 * and Stability, 3.5), gamma_k ~ k u, u = 2^-24; scaling by alpha and
 * adding beta c adds two roundings.  The bound used is
 *     |got - want| <= (k + 2) eps (|alpha| sum_p |a_ip||b_pj| + |beta||c_ij|)
 * with eps = 2^-23 = 2u: twice the worst case, so that a blocked or
 * vectorized order always passes, while a missing, doubled or misplaced
 * term (an error of about one |a||b| in a sum of k of them) always fails.
 */
#define _GNU_SOURCE /* strsignal, MAP_ANONYMOUS */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "agreement.h"
#include "golden.h"
#include "guarded.h"
#include "internal.h"
#include "validate_report.h"

#define ROW_MAJOR 101
#define NO_TRANS 111
#define TRANS 112
#define C_SENTINEL 1234.5f
#define MLP_LOSS_RTOL 1e-5     /* as `descent golden` */
#define MLP_GRAD_RTOL 1e-5     /* per tensor, relative to max|want| */
#define MLP_GRAD_RTOL_WIDE 1e-4 /* layers with fan-in >= 100 */

typedef enum { G_TRANSPOSE, G_EDGE, G_EMPTY, G_MLP_SHAPES, G_GOLDEN, G_GRADIENT, G_COUNT } gcheck;
static const char *const gcheck_names[] = {"transpose", "edge", "empty", "mlp_shapes", "golden",
                                           "gradient"};

/* One case: everything that decides what the port is given. */
typedef struct gcase {
    gcheck check;
    int ta, tb;          /* transposed */
    int m, n, k, pad;    /* pad: lda, ldb, ldc exceed their minimum by this */
    double alpha, beta;
    guard_side side;
    unsigned seed;
    int shape;           /* gradient: which shape */
    const char *file;    /* golden */
} gcase;

/* What the child reports back, one per case of a check (shared pages). */
typedef struct gresult {
    int called, finished;
    int no_memory;              /* the child could not allocate the case's arrays */
    double worst;               /* error / bound */
    int worst_i, worst_j;       /* product: C[i][j]; MLP: tensor, index */
    char worst_what[160];       /* MLP: the tensor and values */
    float got, want;
    long long ulps;
    long pad_index;             /* an element of C outside the product changed (-1: none) */
} gresult;

typedef struct gvalidator {
    descent_sgemm_fn port;
    const descent_validate_options *opt;
    validate_report rep;
} gvalidator;

/* ------------------------------------------------------- product cases */

typedef struct layout {
    int rows, cols, ld;  /* as stored, row-major */
    size_t extent;       /* elements from the first to one past the last */
} layout;

static layout layout_of(int rows, int cols, int pad)
{
    layout l = {rows, cols, (cols > 1 ? cols : 1) + pad, 0};
    l.extent = rows > 0 && cols > 0 ? (size_t)(rows - 1) * (size_t)l.ld + (size_t)cols : 0;
    return l;
}

typedef struct product_run {
    const gvalidator *v;
    const gcase *c;
    gresult *res;
    layout la, lb, lc;
    guarded_array a, b, cm;
} product_run;

static void fill(float *x, const layout *l, uint64_t *rng, float value_in_padding)
{
    for (size_t e = 0; e < l->extent; e++)
        x[e] = (int)(e % (size_t)l->ld) < l->cols ? (float)rng_normal(rng) : value_in_padding;
}

static void product_child(void *ctx)
{
    product_run *r = ctx;
    const gcase *c = r->c;
    gresult *res = r->res;
    uint64_t rng = 0x6E33000ull + c->seed;
    fill(r->a.data, &r->la, &rng, NAN);
    fill(r->b.data, &r->lb, &rng, NAN);
    fill(r->cm.data, &r->lc, &rng, C_SENTINEL);
    for (size_t e = 0; c->beta == 0 && e < r->lc.extent; e++)
        if ((int)(e % (size_t)r->lc.ld) < r->lc.cols)
            r->cm.data[e] = NAN; /* BLAS: not read when beta = 0 */
    float *c0 = malloc((r->lc.extent + 1) * sizeof(float));
    memcpy(c0, r->cm.data, r->lc.extent * sizeof(float));
    guarded_protect(&r->a, 1);
    guarded_protect(&r->b, 1);
    res->called = 1;
    r->v->port(ROW_MAJOR, c->ta ? TRANS : NO_TRANS, c->tb ? TRANS : NO_TRANS, c->m, c->n, c->k,
               (float)c->alpha, r->a.data, r->la.ld, r->b.data, r->lb.ld, (float)c->beta,
               r->cm.data, r->lc.ld);
    const float *a = r->a.data, *b = r->b.data, *got = r->cm.data;
    const int lda = r->la.ld, ldb = r->lb.ld, ldc = r->lc.ld;
    for (size_t e = 0; e < r->lc.extent && res->pad_index < 0; e++) {
        const int i = (int)(e / (size_t)ldc), j = (int)(e % (size_t)ldc);
        if ((i >= c->m || j >= c->n) && memcmp(&got[e], &c0[e], sizeof(float)))
            res->pad_index = (long)e;
    }
    const double eps = FLT_EPSILON;
    for (int i = 0; i < c->m; i++)
        for (int j = 0; j < c->n; j++) {
            double sum = 0, mag = 0;
            for (int p = 0; p < c->k; p++) {
                const double x = c->ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                const double y = c->tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                sum += x * y, mag += fabs(x * y);
            }
            const double cij = c->beta != 0 ? c0[(size_t)i * ldc + j] : 0;
            const double want = c->alpha * sum + c->beta * cij;
            const double bound = (c->k + 2) * eps * (fabs(c->alpha) * mag + fabs(c->beta * cij))
                                 + FLT_MIN;
            const float g = got[(size_t)i * ldc + j];
            const double ratio = isfinite(g) ? fabs(g - want) / bound : INFINITY;
            if (ratio > res->worst || (i == 0 && j == 0)) {
                res->worst = fmax(res->worst, ratio), res->worst_i = i, res->worst_j = j;
                res->got = g, res->want = (float)want;
                res->ulps = agreement_ulps(g, (float)want);
            }
        }
    free(c0);
    res->finished = 1;
}

/* ------------------------------------------------------------ MLP cases */

/* The three shapes of the gradient check (sizes input first). */
static const struct {
    int layers, sizes[4];
    descent_activation act;
    descent_loss loss;
    int batch;
} grad_shapes[] = {
    {2, {784, 128, 10}, DESCENT_RELU, DESCENT_CROSS_ENTROPY, 64},
    {2, {13, 9, 5}, DESCENT_TANH, DESCENT_MSE, 7},
    {3, {20, 33, 17, 4}, DESCENT_SIGMOID, DESCENT_CROSS_ENTROPY, 3},
};
#define GRAD_SHAPES ((int)(sizeof grad_shapes / sizeof grad_shapes[0]))

typedef struct mlp_run {
    const gvalidator *v;
    const gcase *c;
    gresult *res;
    const golden_mlp *g; /* golden */
} mlp_run;

/* loss and gradient of the MLP with fn doing the products (NULL: its own). */
static int mlp_grad(const descent_mlp_shape *s, int batch, const float *params, const float *x,
                    const int *labels, const float *targets, descent_sgemm_fn fn, float *grad,
                    float *loss)
{
    descent_mlp *mlp = NULL;
    const int ok = descent_mlp_create(s, batch, &mlp) == DESCENT_OK &&
                   descent_mlp_set_threads(mlp, 1) == DESCENT_OK &&
                   descent_mlp_set_sgemm(mlp, fn) == DESCENT_OK &&
                   descent_mlp_loss_grad(mlp, params, batch, x, labels, targets, grad, loss) ==
                       DESCENT_OK;
    descent_mlp_free(mlp);
    return ok;
}

/* Records max|got - want| / (rtol max|want|) of one tensor if the worst. */
static void compare_tensor(gresult *res, const char *name, const float *got, const float *want,
                           size_t n, double rtol)
{
    double scale = 0, err = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++) {
        const double e = isfinite(got[i]) ? fabs((double)got[i] - want[i]) : INFINITY;
        if (e > err || i == 0)
            err = fmax(err, e), at = i;
    }
    const double ratio = err == 0 ? 0 : scale > 0 ? err / (rtol * scale) : INFINITY;
    if (ratio > res->worst || !res->worst_what[0]) {
        res->worst = fmax(res->worst, ratio), res->got = got[at], res->want = want[at];
        res->ulps = agreement_ulps(got[at], want[at]);
        snprintf(res->worst_what, sizeof res->worst_what,
                 "%s[%zu] got %.9g want %.9g (max|err| %.3g > %.0e max|want| %.3g)", name, at,
                 got[at], want[at], err, rtol, scale);
    }
}

static void compare_mlp(gresult *res, const descent_mlp_shape *s, const float *grad,
                        const float *want_grad, float loss, double want_loss)
{
    const double loss_err = isfinite(loss) ? fabs(loss - want_loss) : INFINITY;
    const double tol = MLP_LOSS_RTOL * fmax(fabs(want_loss), FLT_MIN);
    res->worst = loss_err / tol;
    res->got = loss, res->want = (float)want_loss, res->ulps = agreement_ulps(loss, res->want);
    snprintf(res->worst_what, sizeof res->worst_what,
             "loss got %.9g want %.9g (error %.3g > %.0e relative)", loss, want_loss, loss_err,
             MLP_LOSS_RTOL);
    for (int l = 1; l <= s->layers; l++) {
        const size_t in = (size_t)s->sizes[l - 1], out = (size_t)s->sizes[l];
        const double rtol = in >= 100 ? MLP_GRAD_RTOL_WIDE : MLP_GRAD_RTOL;
        const size_t w = descent_mlp_weight_offset(s, l), bias = descent_mlp_bias_offset(s, l);
        char name[16];
        snprintf(name, sizeof name, "dW%d", l);
        compare_tensor(res, name, grad + w, want_grad + w, in * out, rtol);
        snprintf(name, sizeof name, "db%d", l);
        compare_tensor(res, name, grad + bias, want_grad + bias, out, rtol);
    }
}

static void golden_child(void *ctx)
{
    const mlp_run *r = ctx;
    const golden_mlp *m = r->g;
    gresult *res = r->res;
    descent_mlp_shape s = {.layers = m->layers};
    memcpy(s.sizes, m->sizes, sizeof(int) * (size_t)(m->layers + 1));
    if (descent_activation_from_name(m->activation, &s.activation) != DESCENT_OK ||
        descent_loss_from_name(m->loss, &s.loss) != DESCENT_OK)
        return;
    const size_t n = descent_mlp_param_count(&s);
    float *params = malloc(n * sizeof(float)), *grad = malloc(n * sizeof(float));
    float *want = malloc(n * sizeof(float));
    for (int l = 1; l <= s.layers; l++) {
        const size_t in = (size_t)s.sizes[l - 1], out = (size_t)s.sizes[l];
        memcpy(params + descent_mlp_weight_offset(&s, l), m->W[l - 1], in * out * sizeof(float));
        memcpy(params + descent_mlp_bias_offset(&s, l), m->b[l - 1], out * sizeof(float));
        memcpy(want + descent_mlp_weight_offset(&s, l), m->dW[l - 1], in * out * sizeof(float));
        memcpy(want + descent_mlp_bias_offset(&s, l), m->db[l - 1], out * sizeof(float));
    }
    float loss;
    res->called = 1;
    if (mlp_grad(&s, m->batch, params, m->x, m->labels, m->target, r->v->port, grad, &loss)) {
        compare_mlp(res, &s, grad, want, loss, m->loss_value);
        res->finished = 1;
    }
    free(params), free(grad), free(want);
}

static void gradient_child(void *ctx)
{
    const mlp_run *r = ctx;
    gresult *res = r->res;
    const int k = r->c->shape;
    descent_mlp_shape s = {.layers = grad_shapes[k].layers, .activation = grad_shapes[k].act,
                           .loss = grad_shapes[k].loss};
    memcpy(s.sizes, grad_shapes[k].sizes, sizeof s.sizes[0] * (size_t)(s.layers + 1));
    const int batch = grad_shapes[k].batch, outputs = s.sizes[s.layers];
    const size_t n = descent_mlp_param_count(&s);
    float *params = malloc(n * sizeof(float)), *grad = malloc(n * sizeof(float));
    float *own = malloc(n * sizeof(float));
    float *x = malloc((size_t)batch * s.sizes[0] * sizeof(float));
    float *targets = malloc((size_t)batch * outputs * sizeof(float));
    int *labels = malloc((size_t)batch * sizeof(int));
    uint64_t rng = 0x6A4D000ull + r->c->seed;
    descent_mlp_init_params(&s, params, r->c->seed);
    for (size_t i = 0; i < (size_t)batch * s.sizes[0]; i++)
        x[i] = (float)rng_normal(&rng);
    for (size_t i = 0; i < (size_t)batch * outputs; i++)
        targets[i] = (float)rng_normal(&rng);
    for (int i = 0; i < batch; i++)
        labels[i] = (int)(rng_next(&rng) % (uint64_t)outputs);
    const int ce = s.loss == DESCENT_CROSS_ENTROPY;
    float loss, own_loss;
    res->called = 1;
    if (mlp_grad(&s, batch, params, x, ce ? labels : NULL, ce ? NULL : targets, NULL, own,
                 &own_loss) &&
        mlp_grad(&s, batch, params, x, ce ? labels : NULL, ce ? NULL : targets, r->v->port, grad,
                 &loss)) {
        compare_mlp(res, &s, grad, own, loss, own_loss);
        res->finished = 1;
    }
    free(params), free(grad), free(own), free(x), free(targets), free(labels);
}

/* ------------------------------------------------------------ one case */

static const char *trans_name(int ta, int tb)
{
    static const char *const names[] = {"NN", "NT", "TN", "TT"};
    return names[2 * ta + tb];
}

static void case_spec(const gcase *c, char *buf, size_t len)
{
    if (c->check == G_GOLDEN)
        snprintf(buf, len, "check=golden,file=%s", c->file);
    else if (c->check == G_GRADIENT)
        snprintf(buf, len, "check=gradient,shape=%d,seed=%u", c->shape, c->seed);
    else
        snprintf(buf, len, "check=%s,trans=%s,m=%d,n=%d,k=%d,pad=%d,alpha=%g,beta=%g,side=%s,"
                 "seed=%u", gcheck_names[c->check], trans_name(c->ta, c->tb), c->m, c->n, c->k,
                 c->pad, c->alpha, c->beta, c->side == GUARD_AFTER ? "after" : "before",
                 c->seed);
}

typedef struct goutcome {
    int failed, cases;
    double worst;
    long long worst_ulps;
    gcase failing;
    char what[512];
} goutcome;

static double case_seconds(const gcase *c)
{
    if (c->check == G_GOLDEN || c->check == G_GRADIENT)
        return 10; /* the largest, 784-128-10 at batch 64, takes milliseconds */
    return 3 + 4e-7 * (double)c->m * c->n * (c->k + 1);
}

/* The verdict on one case from how its child ended (rr) and what it
 * reported (res): 1 if it passed, else fills o->what.  The child applies it
 * too, to stop at the first failing case. */
static int judge_case(const gcase *c, const run_result *rr, const gresult *res, goutcome *o)
{
    int ok = 1;
    char why[300];
    o->cases++;
    if (res->no_memory) {
        snprintf(o->what, sizeof o->what, "out of memory for m = %d, n = %d, k = %d", c->m,
                 c->n, c->k);
        ok = 0;
    } else if (rr->outcome != RUN_OK || !res->finished) {
        run_result_describe(rr, why, sizeof why);
        if (rr->outcome == RUN_OK)
            snprintf(why, sizeof why, "could not be run (an MLP call failed)");
        snprintf(o->what, sizeof o->what, "the port %s%s", why,
                 res->called ? "" : " (before the port was called)");
        ok = 0;
    } else if (res->pad_index >= 0) {
        const long ldc = layout_of(1, c->n, c->pad).ld;
        snprintf(o->what, sizeof o->what,
                 "the port changed C at row %ld, column %ld (ldc %ld), outside the %d x %d "
                 "product", res->pad_index / ldc, res->pad_index % ldc, ldc, c->m, c->n);
        ok = 0;
    } else {
        o->worst = fmax(o->worst, res->worst);
        if (res->ulps > o->worst_ulps && res->ulps != INT64_MAX)
            o->worst_ulps = res->ulps;
        if (!(res->worst <= 1.0)) {
            if (c->check == G_GOLDEN || c->check == G_GRADIENT)
                snprintf(o->what, sizeof o->what, "%s", res->worst_what);
            else
                snprintf(o->what, sizeof o->what,
                         "C[%d][%d] got %.9g want %.9g (error %.3g of the bound%s)",
                         res->worst_i, res->worst_j, res->got, res->want, res->worst,
                         !isnan(res->got) ? ""
                         : c->beta == 0   ? "; NaN: C held NaN, not to be read when beta = 0, "
                                            "and the padding of A and B holds NaN"
                                          : "; NaN: the padding of A and B holds NaN");
            o->worst = isnan(res->worst) ? INFINITY : o->worst;
            ok = 0;
        }
    }
    if (!ok)
        o->failed = 1, o->failing = *c;
    return ok;
}

/* A product case, in the child: its guarded arrays, made here, and the call. */
static void run_product(product_run *pr)
{
    const gcase *c = pr->c;
    pr->la = c->ta ? layout_of(c->k, c->m, c->pad) : layout_of(c->m, c->k, c->pad);
    pr->lb = c->tb ? layout_of(c->n, c->k, c->pad) : layout_of(c->k, c->n, c->pad);
    pr->lc = layout_of(c->m ? c->m : 1, c->n, c->pad);
    if (!c->m || !c->n) /* whole rows of C, all of them outside the product */
        pr->lc.cols = 0, pr->lc.extent = (size_t)pr->lc.rows * (size_t)pr->lc.ld;
    pr->a = guarded_alloc("A", pr->la.extent, c->side);
    pr->b = guarded_alloc("B", pr->lb.extent, c->side);
    pr->cm = guarded_alloc("C", pr->lc.extent, c->side);
    if (!pr->a.data || !pr->b.data || !pr->cm.data) {
        pr->res->no_memory = 1;
    } else {
        const guarded_array *list[3] = {&pr->a, &pr->b, &pr->cm};
        guarded_item_begin(list, 3, case_seconds(c));
        product_child(pr);
    }
    if (pr->a.map)
        guarded_free(&pr->a);
    if (pr->b.map)
        guarded_free(&pr->b);
    if (pr->cm.map)
        guarded_free(&pr->cm);
}

/* A list of cases for one child (g: the oracle file of a golden case). */
typedef struct gcase_list {
    const gvalidator *v;
    const gcase *cases;
    const golden_mlp *g;
    gresult *results; /* one per case, shared with the child */
} gcase_list;

/* In the child: case i of the list; nonzero if it failed. */
static int run_gcase_item(void *ctx, int i)
{
    const gcase_list *l = ctx;
    const gcase *c = &l->cases[i];
    gresult *res = &l->results[i];
    res->pad_index = -1;
    if (c->check == G_GOLDEN || c->check == G_GRADIENT) {
        mlp_run mr = {.v = l->v, .c = c, .res = res, .g = l->g};
        guarded_item_begin(NULL, 0, case_seconds(c));
        if (c->check == G_GOLDEN)
            golden_child(&mr);
        else
            gradient_child(&mr);
    } else {
        product_run pr = {.v = l->v, .c = c, .res = res};
        run_product(&pr);
    }
    const run_result returned = {.outcome = RUN_OK};
    goutcome scratch = {0};
    return !judge_case(c, &returned, res, &scratch);
}

/* Runs cases in their order in one child until one fails, and judges each
 * from what the child reported. */
static void run_cases(gvalidator *v, const gcase *cases, int count, const golden_mlp *g,
                      goutcome *o)
{
    const size_t bytes = (size_t)count * sizeof(gresult);
    const gcase_list l = {v, cases, g, guarded_shared(bytes)};
    if (!l.results) {
        snprintf(o->what, sizeof o->what, "out of memory for the results of %d cases", count);
        o->failed = 1, o->failing = cases[0];
        return;
    }
    const run_result rr = guarded_run_items(run_gcase_item, (void *)&l, count);
    const run_result returned = {.outcome = RUN_OK};
    for (int i = 0; i <= rr.item && i < count && !o->failed; i++)
        judge_case(&cases[i], i == rr.item ? &rr : &returned, &l.results[i], o);
    guarded_shared_free(l.results, bytes);
}

static void report(gvalidator *v, const char *name, const goutcome *o)
{
    char spec[4200] = "", rerun[4400] = "", detail[128] = "";
    if (o->failed) {
        case_spec(&o->failing, spec, sizeof spec);
        snprintf(rerun, sizeof rerun, "descent validate --gemm %s --case %s",
                 v->opt->port_name ? v->opt->port_name : "PORT", spec);
        const gcase *c = &o->failing;
        if (c->check == G_GOLDEN)
            snprintf(detail, sizeof detail, "as in the file, every product by the port");
        else if (c->check == G_GRADIENT)
            snprintf(detail, sizeof detail, "the MLP's own products");
        else
            snprintf(detail, sizeof detail, "row-major, %s, lda %d, ldb %d, ldc %d",
                     trans_name(c->ta, c->tb),
                     layout_of(c->ta ? c->k : c->m, c->ta ? c->m : c->k, c->pad).ld,
                     layout_of(c->tb ? c->n : c->k, c->tb ? c->k : c->n, c->pad).ld,
                     layout_of(1, c->n, c->pad).ld);
    }
    const validate_line line = {.name = name, .failed = o->failed, .cases = o->cases,
                                .worst = o->worst, .unit = "of the bound",
                                .worst_ulps = o->worst_ulps, .tolerance = 1,
                                .spec = spec, .what = o->what,
                                .detail_label = o->failed && (o->failing.check == G_GRADIENT)
                                                    ? "compared with" : "call",
                                .detail = detail, .rerun = rerun};
    validate_report_line(&v->rep, &line);
}

/* ------------------------------------------------------------ the checks */

static int case_size_order(const void *x, const void *y)
{
    const gcase *a = x, *b = y;
    const double sa = (double)a->m * a->n * (a->k + 1), sb = (double)b->m * b->n * (b->k + 1);
    return sa < sb ? -1 : sa > sb ? 1 : (int)a->seed - (int)b->seed;
}

/* Runs cases smallest first until one fails. */
static void run_checked(gvalidator *v, const char *name, gcase *cases, int count)
{
    qsort(cases, (size_t)count, sizeof cases[0], case_size_order);
    goutcome o = {0};
    run_cases(v, cases, count, NULL, &o);
    report(v, name, &o);
}

static gcase product(gcheck check, int t, int m, int n, int k, int pad, double alpha,
                     double beta, int side, unsigned seed)
{
    return (gcase){.check = check, .ta = t >> 1, .tb = t & 1, .m = m, .n = n, .k = k,
                   .pad = pad, .alpha = alpha, .beta = beta,
                   .side = side ? GUARD_BEFORE : GUARD_AFTER, .seed = seed};
}

static const double scalars[3] = {0, 1, -0.75}, betas[3] = {0, 1, 1.5};

static void check_transpose(gvalidator *v, int t)
{
    static const int sizes[2][3] = {{9, 17, 13}, {33, 31, 65}};
    gcase cases[2 * 3 * 3];
    int count = 0;
    for (int s = 0; s < 2; s++)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++, count++)
                cases[count] = product(G_TRANSPOSE, t, sizes[s][0], sizes[s][1], sizes[s][2],
                                       3, scalars[a], betas[b], count % 2, (unsigned)count + 1);
    char name[32];
    snprintf(name, sizeof name, "transpose %s", trans_name(t >> 1, t & 1));
    run_checked(v, name, cases, count);
}

static void check_edge(gvalidator *v)
{
    static const int sizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65};
    enum { S = sizeof sizes / sizeof sizes[0] };
    gcase cases[S * S];
    int count = 0;
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++, count++)
            cases[count] = product(G_EDGE, (i + 2 * j) % 4, sizes[i], sizes[j],
                                   sizes[(7 * i + 3 * j) % S], (i + j) % 3, 1.5, -0.75,
                                   (i + j) % 2, (unsigned)count + 1);
    run_checked(v, "edge", cases, count);
}

static void check_empty(gvalidator *v)
{
    gcase cases[64];
    int count = 0;
    for (int t = 0; t < 4; t++)
        for (int b = 0; b < 3; b++) { /* k = 0: C = beta C, A and B not read */
            cases[count] = product(G_EMPTY, t, 7 + b, 5 + 6 * b, 0, 2, 1.5, betas[b], t % 2,
                                   (unsigned)count + 1);
            count++;
        }
    for (int t = 0; t < 4; t++) { /* m or n = 0: nothing touched */
        cases[count] = product(G_EMPTY, t, 0, 9, 5, 1, 1.5, 0.5, t % 2, (unsigned)count + 1);
        count++;
        cases[count] = product(G_EMPTY, t, 9, 0, 5, 1, 1.5, 0.5, t % 2, (unsigned)count + 1);
        count++;
    }
    run_checked(v, "empty", cases, count);
}

static void check_mlp_shapes(gvalidator *v)
{
    enum { NN = 0, NT = 1, TN = 2 };
    static const int batches[2] = {64, 256};
    gcase cases[10];
    int count = 0;
    for (int i = 0; i < 2; i++) {
        const int b = batches[i];
        const int shapes[5][4] = {{NT, b, 128, 784}, {NT, b, 10, 128}, /* Z = A W^T */
                                  {TN, 128, 784, b}, {TN, 10, 128, b}, /* dW = dZ^T A */
                                  {NN, b, 128, 10}};                   /* dA = dZ W */
        for (int s = 0; s < 5; s++, count++)
            cases[count] = product(G_MLP_SHAPES, shapes[s][0], shapes[s][1], shapes[s][2],
                                   shapes[s][3], 0, 1, 0, count % 2, (unsigned)count + 1);
    }
    run_checked(v, "mlp_shapes", cases, count);
}

static void check_gradient(gvalidator *v)
{
    gcase cases[GRAD_SHAPES];
    for (int k = 0; k < GRAD_SHAPES; k++)
        cases[k] = (gcase){.check = G_GRADIENT, .shape = k, .seed = (unsigned)k + 1};
    goutcome o = {0};
    run_cases(v, cases, GRAD_SHAPES, NULL, &o);
    report(v, "gradient", &o);
}

static void check_golden_file(gvalidator *v, const char *path)
{
    const char *base = strrchr(path, '/');
    char name[160];
    snprintf(name, sizeof name, "golden %s", base ? base + 1 : path);
    golden_file g;
    goutcome o = {0};
    const gcase c = {.check = G_GOLDEN, .file = path};
    if (golden_load(path, &g) != DESCENT_OK) {
        o.failed = 1, o.failing = c;
        snprintf(o.what, sizeof o.what, "unreadable oracle file: %s", descent_last_error());
        report(v, name, &o);
        return;
    }
    if (g.is_mlp) {
        run_cases(v, &c, 1, &g.mlp, &o);
        report(v, name, &o);
    }
    golden_free(&g);
}

static void replay_golden_file(void *v, const char *path)
{
    check_golden_file(v, path);
}

static void check_golden_dirs(gvalidator *v, const char *dirs)
{
    golden_files_each(dirs, "mlp_", replay_golden_file, v);
}

/* ------------------------------------------------------- one chosen case */

static descent_status gcase_key(void *ctx, const case_item *it)
{
    gcase *c = ctx;
    const char *key = it->key, *val = it->val;
    const double num = it->num;
    if (!strcmp(key, "check")) {
        int k;
        for (k = 0; k < G_COUNT && strcmp(val, gcheck_names[k]); k++)
            ;
        c->check = (gcheck)k;
        return k == G_COUNT ? descent_fail(DESCENT_ERR_INVALID, "--case: unknown check '%s'", val)
                            : DESCENT_OK;
    }
    if (!strcmp(key, "trans")) {
        c->ta = val[0] == 'T', c->tb = val[0] && val[1] == 'T';
        return strlen(val) != 2 || !strchr("NT", val[0]) || !strchr("NT", val[1])
                   ? descent_fail(DESCENT_ERR_INVALID, "--case: trans is NN, NT, TN or TT")
                   : DESCENT_OK;
    }
    if (!it->is_num)
        return descent_fail(DESCENT_ERR_INVALID, "--case: %s='%s' %s", key, val,
                            strstr("m n k pad alpha beta seed shape", key) ? "is not a number"
                                                                           : "is not a key");
    if (!strcmp(key, "alpha"))
        c->alpha = num;
    else if (!strcmp(key, "beta"))
        c->beta = num;
    else if (it->is_count && num <= 4096 && (!strcmp(key, "m") || !strcmp(key, "n") ||
                                             !strcmp(key, "k") || !strcmp(key, "pad")))
        *(key[0] == 'm' ? &c->m : key[0] == 'n' ? &c->n : key[0] == 'k' ? &c->k : &c->pad) =
            (int)num;
    else if (!strcmp(key, "seed") && it->is_count && num <= 0xffffffffu)
        c->seed = (unsigned)num;
    else if (!strcmp(key, "shape") && it->is_count && num < GRAD_SHAPES)
        c->shape = (int)num;
    else
        return descent_fail(DESCENT_ERR_INVALID, "--case: %s=%s is not a key or out of range",
                            key, val);
    return DESCENT_OK;
}

static int parse_case(const char *spec, gcase *c, char *file, size_t len)
{
    *c = product(G_EDGE, 0, 1, 1, 1, 0, 1, 0, 0, 1);
    if (case_spec_each(spec, &c->side, file, len, gcase_key, c) != 0)
        return -1;
    if (c->check == G_GOLDEN && !*file)
        return descent_fail(DESCENT_ERR_INVALID, "--case: check=golden needs file=PATH"), -1;
    c->file = file;
    return 0;
}

static void run_one_case(gvalidator *v, const gcase *c)
{
    char name[64];
    snprintf(name, sizeof name, "%s (one case)", gcheck_names[c->check]);
    if (c->check == G_GOLDEN) {
        check_golden_file(v, c->file);
        return;
    }
    goutcome o = {0};
    run_cases(v, c, 1, NULL, &o);
    report(v, name, &o);
}

/* ------------------------------------------------------------ the entry */

int descent_validate_gemm(descent_sgemm_fn port, const descent_validate_options *opt)
{
    if (!port || !opt)
        return descent_fail(DESCENT_ERR_INVALID, "descent_validate_gemm: NULL argument"), -1;
    gvalidator v = {.port = port, .opt = opt,
                    .rep = {.text = opt->report, .json = opt->json, .json_first = 1}};
    gcase one;
    char file[4096] = "";
    if (opt->only_case && parse_case(opt->only_case, &one, file, sizeof file) != 0)
        return -1; /* a bad case is a usage error before any output */
    const char *port_name = opt->port_name ? opt->port_name : "port";
    const double start = descent_seconds();
    if (opt->report)
        fprintf(opt->report, "validate gemm: %s against a double-precision product "
                "(tolerance: |err| <= (k+2) eps32 (|alpha| sum|a||b| + |beta c|))\n", port_name);
    if (opt->json) {
        fputs("{\n  \"gemm\": ", opt->json);
        validate_json_string(opt->json, port_name);
        fputs(",\n  \"checks\": [", opt->json);
    }
    if (opt->only_case) {
        run_one_case(&v, &one);
    } else {
        for (int t = 0; t < 4; t++)
            check_transpose(&v, t);
        check_edge(&v);
        check_empty(&v);
        check_mlp_shapes(&v);
        check_golden_dirs(&v, opt->golden_dirs);
        check_gradient(&v);
    }
    validate_report_end(&v.rep, "gemm", descent_seconds() - start);
    return v.rep.failed;
}
