/* The L-BFGS oracle files (FORMAT.md "L-BFGS files"): torch.optim.LBFGS on
 * a problem the file defines, and that problem as a closure. */
#ifndef DESCENT_GOLDEN_LBFGS_H
#define DESCENT_GOLDEN_LBFGS_H

#include <stddef.h>

#include "descent.h"

struct golden_reader;

typedef enum golden_lbfgs_problem {
    GOLDEN_LBFGS_QUADRATIC,     /* 0.5 sum_i d_i (x_i - c_i)^2 */
    GOLDEN_LBFGS_LEAST_SQUARES, /* 0.5 |A x - b|^2 */
    GOLDEN_LBFGS_ROSENBROCK,    /* sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 */
    GOLDEN_LBFGS_PROBLEM_COUNT
} golden_lbfgs_problem;

typedef struct golden_lbfgs {
    descent_lbfgs_options options;
    golden_lbfgs_problem problem;
    size_t n, m;      /* m: rows of A (least_squares) */
    float *d, *c;     /* quadratic: n each */
    float *A, *b;     /* least_squares: m x n row-major, m */
    long steps;
    float *init;       /* n */
    float *params;     /* steps x n: row t-1 is `param t` */
    long *func_evals;  /* steps: cumulative closure calls after step t */
} golden_lbfgs;

/* Parses the records after `optimizer lbfgs` (the reader is on that one). */
descent_status golden_parse_lbfgs(struct golden_reader *r, golden_lbfgs *out);
void golden_lbfgs_free(golden_lbfgs *g);
const char *golden_lbfgs_problem_name(golden_lbfgs_problem p);

/* The file's problem as a descent_lbfgs_closure (ctx: the golden_lbfgs):
 * float32 in and out, each sum taken in double and rounded once. */
float golden_lbfgs_closure(void *ctx, const float *x, float *grad);

#endif
