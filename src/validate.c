/*
 * The port validator (descent_validate, descent.h): runs a function with
 * the signature of an optimizer's reference against the reference, case by
 * case, in a child process (guarded_run_items) on guarded arrays, and
 * reports per check PASS or FAIL with the worst error and, for a failure,
 * the smallest case that reproduces it as a command line.
 *
 * A case is one optimizer branch at one size, offset, guard side and seed,
 * run for its steps.  A check's cases run smallest first in one child
 * process (guarded_run_items) until one fails: the child fills the gradient, calls the port on the
 * guarded arrays and the reference on its own copies, and compares them
 * after every step with the agreement metric (agreement.h).  The checks:
 *   branch NAME  every registry branch at sizes 0..49 and primes up to
 *                1000, 100 steps (30 at 1000), gradients 1e-6..1e3 per
 *                element, denormals, an all-zero step; each case once with
 *                the guard page after the arrays (starts misaligned by
 *                n % 4 floats) and once before (page-aligned starts);
 *   large        65537 elements on every branch, 2^20 on the first, 3 steps;
 *   large_t      steps from t = 1e6 with the state of 20 earlier steps;
 *   nonfinite    NaN, +Inf and -Inf in the gradient: the port's arrays must
 *                be non-finite exactly where the reference's are;
 *   golden FILE  every oracle file of the optimizer in the given folders,
 *                with ../shared/golden/README.md's tolerance (1e-5 * S_t).
 * The contract on every case: grad is mapped read-only, unused state arrays
 * are NULL, the port touches only elements 0..n-1 (guard pages on both
 * sides, and the floats before a misaligned start must keep their values),
 * returns, and within a time limit.
 */
#define _GNU_SOURCE /* strsignal, MAP_ANONYMOUS */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../kernels/kernel.h"
#include "agreement.h"
#include "golden.h"
#include "guarded.h"
#include "internal.h"
#include "validate_report.h"

#define GOLDEN_RTOL 1e-5 /* ../shared/golden/README.md */
#define LARGE_T 1000000L
#define WARMUP_STEPS 20
#define PAD_CANARY 1234.5f
#define MAX_GOLDEN 64

typedef enum { CHECK_BRANCH, CHECK_LARGE, CHECK_LARGE_T, CHECK_NONFINITE, CHECK_GOLDEN } check_kind;
static const char *const check_names[] = {"branch", "large", "large_t", "nonfinite", "golden"};

/* One case: everything that decides what the port is given. */
typedef struct vcase {
    check_kind check;
    int branch;          /* registry branch (not for golden) */
    size_t n, offset;    /* offset: floats before the start, guard AFTER only */
    guard_side side;
    unsigned seed;
    long steps, t0;      /* steps t0 .. t0+steps-1 */
    const char *file;    /* golden */
    const golden_optim *golden;
} vcase;

/* What the child reports back, one per case of a check (shared pages). */
typedef struct case_result {
    long step;           /* the step being run: where a crash happened */
    int finished;
    int no_memory;       /* the child could not allocate the case's arrays */
    double worst;        /* the agreement ratio, or for golden err / S_t */
    long worst_step;
    size_t worst_index;
    int worst_array;
    float got, want;
    long long ulps;
    long pad_step;       /* a float before the start changed at this step (0: never) */
    int pad_array;
} case_result;

typedef struct validator {
    const descent_optim_info *info;
    descent_ref_fn port;
    const descent_validate_options *opt;
    validate_report rep;
} validator;

/* ------------------------------------------------- hyperparameters, data */

static descent_hparams case_hparams(const validator *v, const vcase *c)
{
    if (c->check == CHECK_GOLDEN)
        return c->golden->h;
    descent_hparams h;
    descent_hparams_default(v->info->kind, &h);
    descent_hparams_apply(v->info->kind, &h, v->info->branches[c->branch].settings);
    return h;
}

/* Where g + wd*p cancels to within 1% of wd*p, the decayed gradient of a
 * port that forms it with one fused multiply-add (as PyTorch's CPU kernels
 * do) and the reference's, which rounds wd*p first, differ by up to 1e-5
 * relative or more, and an optimizer that normalizes by its own history
 * turns that into a different step: the answer there hangs on one rounding,
 * it does not tell a right port from a wrong one.  Such gradients are moved
 * off the cancellation (doubled), the same for the port and the reference. */
static void keep_off_cancellation(const descent_hparams *h, const float *param, float *g,
                                  size_t n)
{
    if (h->weight_decay == 0)
        return;
    const float wd = (float)h->weight_decay;
    for (size_t i = 0; i < n; i++) {
        const float decay = wd * param[i];
        if (fabsf(g[i] + decay) < 0.01f * fabsf(decay))
            g[i] *= 2.0f;
    }
}

