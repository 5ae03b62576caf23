/*
 * The MLP: the reference backward against central finite differences of an
 * independent double-precision forward (every activation x loss, odd
 * sizes), the fast object against the reference (sizes 1, 3, 17, 33 and
 * 784-128-10, every ISA this machine runs, several thread counts, identical
 * bits for any thread count), stable log-sum-exp, the parameter layout and
 * initialization, and argument checking.
 *
 * Tolerances, per tensor (each dW_l, db_l), relative to its largest value:
 *   reference vs finite differences:  max|ref - fd| <= 1e-5 max|fd| + 1e-8
 *     (float32 rounding of a few hundred operations is ~1e-6 relative; the
 *     double central difference with h = 1e-6 is accurate to ~1e-9);
 *   fast vs reference: max|fast - ref| <= rtol max|ref|, rtol 1e-5, or 1e-4
 *     for layers with fan-in >= 100 (../shared/golden/README.md); the loss
 *     within 1e-5 relative.
 */
#include <float.h>
#include <string.h>

#include "check.h"
#include "descent.h"
#include "rng.h"

#define FD_RTOL 1e-5
#define FD_ATOL 1e-8
#define FD_STEP 1e-6

typedef struct problem {
    descent_mlp_shape shape;
    int batch;
    size_t n;     /* parameters */
    float *params, *x, *targets;
    int *labels;
} problem;

static descent_mlp_shape make_shape(const int *sizes, int count, descent_activation act,
                                    descent_loss loss)
{
    descent_mlp_shape s;
    memset(&s, 0, sizeof s);
    s.layers = count - 1;
    for (int i = 0; i < count; i++)
        s.sizes[i] = sizes[i];
    s.activation = act;
    s.loss = loss;
    return s;
}

static void free_problem(problem *p)
{
    free(p->params), free(p->x), free(p->targets), free(p->labels);
}

/* nn.Linear-initialized parameters, x ~ N(0, 1), random labels or targets. */
static problem make_problem(descent_mlp_shape shape, int batch, unsigned long long seed)
{
    problem p;
    memset(&p, 0, sizeof p);
    p.shape = shape;
    p.batch = batch;
    p.n = descent_mlp_param_count(&shape);
    const int in = shape.sizes[0], out = shape.sizes[shape.layers];
    p.params = malloc(p.n * sizeof(float));
    p.x = malloc((size_t)batch * in * sizeof(float));
    p.targets = malloc((size_t)batch * out * sizeof(float));
    p.labels = malloc((size_t)batch * sizeof(int));
    if (!p.params || !p.x || !p.targets || !p.labels) {
        printf("# out of memory\n");
        exit(1);
    }
    descent_mlp_init_params(&shape, p.params, seed);
    descent_rng rng;
    descent_rng_seed(&rng, seed ^ 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < (size_t)batch * in; i++)
        p.x[i] = (float)descent_rng_normal(&rng);
    for (size_t i = 0; i < (size_t)batch * out; i++)
        p.targets[i] = (float)descent_rng_normal(&rng);
    for (int b = 0; b < batch; b++)
        p.labels[b] = (int)descent_rng_below(&rng, (uint64_t)out);
    return p;
}

static const int *labels_of(const problem *p)
{
    return p->shape.loss == DESCENT_CROSS_ENTROPY ? p->labels : NULL;
}

static const float *targets_of(const problem *p)
{
    return p->shape.loss == DESCENT_MSE ? p->targets : NULL;
}

/* ------------------------------------------- double-precision forward */

static double act_d(descent_activation a, double z)
{
    switch (a) {
    case DESCENT_RELU: return z > 0 ? z : 0;
    case DESCENT_TANH: return tanh(z);
    default: return 1.0 / (1.0 + exp(-z));
    }
}

/* The loss in double, written independently of reference/mlp.c; also
 * reports the hidden pre-activation closest to 0 (ReLU's kink). */
