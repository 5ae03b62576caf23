/*
 * The one training loop, descent_train(), and what it is built from: the
 * seeded generator, the synthetic problems (closed-form least squares,
 * analytic gradients of the 2-D functions), the built-in problems reaching
 * their optima, and the loop itself on a user's own problem given as
 * callbacks: batch strategies, the seeded reshuffle, every stop rule, the
 * schedule per epoch and per step, the callback.  The command-line driver
 * is exercised by tests/cli_train.sh.
 */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "descent.h"
#include "problems.h"
#include "rng.h"

static void test_rng_is_deterministic_and_uniform(void)
{
    descent_rng a, b;
    descent_rng_seed(&a, 7);
    descent_rng_seed(&b, 7);
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= descent_rng_u64(&a) == descent_rng_u64(&b);
    EXPECT(same, "same seed, different sequences");
    descent_rng_seed(&b, 8);
    EXPECT(descent_rng_u64(&a) != descent_rng_u64(&b), "seeds 7 and 8 agree");
    /* Known first value of the sequence for seed 0, so that a change of the
     * generator (which would change every "same seed" result) is noticed. */
    descent_rng_seed(&a, 0);
    const uint64_t first = descent_rng_u64(&a);
    descent_rng_seed(&a, 0);
    EXPECT(descent_rng_u64(&a) == first, "reseeding repeats");

    double sum = 0, sum_sq = 0, nsum = 0, nsum_sq = 0;
    float lo = 1, hi = 0;
    const int n = 200000;
    descent_rng_seed(&a, 1);
    for (int i = 0; i < n; i++) {
        const float u = descent_rng_uniform(&a);
        lo = u < lo ? u : lo, hi = u > hi ? u : hi;
        sum += u, sum_sq += (double)u * u;
        const double z = descent_rng_normal(&a);
        nsum += z, nsum_sq += z * z;
    }
    EXPECT(lo >= 0.0f && hi < 1.0f, "uniform range [%g, %g]", lo, hi);
    EXPECT_NEAR(sum / n, 0.5, 0.005);
    EXPECT_NEAR(sum_sq / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
    EXPECT_NEAR(nsum / n, 0.0, 0.01);
    EXPECT_NEAR(nsum_sq / n, 1.0, 0.02);
}

static void test_shuffle_is_a_permutation(void)
{
    enum { N = 1000 };
    int idx[N], seen[N] = {0}, moved = 0;
    for (int i = 0; i < N; i++)
        idx[i] = i;
    descent_rng r;
    descent_rng_seed(&r, 3);
    descent_rng_shuffle(&r, idx, N);
    for (int i = 0; i < N; i++) {
        EXPECT(idx[i] >= 0 && idx[i] < N, "index %d", idx[i]);
        if (idx[i] >= 0 && idx[i] < N)
            seen[idx[i]]++;
        moved += idx[i] != i;
    }
    for (int i = 0; i < N; i++)
        EXPECT(seen[i] == 1, "%d appears %d times", i, seen[i]);
    EXPECT(moved > N / 2, "only %d of %d moved", moved, N);
    /* below(n) covers [0, n) */
    int hits[3] = {0};
    for (int i = 0; i < 3000; i++)
        hits[descent_rng_below(&r, 3)]++;
    EXPECT(hits[0] > 900 && hits[1] > 900 && hits[2] > 900, "below(3): %d %d %d", hits[0],
           hits[1], hits[2]);
}

/* Noise-free data: least squares must recover the coefficients exactly. */
static void test_least_squares_exact_data(void)
{
    enum { N = 50, F = 3 };
    float x[N * F], y[N];
    descent_rng r;
    descent_rng_seed(&r, 5);
    for (int i = 0; i < N; i++) {
        double v = -0.25;
        for (int f = 0; f < F; f++) {
            x[i * F + f] = (float)(int)(descent_rng_uniform(&r) * 16 - 8); /* small integers */
            v += (f + 1) * 0.5 * x[i * F + f];
        }
        y[i] = (float)v; /* exact: halves and quarters of small integers */
    }
    double theta[F + 1];
    EXPECT(descent_least_squares(N, F, x, y, theta) == DESCENT_OK, "%s", descent_last_error());
    EXPECT_NEAR(theta[0], 0.5, 1e-10);
    EXPECT_NEAR(theta[1], 1.0, 1e-10);
    EXPECT_NEAR(theta[2], 1.5, 1e-10);
    EXPECT_NEAR(theta[3], -0.25, 1e-10);
    /* A constant feature duplicates the bias column: singular. */
    for (int i = 0; i < N; i++)
        x[i * F] = 1.0f;
    EXPECT(descent_least_squares(N, F, x, y, theta) == DESCENT_ERR_INVALID, "singular accepted");
}

static void test_linreg_problems(void)
{
    const char *names[] = {"linreg", "linreg-2x1", "linreg-4-3x", "linreg-multi"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        descent_linreg p, q;
        EXPECT(descent_linreg_make(names[k], 11, &p) == DESCENT_OK, "%s: %s", names[k],
               descent_last_error());
        EXPECT(descent_linreg_make(names[k], 11, &q) == DESCENT_OK, "%s", names[k]);
        EXPECT(memcmp(p.x, q.x, (size_t)p.n * p.features * sizeof(float)) == 0 &&
                   memcmp(p.y, q.y, (size_t)p.n * sizeof(float)) == 0,
               "%s: same seed, different data", names[k]);
        /* The solution is near the generating coefficients (within about 4
         * standard errors of the noisiest, linreg-4-3x: 0.17 for the slope,
         * 0.2 for the bias) and is a stationary point of the MSE. */
        for (int f = 0; f < p.features; f++)
            EXPECT(fabs(p.w[f] - p.true_w[f]) < 0.7, "%s: w%d = %g, true %g", names[k], f,
                   p.w[f], p.true_w[f]);
        EXPECT(fabs(p.b - p.true_b) < 0.8, "%s: b = %g, true %g", names[k], p.b, p.true_b);
        double grad[DESCENT_LINREG_MAX_FEATURES + 1] = {0};
        for (int r = 0; r < p.n; r++) {
            double pred = p.b;
            for (int f = 0; f < p.features; f++)
                pred += p.w[f] * p.x[(size_t)r * p.features + f];
            for (int f = 0; f < p.features; f++)
                grad[f] += 2 * (pred - p.y[r]) * p.x[(size_t)r * p.features + f] / p.n;
            grad[p.features] += 2 * (pred - p.y[r]) / p.n;
        }
        for (int f = 0; f <= p.features; f++)
            EXPECT(fabs(grad[f]) < 1e-10, "%s: gradient %d at the solution %g", names[k], f,
                   grad[f]);
        descent_linreg_free(&p);
        descent_linreg_free(&q);
    }
    descent_linreg p;
    EXPECT(descent_linreg_make("linreg-9", 1, &p) == DESCENT_ERR_INVALID, "unknown name");
}

static void test_func2d_gradients_and_minima(void)
{
    const char *names[] = {"quadratic", "rosenbrock", "beale"};
    const double points[][2] = {{0.3, -0.7}, {-1.2, 1.0}, {2.0, 0.25}, {1.5, 1.5}};
    for (size_t k = 0; k < 3; k++) {
        const descent_func2d *f = descent_func2d_find(names[k]);
        EXPECT(f != NULL, "%s not found", names[k]);
        if (!f)
            continue;
        double g[2], gp[2];
        EXPECT(fabs(f->f(f->minimum, g) - f->min_value) < 1e-12 && fabs(g[0]) < 1e-12 &&
                   fabs(g[1]) < 1e-12, "%s: minimum is not stationary", names[k]);
        for (size_t p = 0; p < 4; p++) {
            f->f(points[p], g);
            for (int d = 0; d < 2; d++) {
                double a[2] = {points[p][0], points[p][1]}, b[2] = {points[p][0], points[p][1]};
                a[d] += 1e-6, b[d] -= 1e-6;
                const double fd = (f->f(a, gp) - f->f(b, gp)) / 2e-6;
                EXPECT(fabs(fd - g[d]) <= 1e-6 * fmax(1, fabs(g[d])),
                       "%s at (%g, %g): d/d%c = %.9g, finite difference %.9g", names[k],
                       points[p][0], points[p][1], "xy"[d], g[d], fd);
            }
        }
    }
    EXPECT(descent_func2d_find("himmelblau") == NULL, "unknown function found");
}

/* A built-in problem trained by descent_train from its initial parameters. */
static descent_status train_builtin(const char *name, descent_optim_kind optim, double lr,
                                    long batch, long epochs, float *params,
                                    descent_train_result *r, descent_problem **out)
{
    descent_problem_spec spec = {.name = name, .seed = 1};
    descent_status s = descent_problem_create(&spec, out);
    if (s != DESCENT_OK)
        return s;
    descent_train_config c;
    descent_train_config_default(optim, &c);
    c.h.lr = lr, c.batch = batch, c.epochs = epochs;
    descent_problem_init_params(*out, params);
    return descent_train(descent_problem_callbacks(*out), &c, params, r);
}

/* Gradient descent on the built-in linear regressions reaches the
 * closed-form least-squares solution: max|theta - theta*| <= 1e-4. */
static void test_gradient_descent_reaches_least_squares(void)
{
    const char *names[] = {"linreg-2x1", "linreg-4-3x", "linreg-multi"};
    for (size_t k = 0; k < 3; k++) {
        float params[DESCENT_LINREG_MAX_FEATURES + 1];
        descent_train_result r;
        descent_problem *p = NULL;
        if (train_builtin(names[k], DESCENT_SGD, 0.1, 0, 2000, params, &r, &p) != DESCENT_OK) {
            EXPECT(0, "%s: %s", names[k], descent_last_error());
            descent_problem_free(p);
            continue;
        }
        double best_loss;
        const double *best = descent_problem_optimum(p, &best_loss);
        double dist = 0;
        for (size_t i = 0; i < descent_problem_callbacks(p)->n_params; i++)
            dist = fmax(dist, fabs(params[i] - best[i]));
        EXPECT(dist <= 1e-4, "%s: max|theta - theta*| = %.3g", names[k], dist);
        EXPECT(fabs(r.final_loss - best_loss) <= 1e-5 * best_loss,
               "%s: loss %.9g, least squares %.9g", names[k], r.final_loss, best_loss);
        EXPECT(r.steps == 2000 && r.epochs == 2000 && r.stop == DESCENT_STOP_EPOCHS,
               "%s: %ld steps, %ld epochs, stop %s", names[k], r.steps, r.epochs,
               descent_train_stop_name(r.stop));
        descent_problem_free(p);
    }
}

/* Every optimizer lowers the quadratic; Adam reaches the minima of all
 * three 2-D functions. */
static void test_func2d_descent(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        descent_hparams h;
        descent_hparams_default((descent_optim_kind)k, &h);
        float p[2];
        descent_train_result r;
        descent_problem *prob = NULL;
        const double f0 = 0.5 * (100 + 50 * 1);
        EXPECT(train_builtin("quadratic", (descent_optim_kind)k, /* SGD and Lion (lion-pytorch's 1e-4 moves 0.02 in 200 sign steps) at 0.01 */
                             k == DESCENT_SGD || k == DESCENT_LION ? 0.01 : h.lr,
                             0, 200, p, &r, &prob) == DESCENT_OK, "%s", descent_last_error());
        EXPECT(r.final_loss < 0.9 * f0, "%s: quadratic %g -> %g",
               descent_optim_name((descent_optim_kind)k), f0, r.final_loss);
        descent_problem_free(prob);
    }
    const char *names[] = {"quadratic", "rosenbrock", "beale"};
    const double lrs[] = {0.1, 0.02, 0.01};
    for (int k = 0; k < 3; k++) {
        float p[2];
        descent_train_result r;
        descent_problem *prob = NULL;
        EXPECT(train_builtin(names[k], DESCENT_ADAM, lrs[k], 0, 10000, p, &r, &prob) ==
                   DESCENT_OK, "%s", descent_last_error());
        const double *m = descent_problem_optimum(prob, NULL);
        const double dist = m ? hypot(p[0] - m[0], p[1] - m[1]) : INFINITY;
        EXPECT(dist < 1e-3, "adam on %s ends at (%g, %g), %.3g from the minimum", names[k], p[0],
               p[1], dist);
        descent_problem_free(prob);
    }
}

