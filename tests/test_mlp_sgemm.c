/*
 * descent_mlp_set_sgemm: the MLP with its products handed to a function of
 * cblas_sgemm's signature (what descent-bench --gemm and a port validator
 * use) gives the loss, output and gradient of the MLP's own kernels within
 * the MLP tolerance of tests/test_mlp.c: per tensor, max|got - own| <=
 * rtol max|own| with rtol 1e-5, or 1e-4 for layers with fan-in >= 100; the
 * loss within 1e-5 relative.  Ports: a plain row-major sgemm written here
 * (it also checks every call's arguments as cblas does: order, transposes,
 * lda/ldb/ldc at least the stored row length) and, when configure found
 * OpenBLAS, its cblas_sgemm.  Shapes with a single input and a single
 * output cover the products whose A has both strides 1.
 */
#include <string.h>

#include "check.h"
#include "config.h"
#include "descent.h"

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

#if DESCENT_HAVE_OPENBLAS
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c,
                 int ldc);
#endif

static long plain_calls, plain_bad_args;

/* C = alpha op(A) op(B) + beta C, row-major, sums in double. */
static void plain_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha,
                        const float *a, int lda, const float *b, int ldb, float beta, float *c,
                        int ldc)
{
    plain_calls++;
    const int ta = transa == TRANS, tb = transb == TRANS;
    if (order != ROW_MAJOR || (transa != NO_TRANS && !ta) || (transb != NO_TRANS && !tb) ||
        m < 0 || n < 0 || k < 0 || lda < (ta ? m : k) || lda < 1 || ldb < (tb ? k : n) ||
        ldb < 1 || ldc < n || ldc < 1) {
        plain_bad_args++;
        return;
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (int p = 0; p < k; p++)
                sum += (double)(ta ? a[p * lda + i] : a[i * lda + p]) *
                       (tb ? b[j * ldb + p] : b[p * ldb + j]);
            c[i * ldc + j] = (float)(alpha * sum + (beta != 0 ? beta * c[i * ldc + j] : 0));
        }
}

typedef struct run {
    float loss, *grad, *out;
} run;

static void uniform(float *a, size_t n, unsigned long long seed)
{
    unsigned long long x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        a[i] = (float)(x >> 40) * (1.0f / 16777216.0f) - 0.5f;
    }
}

/* One loss_grad and one forward with fn (NULL: the MLP's own products). */
static int run_mlp(const descent_mlp_shape *s, int batch, const float *params, const float *x,
                   const int *labels, const float *targets, descent_sgemm_fn fn, run *r)
{
    descent_mlp *mlp = NULL;
    const size_t n = descent_mlp_param_count(s);
    r->grad = malloc(n * sizeof *r->grad);
    r->out = malloc((size_t)batch * s->sizes[s->layers] * sizeof *r->out);
    int ok = r->grad && r->out && descent_mlp_create(s, batch, &mlp) == DESCENT_OK &&
             descent_mlp_set_threads(mlp, 1) == DESCENT_OK &&
             descent_mlp_set_sgemm(mlp, fn) == DESCENT_OK &&
             descent_mlp_loss_grad(mlp, params, batch, x, labels, targets, r->grad, &r->loss) ==
                 DESCENT_OK &&
             descent_mlp_forward(mlp, params, batch, x, r->out) == DESCENT_OK;
    EXPECT(ok, "MLP run: %s", descent_last_error());
    descent_mlp_free(mlp);
    return ok;
}

static double max_abs_err(const float *got, const float *want, size_t n, double *scale)
{
    double worst = 0;
    *scale = 0;
    for (size_t i = 0; i < n; i++) {
        *scale = fmax(*scale, fabs(want[i]));
        const double err = fabs((double)got[i] - want[i]);
        if (!(err <= worst))
            worst = err;
    }
    return worst;
}

static void compare(const char *what, const descent_mlp_shape *s, int batch, const run *got,
                    const run *own)
{
    EXPECT(fabs(got->loss - own->loss) <= 1e-5 * fabs(own->loss), "%s: loss %.9g, own %.9g",
           what, got->loss, own->loss);
    double scale;
    const size_t outs = (size_t)batch * s->sizes[s->layers];
    double err = max_abs_err(got->out, own->out, outs, &scale);
    EXPECT(err <= 1e-5 * scale, "%s: forward output err %.3g of %.3g", what, err, scale);
    for (int l = 1; l <= s->layers; l++) {
        const double rtol = s->sizes[l - 1] >= 100 ? 1e-4 : 1e-5;
        const size_t w = descent_mlp_weight_offset(s, l), b = descent_mlp_bias_offset(s, l);
        err = max_abs_err(got->grad + w, own->grad + w, (size_t)s->sizes[l] * s->sizes[l - 1],
                          &scale);
        EXPECT(err <= rtol * scale, "%s: dW%d err %.3g > %.0e * %.3g", what, l, err, rtol, scale);
        err = max_abs_err(got->grad + b, own->grad + b, (size_t)s->sizes[l], &scale);
        EXPECT(err <= rtol * scale, "%s: db%d err %.3g > %.0e * %.3g", what, l, err, rtol, scale);
    }
}

static void free_run(run *r)
{
    free(r->grad), free(r->out);
}