static double loss_double(const problem *p, const double *params, double *min_abs_hidden)
{
    const descent_mlp_shape *s = &p->shape;
    const int L = s->layers;
    int widest = 0;
    for (int l = 0; l <= L; l++)
        widest = s->sizes[l] > widest ? s->sizes[l] : widest;
    double *cur = malloc((size_t)widest * sizeof(double));
    double *next = malloc((size_t)widest * sizeof(double));
    double total = 0, closest = INFINITY;
    for (int b = 0; b < p->batch; b++) {
        for (int i = 0; i < s->sizes[0]; i++)
            cur[i] = p->x[(size_t)b * s->sizes[0] + i];
        size_t off = 0;
        for (int l = 1; l <= L; l++) {
            const int in = s->sizes[l - 1], out = s->sizes[l];
            const double *W = params + off, *bias = params + off + (size_t)in * out;
            off += (size_t)(in + 1) * out;
            for (int o = 0; o < out; o++) {
                double z = bias[o];
                for (int i = 0; i < in; i++)
                    z += W[(size_t)o * in + i] * cur[i];
                if (l < L) {
                    closest = fmin(closest, fabs(z));
                    z = act_d(s->activation, z);
                }
                next[o] = z;
            }
            double *t = cur;
            cur = next, next = t;
        }
        const int out = s->sizes[L];
        if (s->loss == DESCENT_CROSS_ENTROPY) {
            double m = cur[0], sum = 0;
            for (int o = 1; o < out; o++)
                m = fmax(m, cur[o]);
            for (int o = 0; o < out; o++)
                sum += exp(cur[o] - m);
            total += m + log(sum) - cur[p->labels[b]];
        } else {
            for (int o = 0; o < out; o++) {
                const double d = cur[o] - p->targets[(size_t)b * out + o];
                total += d * d;
            }
        }
    }
    free(cur), free(next);
    if (min_abs_hidden)
        *min_abs_hidden = closest;
    const int out = s->sizes[L];
    return s->loss == DESCENT_CROSS_ENTROPY ? total / p->batch : total / ((double)p->batch * out);
}

/* Per-tensor comparison: returns the worst max|got - want| / max|want| and
 * fails the test if it exceeds rtol (plus atol). */
static void compare_tensors(const char *what, const descent_mlp_shape *s, const float *got,
                            const double *want, double rtol_small, double rtol_wide,
                            double atol)
{
    for (int l = 1; l <= s->layers; l++) {
        for (int part = 0; part < 2; part++) {
            const size_t off = part ? descent_mlp_bias_offset(s, l)
                                    : descent_mlp_weight_offset(s, l);
            const size_t len = part ? (size_t)s->sizes[l]
                                    : (size_t)s->sizes[l] * (size_t)s->sizes[l - 1];
            const double rtol = s->sizes[l - 1] >= 100 ? rtol_wide : rtol_small;
            double scale = 0, worst = 0;
            size_t worst_i = 0;
            for (size_t i = 0; i < len; i++) {
                scale = fmax(scale, fabs(want[off + i]));
                const double err = fabs((double)got[off + i] - want[off + i]);
                if (!(err <= worst)) /* also catches NaN */
                    worst = err, worst_i = i;
            }
            EXPECT(worst <= rtol * scale + atol,
                   "%s: %s%d index %zu: got %.9g want %.9g (max err %.3g > %.3g * max %.3g)",
                   what, part ? "db" : "dW", l, worst_i, got[off + worst_i], want[off + worst_i],
                   worst, rtol, scale);
        }
    }
}

/* --------------------------------------------- reference vs finite diff */

static void gradient_check(const int *sizes, int count, int batch, unsigned long long seed)
{
    for (int a = 0; a < DESCENT_ACTIVATION_COUNT; a++) {
        for (int lo = 0; lo < DESCENT_LOSS_COUNT; lo++) {
            descent_mlp_shape s =
                make_shape(sizes, count, (descent_activation)a, (descent_loss)lo);
            problem p;
            double *pd = NULL, closest = 0;
            /* Stay clear of ReLU's kink, where the difference quotient is
             * not the derivative: redraw until no hidden |z| < 1e-3. */
            for (unsigned long long k = 0;; k++) {
                p = make_problem(s, batch, seed + 1000 * k);
                free(pd);
                pd = malloc(p.n * sizeof(double));
                for (size_t i = 0; i < p.n; i++)
                    pd[i] = p.params[i];
                loss_double(&p, pd, &closest);
                if (closest >= 1e-3 || k == 50)
                    break;
                free_problem(&p);
            }
            char what[128];
            snprintf(what, sizeof what, "%d-layer %s %s batch %d (first size %d)", s.layers,
                     descent_activation_name(s.activation), descent_loss_name(s.loss), batch,
                     sizes[0]);
            float *grad = malloc(p.n * sizeof(float));
            double *fd = malloc(p.n * sizeof(double));
            float loss;
            descent_status st = descent_ref_mlp_loss_grad(&s, p.params, batch, p.x, labels_of(&p),
                                                          targets_of(&p), grad, &loss);
            EXPECT(st == DESCENT_OK, "%s: %s", what, descent_last_error());
            const double exact = loss_double(&p, pd, NULL);
            EXPECT(fabs(loss - exact) <= 1e-5 * fabs(exact) + 1e-7,
                   "%s: loss %.9g, double %.9g", what, loss, exact);
            for (size_t i = 0; i < p.n; i++) {
                const double keep = pd[i];
                pd[i] = keep + FD_STEP;
                const double up = loss_double(&p, pd, NULL);
                pd[i] = keep - FD_STEP;
                const double down = loss_double(&p, pd, NULL);
                pd[i] = keep;
                fd[i] = (up - down) / (2 * FD_STEP);
            }
            compare_tensors(what, &s, grad, fd, FD_RTOL, FD_RTOL, FD_ATOL);
            free(grad), free(fd), free(pd);
            free_problem(&p);
        }
    }
}