/* ------------------------------------------- a user's problem: callbacks */

/* loss = mean over the batch of 0.5 (p - t_i)^2 over N targets t_i; it
 * records every batch it is asked for.  poison_from: the gradient is NaN
 * from that call on (0 = never). */
enum { N_TARGETS = 10, MAX_CALLS = 4096 };
typedef struct user_problem {
    double targets[N_TARGETS];
    long calls, poison_from;
    long counts[MAX_CALLS];
    long seen[MAX_CALLS][N_TARGETS]; /* each batch's indices (-1: all, in order) */
    long evaluations;
} user_problem;

static descent_status user_loss_grad(void *ctx, const float *params, const long *idx,
                                     long count, float *grad, double *loss)
{
    user_problem *u = ctx;
    double sum = 0, g = 0;
    for (long k = 0; k < count; k++) {
        const double d = params[0] - u->targets[idx ? idx[k] : k];
        sum += 0.5 * d * d, g += d;
    }
    *loss = sum / count;
    if (!grad)
        return DESCENT_OK;
    grad[0] = (float)(g / count);
    if (u->calls < MAX_CALLS) {
        u->counts[u->calls] = count;
        for (long k = 0; k < count; k++)
            u->seen[u->calls][k] = idx ? idx[k] : -1;
    }
    u->calls++;
    if (u->poison_from && u->calls >= u->poison_from)
        grad[0] = NAN;
    return DESCENT_OK;
}