/* The gradient of step t (1-based within the case). */
static void fill_grad(const vcase *c, long t, uint64_t *rng, const float *magnitude, float *g)
{
    if (c->check == CHECK_GOLDEN) {
        memcpy(g, c->golden->grads + (size_t)(t - 1) * c->n, c->n * sizeof(float));
        return;
    }
    const int zero_step = c->steps >= 4 && t == c->steps / 2;
    for (size_t i = 0; i < c->n; i++) {
        float x = (float)(rng_normal(rng) * magnitude[i]);
        if (i % 11 == 3)
            x = (float)(rng_normal(rng) * 1e-41); /* a denormal */
        g[i] = zero_step ? 0.0f : x;
    }
    if (c->check == CHECK_NONFINITE)
        for (size_t i = 0; i < c->n; i++) {
            if (t == 3 && i % 7 == 1)
                g[i] = NAN;
            if (t == 5 && i % 7 == 2)
                g[i] = INFINITY;
            if (t == 7 && i % 7 == 4)
                g[i] = -INFINITY;
        }
}

/* ---------------------------------------------------------------- a case */

/* The port's arrays (guarded; the child makes them, and names them with
 * guarded_item_begin so that a fault is located) and the case. */
typedef struct case_run {
    const validator *v;
    const vcase *c;
    case_result *res;
    guarded_array arrays[5]; /* param, grad, state 0..2 */
    int used[5];
    float *data[5];          /* arrays[k].data + offset */
    float *grad;             /* data[1] through its writable view: grad is read-only */
} case_run;

static const char *array_name(const descent_optim_info *info, int k)
{
    return k == 0 ? "param" : k == 1 ? "grad" : info->states[k - 2].name;
}

static int case_alloc(case_run *r, const validator *v, const vcase *c, const descent_hparams *h)
{
    memset(r, 0, sizeof *r);
    r->v = v;
    r->c = c;
    const size_t pad = c->side == GUARD_AFTER ? c->offset : 0;
    for (int k = 0; k < 2 + v->info->state_count; k++) {
        r->used[k] = k < 2 || descent_optim_state_used(v->info->kind, h, k - 2);
        if (!r->used[k])
            continue;
        r->arrays[k] = guarded_alloc(array_name(v->info, k), c->n + pad, c->side);
        if (!r->arrays[k].data)
            return -1;
        /* faults are named relative to the start the port was given */
        r->arrays[k].data += pad;
        r->arrays[k].n = c->n;
        r->data[k] = r->arrays[k].data;
        for (size_t i = 0; i < pad; i++)
            r->data[k][(long)i - (long)pad] = PAD_CANARY;
    }
    if (guarded_writable_view(&r->arrays[1]) != 0 || guarded_protect(&r->arrays[1], 1) != 0)
        return -1;
    r->grad = r->arrays[1].writable; /* data was moved past the pad already */
    return 0;
}

static void case_free(case_run *r)
{
    for (int k = 0; k < 5; k++)
        if (r->arrays[k].map)
            guarded_free(&r->arrays[k]);
}

/* The running product of NAdam-like rows up to step t-1. */
static double product_before(const descent_optim_info *info, const descent_hparams *h, long t)
{
    double p = 1.0;
    for (long s = 1; info->product_factor && s < t; s++)
        p *= info->product_factor(h, s);
    return p;
}

static int pad_intact(const case_run *r, int *array)
{
    const size_t pad = r->c->side == GUARD_AFTER ? r->c->offset : 0;
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; r->used[k] && i < pad; i++)
            if (memcmp(&r->data[k][(long)i - (long)pad], &(float){PAD_CANARY}, sizeof(float))) {
                *array = k;
                return 0;
            }
    return 1;
}


/* One step of fn on case c's arrays: a whole call, or for an oracle file
 * with segments (LAMB's tensors) one call per segment, each one tensor. */
static void call_tensors(const vcase *c, descent_optim_kind kind, descent_ref_fn fn,
                         const descent_hparams *h, long t, float *param, const float *grad,
                         float *const state[3], double *mu)
{
    if (!c->golden || c->golden->segment_count == 0) {
        descent_call_reference_signature(kind, fn, h, t, c->n, param, grad, state, mu);
        return;
    }
    for (size_t k = 0, start = 0; k < c->golden->segment_count; k++) {
        const size_t size = c->golden->segments[k];
        float *const slice[3] = {state[0] ? state[0] + start : NULL,
                                 state[1] ? state[1] + start : NULL,
                                 state[2] ? state[2] + start : NULL};
        descent_call_reference_signature(kind, fn, h, t, size, param + start, grad + start,
                                         slice, mu);
        start += size;
    }
}

