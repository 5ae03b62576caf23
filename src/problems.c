/* Synthetic problems: see problems.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "problems.h"
#include "rng.h"

/* ------------------------------------------------------ linear regression */

int descent_linreg_known(const char *name)
{
    return name && (!strcmp(name, "linreg") || !strcmp(name, "linreg-2x1") ||
                    !strcmp(name, "linreg-4-3x") || !strcmp(name, "linreg-multi"));
}

descent_status descent_least_squares(int n, int features, const float *x, const float *y,
                                     double *theta)
{
    const int d = features + 1; /* the bias as a last column of ones */
    double A[(DESCENT_LINREG_MAX_FEATURES + 1) * (DESCENT_LINREG_MAX_FEATURES + 1)] = {0};
    double rhs[DESCENT_LINREG_MAX_FEATURES + 1] = {0};
    if (features < 1 || features > DESCENT_LINREG_MAX_FEATURES || n < d)
        return descent_fail(DESCENT_ERR_INVALID, "least squares: %d points, %d features", n,
                            features);
    /* A = X~^T X~, rhs = X~^T y */
    for (int r = 0; r < n; r++) {
        for (int i = 0; i < d; i++) {
            const double xi = i < features ? x[(size_t)r * features + i] : 1.0;
            rhs[i] += xi * y[r];
            for (int j = 0; j < d; j++) {
                const double xj = j < features ? x[(size_t)r * features + j] : 1.0;
                A[i * d + j] += xi * xj;
            }
        }
    }
    /* Cholesky A = L L^T in place (lower triangle), then two triangular solves. */
    for (int j = 0; j < d; j++) {
        double diag = A[j * d + j];
        for (int k = 0; k < j; k++)
            diag -= A[j * d + k] * A[j * d + k];
        if (!(diag > 1e-12 * (fabs(A[j * d + j]) + 1e-300)))
            return descent_fail(DESCENT_ERR_INVALID, "least squares: singular normal equations");
        A[j * d + j] = sqrt(diag);
        for (int i = j + 1; i < d; i++) {
            double v = A[i * d + j];
            for (int k = 0; k < j; k++)
                v -= A[i * d + k] * A[j * d + k];
            A[i * d + j] = v / A[j * d + j];
        }
    }
    double z[DESCENT_LINREG_MAX_FEATURES + 1];
    for (int i = 0; i < d; i++) { /* L z = rhs */
        double v = rhs[i];
        for (int k = 0; k < i; k++)
            v -= A[i * d + k] * z[k];
        z[i] = v / A[i * d + i];
    }
    for (int i = d - 1; i >= 0; i--) { /* L^T theta = z */
        double v = z[i];
        for (int k = i + 1; k < d; k++)
            v -= A[k * d + i] * theta[k];
        theta[i] = v / A[i * d + i];
    }
    return DESCENT_OK;
}