/* The metric: minus the distance to the targets' mean (5.5 for 1..10). */
static descent_status user_metric(void *ctx, const float *params, double *value)
{
    user_problem *u = ctx;
    u->evaluations++;
    *value = -fabs(params[0] - 5.5);
    return DESCENT_OK;
}

static descent_train_problem user_setup(user_problem *u)
{
    memset(u, 0, sizeof *u);
    for (int i = 0; i < N_TARGETS; i++)
        u->targets[i] = i + 1;
    return (descent_train_problem){.n_params = 1, .n_examples = N_TARGETS,
                                   .loss_grad = user_loss_grad, .metric = user_metric,
                                   .metric_name = "closeness", .ctx = u};
}

static descent_train_config user_config(long batch, long epochs)
{
    descent_train_config c;
    descent_train_config_default(DESCENT_SGD, &c);
    c.h.lr = 0.1, c.batch = batch, c.epochs = epochs;
    return c;
}

typedef struct rows {
    long n, stop_at;
    descent_train_row row[64];
} rows;

static int keep_row(void *ctx, const descent_train_row *r)
{
    rows *k = ctx;
    if (k->n < 64)
        k->row[k->n] = *r;
    k->n++;
    return k->stop_at && k->n >= k->stop_at;
}

/* Full batch: every step sees all examples in order (idx NULL); batch 1:
 * N steps per epoch of one example each, every example once; batch 3: 4
 * steps per epoch (3, 3, 3, 1). */
static void test_batch_strategies(void)
{
    const long batches[] = {0, 1, 3}, per_epoch[] = {1, 10, 4};
    for (int b = 0; b < 3; b++) {
        user_problem u;
        const descent_train_problem p = user_setup(&u);
        descent_train_config c = user_config(batches[b], 2);
        float x = 0;
        descent_train_result r;
        EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_OK, "%s", descent_last_error());
        EXPECT(r.steps == 2 * per_epoch[b] && u.calls == r.steps && r.epochs == 2,
               "batch %ld: %ld steps, %ld calls, %ld epochs", batches[b], r.steps, u.calls,
               r.epochs);
        int seen[N_TARGETS] = {0}, ok = 1;
        for (long s = 0; s < per_epoch[b]; s++) {
            const long want = batches[b] == 0 ? N_TARGETS : (s < 3 || b == 1 ? batches[b] : 1);
            ok &= u.counts[s] == want;
            for (long k = 0; k < u.counts[s]; k++)
                if (u.seen[s][k] >= 0)
                    seen[u.seen[s][k]]++;
                else
                    ok &= batches[b] == 0; /* NULL idx only for the full batch */
        }
        for (int i = 0; i < N_TARGETS && batches[b]; i++)
            ok &= seen[i] == 1;
        EXPECT(ok, "batch %ld: the first epoch's batches are not a partition of the examples",
               batches[b]);
        /* SGD on the mean squared distance moves x toward the mean 5.5 */
        EXPECT(x > 0.5 && x < 5.5, "batch %ld: x = %g", batches[b], x);
    }
    user_problem u;
    const descent_train_problem p = user_setup(&u);
    descent_train_config c = user_config(11, 1);
    float x = 0;
    descent_train_result r;
    EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_ERR_INVALID, "batch 11 of 10 accepted");
}

/* stochastic_rounding: bf16 parameters only (DESCENT_ERR_INVALID before any
 * step otherwise); with them, SGD at lr 0.001 from 5 moves x by less than
 * half a bf16 ulp (2^-6 there) per step, so nearest rounding keeps it at 5,
 * stochastic rounding moves it (by whole ulps), the same on a rerun. */
static void test_stochastic_rounding_config(void)
{
    static const descent_dtype not_bf16[] = {DESCENT_FP32, DESCENT_FP16};
    float x[3];
    for (int d = 0; d < 2; d++) {
        user_problem u;
        const descent_train_problem p = user_setup(&u);
        descent_train_config c = user_config(1, 1);
        c.param_dtype = not_bf16[d], c.stochastic_rounding = 1;
        descent_train_result r;
        x[0] = 5;
        EXPECT(descent_train(&p, &c, x, &r) == DESCENT_ERR_INVALID && u.calls == 0 &&
                   strstr(descent_last_error(), "bf16 parameters only"),
               "stochastic rounding of %s parameters accepted (%ld calls)",
               descent_dtype_name(not_bf16[d]), u.calls);
    }
    for (int k = 0; k < 3; k++) {
        user_problem u;
        const descent_train_problem p = user_setup(&u);
        descent_train_config c = user_config(1, 3);
        c.h.lr = 0.001, c.param_dtype = DESCENT_BF16, c.stochastic_rounding = k > 0;
        descent_train_result r;
        x[k] = 5;
        EXPECT(descent_train(&p, &c, &x[k], &r) == DESCENT_OK, "%s", descent_last_error());
    }
    EXPECT(x[0] == 5 && x[1] != 5 && fabsf(x[1] - 5) < 1 && x[2] == x[1],
           "bf16 x: nearest %.9g, stochastic %.9g and again %.9g", x[0], x[1], x[2]);
}

/* The order of batch 1's examples over 3 epochs, seed `seed`. */
static void shuffled_order(unsigned long long seed, long order[3 * N_TARGETS])
{
    static user_problem u;
    const descent_train_problem p = user_setup(&u);
    descent_train_config c = user_config(1, 3);
    c.seed = seed;
    float x = 0;
    descent_train_result r;
    EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_OK, "%s", descent_last_error());
    for (int s = 0; s < 3 * N_TARGETS; s++)
        order[s] = u.seen[s][0];
}

static void test_reshuffle_is_seeded(void)
{
    long a[3 * N_TARGETS], b[3 * N_TARGETS], other[3 * N_TARGETS];
    shuffled_order(7, a);
    shuffled_order(7, b);
    shuffled_order(8, other);
    EXPECT(!memcmp(a, b, sizeof a), "seed 7 twice: different orders");
    EXPECT(memcmp(a, other, sizeof a), "seeds 7 and 8: the same order");
    EXPECT(memcmp(a, a + N_TARGETS, N_TARGETS * sizeof *a) &&
               memcmp(a + N_TARGETS, a + 2 * N_TARGETS, N_TARGETS * sizeof *a),
           "an epoch repeats the previous one's order: no reshuffle");
    /* the same bits: two runs with one seed end at the same parameter */
    user_problem u;
    const descent_train_problem p = user_setup(&u);
    descent_train_config c = user_config(3, 5);
    float x1 = 0, x2 = 0;
    descent_train_result r;
    descent_train(&p, &c, &x1, &r);
    descent_train(&p, &c, &x2, &r);
    EXPECT(!memcmp(&x1, &x2, sizeof x1), "same seed: %a and %a", x1, x2);
}