/* In the child: runs the case and writes what it saw into r->res. */
static void case_child(void *ctx)
{
    case_run *r = ctx;
    const validator *v = r->v;
    const vcase *c = r->c;
    const descent_optim_info *info = v->info;
    case_result *res = r->res;
    const descent_hparams h = case_hparams(v, c);
    const size_t n = c->n;
    const int states = info->state_count;
    uint64_t rng = 0x5EED0000ull + c->seed;

    float *ref[4] = {NULL, NULL, NULL, NULL}, *magnitude = malloc((n + 1) * sizeof(float));
    float *grad = malloc((n + 1) * sizeof(float));
    for (int k = 0; k <= states; k++)
        if (r->used[k == 0 ? 0 : k + 1])
            ref[k] = malloc((n + 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        ref[0][i] = c->check == CHECK_GOLDEN ? c->golden->init[i] : (float)rng_normal(&rng);
        magnitude[i] = (float)pow(10.0, -6.0 + 9.0 * rng_uniform(&rng));
    }
    for (int k = 1; k <= states; k++) {
        const descent_hparam_key init = info->states[k - 1].initial;
        for (size_t i = 0; ref[k] && i < n; i++)
            ref[k][i] = init == DESCENT_HP_NONE ? 0.0f : (float)descent_hparams_get(&h, init);
    }
    float *ref_state[3] = {ref[1], ref[2], ref[3]};
    double mu_ref = 1.0, mu_port;
    if (c->check == CHECK_LARGE_T) { /* a consistent state: 20 steps of the reference */
        for (long t = 1; t <= WARMUP_STEPS; t++) {
            fill_grad(c, t, &rng, magnitude, grad);
            keep_off_cancellation(&h, ref[0], grad, n);
            descent_call_reference_signature(info->kind, NULL, &h, t, n, ref[0], grad,
                                             ref_state, &mu_ref);
        }
        mu_ref = product_before(info, &h, c->t0);
    }
    mu_port = mu_ref;
    float *port_state[3] = {r->data[2], r->data[3], r->data[4]};
    for (int k = 0; k <= states; k++)
        if (ref[k])
            memcpy(r->data[k == 0 ? 0 : k + 1], ref[k], n * sizeof(float));

    const float *want[4] = {ref[0], ref[1], ref[2], ref[3]};
    const float *got[4] = {r->data[0], r->data[2], r->data[3], r->data[4]};
    agreement a;
    agreement_init(&a, n, c->check == CHECK_GOLDEN ? 1 : 1 + states, want);
    double golden_scale = 0;
    for (size_t i = 0; c->check == CHECK_GOLDEN && i < n; i++)
        golden_scale = fmax(golden_scale, fabs(c->golden->init[i]));

    for (long s = 1; s <= c->steps; s++) {
        const long t = c->t0 + s - 1;
        fill_grad(c, s, &rng, magnitude, grad);
        if (c->check != CHECK_GOLDEN)
            keep_off_cancellation(&h, ref[0], grad, n);
        memcpy(r->grad, grad, n * sizeof(float));
        res->step = s;
        call_tensors(c, info->kind, v->port, &h, t, r->data[0], r->data[1], port_state,
                     &mu_port);
        call_tensors(c, info->kind, NULL, &h, t, ref[0], grad, ref_state, &mu_ref);
        int pad_array;
        if (!res->pad_step && !pad_intact(r, &pad_array))
            res->pad_step = s, res->pad_array = pad_array;
        if (c->check != CHECK_GOLDEN) {
            agreement_step(&a, s, got, want);
            continue;
        }
        /* the oracle's metric: max_i |got - file| <= 1e-5 * S_t */
        const float *file = c->golden->params + (size_t)(s - 1) * n;
        for (size_t i = 0; i < n; i++)
            golden_scale = fmax(golden_scale, fabs(file[i]));
        for (size_t i = 0; i < n; i++) {
            const double err = fabs((double)r->data[0][i] - file[i]);
            double ratio = golden_scale > 0 ? err / golden_scale : (err > 0 ? INFINITY : 0);
            if (!isfinite(r->data[0][i]))
                ratio = INFINITY;
            if (ratio > a.worst) {
                a.worst = ratio, a.worst_step = s, a.worst_index = i, a.worst_array = 0;
                a.worst_got = r->data[0][i], a.worst_want = file[i];
                a.worst_ulp = agreement_ulps(r->data[0][i], file[i]);
            }
        }
    }
    res->worst = a.worst, res->worst_step = a.worst_step, res->worst_index = a.worst_index;
    res->worst_array = a.worst_array, res->got = a.worst_got, res->want = a.worst_want;
    res->ulps = a.worst_ulp;
    res->finished = 1;
}

/* ------------------------------------------------------------- reporting */

static void case_spec(const validator *v, const vcase *c, char *buf, size_t len)
{
    if (c->check == CHECK_GOLDEN) {
        snprintf(buf, len, "check=golden,file=%s,side=%s", c->file,
                 c->side == GUARD_AFTER ? "after" : "before");
        return;
    }
    snprintf(buf, len, "check=%s,branch=%s,n=%zu,offset=%zu,side=%s,seed=%u,steps=%ld,t0=%ld",
             check_names[c->check], v->info->branches[c->branch].name, c->n,
             c->side == GUARD_AFTER ? c->offset : 0, c->side == GUARD_AFTER ? "after" : "before",
             c->seed, c->steps, c->t0);
}

typedef struct check_outcome {
    int failed, cases;
    double worst;
    long long worst_ulps;
    double tolerance;
    vcase failing;
    char what[512];
} check_outcome;

static double case_seconds(const vcase *c)
{
    return 1.5 + 2e-6 * (double)c->n * (double)(c->steps + WARMUP_STEPS);
}

/* The verdict on one case from how its child ended (rr) and what it
 * reported (res): 1 if it passed, else fills out->what.  The child applies
 * it too, to stop at the first failing case. */
static int judge_case(const validator *v, const vcase *c, const run_result *rr,
                      const case_result *res, double tolerance, check_outcome *out)
{
    int ok = 1;
    out->cases++;
    if (res->no_memory) {
        snprintf(out->what, sizeof out->what, "out of memory for n = %zu", c->n);
        ok = 0;
    } else if (rr->outcome != RUN_OK || !res->finished) {
        char why[300];
        run_result_describe(rr, why, sizeof why);
        if (rr->outcome == RUN_FAULT && !rr->fault_array[0] && rr->fault_address < 65536)
            snprintf(why, sizeof why, "dereferenced a NULL pointer (%s): the state arrays "
                     "the options do not use are passed as NULL", strsignal(rr->signal));
        snprintf(out->what, sizeof out->what, "step %ld: the port %s", res->step, why);
        ok = 0;
    } else if (res->pad_step) {
        snprintf(out->what, sizeof out->what,
                 "step %ld: the port changed %s before element 0 (wrote below the start)",
                 res->pad_step, array_name(v->info, res->pad_array));
        ok = 0;
    } else {
        if (res->worst > out->worst || out->cases == 1)
            out->worst = fmax(out->worst, res->worst);
        if (res->ulps > out->worst_ulps && res->ulps != INT64_MAX)
            out->worst_ulps = res->ulps;
        if (!(res->worst <= tolerance)) {
            const char *name = res->worst_array == 0 ? "param"
                                                     : v->info->states[res->worst_array - 1].name;
            char ulps[64];
            if (res->ulps == INT64_MAX)
                snprintf(ulps, sizeof ulps, "non-finite against finite");
            else
                snprintf(ulps, sizeof ulps, "%lld ulp", res->ulps);
            snprintf(out->what, sizeof out->what,
                     "step %ld: %s[%zu] got %.9g want %.9g (error %.3g of its scale > "
                     "tolerance %.1g; %s)",
                     res->worst_step, name, res->worst_index, res->got, res->want, res->worst,
                     tolerance, ulps);
            out->worst = fmax(out->worst, isnan(res->worst) ? INFINITY : res->worst);
            ok = 0;
        }
    }
    if (!ok) {
        out->failed = 1;
        out->failing = *c;
    }
    return ok;
}

/* A list of cases for one child. */
typedef struct case_list {
    const validator *v;
    const vcase *cases;
    double tolerance;
    case_result *results; /* one per case, shared with the child */
} case_list;

/* In the child: case i of the list; nonzero if it failed. */
static int run_case_item(void *ctx, int i)
{
    const case_list *l = ctx;
    const vcase *c = &l->cases[i];
    case_result *res = &l->results[i];
    const descent_hparams h = case_hparams(l->v, c);
    case_run r;
    int failed = 1;
    if (case_alloc(&r, l->v, c, &h) != 0) {
        res->no_memory = 1;
    } else {
        const guarded_array *list[5];
        int count = 0;
        for (int k = 0; k < 5; k++)
            if (r.used[k])
                list[count++] = &r.arrays[k];
        r.res = res;
        guarded_item_begin(list, count, case_seconds(c));
        case_child(&r);
        const run_result returned = {.outcome = RUN_OK};
        check_outcome scratch = {0};
        failed = !judge_case(l->v, c, &returned, res, l->tolerance, &scratch);
    }
    case_free(&r);
    return failed;
}

void validate_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}
#define json_string validate_json_string

