/*
 * Synthetic problems for the `train` command and the convergence tests:
 * textbook linear regressions with their closed-form least-squares
 * solution, and 2-D test functions with analytic gradients.  Internal.
 */
#ifndef DESCENT_PROBLEMS_H
#define DESCENT_PROBLEMS_H

#include <math.h>
#include <stddef.h>

#include "descent.h"

/* ------------------------------------------------------ linear regression */

#define DESCENT_LINREG_MAX_FEATURES 16

/* y = x w + b + noise, x [n][features].  The model is the 1-layer MLP
 * features-1 with MSE loss, so the least-squares solution is its minimum. */
typedef struct descent_linreg {
    const char *name;
    const char *formula; /* e.g. "y = 2x + 1 + N(0, 0.5^2), x ~ U(-1, 1)" */
    int n, features;
    float *x, *y;                                /* [n][features], [n] */
    double true_w[DESCENT_LINREG_MAX_FEATURES], true_b;
    /* argmin over (w, b) of mean (x w + b - y)^2, in double from the float
     * data by the normal equations, and the loss there. */
    double w[DESCENT_LINREG_MAX_FEATURES], b;
    double loss_at_solution;
} descent_linreg;

/* The names `linreg-2x1` (alias `linreg`): y = 2x + 1 + noise, 100 points;
 * `linreg-4-3x`: y = 4 + 3x + N(0,1), x ~ U(0, 2), 100 points (Geron's
 * example); `linreg-multi`: 5 features, 500 points. */
int descent_linreg_known(const char *name);
descent_status descent_linreg_make(const char *name, unsigned long long seed,
                                   descent_linreg *out);
void descent_linreg_free(descent_linreg *p);
/* Solves the least-squares problem min |X~ theta - y|^2 with X~ = [x, 1]
 * by the normal equations (Cholesky of X~^T X~ in double); theta gets
 * features + 1 values, the bias last.  DESCENT_ERR_INVALID if singular. */
descent_status descent_least_squares(int n, int features, const float *x, const float *y,
                                     double *theta);

/* ------------------------------------------------------- 2-D functions */

typedef struct descent_func2d {
    const char *name;
    const char *formula;
    double start[2];   /* the standard starting point */
    double minimum[2]; /* where the global minimum is */
    double min_value;  /* f there */
    /* f(p) and its gradient, in double */
    double (*f)(const double p[2], double grad[2]);
} descent_func2d;

/* "quadratic" (0.5 (x^2 + 50 y^2), start (10, 1)), "rosenbrock"
 * ((1-x)^2 + 100 (y - x^2)^2, start (-1.2, 1)), "beale" (start (1, 1)),
 * or NULL. */
const descent_func2d *descent_func2d_find(const char *name);

/* ------------------------------------------- sparse logistic regression */

/* "sparse-logreg" (descent_hogwild.h's descent_sparse_logreg): examples
 * with `nonzeros` distinct features each, drawn uniformly among `features`,
 * values N(0, 1); hidden true weights w* ~ N(0, 1); label +1 with
 * probability sigmoid(x.w*), else -1.  Seeded; the arrays are owned here. */
#define DESCENT_SPARSE_EXAMPLES 100000
#define DESCENT_SPARSE_FEATURES 10000
#define DESCENT_SPARSE_NONZEROS 10
typedef struct descent_sparse_set {
    descent_sparse_logreg data; /* points into the arrays below */
    long *row_start;
    int *col;
    float *val, *label;
    float *true_w;
    double loss_at_truth; /* the mean loss at w* (the labels' own noise) */
    char formula[192];
} descent_sparse_set;

descent_status descent_sparse_logreg_make(long examples, long features, int nonzeros,
                                          unsigned long long seed, descent_sparse_set *out);
void descent_sparse_logreg_free(descent_sparse_set *s);
/* descent_train_problem's loss_grad on the data: the mean loss over
 * examples idx[0..count) (NULL: all) and, when grad is not NULL, its dense
 * gradient (n_features floats). */
descent_status descent_sparse_logreg_loss_grad(const descent_sparse_logreg *data,
                                               const float *w, const long *idx, long count,
                                               float *grad, double *loss);
/* Checks that data is well formed (offsets from 0, rising; indices in
 * range; labels -1 or +1); DESCENT_ERR_INVALID naming the first fault. */
descent_status descent_sparse_logreg_check(const descent_sparse_logreg *data);

/* The logistic loss log(1 + exp(z)) at z = -label x.w, without overflow,
 * and its derivative sigmoid(z) in *slope. */
static inline double descent_softplus(double z, double *slope)
{
    if (z > 0) {
        const double e = exp(-z);
        *slope = 1.0 / (1.0 + e);
        return z + log1p(e);
    }
    const double e = exp(z);
    *slope = e / (1.0 + e);
    return log1p(e);
}

#endif