static void test_stop_rules(void)
{
    user_problem u;
    const descent_train_problem p = user_setup(&u);
    descent_train_result r;
    float x;
    descent_train_config c = user_config(0, 5);
    x = 0, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_EPOCHS && r.steps == 5, "epochs: %s after %ld",
           descent_train_stop_name(r.stop), r.steps);
    c = user_config(1, 100), c.max_steps = 13;
    x = 0, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_MAX_STEPS && r.steps == 13 && r.epochs == 2,
           "max_steps: %s after %ld", descent_train_stop_name(r.stop), r.steps);
    c = user_config(0, 1000), c.h.lr = 0.5, c.grad_tol = 1e-3;
    x = 0, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_GRAD_NORM && r.last_grad_norm < 1e-3 && r.steps < 100,
           "grad_tol: %s after %ld, |g| %g", descent_train_stop_name(r.stop), r.steps,
           r.last_grad_norm);
    /* full-batch loss at x is 0.5 ((x - 5.5)^2 + 8.25): 4.125 at the mean */
    c = user_config(0, 1000), c.target_loss = 4.2;
    x = 0, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_TARGET_LOSS && r.last_loss <= 4.2 && r.steps > 1,
           "target_loss: %s after %ld, loss %g", descent_train_stop_name(r.stop), r.steps,
           r.last_loss);
    c = user_config(0, 1000), c.target_metric = -0.5, c.metric_every = 1;
    x = 0, u.evaluations = 0, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_TARGET_METRIC && r.metric >= -0.5 && fabs(x - 5.5) <= 0.5 &&
               u.evaluations == r.steps,
           "target_metric: %s after %ld, metric %g, %ld evaluations",
           descent_train_stop_name(r.stop), r.steps, r.metric, u.evaluations);
    /* a NaN gradient at the 4th call: diverged, that step not taken */
    c = user_config(0, 100);
    x = 0, u.calls = 0, u.poison_from = 4, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_DIVERGED && r.steps == 3 && isfinite(x),
           "divergence: %s after %ld, x %g", descent_train_stop_name(r.stop), r.steps, x);
    /* under the skip policy: skipped steps, then the max_skips limit */
    c.nonfinite_set = 1, c.nonfinite = DESCENT_NONFINITE_SKIP, c.max_skips = 5;
    x = 0, u.calls = 0, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_SKIPS && r.steps == 3 && r.skipped == 5 && isfinite(x),
           "skips: %s after %ld steps, %ld skipped", descent_train_stop_name(r.stop), r.steps,
           r.skipped);
    c.nonfinite = DESCENT_NONFINITE_STOP;
    x = 0, u.calls = 0, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_DIVERGED && r.steps == 3 && r.message[0],
           "nonfinite stop: %s after %ld, message '%s'", descent_train_stop_name(r.stop),
           r.steps, r.message);
    u.poison_from = 0;
    /* the callback ends the run after its 7th row */
    rows k = {.stop_at = 7};
    c = user_config(1, 100), c.on_step = keep_row, c.ctx = &k;
    x = 0, descent_train(&p, &c, &x, &r);
    EXPECT(r.stop == DESCENT_STOP_CALLBACK && r.steps == 7 && k.n == 7,
           "callback: %s after %ld steps, %ld rows", descent_train_stop_name(r.stop), r.steps,
           k.n);
    EXPECT(k.row[6].step == 7 && k.row[6].epoch == 1 && k.row[6].took && !k.row[6].epoch_end &&
               isnan(k.row[6].metric),
           "row 7: step %ld epoch %ld", k.row[6].step, k.row[6].epoch);
}

/* step_lr (step_size 2, gamma 0.5) over 3 epochs of 2 steps: per step the
 * lr halves every 2 steps, per epoch every 2 epochs. */
static void test_schedule_unit(void)
{
    const double per_step[6] = {0.1, 0.1, 0.05, 0.05, 0.025, 0.025};
    const double per_epoch[6] = {0.1, 0.1, 0.1, 0.1, 0.05, 0.05};
    for (int unit = 0; unit < 2; unit++) {
        user_problem u;
        const descent_train_problem p = user_setup(&u);
        rows k = {0};
        descent_train_config c = user_config(5, 3);
        c.schedule = "step_lr", c.schedule_args = "step_size=2 gamma=0.5";
        c.schedule_unit = unit ? DESCENT_PER_STEP : DESCENT_PER_EPOCH;
        c.on_step = keep_row, c.ctx = &k;
        float x = 0;
        descent_train_result r;
        EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_OK, "%s", descent_last_error());
        const double *want = unit ? per_step : per_epoch;
        int ok = k.n == 6;
        for (int s = 0; s < 6 && ok; s++)
            ok &= k.row[s].lr == want[s] && k.row[s].epoch_end == (s % 2 == 1);
        EXPECT(ok, "per %s: %ld rows, lr %g %g %g %g %g %g", unit ? "step" : "epoch", k.n,
               k.row[0].lr, k.row[1].lr, k.row[2].lr, k.row[3].lr, k.row[4].lr, k.row[5].lr);
    }
}

/* reduce_lr_on_plateau per epoch watches the epoch's mean loss: SGD at lr 2
 * on the user problem jumps between 0 and 11 (loss 19.25 each time, no
 * improvement: halved), at lr 1 lands on the mean 5.5 (loss 4.125, better),
 * then stays (halved again). */
static void test_plateau_watches_the_loss(void)
{
    user_problem u;
    const descent_train_problem p = user_setup(&u);
    rows k = {0};
    descent_train_config c = user_config(0, 6);
    c.h.lr = 2, c.schedule = "reduce_lr_on_plateau", c.schedule_args = "patience=0 factor=0.5";
    c.on_step = keep_row, c.ctx = &k;
    float x = 0;
    descent_train_result r;
    EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_OK, "%s", descent_last_error());
    const double want[6] = {2, 2, 1, 0.5, 0.5, 0.25};
    int ok = k.n == 6;
    for (int s = 0; s < 6 && ok; s++)
        ok &= k.row[s].lr == want[s];
    EXPECT(ok, "lr %g %g %g %g %g %g, x %g", k.row[0].lr, k.row[1].lr, k.row[2].lr, k.row[3].lr,
           k.row[4].lr, k.row[5].lr, x);
}