static void test_reference_gradient_two_layers(void)
{
    gradient_check((const int[]){5, 7, 3}, 3, 4, 1);
}

static void test_reference_gradient_odd_sizes(void)
{
    gradient_check((const int[]){1, 1}, 2, 1, 2);        /* one linear layer, one unit */
    gradient_check((const int[]){3, 17, 1}, 3, 3, 3);
    gradient_check((const int[]){17, 3, 5}, 3, 1, 4);
    gradient_check((const int[]){1, 3, 17, 2}, 4, 7, 5); /* three layers */
    gradient_check((const int[]){4, 6, 6, 6, 3}, 5, 2, 6);
}

/* ---------------------------------------------------- fast vs reference */

static void fast_matches_reference(const int *sizes, int count, int batch, int max_batch)
{
    for (int a = 0; a < DESCENT_ACTIVATION_COUNT; a++) {
        for (int lo = 0; lo < DESCENT_LOSS_COUNT; lo++) {
            descent_mlp_shape s =
                make_shape(sizes, count, (descent_activation)a, (descent_loss)lo);
            problem p = make_problem(s, batch, 100 + (unsigned long long)(a * 2 + lo));
            const int out = s.sizes[s.layers];
            float *ref = malloc(p.n * sizeof(float)), *got = malloc(p.n * sizeof(float));
            float *first = malloc(p.n * sizeof(float));
            double *want = malloc(p.n * sizeof(double));
            float *ref_out = malloc((size_t)batch * out * sizeof(float));
            float *got_out = malloc((size_t)batch * out * sizeof(float));
            float ref_loss, loss, first_loss = 0;
            EXPECT(descent_ref_mlp_loss_grad(&s, p.params, batch, p.x, labels_of(&p),
                                             targets_of(&p), ref, &ref_loss) == DESCENT_OK,
                   "%s", descent_last_error());
            EXPECT(descent_ref_mlp_forward(&s, p.params, batch, p.x, ref_out) == DESCENT_OK,
                   "%s", descent_last_error());
            for (size_t i = 0; i < p.n; i++)
                want[i] = ref[i];
            descent_mlp *mlp;
            if (descent_mlp_create(&s, max_batch, &mlp) != DESCENT_OK) {
                EXPECT(0, "create: %s", descent_last_error());
                continue;
            }
            int runs = 0;
            for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
                if (!descent_isa_supported((descent_isa)isa))
                    continue;
                descent_mlp_set_isa(mlp, (descent_isa)isa);
                for (int threads = 1; threads <= 3; threads++) {
                    char what[160];
                    snprintf(what, sizeof what, "%s %d threads, %d-layer %s %s batch %d",
                             descent_isa_name((descent_isa)isa), threads, s.layers,
                             descent_activation_name(s.activation), descent_loss_name(s.loss),
                             batch);
                    descent_mlp_set_threads(mlp, threads);
                    descent_status st = descent_mlp_loss_grad(
                        mlp, p.params, batch, p.x, labels_of(&p), targets_of(&p), got, &loss);
                    EXPECT(st == DESCENT_OK, "%s: %s", what, descent_last_error());
                    EXPECT(fabs(loss - ref_loss) <= 1e-5 * fabs(ref_loss),
                           "%s: loss %.9g, reference %.9g", what, loss, ref_loss);
                    compare_tensors(what, &s, got, want, 1e-5, 1e-4, 0);
                    if (threads == 1) {
                        memcpy(first, got, p.n * sizeof(float));
                        first_loss = loss;
                    } else {
                        EXPECT(memcmp(first, got, p.n * sizeof(float)) == 0 && loss == first_loss,
                               "%s: result differs from 1 thread", what);
                    }
                    EXPECT(descent_mlp_forward(mlp, p.params, batch, p.x, got_out) ==
                               DESCENT_OK, "%s", descent_last_error());
                    double oscale = 0, oerr = 0;
                    for (size_t i = 0; i < (size_t)batch * out; i++) {
                        oscale = fmax(oscale, fabs(ref_out[i]));
                        oerr = fmax(oerr, fabs(got_out[i] - ref_out[i]));
                    }
                    EXPECT(oerr <= 1e-5 * oscale, "%s: forward err %.3g of %.3g", what, oerr,
                           oscale);
                    runs++;
                }
            }
            /* Without grad: the loss only, the same value. */
            float loss_only;
            EXPECT(descent_mlp_loss_grad(mlp, p.params, batch, p.x, labels_of(&p),
                                         targets_of(&p), NULL, &loss_only) == DESCENT_OK &&
                       loss_only == first_loss,
                   "loss without gradient %.9g vs %.9g", loss_only, first_loss);
            EXPECT(runs >= 3, "only %d runs", runs);
            descent_mlp_free(mlp);
            free(ref), free(got), free(first), free(want), free(ref_out), free(got_out);
            free_problem(&p);
        }
    }
}

