/*
 * The error of each variant's exp and tanh, and of the MLP's sigmoid and
 * softmax built on them, in ulp of the correctly rounded float result
 * (double libm as the truth), over about 2^21 inputs per function spread
 * evenly over the bit patterns of the range (every binade gets its share).
 *
 * What each variant uses, and the bound it is held to:
 *   scalar                        libm's expf/tanhf            1 ulp (exp), 2.5 (tanh)
 *   avx2, avx512 with SLEEF       Sleef_*_u10 (1.0 ulp)        1 ulp (exp), 1.5 (tanh)
 *   neon, and x86 without SLEEF   kernels/vec/vec_math.h       2 ulp (exp and tanh;
 *                                 measured 1.22 and 1.24 on x86 --disable-sleef)
 *   sigmoid 1/(1+exp(-z)): the exp bound + 3 ulp (an addition and a
 *   division, half an ulp each, and exp's error carried through them);
 *   softmax exp(z - max)/sum: the exp bound + 5 ulp (the float sum of up
 *   to 37 terms adds its own rounding).
 * Outside the range where exp's result is a normal float: exp overflows
 * to +Inf above ln(FLT_MAX), gives subnormals or 0 below ln(FLT_MIN), and
 * NaN stays NaN.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "check.h"
#include "config.h"
#include "descent.h"

#define SAMPLES (1u << 21)

/* The spacing of floats at |want| (subnormal spacing below FLT_MIN). */
static double ulp_at(double want)
{
    const double a = fabs(want);
    if (a < FLT_MIN)
        return ldexp(1.0, -149);
    int e;
    frexp(a, &e); /* a = m 2^e, m in [0.5, 1) */
    return ldexp(1.0, e - 24);
}

static double ulp_error(float got, double want)
{
    if (isinf(want) || fabs(want) > FLT_MAX)
        return isinf(got) && (got > 0) == (want > 0) ? 0.0 : INFINITY;
    return fabs((double)got - want) / ulp_at(want);
}

/* Inputs from lo to hi (both finite, same sign or spanning 0), evenly over
 * the float bit patterns: an order-preserving map of floats to integers. */
static int32_t ordered(float x)
{
    int32_t i;
    memcpy(&i, &x, sizeof i);
    return i < 0 ? INT32_MIN - i : i;
}
static float from_ordered(int32_t i)
{
    if (i < 0)
        i = INT32_MIN - i;
    float x;
    memcpy(&x, &i, sizeof x);
    return x;
}
static float *sweep(float lo, float hi, size_t n)
{
    float *x = malloc(n * sizeof(float));
    if (!x)
        return NULL;
    const double a = ordered(lo), b = ordered(hi);
    for (size_t i = 0; i < n; i++)
        x[i] = from_ordered((int32_t)(a + (b - a) * (double)i / (double)(n - 1)));
    return x;
}

/* The bound of exp and tanh for a variant, from what it is built with. */
static int uses_polynomial(descent_isa isa)
{
    const int aarch64 = isa == DESCENT_ISA_NEON || isa == DESCENT_ISA_SVE; /* no arm64 SLEEF */
    return isa != DESCENT_ISA_SCALAR && !(DESCENT_HAVE_SLEEF && !aarch64);
}
static double exp_bound(descent_isa isa) { return uses_polynomial(isa) ? 2.0 : 1.0; }
static double tanh_bound(descent_isa isa)
{
    if (uses_polynomial(isa))
        return 2.0;
    return isa == DESCENT_ISA_SCALAR ? 2.5 : 1.5; /* glibc's tanhf: 2 ulp (its manual) */
}

typedef double truth_fn(double);
static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* The worst ulp error of f over `n` inputs x against truth; the input
 * where it occurs into *where. */
static double worst_ulp(const float *x, const float *y, size_t n, truth_fn *truth, float *where)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        const double e = ulp_error(y[i], truth((double)x[i]));
        if (!(e <= worst)) {
            worst = e, *where = x[i];
            if (isnan(e))
                break;
        }
    }
    return worst;
}