/* one_cycle_lr cycles SGD's momentum (Adam's beta1) with the lr: with
 * cycle_momentum the run ends elsewhere than without it. */
static void test_momentum_cycling(void)
{
    const descent_optim_kind kinds[] = {DESCENT_SGD, DESCENT_ADAM};
    for (int k = 0; k < 2; k++) {
        float ends[2];
        for (int cycle = 0; cycle < 2; cycle++) {
            user_problem u;
            const descent_train_problem p = user_setup(&u);
            descent_train_config c;
            descent_train_config_default(kinds[k], &c);
            c.batch = 5, c.epochs = 4, c.h.lr = 0.05, c.h.momentum = 0.9;
            c.schedule = "one_cycle_lr", c.schedule_unit = DESCENT_PER_STEP;
            c.schedule_args = cycle ? "max_lr=0.1 cycle_momentum=1"
                                    : "max_lr=0.1 cycle_momentum=0";
            ends[cycle] = 0;
            descent_train_result r;
            EXPECT(descent_train(&p, &c, &ends[cycle], &r) == DESCENT_OK, "%s",
                   descent_last_error());
        }
        EXPECT(ends[0] != ends[1], "%s: cycle_momentum changes nothing (%a)",
               descent_optim_name(kinds[k]), ends[0]);
    }
}

static void test_accuracy_and_median(void)
{
    const float logits[] = {0.1f, 0.9f, 0.0f, /* 1 */ 2.0f, 1.0f, 0.5f, /* 0 */
                            0.0f, 0.0f, 3.0f /* 2 */, 1.0f, 1.0f, 0.0f /* 0: the first max */};
    const int labels[] = {1, 1, 2, 0};
    EXPECT(descent_accuracy(logits, labels, 4, 3) == 0.75, "accuracy %g",
           descent_accuracy(logits, labels, 4, 3));
    double odd[] = {3, 1, INFINITY, 2, 0}, even[] = {4, 1, 3, 2};
    EXPECT(descent_median(odd, 5) == 2, "median of 5: %g", descent_median(odd, 5));
    EXPECT(descent_median(even, 4) == 2.5, "median of 4: %g", descent_median(even, 4));
    EXPECT(isnan(descent_median(even, 0)), "median of none");
}

/* Fashion-MNIST's splits: the last `validation` of the first train_limit
 * images held out, the metric on them or on the test split.  Skipped
 * without the data. */
static void test_mnist_splits(void)
{
    const char *env = getenv("DESCENT_DATA_DIR");
    const char *dir = env && *env ? env : DESCENT_DATA_DIR;
    if (!*dir) {
        printf("# skipped: no Fashion-MNIST data\n");
        return;
    }
    descent_problem_spec spec = {.name = "fashion-mnist", .seed = 3, .data_dir = dir,
                                 .standardize = 1, .train_limit = 300, .validation = 100,
                                 .test_limit = 50, .metric_on_validation = 1};
    descent_problem *p = NULL;
    if (descent_problem_create(&spec, &p) != DESCENT_OK) {
        EXPECT(0, "%s", descent_last_error());
        return;
    }
    const descent_train_problem *cb = descent_problem_callbacks(p);
    EXPECT(cb->n_examples == 200 && cb->metric && !strcmp(cb->metric_name, "validation_accuracy"),
           "%ld examples, metric %s", cb->n_examples, cb->metric_name ? cb->metric_name : "none");
    EXPECT(strstr(descent_problem_describe(p), "200 train / 50 test examples, pixels "
                                               "standardized, 100 validation") != NULL,
           "describe: %s", descent_problem_describe(p));
    float *params = malloc(cb->n_params * sizeof *params);
    descent_problem_init_params(p, params);
    descent_train_config c;
    descent_train_config_default(DESCENT_ADAM, &c);
    c.batch = 50, c.epochs = 2, c.metric_every = 1;
    rows k = {0};
    c.on_step = keep_row, c.ctx = &k;
    descent_train_result r;
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_OK, "%s", descent_last_error());
    /* accuracies are multiples of 1/100 on validation, of 1/50 on test */
    const double v = r.metric * 100, t = descent_problem_test_metric(p, params) * 50;
    EXPECT(r.steps == 8 && k.n == 8 && !isnan(k.row[3].metric) && isnan(k.row[2].metric) &&
               fabs(v - round(v)) < 1e-9 && fabs(t - round(t)) < 1e-9 && r.final_loss > 0,
           "%ld steps, validation %g, test %g", r.steps, r.metric, t / 50);
    free(params);
    descent_problem_free(p);
    spec.validation = 300;
    EXPECT(descent_problem_create(&spec, &p) == DESCENT_ERR_INVALID, "validation 300 of 300");
    spec.name = "mnist-digits";
    EXPECT(descent_problem_create(&spec, &p) == DESCENT_ERR_INVALID, "unknown problem");
    EXPECT(descent_problem_create(NULL, &p) == DESCENT_ERR_INVALID, "NULL spec");
    float x = 0;
    EXPECT(descent_train(NULL, &c, &x, &r) == DESCENT_ERR_INVALID, "NULL problem");
}

static void test_spec_default(void)
{
    descent_problem_spec spec;
    descent_problem_spec_default("quadratic", &spec);
    EXPECT(spec.isa == DESCENT_ISA_BEST && spec.threads == 0 && spec.seed == 1 &&
               !strcmp(spec.name, "quadratic") && spec.activation == DESCENT_RELU,
           "spec defaults");
    descent_problem *p = NULL;
    EXPECT(descent_problem_create(&spec, &p) == DESCENT_OK, "%s", descent_last_error());
    descent_problem_free(p);
}

/* Clipping between the gradient and the step: at p = 0 the full-batch
 * gradient is -5.5; value clipping to 0.5 moves p by lr * 0.5, norm
 * clipping to 0.25 by lr * 0.25 (float32's max_norm / (norm + 1e-6)); with
 * both, value first, the step is the value clip's (its norm 0.5 is then
 * clipped to 0.25 only when max_norm is below it). */