static void json_number(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.6g", x);
    else
        fputs("null", f);
}

void validate_report_line(validate_report *r, const validate_line *l)
{
    FILE *rep = r->text, *js = r->json;
    if (rep) {
        fprintf(rep, "%s  %-32s %4d cases  worst %.2e %s, %lld ulp (tolerance %.3g)\n",
                l->failed ? "FAIL" : "PASS", l->name, l->cases, l->worst, l->unit,
                l->worst_ulps, l->tolerance);
        if (l->failed)
            fprintf(rep, "      smallest failing case: %s\n      %s\n"
                         "      %s: %s\n      rerun: %s\n",
                    l->spec, l->what, l->detail_label, l->detail, l->rerun);
    }
    if (js) {
        fprintf(js, "%s\n    {\"check\": ", r->json_first ? "" : ",");
        r->json_first = 0;
        json_string(js, l->name);
        fprintf(js, ", \"result\": \"%s\", \"cases\": %d, \"worst_rel\": ",
                l->failed ? "FAIL" : "PASS", l->cases);
        json_number(js, l->worst);
        fprintf(js, ", \"worst_ulp\": %lld, \"tolerance\": ", l->worst_ulps);
        json_number(js, l->tolerance);
        if (l->failed) {
            fputs(", \"failure\": {\"case\": ", js);
            json_string(js, l->spec);
            fputs(", \"what\": ", js);
            json_string(js, l->what);
            fprintf(js, ", \"%s\": ", l->detail_label);
            json_string(js, l->detail);
            fputs(", \"rerun\": ", js);
            json_string(js, l->rerun);
            fputc('}', js);
        }
        fputc('}', js);
    }
    if (l->failed)
        r->failed++;
    else
        r->passed++;
}

