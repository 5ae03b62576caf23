/*
 * Mixed precision (include/descent_precision.h) on every variant this CPU
 * runs, against the reference (descent_ref_mixed_step: widen, the fp32
 * reference step, round).
 *
 * - Conversions: every bf16 and fp16 bit pattern widened, and special and
 *   random floats narrowed (NaN payloads, Inf, overflow, subnormals, ties),
 *   bit for bit against the reference's scalar conversions, which are
 *   themselves checked against known answers.
 * - Steps: every option branch of every optimizer x parameters and
 *   gradients in fp32/bf16/fp16 x state in fp32/bf16 (x stochastic
 *   rounding for bf16 parameters) x sizes around the 1024-element chunks,
 *   over a few steps, each from the reference's previous result.  Bitwise
 *   for the scalar variant and the kernels the registry says are bitwise
 *   (rtol 0); else per element |got - want| <= rtol * S + 1 ulp of the
 *   stored dtype at the larger of the two (S: the parameter's largest
 *   magnitude before or after plus its change; for a state array, its
 *   largest magnitude): the fp32 kernel's own tolerance, then at most one
 *   rounding step where the fp32 values straddle a rounding boundary.
 * - Bitwise identical for 1, 2 and 3 threads (stochastic rounding
 *   included); stochastic rounding unbiased in the mean; found_inf skips
 *   the step and leaves every array as it was; inv_scale unscales; the
 *   all-fp32 step is the plain fp32 kernel's bits; bad arguments refused.
 * - The fused kernels bitwise identical to the chunked path of their
 *   variant, for every combination, option, size and thread count.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "../reference/ref_internal.h"
#include "check.h"
#include "descent.h"


static uint32_t bits_of(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static float float_of(uint32_t b)
{
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

static void *alloc_dtype(descent_dtype d, size_t n)
{
    return malloc((n ? n : 1) * descent_dtype_size(d));
}

/* Element i of x (dtype d), widened. */
static float element(descent_dtype d, const void *x, size_t i)
{
    float f;
    descent_ref_widen(1, d, (const char *)x + i * descent_dtype_size(d), &f);
    return f;
}

/* One ulp of dtype d at magnitude |x| (the spacing of the binade). */
static double dtype_ulp(descent_dtype d, double x)
{
    const int mantissa = d == DESCENT_FP16 ? 10 : d == DESCENT_BF16 ? 7 : 23;
    const int min_exp = d == DESCENT_FP16 ? -14 : -126;
    int e;
    frexp(fabs(x), &e);
    e = e - 1 < min_exp ? min_exp : e - 1;
    return ldexp(1.0, e - mantissa);
}

/* The variants this CPU runs (scalar first). */
static descent_isa variants[DESCENT_ISA_COUNT];
static int n_variants;
static void collect_variants(void)
{
    for (int i = 0; i < DESCENT_ISA_COUNT; i++)
        if (CHECK_VARIANT_RUNS((descent_isa)i))
            variants[n_variants++] = (descent_isa)i;
}

/* ------------------------------------------------------------ conversions */

static void test_reference_conversions_known_answers(void)
{
    static const struct { uint32_t in; uint16_t bf16, fp16; } cases[] = {
        {0x3F800000u, 0x3F80, 0x3C00},             /* 1 */
        {0x80000000u, 0x8000, 0x8000},             /* -0 */
        {0x3F808000u, 0x3F80, 0x3C04},             /* bf16 tie, even below */
        {0x3F818000u, 0x3F82, 0x3C0C},             /* bf16 tie, even above */
        {0x3F808001u, 0x3F81, 0x3C04},             /* just above the tie */
        {0x3F801000u, 0x3F80, 0x3C00},             /* fp16 tie 1 + 2^-11: to 1 */
        {0x3F803000u, 0x3F80, 0x3C02},             /* 1 + 3*2^-11: to 1 + 2^-9 */
        {0x477FE000u, 0x4780, 0x7BFF},             /* 65504, fp16's largest */
        {0x477FEFFFu, 0x4780, 0x7BFF},             /* just below 65520 */
        {0x477FF000u, 0x4780, 0x7C00},             /* 65520: the tie goes to Inf */
        {0x7F7FFFFFu, 0x7F80, 0x7C00},             /* FLT_MAX: Inf in both */
        {0xFF800000u, 0xFF80, 0xFC00},             /* -Inf */
        {0x7FC00000u, 0x7FC0, 0x7E00},             /* quiet NaN */
        {0x7F800001u, 0x7FC0, 0x7E00},             /* signaling NaN: quieted */
        {0xFFA02000u, 0xFFE0, 0xFF01},             /* NaN payload kept in the upper bits */
        {0x33800000u, 0x3380, 0x0001},             /* 2^-24, fp16's smallest subnormal */
        {0x33000000u, 0x3300, 0x0000},             /* 2^-25: tie to even 0 */
        {0x33C00000u, 0x33C0, 0x0002},             /* 1.5 * 2^-24: tie to even 2 */
        {0x38800000u, 0x3880, 0x0400},             /* 2^-14, fp16's smallest normal */
        {0x387FC000u, 0x3880, 0x03FF},             /* fp16's largest subnormal */
        {0x387FE000u, 0x3880, 0x0400},             /* its tie with 2^-14: even 0x400 */
        {0x00000001u, 0x0000, 0x0000},             /* fp32's smallest subnormal */
        {0x00018000u, 0x0002, 0x0000},             /* fp32 subnormal, bf16 tie to even */
        {0x00010001u, 0x0001, 0x0000},             /* bf16 subnormal, kept */
        {0x007FFFFFu, 0x0080, 0x0000},             /* rounds up to FLT_MIN */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const float x = float_of(cases[k].in);
        EXPECT(descent_float_to_bf16(x) == cases[k].bf16, "bf16(0x%08x) = 0x%04x, want 0x%04x",
               cases[k].in, descent_float_to_bf16(x), cases[k].bf16);
        EXPECT(descent_float_to_fp16(x) == cases[k].fp16, "fp16(0x%08x) = 0x%04x, want 0x%04x",
               cases[k].in, descent_float_to_fp16(x), cases[k].fp16);
    }
    /* Widening: known values, and every non-NaN pattern comes back. */
    EXPECT(descent_fp16_to_float(0x0001) == 0x1p-24f, "fp16 0x0001");
    EXPECT(descent_fp16_to_float(0x7BFF) == 65504.0f, "fp16 0x7bff");
    EXPECT(descent_fp16_to_float(0xC000) == -2.0f, "fp16 0xc000");
    EXPECT(bits_of(descent_fp16_to_float(0x7D01)) == 0x7FE02000u, "fp16 sNaN widened quiet: %08x",
           bits_of(descent_fp16_to_float(0x7D01)));
    EXPECT(bits_of(descent_bf16_to_float(0x7F81)) == 0x7F810000u, "bf16 widening is exact");
    for (uint32_t h = 0; h < 65536; h++) {
        const float f16 = descent_fp16_to_float((uint16_t)h);
        const float b16 = descent_bf16_to_float((uint16_t)h);
        if (f16 == f16)
            EXPECT(descent_float_to_fp16(f16) == h, "fp16 0x%04x round trip", h);
        if (b16 == b16)
            EXPECT(descent_float_to_bf16(b16) == h, "bf16 0x%04x round trip", h);
    }
}