static void test_fast_small_odd_shapes(void)
{
    fast_matches_reference((const int[]){1, 1}, 2, 1, 1);
    fast_matches_reference((const int[]){3, 17, 1}, 3, 3, 8);
    fast_matches_reference((const int[]){17, 33, 3}, 3, 33, 33);
    fast_matches_reference((const int[]){33, 17, 33, 3}, 4, 17, 40);
    fast_matches_reference((const int[]){1, 3, 17, 33, 2}, 5, 5, 5);
}

static void test_fast_wide_layers(void)
{
    /* Tile and panel edges: 70 rows (>64), 300 inputs (>256 = one panel). */
    fast_matches_reference((const int[]){300, 70, 9}, 3, 70, 128);
    /* Rows enough (batch x width >= 32768) that the elementwise kernels
     * (activation, act', softmax over 40 logits) run on several threads. */
    fast_matches_reference((const int[]){20, 300, 40}, 3, 128, 128);
    /* One region per call (src/mlp.c): products shared by the threads
     * (256 Ki multiply-adds or more: the first two layers' forward, dW and
     * dA) and thread 0's alone (the last layer's, the loss rows) in turn,
     * each stage waiting for the one before. */
    fast_matches_reference((const int[]){200, 160, 40, 10}, 4, 64, 64);
}

static void test_fast_fashion_mnist_shape(void)
{
    fast_matches_reference((const int[]){784, 128, 10}, 3, 64, 64);
}

/* A workspace larger than the batch, and calls with different batch sizes
 * in a row, leave nothing stale. */
static void test_fast_varying_batch(void)
{
    descent_mlp_shape s = make_shape((const int[]){6, 9, 4}, 3, DESCENT_TANH,
                                     DESCENT_CROSS_ENTROPY);
    problem big = make_problem(s, 20, 7);
    descent_mlp *mlp;
    if (descent_mlp_create(&s, 20, &mlp) != DESCENT_OK) {
        EXPECT(0, "%s", descent_last_error());
        return;
    }
    float *a = malloc(big.n * sizeof(float)), *b = malloc(big.n * sizeof(float));
    float la, lb;
    const int batches[] = {20, 3, 1, 20, 7};
    for (size_t k = 0; k < sizeof batches / sizeof batches[0]; k++) {
        const int B = batches[k];
        EXPECT(descent_mlp_loss_grad(mlp, big.params, B, big.x, big.labels, NULL, a, &la) ==
                   DESCENT_OK, "%s", descent_last_error());
        EXPECT(descent_ref_mlp_loss_grad(&s, big.params, B, big.x, big.labels, NULL, b, &lb) ==
                   DESCENT_OK, "%s", descent_last_error());
        double err = 0, scale = 0;
        for (size_t i = 0; i < big.n; i++)
            err = fmax(err, fabs(a[i] - b[i])), scale = fmax(scale, fabs(b[i]));
        EXPECT(err <= 1e-5 * scale && fabs(la - lb) <= 1e-5 * fabs(lb),
               "batch %d: err %.3g of %.3g, loss %.9g vs %.9g", B, err, scale, la, lb);
    }
    descent_status st = descent_mlp_loss_grad(mlp, big.params, 21, big.x, big.labels, NULL, a, &la);
    EXPECT(st == DESCENT_ERR_INVALID && strstr(descent_last_error(), "max_batch 20"),
           "batch above max_batch: %d %s", st, descent_last_error());
    descent_mlp_free(mlp);
    free(a), free(b);
    free_problem(&big);
}

/* Forward then backward is loss_grad, bit for bit, on every variant and
 * both losses; backward refuses to run on another forward's activations. */
