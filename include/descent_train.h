/*
 * descent_train.h — the one training loop (src/train.c).  Included by
 * descent.h; not used alone.  `descent train`, descent-converge and the
 * tests all run through descent_train().
 *
 * A run is: a problem (loss and gradient over a batch of examples, and an
 * evaluation), a batch strategy (full batch, 1, or B with a seeded
 * reshuffle every epoch), an optimizer from the registry, a schedule
 * (descent_schedule.h) stepped per epoch or per iteration, and stop rules.
 * Each step's row goes to an optional callback (logs, progress, curves).
 */
#ifndef DESCENT_TRAIN_H
#define DESCENT_TRAIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- problems */

/* What the loop trains, as callbacks: built-in problems fill one of these
 * (descent_problem_create), and a user may bring their own. */
typedef struct descent_train_problem {
    size_t n_params;
    /* Training examples the batches are drawn from; 0 for a problem without
     * examples (a function such as Rosenbrock: every step sees all of it). */
    long n_examples;
    /* Loss (mean over the batch) and gradient at params over the examples
     * idx[0..count) (idx NULL: all of them, in order).  grad NULL: the loss
     * only.  Required. */
    descent_status (*loss_grad)(void *ctx, const float *params, const long *idx, long count,
                                float *grad, double *loss);
    /* Optional: the metric the run reports and may stop on (e.g. accuracy
     * on a held-out split), higher is better; NULL when there is none. */
    descent_status (*metric)(void *ctx, const float *params, double *value);
    const char *metric_name; /* e.g. "test_accuracy"; NULL without metric */
    void *ctx;
    /* Optional: the parameters as tensors (torch's model.parameters()), in
     * order: n_tensors sizes adding up to n_params, and which are biases
     * (tensor_is_bias may be NULL).  The loop makes them the optimizer's
     * segments (LAMB's trust ratio is per tensor; elementwise optimizers
     * give the same bits); 0 tensors: one flat tensor. */
    size_t n_tensors;
    const size_t *tensor_sizes;
    const unsigned char *tensor_is_bias;
    /* Optional: the examples of the next step (within the epoch), told
     * before each loss_grad call of a batched run, so that the problem can
     * start loading them while it computes this one (the built-in ones
     * prefetch their rows); count 0: none.  NULL: no hint. */
    void (*next_batch)(void *ctx, const long *idx, long count);
} descent_train_problem;

/* A built-in problem: "linreg-2x1", "linreg-4-3x", "linreg-multi",
 * "fashion-mnist", "sparse-logreg" (descent_hogwild.h), "quadratic",
 * "rosenbrock", "beale" (descent train --help lists them with their
 * definitions). */
typedef struct descent_problem_spec {
    const char *name;
    unsigned long long seed;  /* data draw (linreg) and initial weights */
    const char *data_dir;     /* fashion-mnist: the IDX files' folder */
    const char *model;        /* fashion-mnist: "784-128-10" (NULL = that) */
    descent_activation activation;
    int standardize;          /* fashion-mnist: pixels to zero mean, unit variance */
    long train_limit;         /* first N training images (0 = all) */
    long validation;          /* last N of those held out as the validation split */
    long test_limit;          /* first N test images (0 = all) */
    int metric_on_validation; /* the metric reads the validation split, not the test one */
    descent_isa isa;
    int threads;              /* 0 = the library's measured default */
    descent_init init;        /* the MLP's weights (linreg's too); 0 = nn.Linear's default */
} descent_problem_spec;

typedef struct descent_problem descent_problem;
/* The defaults for problem `name`: seed 1, the default data folder and
 * model, ReLU, no limits or splits, the best variant on the measured thread
 * count.  (A zeroed spec would ask for DESCENT_ISA_SCALAR, which is 0.) */
void descent_problem_spec_default(const char *name, descent_problem_spec *spec);
descent_status descent_problem_create(const descent_problem_spec *spec, descent_problem **out);
void descent_problem_free(descent_problem *p);
/* Its callbacks; valid while p lives. */
const descent_train_problem *descent_problem_callbacks(const descent_problem *p);
/* The starting parameters (n_params floats): the model's initialisation
 * from spec->seed (linreg too: its 1-layer model), the 2-D functions'
 * start point. */
descent_status descent_problem_init_params(const descent_problem *p, float *params);
/* Description for logs ("MLP 784-128-10 relu, 60000 train / 10000 test"). */
const char *descent_problem_describe(const descent_problem *p);
/* The metric on the test split whatever the spec chose (NAN when none). */
double descent_problem_test_metric(descent_problem *p, const float *params);
/* The known minimiser in the parameters' layout (n_params doubles: linreg's
 * least-squares solution, the 2-D functions' minimum) and, in *value, the
 * loss there; NULL for a problem without one (fashion-mnist, sparse-logreg). */