void validate_report_end(validate_report *r, const char *name, double seconds)
{
    if (r->text)
        fprintf(r->text, "validate %s: %d passed, %d failed (%.2f s)\n", name, r->passed,
                r->failed, seconds);
    if (r->json)
        fprintf(r->json, "\n  ],\n  \"passed\": %d,\n  \"failed\": %d,\n  \"seconds\": "
                         "%.3f\n}\n", r->passed, r->failed, seconds);
}

static void report_check(validator *v, const char *name, const check_outcome *o)
{
    char spec[512] = "", rerun[1024] = "", settings[256] = "";
    if (o->failed) {
        case_spec(v, &o->failing, spec, sizeof spec);
        snprintf(rerun, sizeof rerun, "descent validate --optimizer %s %s --case %s",
                 v->info->name, v->opt->port_name ? v->opt->port_name : "PORT", spec);
        if (o->failing.check == CHECK_GOLDEN)
            snprintf(settings, sizeof settings, "as in %s", o->failing.file);
        else
            snprintf(settings, sizeof settings, "%s over %s's defaults",
                     *v->info->branches[o->failing.branch].settings
                         ? v->info->branches[o->failing.branch].settings : "none",
                     v->info->name);
    }
    const validate_line line = {.name = name, .failed = o->failed, .cases = o->cases,
                                .worst = o->worst, .unit = "of scale",
                                .worst_ulps = o->worst_ulps, .tolerance = o->tolerance,
                                .spec = spec, .what = o->what,
                                .detail_label = "hyperparameters", .detail = settings,
                                .rerun = rerun};
    validate_report_line(&v->rep, &line);
}

/* ------------------------------------------------------------ the checks */

static const size_t primes[] = {61, 127, 251, 509, 1000};

/* Runs cases (smallest first) in one child until one fails, and judges
 * each from what the child reported. */
static void run_cases(validator *v, const vcase *cases, int count, double tolerance,
                      check_outcome *o)
{
    o->tolerance = tolerance;
    const size_t bytes = (size_t)count * sizeof(case_result);
    const case_list l = {v, cases, tolerance, guarded_shared(bytes)};
    if (!l.results) {
        snprintf(o->what, sizeof o->what, "out of memory for the results of %d cases", count);
        o->failed = 1, o->failing = cases[0];
        return;
    }
    const run_result rr = guarded_run_items(run_case_item, (void *)&l, count);
    const run_result returned = {.outcome = RUN_OK};
    for (int i = 0; i <= rr.item && i < count && !o->failed; i++)
        judge_case(v, &cases[i], i == rr.item ? &rr : &returned, &l.results[i], tolerance, o);
    guarded_shared_free(l.results, bytes);
}