static void test_forward_then_backward(void)
{
    for (int lo = 0; lo < DESCENT_LOSS_COUNT; lo++) {
        descent_mlp_shape s = make_shape((const int[]){33, 17, 5}, 3, DESCENT_RELU,
                                         (descent_loss)lo);
        problem p = make_problem(s, 9, 11 + (unsigned long long)lo);
        const int *labels = labels_of(&p);
        const float *targets = targets_of(&p);
        float *want = malloc(p.n * sizeof(float)), *got = malloc(p.n * sizeof(float));
        float *out = malloc((size_t)p.batch * 5 * sizeof(float));
        descent_mlp *mlp;
        if (!want || !got || !out || descent_mlp_create(&s, p.batch, &mlp) != DESCENT_OK) {
            EXPECT(0, "setup: %s", descent_last_error());
            free(want), free(got), free(out), free_problem(&p);
            continue;
        }
        float want_loss, got_loss;
        EXPECT(descent_mlp_backward(mlp, p.params, p.batch, p.x, labels, targets, got,
                                    &got_loss) == DESCENT_ERR_INVALID &&
                   strstr(descent_last_error(), "descent_mlp_forward"),
               "backward before any forward: '%s'", descent_last_error());
        for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
            if (!descent_isa_supported((descent_isa)isa))
                continue;
            descent_mlp_set_isa(mlp, (descent_isa)isa);
            EXPECT(descent_mlp_loss_grad(mlp, p.params, p.batch, p.x, labels, targets, want,
                                         &want_loss) == DESCENT_OK,
                   "%s", descent_last_error());
            EXPECT(descent_mlp_forward(mlp, p.params, p.batch, p.x, out) == DESCENT_OK &&
                       descent_mlp_backward(mlp, p.params, p.batch, p.x, labels, targets, got,
                                            &got_loss) == DESCENT_OK,
                   "%s", descent_last_error());
            EXPECT(memcmp(want, got, p.n * sizeof(float)) == 0 &&
                       memcmp(&want_loss, &got_loss, sizeof want_loss) == 0,
                   "%s loss %d: forward + backward differs from loss_grad (loss %.9g vs %.9g)",
                   descent_isa_name((descent_isa)isa), lo, got_loss, want_loss);
        }
        /* Another batch or another x than the last forward's. */
        EXPECT(descent_mlp_backward(mlp, p.params, p.batch - 1, p.x, labels, targets, got,
                                    &got_loss) == DESCENT_ERR_INVALID,
               "backward with another batch accepted");
        EXPECT(descent_mlp_backward(mlp, p.params, p.batch, p.x + 1, labels, targets, got,
                                    &got_loss) == DESCENT_ERR_INVALID,
               "backward with another x accepted");
        descent_mlp_free(mlp);
        free(want), free(got), free(out);
        free_problem(&p);
    }
}

/* descent_mlp_loss_grad_rows is descent_mlp_loss_grad on the batch gathered
 * first, bit for bit, on every variant and 1 to 3 threads (128 rows of 300
 * inputs: enough that the threads share the gather), with rows repeated
 * and out of order, and with the next call's rows named for prefetching;
 * rows and labels outside the data set are refused, naming them. */