/* Floats worth narrowing: specials, ties and boundaries of both formats,
 * then random bit patterns (every exponent) and random values near 1. */
static size_t narrowing_inputs(float *x, size_t cap)
{
    static const uint32_t specials[] = {
        0x00000000u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFC00001u,
        0x7F800001u, 0x7FBFFFFFu, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x477FE000u, 0x477FF000u,
        0x477FEFFFu, 0xC77FF000u, 0x33000000u, 0x33000001u, 0x33800000u, 0x33C00000u,
        0x387FC000u, 0x387FE000u, 0x38800000u, 0x00000001u, 0x00018000u, 0x007FFFFFu,
        0x00800000u, 0x3F808000u, 0x3F818000u, 0x3F801000u, 0x3F803000u, 0x7F7F8000u,
        0x7F7F7FFFu, 0x7F7FC000u,
    };
    size_t n = 0;
    for (size_t k = 0; k < sizeof specials / sizeof specials[0] && n < cap; k++)
        x[n++] = float_of(specials[k]);
    while (n < cap / 2)
        x[n++] = float_of((uint32_t)check_u64());
    while (n < cap) { /* ties and near-ties of both formats, at many scales */
        const uint32_t kept = (uint32_t)check_u64() & 0x7FF000u;
        const uint32_t dropped = (check_u64() & 1) ? 0x1000u : 0x8000u;
        x[n++] = float_of(0x3F800000u + kept + dropped) *
                 (float)ldexp(1, (int)(check_u64() % 60) - 40);
    }
    return n;
}

static void test_conversions_bitwise_every_variant(void)
{
    const size_t cap = check_quick() ? 20000 : 200000;
    float *x = malloc(cap * sizeof *x), *wide = malloc(65536 * sizeof *wide);
    uint16_t *all = malloc(65536 * sizeof *all), *got = malloc(cap * sizeof *got);
    const size_t n = narrowing_inputs(x, cap);
    for (uint32_t h = 0; h < 65536; h++)
        all[h] = (uint16_t)h;
    for (int v = 0; v < n_variants; v++) {
        const descent_convert_kernels *cv = &descent_isa_table(variants[v])->convert;
        const char *name = descent_isa_name(variants[v]);
        /* Offsets 0 and 1: every lane position, and a tail. */
        for (size_t off = 0; off < 2; off++) {
            cv->widen_bf16(65536 - off, all + off, wide);
            for (uint32_t h = off; h < 65536; h++)
                EXPECT(bits_of(wide[h - off]) == bits_of(descent_bf16_to_float((uint16_t)h)),
                       "%s widen_bf16(0x%04x) = 0x%08x", name, h, bits_of(wide[h - off]));
            cv->widen_fp16(65536 - off, all + off, wide);
            for (uint32_t h = off; h < 65536; h++)
                EXPECT(bits_of(wide[h - off]) == bits_of(descent_fp16_to_float((uint16_t)h)),
                       "%s widen_fp16(0x%04x) = 0x%08x, want 0x%08x", name, h,
                       bits_of(wide[h - off]), bits_of(descent_fp16_to_float((uint16_t)h)));
            cv->narrow_bf16(n - off, x + off, got);
            for (size_t i = off; i < n; i++)
                EXPECT(got[i - off] == descent_float_to_bf16(x[i]),
                       "%s narrow_bf16(0x%08x) = 0x%04x, want 0x%04x", name, bits_of(x[i]),
                       got[i - off], descent_float_to_bf16(x[i]));
            cv->narrow_fp16(n - off, x + off, got);
            for (size_t i = off; i < n; i++)
                EXPECT(got[i - off] == descent_float_to_fp16(x[i]),
                       "%s narrow_fp16(0x%08x) = 0x%04x, want 0x%04x", name, bits_of(x[i]),
                       got[i - off], descent_float_to_fp16(x[i]));
        }
    }
    free(x);
    free(wide);
    free(all);
    free(got);
}

/* ------------------------------------------------------------ steps */

/* One problem: stored arrays of one precision, started from fp32 arrays
 * that two warm-up steps of the fp32 reference gave. */
typedef struct problem {
    descent_optim_kind kind;
    descent_hparams h;
    descent_precision p;
    size_t n;
    int states;
    void *param, *grad, *state[3];
    double mu_product;
    long t;
} problem;

static float gradient_value(void)
{
    return (float)(check_normal() * pow(10.0, -4.0 + 5.0 * check_uniform())); /* 1e-4 .. 10 */
}