static vcase make_case(check_kind check, int branch, size_t n, guard_side side, long steps,
                       long t0)
{
    return (vcase){.check = check, .branch = branch, .n = n,
                   .offset = side == GUARD_AFTER ? n % 4 : 0,
                   .side = side, .seed = (unsigned)(n % 1000) + 1, .steps = steps, .t0 = t0};
}

static void check_branch(validator *v, int b)
{
    vcase cases[2 * (50 + sizeof primes / sizeof primes[0])];
    int count = 0;
    for (size_t s = 0; s < 50 + sizeof primes / sizeof primes[0]; s++) {
        const size_t n = s < 50 ? s : primes[s - 50];
        for (int side = 0; side < 2; side++)
            cases[count++] = make_case(CHECK_BRANCH, b, n, side ? GUARD_BEFORE : GUARD_AFTER,
                                       n >= 1000 ? 30 : 100, 1);
    }
    check_outcome o = {0};
    run_cases(v, cases, count, v->info->rtol, &o);
    char name[96];
    snprintf(name, sizeof name, "branch %s", v->info->branches[b].name);
    report_check(v, name, &o);
}

static void check_sized(validator *v, check_kind check)
{
    vcase cases[64];
    int count = 0;
    for (int b = 0; b < v->info->branch_count; b++) {
        if (check == CHECK_LARGE) {
            cases[count++] = make_case(check, b, 65537, GUARD_AFTER, 3, 1);
            cases[count++] = make_case(check, b, 65537, GUARD_BEFORE, 3, 1);
        } else {
            const long steps = check == CHECK_LARGE_T ? 20 : 10;
            const long t0 = check == CHECK_LARGE_T ? LARGE_T : 1;
            cases[count++] = make_case(check, b, 37, GUARD_AFTER, steps, t0);
            cases[count++] = make_case(check, b, 1000, GUARD_BEFORE, steps, t0);
        }
    }
    if (check == CHECK_LARGE) /* 2^20 on the first branch: memory and time */
        cases[count++] = make_case(check, 0, (size_t)1 << 20, GUARD_AFTER, 3, 1);
    check_outcome o = {0};
    run_cases(v, cases, count, v->info->rtol, &o);
    report_check(v, check_names[check], &o);
}


/* Replays one oracle file through the port (nothing if the file is not
 * this optimizer's: adam_* also matches adamw_* and adamax_*). */
static void check_golden_file(validator *v, const char *path)
{
    golden_file g;
    if (golden_load(path, &g) != DESCENT_OK) {
        check_outcome o = {.failed = 1, .tolerance = GOLDEN_RTOL};
        snprintf(o.what, sizeof o.what, "unreadable oracle file: %s", descent_last_error());
        o.failing = (vcase){.check = CHECK_GOLDEN, .file = path};
        report_check(v, path, &o);
        return;
    }
    if (g.is_mlp || g.optim.kind != v->info->kind) {
        golden_free(&g);
        return;
    }
    vcase cases[2];
    for (int side = 0; side < 2; side++)
        cases[side] = (vcase){.check = CHECK_GOLDEN, .n = g.optim.n, .side = side ? GUARD_BEFORE
                                                                                  : GUARD_AFTER,
                              .steps = g.optim.steps, .t0 = 1, .file = path,
                              .golden = &g.optim};
    check_outcome o = {0};
    run_cases(v, cases, 2, GOLDEN_RTOL, &o);
    const char *base = strrchr(path, '/');
    char name[160];
    snprintf(name, sizeof name, "golden %s", base ? base + 1 : path);
    report_check(v, name, &o);
    golden_free(&g);
}

static int name_sort(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void golden_folder_each(const char *dir, const char *prefix,
                       void (*file)(void *ctx, const char *path), void *ctx)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char *names[MAX_GOLDEN];
    int count = 0;
    const size_t plen = strlen(prefix);
    for (struct dirent *e; (e = readdir(d)) && count < MAX_GOLDEN;) {
        const size_t len = strlen(e->d_name);
        if (!strncmp(e->d_name, prefix, plen) && len > plen + 4 &&
            !strcmp(e->d_name + len - 4, ".txt") && (names[count] = strdup(e->d_name)))
            count++;
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], name_sort);
    for (int i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        file(ctx, path);
        free(names[i]);
    }
}

void golden_files_each(const char *dirs, const char *prefix,
                       void (*file)(void *ctx, const char *path), void *ctx)
{
    char *copy = dirs ? strdup(dirs) : NULL, *save;
    for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save))
        golden_folder_each(d, prefix, file, ctx);
    free(copy);
}

static void replay_golden_file(void *v, const char *path)
{
    check_golden_file(v, path);
}