static void test_loss_grad_rows(void)
{
    enum { N = 200, B = 128, IN = 300, OUT = 5 };
    for (int lo = 0; lo < DESCENT_LOSS_COUNT; lo++) {
        descent_mlp_shape s = make_shape((const int[]){IN, 40, OUT}, 3, DESCENT_RELU,
                                         (descent_loss)lo);
        problem set = make_problem(s, N, 31 + (unsigned long long)lo);
        int *labels = (int *)labels_of(&set);
        const float *targets = targets_of(&set);
        long rows[B], next[B];
        for (int k = 0; k < B; k++)
            rows[k] = (k * 37 + 11) % N, next[k] = (k * 53 + 5) % N; /* repeats: 128 of 200 */
        float *x = malloc((size_t)B * IN * sizeof(float));
        float *y = malloc((size_t)B * OUT * sizeof(float));
        int *l = malloc(B * sizeof(int));
        float *want = malloc(set.n * sizeof(float)), *got = malloc(set.n * sizeof(float));
        descent_mlp *mlp = NULL;
        if (!x || !y || !l || !want || !got || descent_mlp_create(&s, B, &mlp) != DESCENT_OK) {
            EXPECT(0, "setup: %s", descent_last_error());
        } else {
            for (int k = 0; k < B; k++) {
                memcpy(x + (size_t)k * IN, set.x + (size_t)rows[k] * IN, IN * sizeof(float));
                memcpy(y + (size_t)k * OUT, set.targets + (size_t)rows[k] * OUT,
                       OUT * sizeof(float));
                l[k] = set.labels[rows[k]];
            }
            for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
                if (!descent_isa_supported((descent_isa)isa))
                    continue;
                descent_mlp_set_isa(mlp, (descent_isa)isa);
                for (int threads = 1; threads <= 3; threads++) {
                    descent_mlp_set_threads(mlp, threads);
                    float want_loss = 0, got_loss = 1;
                    EXPECT(descent_mlp_loss_grad(mlp, set.params, B, x, labels ? l : NULL,
                                                 targets ? y : NULL, want, &want_loss) ==
                               DESCENT_OK, "%s", descent_last_error());
                    EXPECT(descent_mlp_prefetch_rows(mlp, N, set.x, B, next) == DESCENT_OK,
                           "prefetch: %s", descent_last_error());
                    EXPECT(descent_mlp_loss_grad_rows(mlp, set.params, N, set.x, labels,
                                                      targets, B, rows, got,
                                                      &got_loss) == DESCENT_OK,
                           "%s", descent_last_error());
                    EXPECT(memcmp(want, got, set.n * sizeof(float)) == 0 &&
                               memcmp(&want_loss, &got_loss, sizeof got_loss) == 0,
                           "%s %d threads loss %d: rows differ from the gathered batch "
                           "(loss %.9g vs %.9g)", descent_isa_name((descent_isa)isa), threads,
                           lo, got_loss, want_loss);
                }
            }
            float loss;
            long bad[B];
            memcpy(bad, rows, sizeof bad);
            bad[7] = N;
            EXPECT(descent_mlp_loss_grad_rows(mlp, set.params, N, set.x, labels, targets, B,
                                              bad, got, &loss) == DESCENT_ERR_INVALID &&
                       strstr(descent_last_error(), "rows[7] = 200"),
                   "row past the set: '%s'", descent_last_error());
            bad[7] = -1;
            EXPECT(descent_mlp_prefetch_rows(mlp, N, set.x, B, bad) == DESCENT_ERR_INVALID &&
                       strstr(descent_last_error(), "rows[7] = -1"),
                   "negative prefetch row: '%s'", descent_last_error());
            EXPECT(descent_mlp_prefetch_rows(mlp, N, set.x, B + 1, next) == DESCENT_ERR_INVALID,
                   "prefetch of more rows than max_batch accepted");
            EXPECT(descent_mlp_loss_grad_rows(mlp, set.params, N, set.x, labels, targets, B,
                                              NULL, got, &loss) == DESCENT_ERR_INVALID,
                   "NULL rows accepted");
            if (labels) {
                const int kept = labels[rows[5]];
                labels[rows[5]] = OUT;
                EXPECT(descent_mlp_loss_grad_rows(mlp, set.params, N, set.x, labels, NULL, B,
                                                  rows, got, &loss) == DESCENT_ERR_INVALID &&
                           strstr(descent_last_error(), "label 5 of example"),
                       "label out of range at a row: '%s'", descent_last_error());
                labels[rows[5]] = kept;
            }
        }
        descent_mlp_free(mlp);
        free(x), free(y), free(l), free(want), free(got);
        free_problem(&set);
    }
}

/* ------------------------------------------------------------ stability */

static void test_huge_logits_stay_finite(void)
{
    /* One layer 2 -> 3, x = (1, 1): logits (1e30, -1e30, 0). */
    descent_mlp_shape s = make_shape((const int[]){2, 3}, 2, DESCENT_RELU,
                                     DESCENT_CROSS_ENTROPY);
    float params[9] = {1e30f, 0, -1e30f, 0, 0, 0, /* b */ 0, 0, 0};
    const float x[2] = {1, 1};
    for (int label = 0; label < 3; label++) {
        const double want = label == 0 ? 0.0 : label == 1 ? 2e30 : 1e30;
        float grad[9], loss;
        EXPECT(descent_ref_mlp_loss_grad(&s, params, 1, x, &label, NULL, grad, &loss) ==
                   DESCENT_OK, "%s", descent_last_error());
        EXPECT(isfinite(loss) && fabs(loss - want) <= 1e-6 * want, "reference label %d: loss %g",
               label, loss);
        for (int i = 0; i < 9; i++)
            EXPECT(isfinite(grad[i]), "reference grad[%d] = %g", i, grad[i]);
        descent_mlp *mlp;
        if (descent_mlp_create(&s, 1, &mlp) == DESCENT_OK) {
            float fgrad[9], floss;
            EXPECT(descent_mlp_loss_grad(mlp, params, 1, x, &label, NULL, fgrad, &floss) ==
                       DESCENT_OK, "%s", descent_last_error());
            EXPECT(isfinite(floss) && fabs(floss - want) <= 1e-6 * want,
                   "fast label %d: loss %g", label, floss);
            for (int i = 0; i < 9; i++)
                EXPECT(isfinite(fgrad[i]) && fabs(fgrad[i] - grad[i]) <= 1e-6,
                       "fast grad[%d] = %g, reference %g", i, fgrad[i], grad[i]);
            descent_mlp_free(mlp);
        }
    }
    /* softmax of (1e30, -1e30, 0) is (1, 0, 0): dz = softmax - onehot */
    int label = 2;
    float grad[9], loss;
    descent_ref_mlp_loss_grad(&s, params, 1, x, &label, NULL, grad, &loss);
    EXPECT(grad[6] == 1.0f && grad[7] == 0.0f && grad[8] == -1.0f, "db = %g %g %g", grad[6],
           grad[7], grad[8]);
}