static void problem_init(problem *pr, descent_optim_kind kind, const descent_hparams *h,
                         const descent_precision *p, size_t n)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    *pr = (problem){.kind = kind, .h = *h, .p = *p, .n = n, .mu_product = 1.0};
    pr->states = info->state_count;
    float *p32 = malloc((n + 1) * sizeof *p32), *g32 = malloc((n + 1) * sizeof *g32);
    float *s32[3] = {NULL, NULL, NULL};
    for (int k = 0; k < pr->states; k++) {
        if (!descent_optim_state_used(kind, h, k))
            continue;
        s32[k] = malloc((n + 1) * sizeof(float));
        const descent_hparam_key init = info->states[k].initial;
        for (size_t i = 0; i < n; i++)
            s32[k][i] = init == DESCENT_HP_NONE ? 0.0f : (float)descent_hparams_get(h, init);
    }
    for (size_t i = 0; i < n; i++)
        p32[i] = (float)check_normal();
    for (long t = 1; t <= 2; t++) {
        for (size_t i = 0; i < n; i++)
            g32[i] = gradient_value();
        descent_call_reference_signature(kind, NULL, h, t, n, p32, g32, s32, &pr->mu_product);
    }
    pr->t = 2;
    pr->param = alloc_dtype(p->param, n);
    pr->grad = alloc_dtype(p->grad, n);
    descent_ref_narrow(n, p32, p->param, pr->param);
    for (int k = 0; k < 3; k++) {
        if (!s32[k])
            continue;
        pr->state[k] = alloc_dtype(p->state, n);
        descent_ref_narrow(n, s32[k], p->state, pr->state[k]);
        free(s32[k]);
    }
    free(p32);
    free(g32);
}

static void problem_new_gradient(problem *pr, float scale)
{
    float *g32 = malloc((pr->n + 1) * sizeof *g32);
    for (size_t i = 0; i < pr->n; i++)
        g32[i] = gradient_value() * scale;
    descent_ref_narrow(pr->n, g32, pr->p.grad, pr->grad);
    free(g32);
}

/* A deep copy (same dtypes, same values). */
static void problem_copy(problem *dst, const problem *src)
{
    *dst = *src;
    const size_t pb = descent_dtype_size(src->p.param), sb = descent_dtype_size(src->p.state);
    dst->param = alloc_dtype(src->p.param, src->n);
    memcpy(dst->param, src->param, src->n * pb);
    dst->grad = src->grad; /* read only: shared */
    for (int k = 0; k < 3; k++)
        if (src->state[k]) {
            dst->state[k] = alloc_dtype(src->p.state, src->n);
            memcpy(dst->state[k], src->state[k], src->n * sb);
        }
}

static void problem_free(problem *pr, int owns_grad)
{
    free(pr->param);
    if (owns_grad)
        free(pr->grad);
    for (int k = 0; k < 3; k++)
        free(pr->state[k]);
}

static descent_status problem_step(problem *pr, descent_isa isa, int threads, int *found_inf)
{
    const descent_exec exec = {isa, threads};
    const long t = pr->t + 1;
    descent_status s = isa == DESCENT_ISA_COUNT /* the reference */
        ? descent_ref_mixed_step(pr->kind, &pr->h, t, &pr->mu_product, pr->n, pr->param,
                                 pr->grad, pr->state, &pr->p, found_inf)
        : descent_mixed_step(pr->kind, &pr->h, t, &pr->mu_product, pr->n, pr->param, pr->grad,
                             pr->state, &pr->p, &exec, found_inf);
    if (s == DESCENT_OK && !(found_inf && *found_inf))
        pr->t = t;
    return s;
}

static int arrays_identical(const problem *a, const problem *b)
{
    if (memcmp(a->param, b->param, a->n * descent_dtype_size(a->p.param)) != 0)
        return 0;
    for (int k = 0; k < 3; k++)
        if (a->state[k] && memcmp(a->state[k], b->state[k],
                                  a->n * descent_dtype_size(a->p.state)) != 0)
            return 0;
    return 1;
}

/* 0 if got agrees with want (see the top of the file); else 1, after one
 * message naming the first element that does not. */
static int compare(const problem *got, const problem *want, const problem *before, int bitwise,
                   double rtol, const char *what)
{
    if (bitwise) {
        if (arrays_identical(got, want))
            return 0;
        EXPECT(0, "%s: not bitwise identical to the reference", what);
        return 1;
    }
    for (int a = 0; a < 4; a++) {
        const void *g = a == 0 ? got->param : got->state[a - 1];
        const void *w = a == 0 ? want->param : want->state[a - 1];
        const void *q = a == 0 ? before->param : before->state[a - 1];
        const descent_dtype d = a == 0 ? got->p.param : got->p.state;
        if (!g)
            continue;
        double array_max = 0;
        for (size_t i = 0; a > 0 && i < got->n; i++)
            array_max = fmax(array_max, fmax(fabs(element(d, w, i)), fabs(element(d, q, i))));
        for (size_t i = 0; i < got->n; i++) {
            const double x = element(d, g, i), y = element(d, w, i), q0 = element(d, q, i);
            if (!isfinite(y) || !isfinite(x)) {
                if (isfinite(x) != isfinite(y)) {
                    EXPECT(0, "%s: array %d [%zu] = %g, want %g", what, a, i, x, y);
                    return 1;
                }
                continue;
            }
            const double scale = a == 0 ? fmax(fabs(y), fabs(q0)) + fabs(y - q0) : array_max;
            const double ulp = d == DESCENT_FP32 ? 0 : dtype_ulp(d, fmax(fabs(x), fabs(y)));
            if (!(fabs(x - y) <= rtol * scale + ulp)) {
                EXPECT(0, "%s: array %d [%zu] = %.9g, want %.9g (before %.9g; tolerance %.3g)",
                       what, a, i, x, y, q0, rtol * scale + ulp);
                return 1;
            }
        }
    }
    return 0;
}

static const descent_dtype value_dtypes[] = {DESCENT_FP32, DESCENT_BF16, DESCENT_FP16};
static const descent_dtype state_dtypes[] = {DESCENT_FP32, DESCENT_BF16};

/* Every precision (with stochastic rounding where the parameters are
 * bf16), calling fn(p, ctx). */
static void for_each_precision(void (*fn)(const descent_precision *p, void *ctx), void *ctx)
{
    for (int pd = 0; pd < 3; pd++)
        for (int gd = 0; gd < 3; gd++)
            for (int sd = 0; sd < 2; sd++)
                for (int sr = 0; sr <= (value_dtypes[pd] == DESCENT_BF16); sr++) {
                    descent_precision p;
                    descent_precision_default(&p);
                    p.param = value_dtypes[pd];
                    p.grad = value_dtypes[gd];
                    p.state = state_dtypes[sd];
                    p.stochastic_rounding = sr;
                    p.seed = 12345;
                    fn(&p, ctx);
                }
}