static void check_map(const char *name, descent_isa isa, descent_map_fn map, truth_fn *truth,
                      float lo, float hi, double bound)
{
    float *x = sweep(lo, hi, SAMPLES), *y = malloc(SAMPLES * sizeof(float));
    if (!x || !y) {
        EXPECT(0, "out of memory");
        free(x), free(y);
        return;
    }
    map(SAMPLES, x, y);
    float where = 0;
    const double worst = worst_ulp(x, y, SAMPLES, truth, &where);
    printf("# %-7s %-7s [%g, %g]: worst %.3f ulp (bound %g) at x = %.9g\n",
           descent_isa_name(isa), name, lo, hi, worst, bound, where);
    EXPECT(worst <= bound, "%s %s: %.3f ulp at x = %.9g (bound %g)", descent_isa_name(isa),
           name, worst, where, bound);
    free(x), free(y);
}

static void test_exp_ulp(void)
{
    for (int i = 0; i < DESCENT_ISA_COUNT; i++) {
        const descent_isa isa = (descent_isa)i;
        if (!CHECK_VARIANT_RUNS(isa))
            continue;
        /* Normal results: ln(FLT_MIN) .. the largest x with exp(x) finite. */
        check_map("exp", isa, descent_isa_table(isa)->map_exp, exp, -87.33654f, 88.7228317f,
                  exp_bound(isa));
    }
}

static void test_exp_out_of_range(void)
{
    const float x[] = {88.7228394f, 89.0f, 1e30f, INFINITY, -104.0f, -1e30f, -INFINITY, NAN,
                       -90.0f, 0.0f};
    const size_t n = sizeof x / sizeof x[0];
    for (int i = 0; i < DESCENT_ISA_COUNT; i++) {
        const descent_isa isa = (descent_isa)i;
        if (!CHECK_VARIANT_RUNS(isa))
            continue;
        float y[sizeof x / sizeof x[0]];
        descent_isa_table(isa)->map_exp(n, x, y);
        for (size_t k = 0; k < 4; k++)
            EXPECT(isinf(y[k]) && y[k] > 0, "%s exp(%g) = %g, want +Inf", descent_isa_name(isa),
                   x[k], y[k]);
        for (size_t k = 4; k < 7; k++)
            EXPECT(y[k] == 0.0f, "%s exp(%g) = %g, want 0", descent_isa_name(isa), x[k], y[k]);
        EXPECT(isnan(y[7]), "%s exp(NaN) = %g", descent_isa_name(isa), y[7]);
        /* exp(-90) = 8.2e-40, a subnormal: within an ulp of it, not FLT_MIN. */
        EXPECT(ulp_error(y[8], exp(-90.0)) <= 1.0, "%s exp(-90) = %g, want %g",
               descent_isa_name(isa), y[8], exp(-90.0));
        EXPECT(y[9] == 1.0f, "%s exp(0) = %.9g", descent_isa_name(isa), y[9]);
    }
}

static void test_tanh_ulp(void)
{
    for (int i = 0; i < DESCENT_ISA_COUNT; i++) {
        const descent_isa isa = (descent_isa)i;
        if (!CHECK_VARIANT_RUNS(isa))
            continue;
        const descent_map_fn f = descent_isa_table(isa)->map_tanh;
        check_map("tanh", isa, f, tanh, -12.0f, 12.0f, tanh_bound(isa));
        check_map("tanh", isa, f, tanh, -1e30f, 1e30f, tanh_bound(isa)); /* saturation */
    }
}

/* The hidden layers' sigmoid through the MLP kernel (bias 0). */
static void sigmoid_map(descent_isa isa, size_t n, const float *x, float *y)
{
    float *zero = calloc(n, sizeof(float));
    memcpy(y, x, n * sizeof(float));
    if (zero)
        descent_isa_table(isa)->mlp_bias_act(DESCENT_SIGMOID, n, zero, y);
    free(zero);
}