static void test_clipping_in_the_loop(void)
{
    const double cases[][3] = {{0.5, 0, 0.05}, {0, 0.25, 0.025}, {0.5, 1, 0.05},
                               {0.5, 0.25, 0.025}, {0, 0, 0.55}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        user_problem u;
        const descent_train_problem p = user_setup(&u);
        descent_train_config c = user_config(0, 1);
        c.clip_grad_value = cases[k][0], c.clip_grad_norm = cases[k][1];
        float x = 0;
        descent_train_result r;
        EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_OK, "%s", descent_last_error());
        EXPECT(fabs(x - cases[k][2]) < 1e-6 && fabs(r.last_grad_norm - 5.5) < 1e-6,
               "value %g, norm %g: p = %.9g, want %g (row's norm %g, before clipping)",
               cases[k][0], cases[k][1], x, cases[k][2], r.last_grad_norm);
    }
    /* a NaN gradient under the skip policy: skipped, or with
     * clip_error_if_nonfinite the end of the run as diverged, unstepped */
    for (int strict = 0; strict < 2; strict++) {
        user_problem u;
        const descent_train_problem p = user_setup(&u);
        u.poison_from = 2;
        descent_train_config c = user_config(0, 3);
        c.nonfinite_set = 1, c.nonfinite = DESCENT_NONFINITE_SKIP;
        c.clip_grad_norm = 1, c.clip_error_if_nonfinite = strict;
        float x = 0;
        descent_train_result r;
        EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_OK, "%s", descent_last_error());
        EXPECT(strict ? r.stop == DESCENT_STOP_DIVERGED && r.steps == 1 && r.message[0]
                      : r.stop == DESCENT_STOP_EPOCHS && r.skipped == 2,
               "error_if_nonfinite %d: stop %s, %ld steps, %ld skipped, message '%s'", strict,
               descent_train_stop_name(r.stop), r.steps, r.skipped, r.message);
    }
    user_problem u;
    const descent_train_problem p = user_setup(&u);
    descent_train_config c = user_config(0, 1);
    c.clip_norm_type = 0;
    float x = 0;
    descent_train_result r;
    EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_ERR_INVALID, "clip_norm_type 0 accepted");
}

/* linreg-multi trained with the config's extras; params out. */
static descent_status train_linreg_multi(descent_train_config *c, long n_tensors_kept,
                                         float params[6])
{
    descent_problem_spec spec = {.name = "linreg-multi", .seed = 1};
    descent_problem *prob = NULL;
    descent_status s = descent_problem_create(&spec, &prob);
    if (s != DESCENT_OK)
        return s;
    descent_train_problem p = *descent_problem_callbacks(prob);
    if (!n_tensors_kept)
        p.n_tensors = 0;
    descent_problem_init_params(prob, params);
    descent_train_result r;
    s = descent_train(&p, c, params, &r);
    descent_problem_free(prob);
    return s;
}

/* Gradient noise: the same bits on 1, 2 and 3 threads, and not the run
 * without noise. */
static void test_grad_noise_in_the_loop(void)
{
    float out[4][6];
    for (int t = 0; t < 4; t++) {
        descent_train_config c;
        descent_train_config_default(DESCENT_ADAM, &c);
        c.h.lr = 0.05, c.batch = 10, c.epochs = 2, c.threads = t ? t : 1;
        c.grad_noise_eta = t ? 0.3 : 0;
        EXPECT(train_linreg_multi(&c, 1, out[t]) == DESCENT_OK, "%s", descent_last_error());
    }
    EXPECT(!memcmp(out[1], out[2], sizeof out[1]) && !memcmp(out[1], out[3], sizeof out[1]),
           "noise differs by thread count: %.9g %.9g %.9g", out[1][0], out[2][0], out[3][0]);
    EXPECT(memcmp(out[0], out[1], sizeof out[0]) != 0, "the noise changed nothing");
}

/* The MLP problems' tensors (W1 b1 W2 b2 ...): elementwise optimizers give
 * the same bits with them, LAMB's per-tensor trust ratio does not;
 * no_bias_decay keeps the bias out of weight decay. */
static void test_tensors_and_bias_decay(void)
{
    descent_problem_spec spec = {.name = "linreg-multi", .seed = 1};
    descent_problem *prob = NULL;
    EXPECT(descent_problem_create(&spec, &prob) == DESCENT_OK, "%s", descent_last_error());
    const descent_train_problem *cb = descent_problem_callbacks(prob);
    EXPECT(cb && cb->n_tensors == 2 && cb->tensor_sizes[0] == 5 && cb->tensor_sizes[1] == 1 &&
               !cb->tensor_is_bias[0] && cb->tensor_is_bias[1],
           "linreg-multi's tensors: %zu", cb ? cb->n_tensors : 0);
    descent_problem_free(prob);
    const descent_optim_kind kinds[] = {DESCENT_ADAM, DESCENT_LAMB};
    for (int k = 0; k < 2; k++) {
        float with[6], without[6];
        descent_train_config c;
        descent_train_config_default(kinds[k], &c);
        c.h.lr = 0.01, c.batch = 10, c.epochs = 2;
        EXPECT(train_linreg_multi(&c, 1, with) == DESCENT_OK && 
                   train_linreg_multi(&c, 0, without) == DESCENT_OK, "%s", descent_last_error());
        EXPECT(!memcmp(with, without, sizeof with) == (kinds[k] == DESCENT_ADAM),
               "%s: tensors %s the result", descent_optim_name(kinds[k]),
               kinds[k] == DESCENT_ADAM ? "changed" : "did not change");
    }
    /* one full-batch SGD step with weight decay 1: the bias moves by
     * -lr * g alone under no_bias_decay, by -lr * (g + b) without */
    float init[6], grad[6], stepped[2][6];
    for (int nb = 0; nb < 2; nb++) {
        descent_train_config c;
        descent_train_config_default(DESCENT_SGD, &c);
        c.h.lr = 0.1, c.h.weight_decay = 1, c.no_bias_decay = nb;
        EXPECT(train_linreg_multi(&c, 1, stepped[nb]) == DESCENT_OK, "%s", descent_last_error());
    }
    EXPECT(descent_problem_create(&spec, &prob) == DESCENT_OK, "%s", descent_last_error());
    double loss;
    descent_problem_init_params(prob, init);
    descent_problem_callbacks(prob)->loss_grad(prob, init, NULL, 500, grad, &loss);
    descent_problem_free(prob);
    const float b_plain = init[5] - 0.1f * grad[5];
    const float b_decayed = init[5] - 0.1f * (grad[5] + init[5]);
    EXPECT(fabsf(stepped[1][5] - b_plain) < 1e-6f && fabsf(stepped[0][5] - b_decayed) < 1e-6f &&
               memcmp(stepped[0], stepped[1], 5 * sizeof(float)) == 0,
           "bias %.9g / %.9g, want %.9g / %.9g", stepped[1][5], stepped[0][5], b_plain,
           b_decayed);
}

/* spec.init: kaiming_normal's biases are 0 and its weights not the
 * default's; an unknown init is refused.  With the data: a 16-layer MLP
 * from kaiming_normal learns on 500 images. */