const double *descent_problem_optimum(const descent_problem *p, double *value);

/* ------------------------------------------------------------------- a run */

typedef enum descent_train_unit { DESCENT_PER_EPOCH, DESCENT_PER_STEP } descent_train_unit;

typedef enum descent_train_stop {
    DESCENT_STOP_NONE, DESCENT_STOP_EPOCHS, DESCENT_STOP_MAX_STEPS, DESCENT_STOP_GRAD_NORM,
    DESCENT_STOP_TARGET_LOSS, DESCENT_STOP_TARGET_METRIC, DESCENT_STOP_DIVERGED,
    DESCENT_STOP_SKIPS, DESCENT_STOP_CALLBACK
} descent_train_stop;
const char *descent_train_stop_name(descent_train_stop stop);

/* One row per step (taken or skipped). */
typedef struct descent_train_row {
    long step;        /* 1-based; a skipped step repeats the next step's number */
    long epoch;       /* 1-based */
    int took;         /* 0: skipped for a non-finite gradient (nonfinite policy) */
    int epoch_end;    /* the last step of its epoch */
    double seconds;   /* since the run began: gradient and optimizer work only */
    double loss;      /* the batch's loss before the step */
    double grad_norm; /* L2 norm of the batch gradient */
    double lr;        /* the lr this step used */
    double metric;    /* evaluated after this step (epoch ends), else NAN */
} descent_train_row;

/* Collectives for data-parallel training over `size` processes, as
 * callbacks so that the loop needs no MPI (include/descent_mpi.h makes one
 * over an MPI communicator).  Each sums in rank order 0, 1, ..., size-1
 * whatever the transport (MPI_Allreduce's order is unspecified), so that a
 * run gives the same bits every time for a given size.  Every rank calls
 * them in the same order with the same sizes.  A non-OK status ends the run
 * with that status. */
typedef struct descent_train_comm {
    int rank, size;
    /* v (n floats) is cut into parts at offsets[0..size] (offsets[0] = 0,
     * offsets[size] = n); on return part `rank` of v holds the sum over the
     * ranks of their part `rank`, ((v_0 + v_1) + v_2) + ...; the other parts
     * are left undefined. */
    descent_status (*reduce_scatter)(void *ctx, float *v, const size_t *offsets);
    /* Part r of v on every rank from rank r. */
    descent_status (*allgather)(void *ctx, float *v, const size_t *offsets);
    /* v[0..n) summed over the ranks, ((v_0 + v_1) + v_2) + ..., the same bits
     * on every rank. */
    descent_status (*sum)(void *ctx, double *v, int n);
    void *ctx;
} descent_train_comm;