/* Sigmoid and tanh saturate rather than overflow for large |z|. */
static void test_saturating_activations(void)
{
    for (int a = DESCENT_TANH; a <= DESCENT_SIGMOID; a++) {
        descent_mlp_shape s = make_shape((const int[]){1, 2, 1}, 3, (descent_activation)a,
                                         DESCENT_MSE);
        float params[7] = {1e4f, -1e4f, 0, 0, 1, 1, 0};
        const float x[1] = {100}, t[1] = {0.5f};
        float grad[7], loss;
        EXPECT(descent_ref_mlp_loss_grad(&s, params, 1, x, NULL, t, grad, &loss) == DESCENT_OK,
               "%s", descent_last_error());
        EXPECT(isfinite(loss), "%s: loss %g", descent_activation_name(s.activation), loss);
        for (int i = 0; i < 7; i++)
            EXPECT(isfinite(grad[i]), "%s: grad[%d] = %g", descent_activation_name(s.activation),
                   i, grad[i]);
    }
}

/* ------------------------------------------------- layout, init, names */

static void test_layout(void)
{
    descent_mlp_shape s = make_shape((const int[]){784, 128, 10}, 3, DESCENT_RELU,
                                     DESCENT_CROSS_ENTROPY);
    EXPECT(descent_mlp_param_count(&s) == 101770, "count %zu", descent_mlp_param_count(&s));
    EXPECT(descent_mlp_weight_offset(&s, 1) == 0, "W1");
    EXPECT(descent_mlp_bias_offset(&s, 1) == 100352, "b1 %zu", descent_mlp_bias_offset(&s, 1));
    EXPECT(descent_mlp_weight_offset(&s, 2) == 100480, "W2");
    EXPECT(descent_mlp_bias_offset(&s, 2) == 101760, "b2");
}

static void test_init_params(void)
{
    descent_mlp_shape s = make_shape((const int[]){100, 17, 3}, 3, DESCENT_RELU,
                                     DESCENT_CROSS_ENTROPY);
    const size_t n = descent_mlp_param_count(&s);
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    descent_mlp_init_params(&s, a, 42);
    descent_mlp_init_params(&s, b, 42);
    EXPECT(memcmp(a, b, n * sizeof(float)) == 0, "same seed, different parameters");
    descent_mlp_init_params(&s, b, 43);
    EXPECT(memcmp(a, b, n * sizeof(float)) != 0, "different seeds, same parameters");
    for (int l = 1; l <= 2; l++) {
        const double bound = 1.0 / sqrt((double)s.sizes[l - 1]);
        const size_t start = descent_mlp_weight_offset(&s, l);
        const size_t end = descent_mlp_weight_offset(&s, l + 1);
        double sum = 0, lo = 0, hi = 0;
        for (size_t i = start; i < end; i++) {
            sum += a[i];
            lo = fmin(lo, a[i]), hi = fmax(hi, a[i]);
        }
        const double mean = sum / (double)(end - start);
        EXPECT(lo >= -bound && hi <= bound, "layer %d: [%g, %g] outside +-%g", l, lo, hi, bound);
        EXPECT(lo < -0.9 * bound && hi > 0.9 * bound, "layer %d: [%g, %g] does not fill +-%g", l,
               lo, hi, bound);
        EXPECT(fabs(mean) < 0.1 * bound, "layer %d: mean %g", l, mean);
    }
    free(a), free(b);
}