static void test_init_and_depth(void)
{
    descent_problem_spec spec = {.name = "linreg-multi", .seed = 1,
                                 .init = DESCENT_INIT_KAIMING_NORMAL};
    descent_problem *p = NULL;
    float a[6], b[6];
    EXPECT(descent_problem_create(&spec, &p) == DESCENT_OK, "%s", descent_last_error());
    descent_problem_init_params(p, a);
    descent_problem_free(p);
    spec.init = DESCENT_INIT_DEFAULT;
    EXPECT(descent_problem_create(&spec, &p) == DESCENT_OK, "%s", descent_last_error());
    descent_problem_init_params(p, b);
    descent_problem_free(p);
    EXPECT(a[5] == 0 && b[5] != 0 && a[0] != b[0], "kaiming bias %g, default %g", a[5], b[5]);
    spec.init = DESCENT_INIT_COUNT;
    EXPECT(descent_problem_create(&spec, &p) == DESCENT_ERR_INVALID, "init out of range");
    const char *env = getenv("DESCENT_DATA_DIR");
    const char *dir = env && *env ? env : DESCENT_DATA_DIR;
    if (!*dir) {
        printf("# skipped: no Fashion-MNIST data for the deep MLP\n");
        return;
    }
    descent_problem_spec deep = {.name = "fashion-mnist", .seed = 1, .data_dir = dir,
                                 .model = "784-32-32-32-32-32-32-32-32-32-32-32-32-32-32-32-10",
                                 .standardize = 1, .train_limit = 500, .test_limit = 100,
                                 .init = DESCENT_INIT_KAIMING_NORMAL};
    if (descent_problem_create(&deep, &p) != DESCENT_OK) {
        EXPECT(0, "%s", descent_last_error());
        return;
    }
    const descent_train_problem *cb = descent_problem_callbacks(p);
    float *params = malloc(cb->n_params * sizeof *params);
    descent_problem_init_params(p, params);
    descent_train_config c;
    descent_train_config_default(DESCENT_ADAM, &c);
    c.batch = 50, c.epochs = 5;
    descent_train_result r;
    EXPECT(cb->n_tensors == 32 && descent_train(cb, &c, params, &r) == DESCENT_OK,
           "%zu tensors: %s", cb->n_tensors, descent_last_error());
    EXPECT(r.final_loss < 1.5, "16 layers: final loss %g", r.final_loss);
    free(params);
    descent_problem_free(p);
}

/* L-BFGS in the loop: one step per epoch over the full batch reaches the
 * least-squares solution of linreg-multi in 10 steps with strong Wolfe,
 * counting its closure calls; a mini-batch is refused. */
static void test_lbfgs_in_the_loop(void)
{
    descent_lbfgs_options o;
    descent_lbfgs_options_default(&o);
    o.line_search_fn = DESCENT_LBFGS_STRONG_WOLFE;
    descent_train_config c;
    descent_train_config_default(DESCENT_SGD, &c);
    c.lbfgs = &o, c.epochs = 10;
    descent_problem_spec spec = {.name = "linreg-multi", .seed = 1};
    descent_problem *prob = NULL;
    EXPECT(descent_problem_create(&spec, &prob) == DESCENT_OK, "%s", descent_last_error());
    const descent_train_problem *cb = descent_problem_callbacks(prob);
    float params[6];
    descent_problem_init_params(prob, params);
    descent_train_result r;
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_OK, "%s", descent_last_error());
    double best_loss, dist = 0;
    const double *best = descent_problem_optimum(prob, &best_loss);
    for (int i = 0; i < 6; i++)
        dist = fmax(dist, fabs(params[i] - best[i]));
    EXPECT(dist < 1e-5 && r.steps == 10 && r.func_evals > r.steps &&
               fabs(r.final_loss - best_loss) < 1e-6,
           "lbfgs: max|theta - theta*| %g, %ld steps, %ld evaluations", dist, r.steps,
           r.func_evals);
    c.batch = 10;
    EXPECT(descent_train(cb, &c, params, &r) == DESCENT_ERR_INVALID, "lbfgs on batches of 10");
    descent_problem_free(prob);
}

/* save_state and resume: a user's problem on batches of 3 (4 steps per
 * epoch, the last of 1) with adam and a per-step cosine schedule, stopped
 * at step 6 (within epoch 2) and resumed to 5 epochs, gives the straight
 * run's rows and parameter bits; a file of another run changes nothing. */
static void test_save_and_resume(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/descent-train-state.%ld", (long)getpid());
    rows straight = {0}, resumed = {0};
    float x_straight = 0, x_resumed = 0;
    descent_train_result r;
    for (int part = 0; part < 3; part++) {
        user_problem u;
        const descent_train_problem p = user_setup(&u);
        descent_train_config c = user_config(3, 5);
        c.optim = DESCENT_ADAM;
        descent_hparams_default(DESCENT_ADAM, &c.h);
        c.h.lr = 0.3, c.schedule = "cosine_annealing_lr", c.schedule_args = "T_max=20";
        c.schedule_unit = DESCENT_PER_STEP;
        c.on_step = keep_row, c.ctx = part == 0 ? &straight : &resumed;
        if (part == 1)
            c.max_steps = 6, c.save_state = path;
        if (part == 2)
            c.resume = path;
        float *x = part == 0 ? &x_straight : &x_resumed;
        EXPECT(descent_train(&p, &c, x, &r) == DESCENT_OK, "part %d: %s", part,
               descent_last_error());
    }
    int same = resumed.n == straight.n && x_resumed == x_straight;
    for (long i = 6; same && i < straight.n; i++) {
        const descent_train_row *a = &straight.row[i], *b = &resumed.row[i];
        same = a->step == b->step && a->epoch == b->epoch && a->loss == b->loss &&
               a->lr == b->lr && a->grad_norm == b->grad_norm;
    }
    EXPECT(same && straight.n == 20, "resumed: %ld rows (straight %ld), p %.9g vs %.9g",
           resumed.n - 6, straight.n - 6, x_resumed, x_straight);
    /* another optimizer: refused before any step, the params untouched */
    user_problem u;
    const descent_train_problem p = user_setup(&u);
    descent_train_config c = user_config(3, 5);
    c.h.lr = 0.3, c.schedule = "cosine_annealing_lr", c.schedule_args = "T_max=20";
    c.resume = path;
    float x = 42;
    EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_ERR_FORMAT && x == 42 && u.calls == 0,
           "sgd resuming adam's state: %s", descent_last_error());
    c.resume = "no_such_state.ckpt";
    EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_ERR_IO, "a missing state file");
    remove(path);
}