typedef struct descent_train_config {
    descent_optim_kind optim;
    descent_hparams h;            /* h.lr is the schedule's base lr */
    descent_isa isa;
    int threads;                  /* 0 = the library's measured default */
    long batch;                   /* 0 = full batch */
    unsigned long long seed;      /* the reshuffling (a stream of its own: seed ^ 0x5eed...) */
    const char *schedule;         /* NULL or "constant": none */
    const char *schedule_args;    /* "key=value ..." (descent_schedule.h) */
    descent_train_unit schedule_unit; /* reduce_lr_on_plateau watches the loss: the
                                       * epoch's mean batch loss, or the step's */
    long epochs;                  /* > 0 */
    long max_steps;               /* 0 = no limit */
    double grad_tol;              /* stop when ||grad|| < grad_tol (0 = never) */
    double target_loss;           /* stop at batch loss <= it (NAN = never) */
    double target_metric;         /* stop at metric >= it (NAN = never) */
    long metric_every;            /* evaluate every N epochs (0 = at the end only, or
                                   * every epoch when target_metric is set) */
    int nonfinite_set;            /* apply nonfinite (else a non-finite step diverges) */
    descent_nonfinite_policy nonfinite;
    long max_skips;               /* stop after N skipped steps in a row (0 = never) */
    /* The gradient between loss_grad and the step, in this order: noise,
     * then value clipping, then norm clipping (the row's grad_norm is the
     * norm before all three, as clip_grad_norm_ returns it). */
    double grad_noise_eta;        /* descent_grad_noise's eta (0 = none); its t is the
                                   * optimizer step about to be taken, its seed a stream
                                   * of its own from seed */
    double grad_noise_gamma;      /* default 0.55 */
    double clip_grad_value;       /* clip_grad_value_'s clip_value (0 = none) */
    double clip_grad_norm;        /* clip_grad_norm_'s max_norm (0 = none) */
    double clip_norm_type;        /* its norm_type (default 2; INFINITY for max) */
    int clip_error_if_nonfinite;  /* a non-finite total norm stops the run as diverged */
    int no_bias_decay;            /* the problem's bias tensors get weight_decay 0 */
    /* The parameters and the optimizer state kept at these precisions
     * (descent_optimizer_set_storage; fp32 math; 0 = DESCENT_FP32: none):
     * the initial parameters are rounded, then every step's results. */
    descent_dtype param_dtype, state_dtype;
    /* bf16 parameters rounded stochastically after each step instead of to
     * nearest (descent_optimizer_set_storage_rounding; the generator's seed a
     * stream of its own from seed, the index the parameter's own in the
     * whole vector, sharded or not); DESCENT_ERR_INVALID unless param_dtype
     * is bf16.  The initial parameters are rounded to nearest. */
    int stochastic_rounding;
    /* Non-NULL: torch.optim.LBFGS instead of `optim` (its own API, not the
     * registry's): one loop step is one descent_lbfgs_step, its closure the
     * loss and gradient over all examples; batch must be 0 (full), without
     * noise, clipping or nonfinite policy.  The schedule moves its lr; the
     * row's loss and norm are the closure's at the step's start. */
    const descent_lbfgs_options *lbfgs;
    /* Checkpoints (descent_ckpt files): save_state is written at the end
     * (and after every save_every-th epoch, 0 = the end only) with the
     * parameters, the optimizer's state, the schedule's, the shuffling
     * generator and order, the counters and the position in the epoch;
     * resume (NULL: none) loads such a file after setup, so that the run
     * goes on where that one stopped with the same bits as a run that never
     * stopped (the same problem, seed, optimizer, batch and schedule,
     * T_max included; epochs counts the whole run).  A missing, corrupt or
     * truncated file, or one of another run, is DESCENT_ERR_IO or
     * DESCENT_ERR_FORMAT before any step (resuming a run whose epochs are
     * done too).  Not for L-BFGS. */
    const char *save_state;
    long save_every;
    const char *resume;
    /* Data parallel over comm (NULL, or size 1: this process alone).  Every
     * rank calls descent_train with the same problem, config and starting
     * parameters; batch stays the global batch and every rank draws the same
     * shuffle; rank r computes the gradient over examples
     * [count r / size, count (r + 1) / size) of each batch of `count`, the
     * ranks' gradients are weighted by their shares and summed in rank order
     * (the batch's mean gradient; the loss likewise) and every rank takes the
     * same step.  shard_state: ZeRO stage 1, the sum is reduce-scattered,
     * each rank steps only its part of the parameters (about n / size, its
     * optimizer state only that part's: out->state_bytes) and the parts are
     * all-gathered: the same bits as without it.  Under shard_state, LAMB
     * (per tensor), gradient noise, norm clipping and the nonfinite policy
     * are refused (they need the whole gradient); L-BFGS, checkpoints and
     * problems without examples are refused with any comm of size > 1.
     * Refusals and stop rules are the same on every rank (they see the
     * same sums); a callback failing on one rank alone returns there while
     * the others wait in a collective: end the job (mpirun does when a
     * process exits non-zero). */
    const descent_train_comm *comm;
    int shard_state;
    /* Called after every step; a non-zero return stops the run
     * (DESCENT_STOP_CALLBACK).  NULL for none. */
    int (*on_step)(void *ctx, const descent_train_row *row);
    void *ctx;
} descent_train_config;

/* Defaults: epochs 1, NAN targets, per-epoch schedule unit, the optimizer's
 * PyTorch defaults. */
void descent_train_config_default(descent_optim_kind optim, descent_train_config *c);

typedef struct descent_train_result {
    long steps, epochs, skipped;
    descent_train_stop stop;
    double seconds;      /* gradient and optimizer work */
    double eval_seconds; /* metric evaluations */
    double last_loss, last_grad_norm, metric; /* metric: last evaluated (NAN if none) */
    double final_loss;   /* loss over all training examples at the end */
    long func_evals;     /* L-BFGS: closure calls (torch's state['func_evals']) */
    double comm_seconds; /* of seconds: in comm's collectives */
    size_t state_bytes;  /* this process's optimizer state (shard_state: its part's) */
    char message[256];   /* why a nonfinite check stopped the run ("" otherwise) */
} descent_train_result;

/* Trains params (n_params floats, updated in place).  Returns DESCENT_OK
 * when the run ended by a stop rule, divergence included (see out->stop);
 * an error only for bad arguments or a failing callback. */
descent_status descent_train(const descent_train_problem *p, const descent_train_config *c,
                             float *params, descent_train_result *out);

/* ------------------------------------------------------- shared utilities */

/* Fraction of rows whose argmax of logits (count x classes) equals labels. */
double descent_accuracy(const float *logits, const int *labels, long count, int classes);
/* The median of values[0..n) (sorted in place; NAN for n = 0), +inf counts. */
double descent_median(double *values, size_t n);

#ifdef __cplusplus
}
#endif

#endif
