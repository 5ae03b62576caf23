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
    /* Data parallel (src/train_dist.c; NULL comm: one process). */
    const descent_train_comm *comm;
    size_t *parts;          /* the parameters' parts, offsets[0..size] */
    long *all_idx;          /* a full batch's examples in order, for the shares */
    size_t step_lo, step_n; /* the parameters this process steps (all, or its part) */
    double (*sum_squares)(size_t n, const float *x); /* the ISA's, for the norm */
} run;

/* src/train_dist.c: the config's refusals under comm; the parts and the
 * optimizer's size (before it is created); a sharded optimizer's segments
 * (the tensors cut to this part); the batch's gradient and loss on this
 * rank's share, summed over the ranks (a sharded run: this part only); and
 * the stepped parts to every rank. */
descent_status descent_train_dist_check(const descent_train_problem *p,
                                        const descent_train_config *c);
descent_status descent_train_dist_setup(run *r);
descent_status descent_train_dist_segments(const run *r);
descent_status descent_train_dist_gradient(run *r, const long *idx, long count, double *loss,
                                           double *gnorm);
descent_status descent_train_dist_gather(run *r);
void descent_train_dist_teardown(run *r);

/* The loop's whole state to c->save_state / from c->resume (the problem,
 * the optimizer and the schedule set up as the config says). */
descent_status descent_train_save_state(const run *r);
descent_status descent_train_load_state(run *r);

#endif