typedef struct agree_ctx {
    descent_isa isa;
    const descent_optim_info *info;
    const descent_optim_branch *branch;
    descent_hparams h;
    int failures;
} agree_ctx;

static void agree_precision(const descent_precision *p, void *vctx)
{
    agree_ctx *c = vctx;
    static const size_t sizes[] = {1, 17, 1100, 515}; /* quick: the first three */
    const size_t n_sizes = check_quick() ? 3 : 4;
    const int steps = check_quick() ? 2 : 3;
    const int bitwise = c->isa == DESCENT_ISA_SCALAR || c->info->rtol == 0;
    for (size_t z = 0; z < n_sizes && c->failures < 3; z++) {
        problem want;
        problem_init(&want, c->info->kind, &c->h, p, sizes[z]);
        for (int s = 0; s < steps; s++) {
            problem before, got;
            problem_new_gradient(&want, 1.0f);
            problem_copy(&before, &want);
            problem_copy(&got, &want);
            EXPECT(problem_step(&want, DESCENT_ISA_COUNT, 1, NULL) == DESCENT_OK, "%s",
                   descent_last_error());
            EXPECT(problem_step(&got, c->isa, 1, NULL) == DESCENT_OK, "%s", descent_last_error());
            char what[160];
            snprintf(what, sizeof what, "%s %s/%s param %s grad %s state %s%s n %zu step %ld",
                     descent_isa_name(c->isa), c->info->name, c->branch->name,
                     descent_dtype_name(p->param), descent_dtype_name(p->grad),
                     descent_dtype_name(p->state), p->stochastic_rounding ? " (stochastic)" : "",
                     sizes[z], want.t);
            c->failures += compare(&got, &want, &before, bitwise, c->info->rtol, what);
            problem_free(&before, 0);
            problem_free(&got, 0);
        }
        problem_free(&want, 1);
    }
}

static void test_every_combination_agrees_with_reference(void)
{
    for (int v = 0; v < n_variants; v++)
        for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
            agree_ctx c = {.isa = variants[v],
                           .info = descent_optim_info_of((descent_optim_kind)k)};
            const int branches = check_quick() ? 1 : c.info->branch_count;
            for (int b = 0; b < branches; b++) {
                c.branch = &c.info->branches[b];
                descent_hparams_default(c.info->kind, &c.h);
                EXPECT(descent_hparams_apply(c.info->kind, &c.h, c.branch->settings) == DESCENT_OK,
                       "%s", descent_last_error());
                for_each_precision(agree_precision, &c);
            }
        }
}

/* The all-fp32 step uses the arrays in place: the plain kernel's bits. */
static void test_fp32_is_the_plain_kernel(void)
{
    const size_t n = 3000;
    descent_precision p;
    descent_precision_default(&p);
    for (int v = 0; v < n_variants; v++) {
        problem a, b;
        descent_hparams h;
        descent_hparams_default(DESCENT_ADAM, &h);
        problem_init(&a, DESCENT_ADAM, &h, &p, n);
        problem_new_gradient(&a, 1.0f);
        problem_copy(&b, &a);
        EXPECT(problem_step(&a, variants[v], 1, NULL) == DESCENT_OK, "%s", descent_last_error());
        const descent_step step = {DESCENT_ADAM, &h, b.t + 1, 1.0};
        float *state[3] = {b.state[0], b.state[1], b.state[2]};
        descent_isa_table(variants[v])->optim[DESCENT_ADAM](&step, n, b.param, b.grad, state);
        EXPECT(arrays_identical(&a, &b), "%s: the fp32 mixed step differs from the fp32 kernel",
               descent_isa_name(variants[v]));
        problem_free(&a, 1);
        problem_free(&b, 0);
    }
}

/* The fused kernels (kernel.h: descent_fused_kernel) against the chunked
 * path of the same variant (descent_parallel_mixed_step_chunked): bitwise,
 * for every optimizer and precision they cover, every option, inv_scale 1
 * and 2^-3, sizes with tails and across blocks, threads 1 to 3 (those for
 * one option of Adam: threads only move the blocks' offsets).  Each
 * fused variant (avx2, avx512, neon, sve) must have SGD's, Adam's and AdamW's.  Where
 * the CPU's bf16 conversion is used (AVX512_BF16), the portable kernels
 * are compared as well. */
#define FUSED_OPTIONS 6
static const char *const *fused_settings(descent_optim_kind kind)
{
    static const char *const adam[FUSED_OPTIONS] = {
        "lr=0.01", "lr=0.01 weight_decay=0.1", "lr=0.01 weight_decay=0", "lr=0.01 amsgrad=1",
        "lr=0.01 maximize=1", "lr=0.01 amsgrad=1 weight_decay=0.1 maximize=1",
    };
    static const char *const sgd[FUSED_OPTIONS] = {
        "lr=0.01", "momentum=0.9", "momentum=0.9 dampening=0.2", "momentum=0.9 nesterov=1",
        "weight_decay=0.1 maximize=1", "momentum=0.9 nesterov=1 weight_decay=0.1 maximize=1",
    };
    return kind == DESCENT_SGD ? sgd : adam;
}

static int fused_matches_chunked(const descent_isa_kernels *isa, descent_optim_kind kind,
                                 const descent_hparams *h, const descent_precision *p, size_t n,
                                 int max_threads, const char *what)
{
    problem base;
    problem_init(&base, kind, h, p, n);
    problem_new_gradient(&base, 1.0f);
    int failures = 0;
    for (int scaled = 0; scaled < 2 && !failures; scaled++)
        for (int threads = 1; threads <= (scaled ? 1 : max_threads) && !failures; threads++) {
            problem fused, chunked;
            problem_copy(&fused, &base);
            problem_copy(&chunked, &base);
            fused.p.inv_scale = chunked.p.inv_scale = scaled ? 0.125f : 1.0f;
            const descent_step step = {kind, h, base.t + 1, 1.0};
            descent_parallel_mixed_step(isa, &step, n, fused.param, fused.grad, fused.state,
                                        &fused.p, threads);
            descent_parallel_mixed_step_chunked(isa, &step, n, chunked.param, chunked.grad,
                                                chunked.state, &chunked.p, threads);
            if (!arrays_identical(&fused, &chunked)) {
                EXPECT(0, "%s, inv_scale %g, %d threads: fused != chunked", what,
                       fused.p.inv_scale, threads);
                failures++;
            }
            /* The portable kernel too where the CPU's bf16 conversion
             * replaced it above, on the whole arrays. */
            const descent_fused_kernel_fn portable =
                (*isa->fused(kind, 0))[p->param][p->grad][p->state];
            if (threads == 1 && portable != (*isa->fused(kind, 1))[p->param][p->grad][p->state]) {
                problem again;
                problem_copy(&again, &base);
                portable(&step, n, again.param, again.grad, again.state, fused.p.inv_scale);
                if (!arrays_identical(&again, &chunked)) {
                    EXPECT(0, "%s, inv_scale %g: portable fused != chunked", what,
                           fused.p.inv_scale);
                    failures++;
                }
                problem_free(&again, 0);
            }
            problem_free(&fused, 0);
            problem_free(&chunked, 0);
        }
    problem_free(&base, 1);
    return failures;
}

