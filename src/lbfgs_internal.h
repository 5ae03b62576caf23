/* L-BFGS inside the library: the object (src/lbfgs.c), the strong-Wolfe
 * line search (src/lbfgs_line_search.c) and the scalars they share. */
#ifndef DESCENT_LBFGS_INTERNAL_H
#define DESCENT_LBFGS_INTERNAL_H

#include "../kernels/kernel.h"
#include "descent.h"

/*
 * A scalar as torch.optim.LBFGS holds it: a Python float (double) or a
 * 0-dim float32 tensor.  An operation with a tensor operand is a float32
 * operation with the Python float rounded to float32 first (how PyTorch's
 * CPU kernels take a wrapped number), and `python / tensor` is
 * reciprocal(tensor) * python (Tensor.__rtruediv__); between two Python
 * floats it is double.  The step length t changes between the two kinds
 * inside the line search, and the comparisons that decide how many times
 * the closure is called depend on which.
 */
typedef struct lbfgs_scalar {
    double value;
    int is_tensor;
} lbfgs_scalar;

lbfgs_scalar lbfgs_py(double v);
lbfgs_scalar lbfgs_tensor(float v);
lbfgs_scalar lbfgs_add(lbfgs_scalar a, lbfgs_scalar b);
lbfgs_scalar lbfgs_sub(lbfgs_scalar a, lbfgs_scalar b);
lbfgs_scalar lbfgs_mul(lbfgs_scalar a, lbfgs_scalar b);
lbfgs_scalar lbfgs_div(lbfgs_scalar a, lbfgs_scalar b);
lbfgs_scalar lbfgs_abs(lbfgs_scalar a);
int lbfgs_lt(lbfgs_scalar a, lbfgs_scalar b);
int lbfgs_le(lbfgs_scalar a, lbfgs_scalar b);
/* Python's max(a, b) and min(a, b): b only if b > a (b < a). */
lbfgs_scalar lbfgs_max(lbfgs_scalar a, lbfgs_scalar b);
lbfgs_scalar lbfgs_min(lbfgs_scalar a, lbfgs_scalar b);

struct descent_lbfgs {
    descent_lbfgs_options o; /* max_eval resolved */
    size_t n;
    descent_isa isa;
    const descent_lbfgs_kernels *k;
    int threads;
    float *partial; /* one per block of the OpenMP layer */

    /* torch's state */
    long func_evals, n_iter;
    float *d;              /* the last direction */
    float t;               /* the last step length, as d.mul(t) uses it */
    float **old_dirs;      /* y vectors, oldest first */
    float **old_stps;      /* s vectors */
    float *ro, *al;        /* history_size each */
    long num_old;          /* vectors in the history */
    long allocated;        /* history slots allocated (old_dirs[0..allocated)) */
    float h_diag;
    float *prev_flat_grad;
    double prev_loss;

    /* work vectors of one step */
    float *flat_grad, *y, *s, *x_init;
    float *g_prev, *g_new, *bracket_g[2]; /* the line search's */

    /* the closure of the step in progress */
    descent_lbfgs_closure closure;
    void *ctx;
    float *params;
};

/* Threaded, thread-count-independent vector work over the object's ISA. */
float lbfgs_dot(descent_lbfgs *L, const float *x, const float *y);
float lbfgs_abs_max(descent_lbfgs *L, const float *x);
void lbfgs_axpy(descent_lbfgs *L, float a, const float *x, float *y);

/* Calls the closure at params = x_init + float(t) d into grad; counts it
 * in func_evals.  DESCENT_ERR_NONFINITE (with a message) when f or the
 * gradient is not finite. */
descent_status lbfgs_evaluate_at(descent_lbfgs *L, lbfgs_scalar t, float *grad, double *f);
/* Calls the closure at params as they are. */
descent_status lbfgs_evaluate(descent_lbfgs *L, float *grad, double *f);

/* torch's _strong_wolfe(obj_func, x_init, t, d, f, g, gtd) with its
 * defaults c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9, max_ls = 25:
 * searches along L->d from L->x_init, whose loss is *f and gradient
 * L->flat_grad, and leaves there the loss and gradient at the chosen
 * step *t; *evals gets the closure calls it made (also on failure). */
descent_status lbfgs_strong_wolfe(descent_lbfgs *L, lbfgs_scalar *t, double *f, float gtd,
                                  long *evals);

#endif