/* The user's problem failing from its 11th call on (a crash in epoch 3). */
static descent_status failing_loss_grad(void *ctx, const float *params, const long *idx,
                                        long count, float *grad, double *loss)
{
    const user_problem *u = ctx;
    if (grad && u->calls >= 10)
        return DESCENT_ERR_IO; /* the machine went away */
    return user_loss_grad(ctx, params, idx, count, grad, loss);
}

/* save_every 1: a run that fails in epoch 3 leaves the state after epoch
 * 2, and resuming from it gives the straight run's rows from step 9. */
static void test_save_every_epoch(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/descent-train-every.%ld", (long)getpid());
    rows straight = {0}, failed = {0}, resumed = {0};
    float x[3] = {0, 0, 0};
    descent_train_result r;
    for (int part = 0; part < 3; part++) {
        user_problem u;
        descent_train_problem p = user_setup(&u);
        descent_train_config c = user_config(3, 5);
        c.on_step = keep_row, c.ctx = part == 0 ? &straight : part == 1 ? &failed : &resumed;
        if (part == 1)
            p.loss_grad = failing_loss_grad, c.save_state = path, c.save_every = 1;
        if (part == 2)
            c.resume = path;
        const descent_status s = descent_train(&p, &c, &x[part], &r);
        EXPECT(s == (part == 1 ? DESCENT_ERR_IO : DESCENT_OK), "part %d: %s", part,
               descent_last_error());
    }
    int same = failed.n == 10 && resumed.n == 12 && x[2] == x[0] &&
               failed.row[9].loss == straight.row[9].loss && failed.row[9].step == 10;
    for (long i = 0; same && i < 12; i++)
        same = resumed.row[i].step == 9 + i && resumed.row[i].loss == straight.row[8 + i].loss;
    EXPECT(same, "resumed after a failure: %ld rows after %ld, step %ld first, p %.9g vs %.9g",
           resumed.n, failed.n, resumed.row[0].step, x[2], x[0]);
    remove(path);
}

/* next_batch: before each step, the examples of the step after in the
 * same epoch (what a problem prefetches), none before an epoch's last. */
typedef struct hinted_problem {
    user_problem u; /* first: user_loss_grad's ctx */
    long hints, counts[16], idx[16][N_TARGETS];
} hinted_problem;

static void record_hint(void *ctx, const long *idx, long count)
{
    hinted_problem *h = ctx;
    if (h->hints < 16) {
        h->counts[h->hints] = count;
        for (long k = 0; k < count; k++)
            h->idx[h->hints][k] = idx[k];
    }
    h->hints++;
}

static void test_next_batch_hint(void)
{
    hinted_problem h;
    memset(&h, 0, sizeof h);
    descent_train_problem p = user_setup(&h.u);
    p.ctx = &h, p.next_batch = record_hint;
    descent_train_config c = user_config(3, 2); /* 10 examples: steps of 3, 3, 3, 1 */
    float x = 0;
    descent_train_result r;
    EXPECT(descent_train(&p, &c, &x, &r) == DESCENT_OK, "%s", descent_last_error());
    EXPECT(h.hints == 8 && h.u.calls == 8, "%ld hints for %ld steps", h.hints, h.u.calls);
    for (long s = 0; s < 8 && s < h.hints; s++) {
        const long want = s % 4 == 3 ? 0 : h.u.counts[s + 1];
        int same = h.counts[s] == want;
        for (long k = 0; same && k < want; k++)
            same = h.idx[s][k] == h.u.seen[s + 1][k];
        EXPECT(same, "step %ld: hint of %ld examples, want the next step's %ld", s, h.counts[s],
               want);
    }
}

/* A fixed gradient of many parameters, for the log's grad_norm. */
#define NORM_PARAMS 1003
static descent_status fixed_grad(void *ctx, const float *params, const long *idx, long count,
                                 float *grad, double *loss)
{
    (void)idx, (void)count, (void)params;
    const float *g = ctx;
    if (grad)
        memcpy(grad, g, NORM_PARAMS * sizeof *grad);
    *loss = 1.0;
    return DESCENT_OK;
}

/* The gradient norm is the sum of squares in 32 double lanes (element i
 * in lane i % 32, the lanes in one fixed tree, kernels/clip/sum_squares.h),
 * the same bits on every ISA and thread count (a single chain of adds took
 * a fifth of the Fashion-MNIST run). */
static void test_grad_norm_same_bits_every_isa(void)
{
    float *g = check_randoms(NORM_PARAMS, 11, 3);
    double lane[32] = {0}, v[8];
    for (int i = 0; i < NORM_PARAMS; i++)
        lane[i % 32] += (double)g[i] * (double)g[i];
    for (int j = 0; j < 8; j++)
        v[j] = (lane[j] + lane[j + 8]) + (lane[j + 16] + lane[j + 24]);
    const double want = sqrt(((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7])));
    const descent_train_problem p = {.n_params = NORM_PARAMS, .loss_grad = fixed_grad, .ctx = g};
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        for (int threads = 1; threads <= 2; threads++) {
            descent_train_config c;
            descent_train_config_default(DESCENT_SGD, &c);
            c.isa = (descent_isa)isa, c.threads = threads, c.max_steps = 1;
            float *x = calloc(NORM_PARAMS, sizeof *x);
            descent_train_result r;
            EXPECT(descent_train(&p, &c, x, &r) == DESCENT_OK, "%s", descent_last_error());
            EXPECT(r.last_grad_norm == want, "%s, %d threads: grad_norm %.17g, want %.17g",
                   descent_isa_name((descent_isa)isa), threads, r.last_grad_norm, want);
            free(x);
        }
    }
    free(g);
}

int main(void)
{
    RUN(test_rng_is_deterministic_and_uniform);
    RUN(test_shuffle_is_a_permutation);
    RUN(test_least_squares_exact_data);
    RUN(test_linreg_problems);
    RUN(test_func2d_gradients_and_minima);
    RUN(test_gradient_descent_reaches_least_squares);
    RUN(test_func2d_descent);
    RUN(test_batch_strategies);
    RUN(test_stochastic_rounding_config);
    RUN(test_reshuffle_is_seeded);
    RUN(test_stop_rules);
    RUN(test_schedule_unit);
    RUN(test_plateau_watches_the_loss);
    RUN(test_momentum_cycling);
    RUN(test_accuracy_and_median);
    RUN(test_spec_default);
    RUN(test_mnist_splits);
    RUN(test_clipping_in_the_loop);
    RUN(test_grad_noise_in_the_loop);
    RUN(test_tensors_and_bias_decay);
    RUN(test_init_and_depth);
    RUN(test_lbfgs_in_the_loop);
    RUN(test_save_and_resume);
    RUN(test_save_every_epoch);
    RUN(test_grad_norm_same_bits_every_isa);
    RUN(test_next_batch_hint);
    return CHECK_EXIT_STATUS();
}
