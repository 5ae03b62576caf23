/*
 * descent_hogwild.h — asynchronous SGD without locks (Hogwild!, Niu, Recht,
 * Re and Wright, NIPS 2011) on a sparse linear model, in one process
 * (src/hogwild.c).  Included by descent.h; not used alone.
 *
 * T threads share one parameter vector.  Each draws its own mini-batches
 * from its own seeded stream, computes their gradient at the parameters as
 * it reads them (other threads write meanwhile) and adds -lr * gradient
 * into the shared vector coordinate by coordinate, touching only the
 * features its examples have.  No lock, no atomic read-modify-write: an
 * update can be lost when two threads write the same coordinate at once.
 * That is the algorithm (sparse data makes such collisions rare, and the
 * paper bounds their cost), so a run with T > 1 is not reproducible bit for
 * bit; one thread is plain sequential mini-batch SGD.
 */
#ifndef DESCENT_HOGWILD_H
#define DESCENT_HOGWILD_H

#ifdef __cplusplus
extern "C" {
#endif

/* Binary logistic regression on sparse examples: example i has the values
 * val[row_start[i] .. row_start[i+1]) at the feature indices col[...]
 * (CSR, indices in [0, n_features)) and the label label[i], -1 or +1.  The
 * model is one weight per feature (no bias); the loss is the mean over
 * examples of log(1 + exp(-label x.w)). */
typedef struct descent_sparse_logreg {
    long n_examples, n_features;
    const long *row_start; /* n_examples + 1 offsets, row_start[0] = 0 */
    const int *col;
    const float *val;
    const float *label;
} descent_sparse_logreg;

/* The data of a built-in sparse problem ("sparse-logreg"); NULL for the
 * others (dense problems have no Hogwild run).  Valid while p lives. */
const descent_sparse_logreg *descent_problem_sparse(const descent_problem *p);

/* The mean loss at w (n_features floats) over all examples, in double. */
double descent_sparse_logreg_loss(const descent_sparse_logreg *data, const float *w);

/*
 * Trains params (n_features floats, updated in place) with Hogwild.  From
 * the config: optim DESCENT_SGD with momentum, weight decay, Nesterov and
 * maximize off (plain p -= lr g); h.lr and a schedule stepped per epoch
 * (schedule_unit DESCENT_PER_EPOCH; reduce_lr_on_plateau watches the
 * epoch's mean batch loss); batch (>= 1: examples per update; 1 is the
 * paper's); threads (0 = the online CPUs; at most one per example); seed
 * (thread t's stream: seed, t); epochs; target_loss, which here is the
 * loss over all examples, evaluated after every epoch outside the timed
 * training (eval_seconds); on_step, called once per epoch with that
 * epoch's row (step: updates so far over all threads; loss: the epoch's
 * mean batch loss; grad_norm NAN).  Anything else set (max_steps,
 * grad_tol, a target metric, noise, clipping, a nonfinite policy, L-BFGS,
 * checkpoints, a per-step schedule) is DESCENT_ERR_INVALID with a message,
 * before any work.
 *
 * An epoch is every example once: thread t owns examples t, t+T, t+2T, ...
 * and reshuffles them every epoch with its own generator; the threads meet
 * at each epoch's end, where the schedule steps and the stop rules are
 * read.  out: steps (updates), epochs, seconds (the threads' training
 * only), eval_seconds, last_loss (the last epoch's mean batch loss),
 * final_loss (over all examples, after the run, not timed), stop (epochs,
 * target_loss, diverged for a non-finite loss, callback).
 */
descent_status descent_train_hogwild(const descent_sparse_logreg *data,
                                     const descent_train_config *c, float *params,
                                     descent_train_result *out);
/* What descent_train_hogwild checks before any work (the data's CSR, the
 * config): DESCENT_OK or DESCENT_ERR_INVALID with the message it would
 * give; for a caller that reports a refused setting before anything else. */
descent_status descent_train_hogwild_check(const descent_sparse_logreg *data,
                                           const descent_train_config *c);

#ifdef __cplusplus
}
#endif

#endif