static void test_names_and_shape_parsing(void)
{
    for (int a = 0; a < DESCENT_ACTIVATION_COUNT; a++) {
        descent_activation back;
        EXPECT(descent_activation_from_name(descent_activation_name((descent_activation)a),
                                            &back) == DESCENT_OK && back == (descent_activation)a,
               "activation %d", a);
    }
    for (int l = 0; l < DESCENT_LOSS_COUNT; l++) {
        descent_loss back;
        EXPECT(descent_loss_from_name(descent_loss_name((descent_loss)l), &back) == DESCENT_OK &&
                   back == (descent_loss)l, "loss %d", l);
    }
    descent_activation act;
    EXPECT(descent_activation_from_name("gelu", &act) == DESCENT_ERR_INVALID &&
               strstr(descent_last_error(), "unknown activation 'gelu'"), "gelu");

    descent_mlp_shape s;
    memset(&s, 0, sizeof s);
    EXPECT(descent_mlp_shape_parse("784-128-10", &s) == DESCENT_OK && s.layers == 2 &&
               s.sizes[0] == 784 && s.sizes[1] == 128 && s.sizes[2] == 10, "784-128-10");
    EXPECT(descent_mlp_shape_parse("5-1", &s) == DESCENT_OK && s.layers == 1, "5-1");
    const char *bad[] = {"", "784", "784-", "-784-10", "784--10", "784-0-10", "784-+5-10",
                         "784- 5-10", "a-b", "784-128-10x", "99999999999-10", "16777217-2",
                         /* 65 linear layers, one past DESCENT_MLP_MAX_LAYERS */
                         "1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-"
                         "1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        EXPECT(descent_mlp_shape_parse(bad[i], &s) == DESCENT_ERR_INVALID,
               "'%s' was accepted", bad[i]);

    s = make_shape((const int[]){3, 0, 2}, 3, DESCENT_RELU, DESCENT_MSE);
    EXPECT(descent_mlp_shape_validate(&s) == DESCENT_ERR_INVALID &&
               strstr(descent_last_error(), "sizes[1]"), "size 0: %s", descent_last_error());
    s.layers = 0;
    EXPECT(descent_mlp_shape_validate(&s) == DESCENT_ERR_INVALID, "0 layers");
    s = make_shape((const int[]){3, 2}, 2, (descent_activation)7, DESCENT_MSE);
    EXPECT(descent_mlp_shape_validate(&s) == DESCENT_ERR_INVALID, "bad activation");
}

static void test_argument_errors(void)
{
    descent_mlp_shape s = make_shape((const int[]){3, 4, 2}, 3, DESCENT_RELU,
                                     DESCENT_CROSS_ENTROPY);
    problem p = make_problem(s, 2, 9);
    float grad[64], loss;
    int labels[2] = {0, 2};
    descent_status st = descent_ref_mlp_loss_grad(&s, p.params, 2, p.x, labels, NULL, grad, &loss);
    EXPECT(st == DESCENT_ERR_INVALID && strstr(descent_last_error(), "label 2 of example 1"),
           "label out of range: %s", descent_last_error());
    labels[1] = -1;
    EXPECT(descent_ref_mlp_loss_grad(&s, p.params, 2, p.x, labels, NULL, grad, &loss) ==
               DESCENT_ERR_INVALID, "negative label");
    EXPECT(descent_ref_mlp_loss_grad(&s, p.params, 2, p.x, NULL, NULL, grad, &loss) ==
               DESCENT_ERR_INVALID && strstr(descent_last_error(), "needs labels"),
           "missing labels: %s", descent_last_error());
    EXPECT(descent_ref_mlp_loss_grad(&s, p.params, 0, p.x, p.labels, NULL, grad, &loss) ==
               DESCENT_ERR_INVALID, "batch 0");
    s.loss = DESCENT_MSE;
    EXPECT(descent_ref_mlp_loss_grad(&s, p.params, 2, p.x, NULL, NULL, grad, &loss) ==
               DESCENT_ERR_INVALID && strstr(descent_last_error(), "needs targets"),
           "missing targets: %s", descent_last_error());
    descent_mlp *mlp = (descent_mlp *)&s; /* must be overwritten with NULL */
    EXPECT(descent_mlp_create(&s, 0, &mlp) == DESCENT_ERR_INVALID && mlp == NULL,
           "max_batch 0");
    if (descent_mlp_create(&s, 2, &mlp) == DESCENT_OK) {
        EXPECT(descent_mlp_loss_grad(mlp, p.params, 2, p.x, NULL, NULL, grad, &loss) ==
                   DESCENT_ERR_INVALID, "fast: missing targets");
        EXPECT(descent_mlp_set_threads(mlp, -1) == DESCENT_ERR_INVALID, "threads -1");
        descent_mlp_free(mlp);
    }
    free_problem(&p);
}

int main(void)
{
    RUN(test_reference_gradient_two_layers);
    RUN(test_reference_gradient_odd_sizes);
    RUN(test_fast_small_odd_shapes);
    RUN(test_fast_wide_layers);
    RUN(test_fast_fashion_mnist_shape);
    RUN(test_fast_varying_batch);
    RUN(test_forward_then_backward);
    RUN(test_loss_grad_rows);
    RUN(test_huge_logits_stay_finite);
    RUN(test_saturating_activations);
    RUN(test_layout);
    RUN(test_init_params);
    RUN(test_names_and_shape_parsing);
    RUN(test_argument_errors);
    return CHECK_EXIT_STATUS();
}