static void test_fused_bitwise_chunked(void)
{
    const size_t sizes[] = {1, 17, 1100, 515 + 16 * 1100}; /* the last: two blocks */
    const size_t n_options = FUSED_OPTIONS;
    for (int v = 0; v < n_variants; v++) {
        const descent_isa_kernels *isa = descent_isa_table(variants[v]);
        const char *name = descent_isa_name(variants[v]);
        if (!strcmp(name, "avx2") || !strcmp(name, "avx512") || !strcmp(name, "neon") ||
            !strcmp(name, "sve"))
            EXPECT(isa->fused && isa->fused(DESCENT_ADAM, 0) && isa->fused(DESCENT_ADAMW, 0) &&
                       isa->fused(DESCENT_SGD, 0),
                   "%s has no fused SGD/Adam/AdamW", name);
        for (int k = 0; k < DESCENT_OPTIM_COUNT && isa->fused; k++) {
            const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
            if (!isa->fused(info->kind, 0))
                continue;
            for (size_t o = 0; o < n_options; o++) {
                descent_hparams h;
                descent_hparams_default(info->kind, &h);
                const char *settings = fused_settings(info->kind)[o];
                EXPECT(descent_hparams_apply(info->kind, &h, settings) == DESCENT_OK, "%s: %s",
                       settings, descent_last_error());
                for (int pd = 0; pd < 3; pd++)
                    for (int gd = 0; gd < 3; gd++)
                        for (int sd = 0; sd < 2; sd++)
                            for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
                                if (z == 3 && o != 0 && (o != n_options - 1 || check_quick()))
                                    continue; /* two blocks: the plainest, the fullest */
                                descent_precision p;
                                descent_precision_default(&p);
                                p.param = value_dtypes[pd];
                                p.grad = value_dtypes[gd];
                                p.state = state_dtypes[sd];
                                char what[160];
                                snprintf(what, sizeof what, "%s %s [%s] %s-%s-%s n=%zu", name,
                                         info->name, settings,
                                         descent_dtype_name(p.param), descent_dtype_name(p.grad),
                                         descent_dtype_name(p.state), sizes[z]);
                                EXPECT((*isa->fused(info->kind, 0))[p.param][p.grad][p.state]
                                           && (*isa->fused(info->kind, 1))[p.param][p.grad]
                                                                         [p.state],
                                       "%s: no fused kernel", what);
                                /* Threads move the blocks' offsets only
                                 * (kernels/mixed.c, the same for every
                                 * optimizer): every dtype, one option of
                                 * Adam. */
                                const int threads = o == 0 && info->kind == DESCENT_ADAM &&
                                                            descent_parallel_splits(sizes[z])
                                                        ? 3
                                                        : 1;
                                fused_matches_chunked(isa, info->kind, &h, &p, sizes[z],
                                                      threads, what);
                            }
            }
        }
    }
}

/* Threads 1, 2, 3 over 66536 elements (five blocks of the OpenMP layer,
 * above its one-thread threshold, below which every count runs one thread):
 * the same bits, stochastic rounding included; LAMB (one tensor) too. */
static void test_threads_bitwise_identical(void)
{
    const size_t n = 4 * 16384 + 1000;
    EXPECT(descent_parallel_splits(n), "n = %zu is below the threshold: no split to test", n);
    static const descent_optim_kind kinds[] = {DESCENT_ADAM, DESCENT_NADAM, DESCENT_LAMB};
    for (int v = 0; v < n_variants; v++)
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            descent_precision p;
            descent_precision_default(&p);
            p.param = DESCENT_BF16, p.grad = DESCENT_FP16, p.state = DESCENT_BF16;
            p.stochastic_rounding = 1, p.seed = 99, p.inv_scale = 0.25f;
            descent_hparams h;
            descent_hparams_default(kinds[k], &h);
            problem one;
            problem_init(&one, kinds[k], &h, &p, n);
            problem_new_gradient(&one, 4.0f);
            for (int threads = 2; threads <= 3; threads++) {
                problem other;
                problem_copy(&other, &one);
                EXPECT(problem_step(&other, variants[v], threads, NULL) == DESCENT_OK, "%s",
                       descent_last_error());
                problem ref;
                problem_copy(&ref, &one);
                EXPECT(problem_step(&ref, variants[v], 1, NULL) == DESCENT_OK, "%s",
                       descent_last_error());
                EXPECT(arrays_identical(&ref, &other), "%s %s: %d threads differ from 1",
                       descent_isa_name(variants[v]), descent_optim_name(kinds[k]), threads);
                problem_free(&other, 0);
                problem_free(&ref, 0);
            }
            problem_free(&one, 1);
        }
}

/* SGD (lr 1) by 1/8 of a bf16 ulp of 1.0: nearest rounding never moves the
 * parameter, stochastic rounding moves it up one ulp with probability 1/8,
 * so the mean is 1 + 2^-10 within 5 standard errors; and two seeds differ. */