static void check_golden_dirs(validator *v, const char *dirs)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s_", v->info->name);
    golden_files_each(dirs, prefix, replay_golden_file, v);
}

/* ------------------------------------------------------- one chosen case */

int case_spec_each(const char *spec, guard_side *side, char *file, size_t len,
                   descent_status (*item)(void *ctx, const case_item *it), void *ctx)
{
    char *copy = strdup(spec), *save;
    if (!copy)
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory"), -1;
    descent_status s = DESCENT_OK;
    for (char *text = strtok_r(copy, ",", &save); text && s == DESCENT_OK;
         text = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(text, '=');
        if (!eq) {
            s = descent_fail(DESCENT_ERR_INVALID, "--case: '%s' is not key=value", text);
            break;
        }
        *eq = '\0';
        case_item it = {.key = text, .val = eq + 1};
        if (!strcmp(it.key, "side")) {
            if (strcmp(it.val, "after") && strcmp(it.val, "before"))
                s = descent_fail(DESCENT_ERR_INVALID, "--case: side is after or before");
            *side = strcmp(it.val, "after") ? GUARD_BEFORE : GUARD_AFTER;
            continue;
        }
        if (!strcmp(it.key, "file")) {
            snprintf(file, len, "%s", it.val);
            continue;
        }
        char *end = NULL;
        errno = 0;
        it.num = strtod(it.val, &end);
        it.is_num = *it.val && *end == '\0' && errno == 0 && isfinite(it.num);
        it.is_count = it.is_num && it.num >= 0 && it.num == floor(it.num);
        s = item(ctx, &it);
    }
    free(copy);
    return s == DESCENT_OK ? 0 : -1;
}

typedef struct case_target {
    const validator *v;
    vcase *c;
} case_target;

static descent_status case_key(void *ctx, const case_item *it)
{
    case_target *t = ctx;
    const descent_optim_info *info = t->v->info;
    vcase *c = t->c;
    const char *key = it->key, *val = it->val;
    const double num = it->num;
    if (!strcmp(key, "check")) {
        int k;
        for (k = 0; k < 5 && strcmp(val, check_names[k]); k++)
            ;
        c->check = (check_kind)k;
        return k == 5 ? descent_fail(DESCENT_ERR_INVALID, "--case: unknown check '%s'", val)
                      : DESCENT_OK;
    }
    if (!strcmp(key, "branch")) {
        int b;
        for (b = 0; b < info->branch_count && strcmp(val, info->branches[b].name); b++)
            ;
        c->branch = b;
        return b == info->branch_count
                   ? descent_fail(DESCENT_ERR_INVALID, "--case: %s has no branch '%s'",
                                  info->name, val)
                   : DESCENT_OK;
    }
    if (!it->is_count)
        return descent_fail(DESCENT_ERR_INVALID, "--case: %s='%s' %s", key, val,
                            strstr("n offset seed steps t0", key) ? "is not a number"
                                                                 : "is not a key");
    if (!strcmp(key, "n") && num <= (double)((size_t)1 << 28))
        c->n = (size_t)num;
    else if (!strcmp(key, "offset") && num <= 64)
        c->offset = (size_t)num;
    else if (!strcmp(key, "seed") && num <= 0xffffffffu)
        c->seed = (unsigned)num;
    else if (!strcmp(key, "steps") && num >= 1 && num <= 100000)
        c->steps = (long)num;
    else if (!strcmp(key, "t0") && num >= 1 && num <= 1e12)
        c->t0 = (long)num;
    else
        return descent_fail(DESCENT_ERR_INVALID, "--case: %s=%s is not a key or out of range",
                            key, val);
    return DESCENT_OK;
}

static int parse_case(const validator *v, const char *spec, vcase *c, char *file, size_t len)
{
    *c = make_case(CHECK_BRANCH, 0, 17, GUARD_AFTER, 100, 1);
    c->offset = 0;
    case_target t = {v, c};
    if (case_spec_each(spec, &c->side, file, len, case_key, &t) != 0)
        return -1;
    if (c->check == CHECK_GOLDEN && !*file)
        return descent_fail(DESCENT_ERR_INVALID, "--case: check=golden needs file=PATH"), -1;
    return 0;
}

static int run_one_case(validator *v, const char *spec)
{
    vcase c;
    char file[4096] = "";
    if (parse_case(v, spec, &c, file, sizeof file) != 0)
        return -1;
    if (c.check == CHECK_GOLDEN) {
        check_golden_file(v, file);
        return v->rep.failed;
    }
    check_outcome o = {0};
    run_cases(v, &c, 1, v->info->rtol, &o);
    char name[96];
    snprintf(name, sizeof name, "%s %s (one case)", check_names[c.check],
             v->info->branches[c.branch].name);
    report_check(v, name, &o);
    return v->rep.failed;
}

