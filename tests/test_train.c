/*
 * The pieces the training driver is built from: the seeded generator, the
 * synthetic problems (closed-form least squares, analytic gradients of the
 * 2-D functions), and convergence of the library's own loop — descent_mlp
 * for the loss and gradient, descent_optimizer for the step — to the
 * closed-form solution (gradient descent) and to the 2-D minima.  The
 * command-line driver itself is exercised by tests/cli_train.sh.
 */
#include <string.h>

#include "check.h"
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

/* Gradient descent through descent_mlp + descent_optimizer reaches the
 * closed-form least-squares solution: max|theta - theta*| <= 1e-4. */
static void test_gradient_descent_reaches_least_squares(void)
{
    const char *names[] = {"linreg-2x1", "linreg-4-3x", "linreg-multi"};
    for (size_t k = 0; k < 3; k++) {
        descent_linreg p;
        if (descent_linreg_make(names[k], 1, &p) != DESCENT_OK) {
            EXPECT(0, "%s", descent_last_error());
            continue;
        }
        descent_mlp_shape s = {.layers = 1, .sizes = {p.features, 1}, .loss = DESCENT_MSE};
        const size_t n = descent_mlp_param_count(&s);
        float params[DESCENT_LINREG_MAX_FEATURES + 1] = {0}, grad[DESCENT_LINREG_MAX_FEATURES + 1];
        descent_mlp *mlp = NULL;
        descent_optimizer *opt = NULL;
        descent_hparams h;
        descent_hparams_default(DESCENT_SGD, &h);
        h.lr = 0.1;
        EXPECT(descent_mlp_create(&s, p.n, &mlp) == DESCENT_OK &&
                   descent_optimizer_create(DESCENT_SGD, &h, n, &opt) == DESCENT_OK,
               "%s", descent_last_error());
        float loss = NAN;
        for (int step = 0; mlp && opt && step < 2000; step++) {
            descent_mlp_loss_grad(mlp, params, p.n, p.x, NULL, p.y, grad, &loss);
            descent_optimizer_step(opt, params, grad);
        }
        double dist = fabs(params[p.features] - p.b);
        for (int f = 0; f < p.features; f++)
            dist = fmax(dist, fabs(params[f] - p.w[f]));
        EXPECT(dist <= 1e-4, "%s: max|theta - theta*| = %.3g", names[k], dist);
        EXPECT(fabs(loss - p.loss_at_solution) <= 1e-5 * p.loss_at_solution,
               "%s: loss %.9g, least squares %.9g", names[k], loss, p.loss_at_solution);
        descent_mlp_free(mlp);
        descent_optimizer_free(opt);
        descent_linreg_free(&p);
    }
}

/* Every optimizer, from the standard start, lowers the quadratic; Adam
 * reaches the minima of all three functions. */
static void test_func2d_descent(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_func2d *f = descent_func2d_find("quadratic");
        descent_hparams h;
        descent_hparams_default((descent_optim_kind)k, &h);
        if (k == DESCENT_SGD)
            h.lr = 0.01;
        if (k == DESCENT_LION) /* lion-pytorch's 1e-4 moves 0.02 in 200 sign steps */
            h.lr = 0.01;
        descent_optimizer *opt;
        if (descent_optimizer_create((descent_optim_kind)k, &h, 2, &opt) != DESCENT_OK) {
            EXPECT(0, "%s", descent_last_error());
            continue;
        }
        float p[2] = {(float)f->start[0], (float)f->start[1]}, g[2];
        double gd[2];
        const double f0 = f->f(f->start, gd);
        double last = f0;
        for (int step = 0; step < 200; step++) {
            const double q[2] = {p[0], p[1]};
            last = f->f(q, gd);
            g[0] = (float)gd[0], g[1] = (float)gd[1];
            descent_optimizer_step(opt, p, g);
        }
        EXPECT(last < 0.9 * f0, "%s: quadratic %g -> %g", descent_optim_name((descent_optim_kind)k),
               f0, last);
        descent_optimizer_free(opt);
    }
    const char *names[] = {"quadratic", "rosenbrock", "beale"};
    const double lrs[] = {0.1, 0.02, 0.01};
    for (int k = 0; k < 3; k++) {
        const descent_func2d *f = descent_func2d_find(names[k]);
        descent_hparams h;
        descent_hparams_default(DESCENT_ADAM, &h);
        h.lr = lrs[k];
        descent_optimizer *opt;
        if (descent_optimizer_create(DESCENT_ADAM, &h, 2, &opt) != DESCENT_OK)
            continue;
        float p[2] = {(float)f->start[0], (float)f->start[1]}, g[2];
        double gd[2];
        for (int step = 0; step < 10000; step++) {
            const double q[2] = {p[0], p[1]};
            f->f(q, gd);
            g[0] = (float)gd[0], g[1] = (float)gd[1];
            descent_optimizer_step(opt, p, g);
        }
        const double dist = hypot(p[0] - f->minimum[0], p[1] - f->minimum[1]);
        EXPECT(dist < 1e-3, "adam on %s ends at (%g, %g), %.3g from the minimum", names[k], p[0],
               p[1], dist);
        descent_optimizer_free(opt);
    }
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
    return CHECK_EXIT_STATUS();
}