static void test_stochastic_rounding_unbiased(void)
{
    const size_t n = 1 << 16;
    uint16_t *param = malloc(n * sizeof *param), *again = malloc(n * sizeof *again);
    float *grad = malloc(n * sizeof *grad);
    descent_hparams h;
    descent_hparams_default(DESCENT_SGD, &h);
    h.lr = 1.0;
    for (int v = 0; v < n_variants; v++)
        for (int sr = 0; sr <= 1; sr++) {
            descent_precision p;
            descent_precision_default(&p);
            p.param = DESCENT_BF16, p.stochastic_rounding = sr, p.seed = 7;
            for (size_t i = 0; i < n; i++)
                param[i] = descent_float_to_bf16(1.0f), grad[i] = -0x1p-10f;
            const descent_exec exec = {variants[v], 2};
            void *none[3] = {NULL, NULL, NULL};
            EXPECT(descent_mixed_step(DESCENT_SGD, &h, 1, NULL, n, param, grad, none, &p, &exec,
                                      NULL) == DESCENT_OK, "%s", descent_last_error());
            double mean = 0;
            for (size_t i = 0; i < n; i++)
                mean += descent_bf16_to_float(param[i]);
            mean /= (double)n;
            const double want = sr ? 1.0 + 0x1p-10 : 1.0;
            const double se = sr ? 0x1p-7 * sqrt(0.125 * 0.875 / (double)n) : 0;
            EXPECT(fabs(mean - want) <= 5 * se, "%s stochastic %d: mean %.9g, want %.9g +- %.2g",
                   descent_isa_name(variants[v]), sr, mean, want, 5 * se);
            if (sr) {
                for (size_t i = 0; i < n; i++)
                    again[i] = descent_float_to_bf16(1.0f);
                p.seed = 8;
                descent_mixed_step(DESCENT_SGD, &h, 1, NULL, n, again, grad, none, &p, &exec,
                                   NULL);
                EXPECT(memcmp(param, again, n * sizeof *param) != 0, "seeds 7 and 8 agree");
            }
        }
    free(param);
    free(again);
    free(grad);
}

/* fp16 gradients with a loss scale: a NaN, an Inf or an fp16 overflow
 * anywhere (last element: the check covers every block) skips the step,
 * every array and NAdam's product unchanged; a finite gradient scaled by
 * 1024 and unscaled by inv_scale 2^-10 gives the unscaled step's bits
 * (exact scaling). */
static void test_found_inf_skips_step(void)
{
    const size_t n = check_quick() ? 20000 : 40000;
    static const uint16_t bad[] = {0x7E00, 0x7C00, 0xFC00};
    for (int v = 0; v < n_variants; v++) {
        descent_precision p;
        descent_precision_default(&p);
        p.param = DESCENT_FP16, p.grad = DESCENT_FP16, p.state = DESCENT_BF16;
        p.inv_scale = 0x1p-10f;
        descent_hparams h;
        descent_hparams_default(DESCENT_NADAM, &h);
        problem pr;
        problem_init(&pr, DESCENT_NADAM, &h, &p, n);
        problem_new_gradient(&pr, 1.0f);
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            problem before;
            problem_copy(&before, &pr);
            uint16_t *g = pr.grad;
            const uint16_t keep = g[n - 1];
            g[n - 1] = bad[b];
            int found = -1;
            EXPECT(problem_step(&pr, variants[v], 2, &found) == DESCENT_OK, "%s",
                   descent_last_error());
            EXPECT(found == 1, "%s: gradient 0x%04x: found_inf %d", descent_isa_name(variants[v]),
                   bad[b], found);
            EXPECT(arrays_identical(&pr, &before) && pr.mu_product == before.mu_product &&
                       pr.t == before.t,
                   "%s: a skipped step changed something", descent_isa_name(variants[v]));
            g[n - 1] = keep;
            problem_free(&before, 0);
        }
        /* Finite: taken, and the scaling is undone exactly. */
        problem scaled, plain;
        problem_copy(&scaled, &pr);
        problem_copy(&plain, &pr);
        uint16_t *g = pr.grad, *big = malloc(n * sizeof *big);
        for (size_t i = 0; i < n; i++)
            big[i] = descent_float_to_fp16(descent_fp16_to_float(g[i]) * 1024.0f);
        scaled.grad = big;
        plain.p.inv_scale = 1.0f;
        /* keep only elements whose scaled value is exact (no fp16 overflow) */
        for (size_t i = 0; i < n; i++)
            if (descent_fp16_to_float(big[i]) != descent_fp16_to_float(g[i]) * 1024.0f)
                big[i] = g[i] = 0;
        int found = -1;
        EXPECT(problem_step(&scaled, variants[v], 2, &found) == DESCENT_OK && found == 0,
               "%s: finite gradient: found_inf %d", descent_isa_name(variants[v]), found);
        EXPECT(problem_step(&plain, variants[v], 2, NULL) == DESCENT_OK, "%s",
               descent_last_error());
        EXPECT(arrays_identical(&scaled, &plain) && scaled.mu_product == plain.mu_product,
               "%s: inv_scale did not undo the scale", descent_isa_name(variants[v]));
        EXPECT(!arrays_identical(&scaled, &pr), "%s: the finite step changed nothing",
               descent_isa_name(variants[v]));
        free(big);
        problem_free(&scaled, 0);
        problem_free(&plain, 0);
        problem_free(&pr, 1);
    }
}

/* descent_optimizer_set_storage on the scalar variant: the optimizer's fp32
 * arrays hold, step after step, the bits descent_ref_mixed_step stores
 * (fp32 gradients); Adagrad's initial accumulator is rounded too. */