descent_status descent_linreg_make(const char *name, unsigned long long seed,
                                   descent_linreg *out)
{
    memset(out, 0, sizeof *out);
    if (!descent_linreg_known(name))
        return descent_fail(DESCENT_ERR_INVALID, "unknown linear regression problem '%s'",
                            name ? name : "(null)");
    double lo = 0, hi = 1, noise = 1;
    if (!strcmp(name, "linreg-4-3x")) {
        out->name = "linreg-4-3x";
        out->formula = "y = 4 + 3x + N(0, 1), x ~ U(0, 2), 100 points";
        out->n = 100, out->features = 1;
        out->true_w[0] = 3, out->true_b = 4;
        lo = 0, hi = 2, noise = 1;
    } else if (!strcmp(name, "linreg-multi")) {
        static const double w[5] = {1.5, -2.0, 0.5, 3.0, -1.0};
        out->name = "linreg-multi";
        out->formula = "y = x.(1.5, -2, 0.5, 3, -1) + 0.7 + N(0, 0.1^2), x ~ N(0, I_5), "
                       "500 points";
        out->n = 500, out->features = 5;
        memcpy(out->true_w, w, sizeof w);
        out->true_b = 0.7;
        noise = 0.1;
    } else {
        out->name = "linreg-2x1";
        out->formula = "y = 2x + 1 + N(0, 0.5^2), x ~ U(-1, 1), 100 points";
        out->n = 100, out->features = 1;
        out->true_w[0] = 2, out->true_b = 1;
        lo = -1, hi = 1, noise = 0.5;
    }
    out->x = malloc((size_t)out->n * (size_t)out->features * sizeof(float));
    out->y = malloc((size_t)out->n * sizeof(float));
    if (!out->x || !out->y) {
        descent_linreg_free(out);
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory for %s", name);
    }
    descent_rng rng;
    descent_rng_seed(&rng, seed);
    for (int r = 0; r < out->n; r++) {
        double y = out->true_b;
        for (int f = 0; f < out->features; f++) {
            const double v = out->features > 1
                                 ? descent_rng_normal(&rng)
                                 : lo + (hi - lo) * descent_rng_uniform_double(&rng);
            out->x[(size_t)r * out->features + f] = (float)v;
            y += out->true_w[f] * (double)(float)v;
        }
        out->y[r] = (float)(y + noise * descent_rng_normal(&rng));
    }
    double theta[DESCENT_LINREG_MAX_FEATURES + 1];
    descent_status s = descent_least_squares(out->n, out->features, out->x, out->y, theta);
    if (s != DESCENT_OK) {
        descent_linreg_free(out);
        return s;
    }
    memcpy(out->w, theta, (size_t)out->features * sizeof(double));
    out->b = theta[out->features];
    double sum = 0;
    for (int r = 0; r < out->n; r++) {
        double pred = out->b;
        for (int f = 0; f < out->features; f++)
            pred += out->w[f] * out->x[(size_t)r * out->features + f];
        sum += (pred - out->y[r]) * (pred - out->y[r]);
    }
    out->loss_at_solution = sum / out->n;
    return DESCENT_OK;
}

void descent_linreg_free(descent_linreg *p)
{
    if (!p)
        return;
    free(p->x);
    free(p->y);
    p->x = p->y = NULL;
}

/* ------------------------------------------------------- 2-D functions */

/* f = 0.5 (x^2 + 50 y^2): condition number 50. */
static double quadratic(const double p[2], double g[2])
{
    g[0] = p[0];
    g[1] = 50.0 * p[1];
    return 0.5 * (p[0] * p[0] + 50.0 * p[1] * p[1]);
}

/* f = (1 - x)^2 + 100 (y - x^2)^2 */
static double rosenbrock(const double p[2], double g[2])
{
    const double x = p[0], y = p[1], r = y - x * x;
    g[0] = -2.0 * (1.0 - x) - 400.0 * x * r;
    g[1] = 200.0 * r;
    return (1.0 - x) * (1.0 - x) + 100.0 * r * r;
}

/* f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2 */
static double beale(const double p[2], double g[2])
{
    const double x = p[0], y = p[1];
    const double t1 = 1.5 - x + x * y, t2 = 2.25 - x + x * y * y, t3 = 2.625 - x + x * y * y * y;
    g[0] = 2.0 * t1 * (y - 1.0) + 2.0 * t2 * (y * y - 1.0) + 2.0 * t3 * (y * y * y - 1.0);
    g[1] = 2.0 * t1 * x + 2.0 * t2 * 2.0 * x * y + 2.0 * t3 * 3.0 * x * y * y;
    return t1 * t1 + t2 * t2 + t3 * t3;
}

static const descent_func2d functions[] = {
    {"quadratic", "f = 0.5 (x^2 + 50 y^2)", {10.0, 1.0}, {0.0, 0.0}, 0.0, quadratic},
    {"rosenbrock", "f = (1 - x)^2 + 100 (y - x^2)^2", {-1.2, 1.0}, {1.0, 1.0}, 0.0, rosenbrock},
    {"beale", "f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", {1.0, 1.0},
     {3.0, 0.5}, 0.0, beale},
};

const descent_func2d *descent_func2d_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof functions / sizeof functions[0]; i++)
        if (!strcmp(name, functions[i].name))
            return &functions[i];
    return NULL;
}
