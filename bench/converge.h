/*
 * converge.h — what bench/converge.c (reports, sections, main) and
 * bench/converge_run.c (runs through descent_train, lr bracketing,
 * statistics) share.  descent-converge only.
 */
#ifndef DESCENT_BENCH_CONVERGE_H
#define DESCENT_BENCH_CONVERGE_H

#include <stdio.h>

#include "bench.h"
#include "descent.h"

#define NEVER INFINITY
#define MAX_SEEDS 5
#define MAX_LRS 16
#define LR_MIN 1e-7
#define LR_MAX 1e3
#define MAX_EPOCHS_KEPT 16 /* fmnist test accuracy kept per epoch (outcome.per_epoch) */

enum { P_LINREG, P_ROSEN, P_MNIST, P_COUNT };

/* The scope's sizes (set_scope), one global for the whole run. */
extern struct scope {
    const char *name;
    int seeds, tune_seeds, only_two;
    double lo, hi, factor, mnist_lo, mnist_hi, mnist_factor;
    long linreg_cap, rosen_cap;
    long mnist_train, mnist_val, mnist_test, mnist_epochs;
    double mnist_target;
    long batch_epochs, schedule_epochs;
    /* the mixed-precision comparison (fmnist, Adam): its seeds and epochs */
    int precision_seeds;
    long precision_epochs;
} S;
int set_scope(const char *name);
/* --lr-grid: the starting grid of every tuning (0: the scope's). */
extern double grid_lo, grid_hi, grid_factor;

/* What a run trains and how: the problem, optimizer, batch, budget,
 * schedule, whether reaching the target ends it, and the storage precision
 * of the parameters and the optimizer state (0: fp32, nearest rounding). */
typedef struct setting {
    int prob;
    const bench_optim_config *opt;
    long batch, epochs;
    const char *schedule, *schedule_args;
    descent_train_unit unit;
    int stop_at_target;
    descent_dtype param_dtype, state_dtype;
    int stochastic_rounding; /* bf16 parameters rounded stochastically */
} setting;

typedef struct outcome {
    double epochs, steps, seconds; /* to target; NEVER if missed */
    double final;  /* test accuracy (fmnist) or full-data loss at the end */
    double select; /* validation accuracy (fmnist) at the end */
    double per_epoch[MAX_EPOCHS_KEPT]; /* fmnist: test accuracy after epoch i + 1 (NAN: none) */
} outcome;

/* Median, min and max of n values (+inf counts; NAN counts as +inf). */
typedef struct spread {
    double median, min, max;
} spread;

/* The lr grid as tuned: score (lower is better) and tie-break per lr. */
typedef struct tuned {
    int n, best, bracketed, widened_low, widened_high;
    double lr[MAX_LRS], score[MAX_LRS], tie[MAX_LRS];
} tuned;

/* A setting tuned, then run on every seed at the chosen lr. */
typedef struct report {
    tuned t;
    int reached;
    spread epochs, seconds, final;
} report;

void die(const char *what);
/* The problems of the run; returns a note when Fashion-MNIST is skipped. */
const char *load_problems(const char *data_dir, int with_mnist);
int have_mnist(void);
void free_problems(void);
/* One run of s at lr from seed; tuning: fmnist leaves the test split alone
 * (only outcome.select, the validation accuracy, is set); curve/path: CSV
 * sinks (NULL for none). */
outcome run_one(const setting *s, double lr, int seed, int tuning, FILE *curve,
                FILE *path);
spread spread_of(double *v, int n);
/* The same for accuracies: NAN (no value) counts as the worst, -inf. */
spread accuracy_spread(double *v, int n);
/* Tunes s, runs every seed at the chosen lr (seed 1 writes the curve). */
void evaluate(const setting *s, report *r, FILE *curve, FILE *path);

#endif