static void test_optimizer_storage_is_the_reference(void)
{
    const size_t n = 1500;
    static const descent_optim_kind kinds[] = {DESCENT_ADAM, DESCENT_ADAGRAD};
    static const descent_dtype stores[][2] = {{DESCENT_BF16, DESCENT_BF16},
                                             {DESCENT_FP16, DESCENT_FP32}};
    for (size_t k = 0; k < 2; k++)
        for (size_t d = 0; d < 2; d++) {
            descent_hparams h;
            descent_hparams_default(kinds[k], &h);
            h.weight_decay = 0.01, h.lr = 0.01;
            if (kinds[k] == DESCENT_ADAGRAD)
                h.initial_accumulator_value = 0.1;
            descent_precision p;
            descent_precision_default(&p);
            p.param = stores[d][0], p.state = stores[d][1];
            problem ref;
            problem_init(&ref, kinds[k], &h, &p, n);
            /* A fresh optimizer from the same (rounded) parameters: the
             * reference restarts from its initial state as well. */
            for (int s = 0; s < 3; s++)
                if (ref.state[s]) {
                    float v = kinds[k] == DESCENT_ADAGRAD ? 0.1f : 0.0f;
                    for (size_t i = 0; i < n; i++)
                        descent_ref_narrow(1, &v, p.state,
                                           (char *)ref.state[s] + i * descent_dtype_size(p.state));
                }
            ref.t = 0;
            float *param = malloc(n * sizeof *param), *grad = malloc(n * sizeof *grad);
            descent_ref_widen(n, p.param, ref.param, param);
            descent_optimizer *opt;
            EXPECT(descent_optimizer_create(kinds[k], &h, n, &opt) == DESCENT_OK &&
                       descent_optimizer_set_isa(opt, DESCENT_ISA_SCALAR) == DESCENT_OK &&
                       descent_optimizer_set_storage(opt, p.param, p.state) == DESCENT_OK,
                   "%s", descent_last_error());
            free(ref.grad);
            ref.p.grad = DESCENT_FP32;
            ref.grad = grad;
            for (int step = 0; step < 3; step++) {
                for (size_t i = 0; i < n; i++)
                    grad[i] = gradient_value();
                EXPECT(problem_step(&ref, DESCENT_ISA_COUNT, 1, NULL) == DESCENT_OK, "%s",
                       descent_last_error());
                EXPECT(descent_optimizer_step(opt, param, grad) == DESCENT_OK, "%s",
                       descent_last_error());
                int same = 1;
                for (size_t i = 0; i < n; i++)
                    same &= bits_of(param[i]) == bits_of(element(p.param, ref.param, i));
                for (int s = 0; s < 3; s++) {
                    const float *st = descent_optimizer_state(opt, s);
                    for (size_t i = 0; st && i < n; i++)
                        same &= bits_of(st[i]) == bits_of(element(p.state, ref.state[s], i));
                }
                EXPECT(same, "%s storage %s/%s step %d: not the reference's bits",
                       descent_optim_name(kinds[k]), descent_dtype_name(p.param),
                       descent_dtype_name(p.state), step + 1);
            }
            descent_optimizer_free(opt);
            free(param);
            problem_free(&ref, 1);
        }
    EXPECT(descent_optimizer_set_storage(NULL, DESCENT_BF16, DESCENT_BF16) == DESCENT_ERR_INVALID,
           "NULL optimizer accepted");
}

/* The optimizer's bf16 parameters after `steps` Adam steps from x0 (fp32
 * state, nearest or stochastic rounding with seed 7) on `variant` and
 * `threads`, into param; grads holds each step's gradient. */
static void storage_run(descent_isa variant, int threads, int stochastic, size_t n, int steps,
                        const float *x0, const float *grads, float *param)
{
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    h.lr = 0.01, h.weight_decay = 0.01;
    descent_optimizer *opt;
    EXPECT(descent_optimizer_create(DESCENT_ADAM, &h, n, &opt) == DESCENT_OK &&
               descent_optimizer_set_isa(opt, variant) == DESCENT_OK &&
               descent_optimizer_set_threads(opt, threads) == DESCENT_OK &&
               descent_optimizer_set_storage(opt, DESCENT_BF16, DESCENT_FP32) == DESCENT_OK &&
               descent_optimizer_set_storage_rounding(opt, stochastic, 7, 0) == DESCENT_OK,
           "%s", descent_last_error());
    memcpy(param, x0, n * sizeof *param);
    for (int t = 0; t < steps; t++)
        EXPECT(descent_optimizer_step(opt, param, grads + (size_t)t * n) == DESCENT_OK, "%s",
               descent_last_error());
    descent_optimizer_free(opt);
}

/* Stochastic rounding in the optimizer's storage mode: step after step the
 * bits descent_mixed_step stores for bf16 parameters with
 * stochastic_rounding and the same seed (fp32 gradients and state), the
 * same on 1, 2 and 3 threads (n splits into blocks), not nearest's; and
 * refused unless the parameters are stored as bf16. */
static void test_optimizer_storage_stochastic(void)
{
    const size_t n = 70000;
    const int steps = 3;
    float *x0 = malloc(n * sizeof *x0), *grads = malloc(steps * n * sizeof *grads);
    float *param = malloc(n * sizeof *param), *other = malloc(n * sizeof *other);
    uint16_t *p16 = malloc(n * sizeof *p16);
    float *m = malloc(n * sizeof *m), *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        x0[i] = descent_bf16_to_float(descent_float_to_bf16((float)check_normal()));
    for (size_t i = 0; i < steps * n; i++)
        grads[i] = gradient_value();
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    h.lr = 0.01, h.weight_decay = 0.01;
    descent_precision p;
    descent_precision_default(&p);
    p.param = DESCENT_BF16, p.stochastic_rounding = 1, p.seed = 7;
    for (int var = 0; var < n_variants; var++) {
        const descent_isa isa = variants[var];
        const descent_exec exec = {isa, 1};
        descent_ref_narrow(n, x0, DESCENT_BF16, p16);
        memset(m, 0, n * sizeof *m), memset(v, 0, n * sizeof *v);
        void *const state[3] = {m, v, NULL};
        memcpy(param, x0, n * sizeof *param);
        int same = 1;
        for (int t = 1; t <= steps; t++) {
            EXPECT(descent_mixed_step(DESCENT_ADAM, &h, t, NULL, n, p16,
                                      grads + (size_t)(t - 1) * n, state, &p, &exec,
                                      NULL) == DESCENT_OK, "%s", descent_last_error());
            storage_run(isa, 1, 1, n, t, x0, grads, param);
            for (size_t i = 0; i < n; i++)
                same &= bits_of(param[i]) == bits_of(descent_bf16_to_float(p16[i]));
            EXPECT(same, "%s: stochastic storage step %d: not descent_mixed_step's bits",
                   descent_isa_name(isa), t);
        }
        for (int threads = 2; threads <= 3; threads++) {
            storage_run(isa, threads, 1, n, steps, x0, grads, other);
            EXPECT(memcmp(param, other, n * sizeof *param) == 0,
                   "%s: stochastic storage on %d threads differs from 1",
                   descent_isa_name(isa), threads);
        }
        storage_run(isa, 1, 0, n, steps, x0, grads, other);
        size_t differ = 0;
        for (size_t i = 0; i < n; i++)
            differ += bits_of(param[i]) != bits_of(other[i]);
        EXPECT(differ > n / 10, "%s: stochastic storage differs from nearest in %zu of %zu",
               descent_isa_name(isa), differ, n);
    }
    descent_optimizer *opt;
    EXPECT(descent_optimizer_create(DESCENT_ADAM, &h, 4, &opt) == DESCENT_OK, "%s",
           descent_last_error());
    static const descent_dtype not_bf16[] = {DESCENT_FP32, DESCENT_FP16};
    for (int d = 0; d < 2; d++) {
        EXPECT(descent_optimizer_set_storage(opt, not_bf16[d], DESCENT_FP32) == DESCENT_OK,
               "%s", descent_last_error());
        EXPECT(descent_optimizer_set_storage_rounding(opt, 1, 7, 0) == DESCENT_ERR_INVALID &&
                   strstr(descent_last_error(), "bf16 parameters only"),
               "stochastic rounding of %s parameters accepted", descent_dtype_name(not_bf16[d]));
    }
    EXPECT(descent_optimizer_set_storage_rounding(NULL, 0, 0, 0) == DESCENT_ERR_INVALID,
           "NULL optimizer accepted");
    descent_optimizer_free(opt);
    free(x0), free(grads), free(param), free(other), free(p16), free(m), free(v);
}