/* ------------------------------------------------------------ the entry */

int descent_validate(descent_optim_kind kind, descent_ref_fn port,
                     const descent_validate_options *opt)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    if (!info || !port || !opt)
        return descent_fail(DESCENT_ERR_INVALID, "descent_validate: %s",
                            info ? "NULL argument" : "unknown optimizer kind"), -1;
    validator v = {.info = info, .port = port, .opt = opt,
                   .rep = {.text = opt->report, .json = opt->json, .json_first = 1}};
    if (opt->only_case) { /* a bad case is a usage error before any output */
        vcase c;
        char file[4096] = "";
        if (parse_case(&v, opt->only_case, &c, file, sizeof file) != 0)
            return -1;
    }
    const double start = descent_seconds();
    if (opt->report)
        fprintf(opt->report, "validate %s: %s against descent_ref_%s (tolerance %.0e: %s)\n",
                info->name, opt->port_name ? opt->port_name : "port", info->name, info->rtol,
                info->rtol_why);
    if (opt->json) {
        fputs("{\n  \"optimizer\": ", opt->json);
        json_string(opt->json, info->name);
        fputs(",\n  \"port\": ", opt->json);
        json_string(opt->json, opt->port_name ? opt->port_name : "port");
        fputs(",\n  \"checks\": [", opt->json);
    }
    int status = 0;
    if (opt->only_case) {
        status = run_one_case(&v, opt->only_case);
    } else {
        for (int b = 0; b < info->branch_count; b++)
            check_branch(&v, b);
        check_sized(&v, CHECK_LARGE);
        check_sized(&v, CHECK_LARGE_T);
        check_sized(&v, CHECK_NONFINITE);
        check_golden_dirs(&v, opt->golden_dirs);
    }
    const double seconds = descent_seconds() - start;
    if (status >= 0) {
        validate_report_end(&v.rep, info->name, seconds);
        status = v.rep.failed;
    }
    return status;
}

/* ------------------------------------------- descent's kernels as ports */

/* descent_isa_port's adapters: the kernel of one ISA behind the
 * reference's signature.  One kind and ISA at a time (process globals). */
static descent_optim_kind adapter_kind;
static descent_kernel_fn adapter_kernel;

static void adapter_call(const descent_hparams *h, long t, double *mu_product, size_t n,
                         float *param, const float *grad, float *s0, float *s1, float *s2)
{
    if (!h)
        return;
    float *const state[3] = {s0, s1, s2};
    const descent_optim_info *info = descent_optim_info_of(adapter_kind);
    const descent_step step = {adapter_kind, h, t, mu_product ? *mu_product : 1.0};
    adapter_kernel(&step, n, param, grad, state);
    if (mu_product && info->product_factor)
        *mu_product *= info->product_factor(h, t);
}
static void adapter1(const descent_hparams *h, long t, size_t n, float *p, const float *g,
                     float *s0)
{
    adapter_call(h, t, NULL, n, p, g, s0, NULL, NULL);
}
static void adapter2(const descent_hparams *h, long t, size_t n, float *p, const float *g,
                     float *s0, float *s1)
{
    adapter_call(h, t, NULL, n, p, g, s0, s1, NULL);
}
static void adapter3(const descent_hparams *h, long t, size_t n, float *p, const float *g,
                     float *s0, float *s1, float *s2)
{
    adapter_call(h, t, NULL, n, p, g, s0, s1, s2);
}
static void adapter_product2(const descent_hparams *h, long t, double *mu, size_t n, float *p,
                             const float *g, float *s0, float *s1)
{
    adapter_call(h, t, mu, n, p, g, s0, s1, NULL);
}

descent_ref_fn descent_isa_port(descent_optim_kind kind, descent_isa isa)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    const descent_isa_kernels *table = descent_isa_table(isa);
    if (!info || !table || !descent_isa_supported(isa)) {
        descent_fail(DESCENT_ERR_ISA, "descent_isa_port: %s", info ? "variant not supported"
                                                                   : "unknown optimizer kind");
        return NULL;
    }
    adapter_kind = kind;
    adapter_kernel = table->optim[kind];
    switch (info->call_shape) {
    case DESCENT_CALL_STATE1: return (descent_ref_fn)adapter1;
    case DESCENT_CALL_STATE2: return (descent_ref_fn)adapter2;
    case DESCENT_CALL_STATE3: return (descent_ref_fn)adapter3;
    case DESCENT_CALL_PRODUCT_STATE2: return (descent_ref_fn)adapter_product2;
    }
    return NULL;
}