static void test_sigmoid_ulp(void)
{
    for (int i = 0; i < DESCENT_ISA_COUNT; i++) {
        const descent_isa isa = (descent_isa)i;
        if (!CHECK_VARIANT_RUNS(isa))
            continue;
        /* Down to -87: below, 1/(1+exp(-z)) is subnormal (and counted in
         * subnormal ulps, which exp's relative error does not bound). */
        float *x = sweep(-87.0f, 40.0f, SAMPLES), *y = malloc(SAMPLES * sizeof(float));
        if (!x || !y) {
            EXPECT(0, "out of memory");
            free(x), free(y);
            continue;
        }
        sigmoid_map(isa, SAMPLES, x, y);
        float where = 0;
        const double worst = worst_ulp(x, y, SAMPLES, sigmoid, &where);
        const double bound = exp_bound(isa) + 3.0;
        printf("# %-7s sigmoid [-87, 40]: worst %.3f ulp (bound %g) at z = %.9g\n",
               descent_isa_name(isa), worst, bound, where);
        EXPECT(worst <= bound, "%s sigmoid: %.3f ulp at z = %.9g", descent_isa_name(isa), worst,
               where);
        free(x), free(y);
    }
}

/* Softmax cross-entropy rows of 1 to 37 logits (every tail length of every
 * vector width), logits spread over [-40, 40]: each gradient element and
 * the loss against a double computation. */
static void test_softmax_ulp(void)
{
    enum { MAX_N = 37, ROWS = 4000 };
    for (int i = 0; i < DESCENT_ISA_COUNT; i++) {
        const descent_isa isa = (descent_isa)i;
        if (!CHECK_VARIANT_RUNS(isa))
            continue;
        const descent_mlp_softmax_xent_fn f = descent_isa_table(isa)->mlp_softmax_xent;
        double worst = 0, worst_loss = 0;
        unsigned long long state = 12345;
        for (int r = 0; r < ROWS; r++) {
            const int n = 1 + r % MAX_N, label = (r / MAX_N) % n, batch = 1 + r % 5;
            float z[MAX_N], g[MAX_N];
            for (int k = 0; k < n; k++) {
                state = state * 6364136223846793005ull + 1442695040888963407ull;
                z[k] = (float)((double)(state >> 11) / 9007199254740992.0 * 80.0 - 40.0);
            }
            const float loss = f((size_t)n, z, label, batch, g);
            /* The truth from the same rounded z - max that the kernels
             * exponentiate (its rounding is the formula's, not exp's). */
            float max = z[0];
            double sum = 0, e[MAX_N];
            for (int k = 1; k < n; k++)
                max = z[k] > max ? z[k] : max;
            for (int k = 0; k < n; k++)
                sum += e[k] = exp((double)(z[k] - max));
            for (int k = 0; k < n; k++) {
                const double want = (e[k] / sum - (k == label)) / batch;
                /* The label's (p - 1)/batch is rounded on the scale of
                 * 1/batch (p near 1 cancels): its ulp are those of 1/batch. */
                const double scale = k == label ? 1.0 / batch : want;
                worst = fmax(worst, fabs(g[k] - want) / ulp_at(scale));
            }
            const double want_loss = (double)max + log(sum) - z[label];
            worst_loss = fmax(worst_loss, fabs(loss - want_loss) / fmax(fabs(want_loss), 1.0));
        }
        const double bound = exp_bound(isa) + 5.0;
        printf("# %-7s softmax: worst %.3f ulp (bound %g), loss relative %.3g\n",
               descent_isa_name(isa), worst, bound, worst_loss);
        EXPECT(worst <= bound, "%s softmax gradient: %.3f ulp", descent_isa_name(isa), worst);
        /* The loss: logsumexp - z[label], two roundings on values of size
         * up to 80 against a result that may be near 0. */
        EXPECT(worst_loss <= 1e-5, "%s softmax loss: relative %.3g", descent_isa_name(isa),
               worst_loss);
    }
}

int main(void)
{
    RUN(test_exp_ulp);
    RUN(test_exp_out_of_range);
    RUN(test_tanh_ulp);
    RUN(test_sigmoid_ulp);
    RUN(test_softmax_ulp);
    return CHECK_EXIT_STATUS();
}