/* The MLP on `fn` against the MLP on its own kernels. */
static void check_port(const char *port, descent_sgemm_fn fn, const int *sizes, int count,
                       descent_activation act, descent_loss loss, int batch)
{
    descent_mlp_shape s = {.layers = count - 1, .activation = act, .loss = loss};
    memcpy(s.sizes, sizes, (size_t)count * sizeof *sizes);
    const size_t n = descent_mlp_param_count(&s);
    const int outputs = sizes[count - 1];
    float *params = malloc(n * sizeof *params);
    float *x = malloc((size_t)batch * sizes[0] * sizeof *x);
    float *targets = malloc((size_t)batch * outputs * sizeof *targets);
    int *labels = malloc((size_t)batch * sizeof *labels);
    run own = {0}, got = {0};
    if (!params || !x || !targets || !labels ||
        descent_mlp_init_params(&s, params, 7) != DESCENT_OK) {
        EXPECT(0, "setup failed");
        goto done;
    }
    uniform(x, (size_t)batch * sizes[0], 3);
    uniform(targets, (size_t)batch * outputs, 4);
    for (int b = 0; b < batch; b++)
        labels[b] = b % outputs;
    const int ce = loss == DESCENT_CROSS_ENTROPY;
    char what[96];
    snprintf(what, sizeof what, "%s, %d layers, %d->%d, batch %d", port, s.layers, sizes[0],
             outputs, batch);
    if (run_mlp(&s, batch, params, x, ce ? labels : NULL, ce ? NULL : targets, NULL, &own) &&
        run_mlp(&s, batch, params, x, ce ? labels : NULL, ce ? NULL : targets, fn, &got))
        compare(what, &s, batch, &got, &own);
done:
    free_run(&own), free_run(&got);
    free(params), free(x), free(targets), free(labels);
}

static void check_shapes(const char *port, descent_sgemm_fn fn)
{
    check_port(port, fn, (const int[]){784, 128, 10}, 3, DESCENT_RELU, DESCENT_CROSS_ENTROPY, 64);
    check_port(port, fn, (const int[]){3, 17, 1}, 3, DESCENT_TANH, DESCENT_MSE, 5);
    check_port(port, fn, (const int[]){1, 3, 5, 2}, 4, DESCENT_SIGMOID, DESCENT_CROSS_ENTROPY, 7);
    check_port(port, fn, (const int[]){4, 1}, 2, DESCENT_RELU, DESCENT_MSE, 1);
}

static void test_plain_sgemm_port(void)
{
    plain_calls = plain_bad_args = 0;
    check_shapes("plain sgemm", plain_sgemm);
    EXPECT(plain_calls > 0, "the port was never called");
    EXPECT(plain_bad_args == 0, "%ld of %ld calls had arguments cblas rejects", plain_bad_args,
           plain_calls);
}

#if DESCENT_HAVE_OPENBLAS
static void test_openblas_port(void)
{
    check_shapes("OpenBLAS cblas_sgemm", cblas_sgemm);
}
#endif

/* NULL hands the products back to the MLP's own kernels: the same bits. */
static void test_null_restores_own_kernels(void)
{
    descent_mlp_shape s = {.layers = 2, .sizes = {9, 33, 4}, .activation = DESCENT_RELU,
                           .loss = DESCENT_CROSS_ENTROPY};
    const size_t n = descent_mlp_param_count(&s);
    float params[9 * 33 + 33 + 33 * 4 + 4], x[6 * 9], g1[sizeof params / sizeof *params],
        g2[sizeof params / sizeof *params], l1, l2;
    int labels[6] = {0, 1, 2, 3, 0, 1};
    descent_mlp *a = NULL, *b = NULL;
    uniform(x, sizeof x / sizeof *x, 5);
    EXPECT(n == sizeof params / sizeof *params, "parameter count %zu", n);
    EXPECT(descent_mlp_init_params(&s, params, 1) == DESCENT_OK && descent_mlp_create(&s, 6, &a) ==
               DESCENT_OK && descent_mlp_create(&s, 6, &b) == DESCENT_OK,
           "%s", descent_last_error());
    if (a && b) {
        EXPECT(descent_mlp_set_sgemm(b, plain_sgemm) == DESCENT_OK &&
                   descent_mlp_set_sgemm(b, NULL) == DESCENT_OK,
               "%s", descent_last_error());
        plain_calls = 0;
        descent_mlp_loss_grad(a, params, 6, x, labels, NULL, g1, &l1);
        descent_mlp_loss_grad(b, params, 6, x, labels, NULL, g2, &l2);
        EXPECT(plain_calls == 0, "the port was called %ld times after NULL", plain_calls);
        EXPECT(l1 == l2 && memcmp(g1, g2, sizeof g1) == 0, "not the own kernels' bits");
    }
    descent_mlp_free(a);
    descent_mlp_free(b);
    EXPECT(descent_mlp_set_sgemm(NULL, plain_sgemm) == DESCENT_ERR_INVALID, "NULL mlp accepted");
}

int main(void)
{
    RUN(test_plain_sgemm_port);
#if DESCENT_HAVE_OPENBLAS
    RUN(test_openblas_port);
#else
    printf("ok %d - test_openblas_port # SKIP OpenBLAS not configured\n", ++check_tests_run);
#endif
    RUN(test_null_restores_own_kernels);
    return CHECK_EXIT_STATUS();
}