static void test_bad_arguments(void)
{
    float param[4] = {0}, grad[4] = {0}, m[4] = {0}, v[4] = {0};
    void *state[3] = {m, v, NULL};
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    descent_precision p, bad;
    descent_precision_default(&p);
    double mu = 1.0;
    EXPECT(descent_mixed_step(DESCENT_ADAM, &h, 1, NULL, 4, param, grad, state, &p, NULL, NULL) ==
               DESCENT_OK, "%s", descent_last_error());
    bad = p, bad.state = DESCENT_FP16;
    EXPECT(descent_mixed_step(DESCENT_ADAM, &h, 1, NULL, 4, param, grad, state, &bad, NULL,
                              NULL) == DESCENT_ERR_INVALID, "fp16 state accepted");
    bad = p, bad.stochastic_rounding = 1;
    EXPECT(descent_mixed_step(DESCENT_ADAM, &h, 1, NULL, 4, param, grad, state, &bad, NULL,
                              NULL) == DESCENT_ERR_INVALID, "stochastic fp32 accepted");
    bad = p, bad.inv_scale = 0;
    EXPECT(descent_ref_mixed_step(DESCENT_ADAM, &h, 1, NULL, 4, param, grad, state, &bad,
                                  NULL) == DESCENT_ERR_INVALID, "inv_scale 0 accepted");
    bad = p, bad.param = DESCENT_DTYPE_COUNT;
    EXPECT(descent_mixed_step(DESCENT_ADAM, &h, 1, NULL, 4, param, grad, state, &bad, NULL,
                              NULL) == DESCENT_ERR_INVALID, "unknown dtype accepted");
    void *missing[3] = {m, NULL, NULL};
    EXPECT(descent_mixed_step(DESCENT_ADAM, &h, 1, NULL, 4, param, grad, missing, &p, NULL,
                              NULL) == DESCENT_ERR_INVALID, "missing state accepted");
    EXPECT(descent_mixed_step(DESCENT_ADAM, &h, 0, NULL, 4, param, grad, state, &p, NULL,
                              NULL) == DESCENT_ERR_INVALID, "step 0 accepted");
    descent_hparams nh;
    descent_hparams_default(DESCENT_NADAM, &nh);
    EXPECT(descent_mixed_step(DESCENT_NADAM, &nh, 1, NULL, 4, param, grad, state, &p, NULL,
                              NULL) == DESCENT_ERR_INVALID, "NAdam without mu_product accepted");
    EXPECT(descent_mixed_step(DESCENT_NADAM, &nh, 1, &mu, 4, param, grad, state, &p, NULL,
                              NULL) == DESCENT_OK && mu != 1.0, "NAdam: %s", descent_last_error());
    const descent_exec negative = {DESCENT_ISA_SCALAR, -1};
    EXPECT(descent_mixed_step(DESCENT_ADAM, &h, 1, NULL, 4, param, grad, state, &p, &negative,
                              NULL) == DESCENT_ERR_INVALID, "threads -1 accepted");
    /* n = 0: nothing to do, for an elementwise and a per-tensor kernel, checked or not. */
    int found = -1;
    EXPECT(descent_mixed_step(DESCENT_ADAM, &h, 1, NULL, 0, NULL, NULL, NULL, &p, NULL,
                              &found) == DESCENT_OK && found == 0,
           "n = 0: %s", descent_last_error());
    descent_hparams lh;
    descent_hparams_default(DESCENT_LAMB, &lh);
    EXPECT(descent_mixed_step(DESCENT_LAMB, &lh, 1, NULL, 0, NULL, NULL, NULL, &p, NULL, NULL) ==
               DESCENT_OK, "LAMB n = 0: %s", descent_last_error());
    found = -1;
    EXPECT(descent_ref_mixed_step(DESCENT_ADAM, &h, 1, NULL, 0, NULL, NULL, NULL, &p, &found) ==
               DESCENT_OK && found == 0, "reference n = 0: %s", descent_last_error());
    descent_dtype d;
    EXPECT(descent_dtype_from_name("bf16", &d) == DESCENT_OK && d == DESCENT_BF16, "bf16 name");
    EXPECT(descent_dtype_from_name("fp8", &d) == DESCENT_ERR_INVALID, "fp8 accepted");
}

int main(void)
{
    collect_variants();
    RUN(test_reference_conversions_known_answers);
    RUN(test_conversions_bitwise_every_variant);
    RUN(test_every_combination_agrees_with_reference);
    RUN(test_fp32_is_the_plain_kernel);
    RUN(test_fused_bitwise_chunked);
    RUN(test_threads_bitwise_identical);
    RUN(test_stochastic_rounding_unbiased);
    RUN(test_found_inf_skips_step);
    RUN(test_optimizer_storage_is_the_reference);
    RUN(test_optimizer_storage_stochastic);
    RUN(test_bad_arguments);
    return CHECK_EXIT_STATUS();
}
