/* The training loop's state (src/train.c), shared with its checkpoints
 * (src/train_checkpoint.c).  Internal. */
#ifndef DESCENT_TRAIN_INTERNAL_H
#define DESCENT_TRAIN_INTERNAL_H

#include "descent.h"
#include "rng.h"

typedef struct run {
    const descent_train_problem *p;
    const descent_train_config *c;
    descent_train_result *out;
    float *params, *grad;
    descent_optimizer *opt; /* the registry's, or ... */
    descent_lbfgs *lbfgs;   /* ... L-BFGS (c->lbfgs) */
    descent_schedule *sched;
    long n_ex, batch, steps_per_epoch;
    int *order;
    long *idx, *next_idx; /* this step's examples, the next one's (next_batch) */
    descent_rng rng;
    long skipped_in_a_row;
    long pos; /* where the current epoch goes on: 0 at its start (shuffle first) */
    double epoch_loss; /* sum over the epoch's steps taken, and their count */
    long epoch_steps;
    int metric_current;
    double (*sum_squares)(size_t n, const float *x); /* the ISA's, for the norm */
} run;

/* The loop's whole state to c->save_state / from c->resume (the problem,
 * the optimizer and the schedule set up as the config says). */
descent_status descent_train_save_state(const run *r);
descent_status descent_train_load_state(run *r);

#endif
