/*
 * descent.h — the public contract of libdescent.
 *
 * descent provides deep-learning optimizers (the torch.optim family) as a
 * plain scalar reference that reads like PyTorch's documented pseudocode,
 * plus fast SIMD/OpenMP variants chosen at run time.  Link with -ldescent
 * (and -lm, plus the OpenMP/SLEEF flags that `pkg-config --libs descent`
 * prints).
 *
 * Conventions
 *  - Every parameter, gradient and state array is fp32 and holds n elements.
 *  - Steps are 1-based: the first call of a step function uses t = 1, and
 *    t runs up to LONG_MAX (an optimizer object refuses a step past it).
 *  - Functions that can fail return a descent_status; on failure
 *    descent_last_error() holds a one-line message for the calling thread.
 *  - NULL: a NULL pointer where an object or an array is needed is
 *    DESCENT_ERR_INVALID (with a message) from a function returning a
 *    descent_status; a getter then returns 0 or NULL (or the value its
 *    comment names), and a function returning void does nothing.  The same
 *    holds for an enum value outside its enum: never an out-of-bounds read.
 */
#ifndef DESCENT_H
#define DESCENT_H

#include <stddef.h>
#include <stdio.h>

#include "descent_optimizers.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DESCENT_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------ errors */

typedef enum descent_status {
    DESCENT_OK = 0,
    DESCENT_ERR_INVALID = 1,   /* invalid argument or hyperparameter        */
    DESCENT_ERR_NOMEM = 2,     /* allocation failed                         */
    DESCENT_ERR_ISA = 3,       /* variant not built in, or CPU lacks it      */
    DESCENT_ERR_NONFINITE = 4, /* NaN/Inf gradient rejected by a check       */
    DESCENT_ERR_IO = 5,        /* file could not be opened / read / written  */
    DESCENT_ERR_FORMAT = 6     /* file is malformed, truncated or corrupt    */
} descent_status;

/* Short name of a status code, e.g. "invalid argument". */
const char *descent_status_string(descent_status status);
/* Message of the last failure on this thread ("" if none). */
const char *descent_last_error(void);

/* -------------------------------------------------------------- optimizers */

/* The optimizers, one per row of the registry (descent_optimizers.h):
 * DESCENT_SGD, DESCENT_ADAM, DESCENT_ADAMW, DESCENT_RMSPROP, DESCENT_ADAGRAD,
 * DESCENT_ADADELTA, DESCENT_ADAMAX, DESCENT_NADAM, DESCENT_RADAM, DESCENT_RPROP,
 * DESCENT_ASGD, DESCENT_LION, DESCENT_LAMB, in that order (0..12). */
typedef enum descent_optim_kind {
#define DESCENT_X_KIND(KIND, ...) DESCENT_##KIND,
    DESCENT_OPTIMIZERS(DESCENT_X_KIND)
#undef DESCENT_X_KIND
    DESCENT_OPTIM_COUNT
} descent_optim_kind;

/* "sgd", "adam", ... as torch.optim spells them in lower case. */
const char *descent_optim_name(descent_optim_kind kind);
/* Inverse of descent_optim_name; DESCENT_ERR_INVALID for an unknown name. */
descent_status descent_optim_from_name(const char *name, descent_optim_kind *kind);

/*
 * Hyperparameters of every optimizer, named as torch.optim's constructor
 * arguments (betas split into beta1/beta2).  Each optimizer reads only the
 * fields it has; descent_hparams_default() fills PyTorch's defaults.
 */
typedef struct descent_hparams {
    double lr;
    double weight_decay;              /* L2 (added to g), decoupled for AdamW */
    double momentum;                  /* sgd, rmsprop */
    double dampening;                 /* sgd */
    int nesterov;                     /* sgd */
    double beta1, beta2;              /* adam, adamw, adamax, nadam, radam */
    double eps;
    int amsgrad;                      /* adam, adamw */
    double alpha;                     /* rmsprop smoothing constant */
    int centered;                     /* rmsprop */
    double lr_decay;                  /* adagrad */
    double initial_accumulator_value; /* adagrad */
    double rho;                       /* adadelta */
    double momentum_decay;            /* nadam */
    double etaminus, etaplus;         /* rprop: etas */
    double step_size_min, step_size_max; /* rprop: step_sizes */
    double lambd;                     /* asgd decay term (alpha: its eta power) */
    double t0;                        /* asgd: the step averaging starts after */
    int maximize;                     /* ascend: negate the gradient first */
} descent_hparams;

/* PyTorch's defaults for `kind` (SGD, which has no default lr in
 * torch.optim 1.13, gets lr = 1e-3 as in PyTorch 2.x).  An unknown kind
 * gets the shared fields only (betas, eps; lr 0). */
void descent_hparams_default(descent_optim_kind kind, descent_hparams *h);

/* Rejects what torch.optim rejects (negative lr, eps or weight decay, betas
 * outside [0,1), Nesterov without momentum or with dampening, ...) and NaN.
 * Returns DESCENT_ERR_INVALID with a message naming the value. */
descent_status descent_hparams_validate(descent_optim_kind kind,
                                        const descent_hparams *h);

/* Number of fp32 state arrays of `kind` (0..3) and the name of each, as
 * torch.optim names its state ("exp_avg", "momentum_buffer", ...); 0 and
 * NULL for an unknown kind or index. */
int descent_optim_state_count(descent_optim_kind kind);
const char *descent_optim_state_name(descent_optim_kind kind, int index);

/* ---------------------------------------------------------- instruction sets */

typedef enum descent_isa {
    DESCENT_ISA_SCALAR, /* the reference: plain C                 */
    DESCENT_ISA_AVX2,   /* x86-64 AVX2 + FMA, 8 floats per vector  */
    DESCENT_ISA_AVX512, /* x86-64 AVX-512 F/BW/DQ/VL, 16 floats    */
    DESCENT_ISA_NEON,   /* aarch64 Advanced SIMD, 4 floats          */
    DESCENT_ISA_SVE,    /* aarch64 SVE, 4 to 64 floats (run time)   */
    DESCENT_ISA_COUNT,
    DESCENT_ISA_BEST = -1 /* the best variant this CPU runs          */
} descent_isa;

const char *descent_isa_name(descent_isa isa); /* "scalar", "avx2", ... */
/* Accepts the names above and "best". */
descent_status descent_isa_from_name(const char *name, descent_isa *isa);
/* 1 if the variant was compiled into this library. */
int descent_isa_compiled(descent_isa isa);
/* 1 if compiled in and this CPU can run it. */
int descent_isa_supported(descent_isa isa);
/* Bits per vector of the variant on this CPU (32 for scalar; SVE's length
 * is the machine's), 0 if it is not supported here. */
unsigned descent_isa_vector_bits(descent_isa isa);
/* Turns a request into a runnable variant.  DESCENT_ISA_BEST honours the
 * environment variable DESCENT_ISA when set, else picks the fastest
 * supported variant.  An unknown, missing or unsupported variant is
 * DESCENT_ERR_ISA with a message saying why. */
descent_status descent_isa_resolve(descent_isa requested, descent_isa *chosen);

/* ------------------------------------------------ reference step functions
 *
 * One function per algorithm, the specification every fast variant is
 * tested against.  Each performs step t (1-based) in place on n elements.
 * The state arrays start at zero (Adagrad's `sum` at
 * initial_accumulator_value, Rprop's `step_size` at lr); an array the chosen options do not use may
 * be NULL (e.g. max_exp_avg_sq without amsgrad, momentum_buffer when
 * momentum = 0, grad_avg when not centered); with h, or an array they do
 * use, NULL (n > 0), the step does nothing.  t is in 1..LONG_MAX: every t
 * there is computed without overflow (NAdam's mu_{t+1} too).
 * Hyperparameters are not validated here: call descent_hparams_validate()
 * first.
 */
void descent_ref_sgd(const descent_hparams *h, long t, size_t n, float *param,
                     const float *grad, float *momentum_buffer);
void descent_ref_adam(const descent_hparams *h, long t, size_t n, float *param,
                      const float *grad, float *exp_avg, float *exp_avg_sq,
                      float *max_exp_avg_sq);
void descent_ref_adamw(const descent_hparams *h, long t, size_t n, float *param,
                       const float *grad, float *exp_avg, float *exp_avg_sq,
                       float *max_exp_avg_sq);
void descent_ref_rmsprop(const descent_hparams *h, long t, size_t n,
                         float *param, const float *grad, float *square_avg,
                         float *momentum_buffer, float *grad_avg);
void descent_ref_adagrad(const descent_hparams *h, long t, size_t n,
                         float *param, const float *grad, float *sum);
void descent_ref_adadelta(const descent_hparams *h, long t, size_t n,
                          float *param, const float *grad, float *square_avg,
                          float *acc_delta);
void descent_ref_adamax(const descent_hparams *h, long t, size_t n,
                        float *param, const float *grad, float *exp_avg,
                        float *exp_inf);
/* NAdam carries the running product of its momentum coefficients,
 * mu_1 * ... * mu_t; start it at 1.0 and pass the same variable each step. */
/* NAdam's momentum coefficient mu_t = beta1*(1 - 0.5*0.96^(t*momentum_decay));
 * 0 when h is NULL. */
double descent_nadam_momentum(const descent_hparams *h, long t);
void descent_ref_nadam(const descent_hparams *h, long t, double *mu_product,
                       size_t n, float *param, const float *grad,
                       float *exp_avg, float *exp_avg_sq);
void descent_ref_radam(const descent_hparams *h, long t, size_t n, float *param,
                       const float *grad, float *exp_avg, float *exp_avg_sq);
/* Rprop: step_size starts at lr (the registry's initial value), prev at 0. */
void descent_ref_rprop(const descent_hparams *h, long t, size_t n, float *param,
                       const float *grad, float *prev, float *step_size);
/* ASGD: ax, the averaged parameters; eta and mu are functions of t
 * (descent_asgd_eta, descent_asgd_mu). */
void descent_ref_asgd(const descent_hparams *h, long t, size_t n, float *param,
                      const float *grad, float *ax);
/* The eta and mu ASGD uses at step t, float32 as PyTorch keeps them:
 * eta_1 = lr, eta_t = lr/(1 + lambd*lr*(t-1))^alpha; mu_1 = 1,
 * mu_t = 1/max(1, t-1-t0).  0 when h is NULL. */
float descent_asgd_eta(const descent_hparams *h, long t);
float descent_asgd_mu(const descent_hparams *h, long t);
/* Lion (lion-pytorch's update): the sign of b1*m + (1-b1)*g, decoupled decay. */
void descent_ref_lion(const descent_hparams *h, long t, size_t n, float *param,
                      const float *grad, float *exp_avg);
/* LAMB (apex FusedLAMB, no clipping) over ONE tensor of n elements: its
 * trust ratio |p|/|u| is taken over all n (an optimizer object steps each
 * of its segments as one tensor: descent_optimizer_set_segments). */
void descent_ref_lamb(const descent_hparams *h, long t, size_t n, float *param,
                      const float *grad, float *exp_avg, float *exp_avg_sq);

/* ------------------------------------------------------ optimizer registry
 *
 * Everything the library knows about each optimizer, from its row in
 * descent_optimizers.h: what a generic caller (a test, a benchmark, a
 * validator of a port) needs to run any of them without naming it.
 */

/* The hyperparameters, named as in the oracle files (FORMAT.md) and
 * torch.optim: DESCENT_HP_LR is "lr", ..., in the order of
 * DESCENT_HPARAM_KEYS. */
typedef enum descent_hparam_key {
#define DESCENT_X_KEY(KEY, ...) DESCENT_HP_##KEY,
    DESCENT_HPARAM_KEYS(DESCENT_X_KEY)
#undef DESCENT_X_KEY
    DESCENT_HP_COUNT,
    DESCENT_HP_NONE = -1 /* no hyperparameter (a state array used always) */
} descent_hparam_key;

/* "lr", "beta1", ... (NULL for a value outside the enum), and the inverse
 * (DESCENT_ERR_INVALID for an unknown name; whole names only). */
const char *descent_hparam_name(descent_hparam_key key);
descent_status descent_hparam_from_name(const char *name, descent_hparam_key *key);
/* 1 for the flags (nesterov, amsgrad, centered, maximize), 0 for the numbers. */
int descent_hparam_is_bool(descent_hparam_key key);
/* Reads or writes the field of h named by key (a flag reads 0 or 1).  set:
 * DESCENT_ERR_INVALID for a NULL h, an unknown key or a flag given other
 * than 0 or 1; the value is not range-checked (descent_hparams_validate). */
double descent_hparams_get(const descent_hparams *h, descent_hparam_key key);
descent_status descent_hparams_set(descent_hparams *h, descent_hparam_key key, double value);
/* Applies settings "key=value key=value ..." (space-separated, the keys of
 * `kind`) to h, e.g. a branch of descent_optim_info.  DESCENT_ERR_INVALID
 * naming the first bad item: an unknown key, one `kind` does not have, a
 * value that is not a number. */
descent_status descent_hparams_apply(descent_optim_kind kind, descent_hparams *h,
                                     const char *settings);

/* The signatures of the reference step functions (and of a port checked
 * against them): the state arrays they take, and NAdam's running product. */
typedef enum descent_call_shape {
    DESCENT_CALL_STATE1,        /* f(h, t, n, param, grad, s0)                    */
    DESCENT_CALL_STATE2,        /* f(h, t, n, param, grad, s0, s1)                */
    DESCENT_CALL_STATE3,        /* f(h, t, n, param, grad, s0, s1, s2)            */
    DESCENT_CALL_PRODUCT_STATE2 /* f(h, t, double *product, n, param, grad, s0, s1) */
} descent_call_shape;
typedef void (*descent_ref_state1_fn)(const descent_hparams *h, long t, size_t n, float *param,
                                      const float *grad, float *s0);
typedef void (*descent_ref_state2_fn)(const descent_hparams *h, long t, size_t n, float *param,
                                      const float *grad, float *s0, float *s1);
typedef void (*descent_ref_state3_fn)(const descent_hparams *h, long t, size_t n, float *param,
                                      const float *grad, float *s0, float *s1, float *s2);
typedef void (*descent_ref_product_state2_fn)(const descent_hparams *h, long t,
                                              double *product, size_t n, float *param,
                                              const float *grad, float *s0, float *s1);
/* Any of them, cast: what descent_call_reference_signature takes. */
typedef void (*descent_ref_fn)(void);

typedef struct descent_optim_state_info {
    const char *name;           /* torch.optim's: "exp_avg", "momentum_buffer", ... */
    descent_hparam_key used_if; /* allocated only when this one is non-zero; NONE: always */
    descent_hparam_key initial; /* starts at this one's value; NONE: at 0 */
} descent_optim_state_info;

typedef struct descent_optim_key_info {
    descent_hparam_key key;
    double default_value;       /* PyTorch's (a flag: 0 or 1) */
} descent_optim_key_info;

typedef struct descent_optim_branch {
    const char *name;       /* "momentum": the oracle files' <optimizer>_<branch> */
    const char *settings;   /* over the defaults: "lr=0.01 momentum=0.9" */
    const char *bench_name; /* a benchmark configuration too ("sgd_momentum"), or NULL */
    double bench_flops;     /* its nominal flops per parameter (see flops below) */
} descent_optim_branch;

typedef struct descent_optim_info {
    descent_optim_kind kind;
    const char *name;                       /* descent_optim_name(kind) */
    int state_count;                        /* 1..3 */
    const descent_optim_state_info *states; /* in the reference's argument order */
    int key_count;
    const descent_optim_key_info *keys;     /* in the oracle files' (FORMAT.md) order */
    int branch_count;                       /* >= 1 */
    const descent_optim_branch *branches;   /* the option branches worth testing */
    descent_call_shape call_shape;          /* the reference's signature */
    descent_ref_fn reference;               /* descent_ref_<name>, cast */
    /* The factor step t multiplies the running product by (NAdam's mu_t),
     * for the call shape that carries one; NULL otherwise. */
    double (*product_factor)(const descent_hparams *h, long t);
    double flops;        /* nominal flops per parameter per step, at the defaults */
    double rtol;         /* agreement tolerance of the vector kernels ... */
    const char *rtol_why; /* ... and why it is not 0 */
} descent_optim_info;

/* The registry row of `kind`; NULL for a value outside the enum. */
const descent_optim_info *descent_optim_info_of(descent_optim_kind kind);
/* 1 if `kind` has hyperparameter `key` (one of its keys), else 0. */
int descent_optim_has_hparam(descent_optim_kind kind, descent_hparam_key key);
/* Whether state array `index` of `kind` is in use under h (validated). */
int descent_optim_state_used(descent_optim_kind kind, const descent_hparams *h, int index);
/* 1 if kind's step reduces over the whole tensor it is given (LAMB's trust
 * ratio: DESCENT_PER_TENSOR_OPTIMIZERS), so that n elements are one tensor
 * and a step cannot be cut into slices; 0 for the elementwise ones. */
int descent_optim_per_tensor(descent_optim_kind kind);

/* Calls fn, a function with the signature of kind's reference (its call
 * shape; NULL: the reference itself), for step t on n elements, passing
 * state[0..state_count-1] (state NULL: all NULL) and, for the shape that
 * carries it, mu_product.  The one generic caller: the scalar variant, the
 * tests and a validator of a port all go through it.  DESCENT_ERR_INVALID
 * for an unknown kind. */
descent_status descent_call_reference_signature(descent_optim_kind kind, descent_ref_fn fn,
                                                const descent_hparams *h, long t, size_t n,
                                                float *param, const float *grad,
                                                float *const state[3], double *mu_product);

/* ------------------------------------------------------- port validation
 *
 * descent_validate runs `port`, a function with the signature of kind's
 * reference (the contract of the reference functions above: state arrays
 * start at zero or at their initial value, unused ones are NULL, grad is
 * read only, only elements 0..n-1 are touched), against the reference:
 * every option branch of the registry at sizes 0..49, primes, 1000, 65537
 * and 2^20 with misaligned starts, gradients from 1e-6 to 1e3 per element,
 * denormals and zero steps, a start at t = 1e6, NaN/Inf gradients (the
 * port's arrays must be non-finite exactly where the reference's are) and
 * the oracle files of the optimizer, in a child process per check (so that
 * what a port's static state carries from case to case is seen, as in a
 * library called many times) on arrays with inaccessible pages on both sides (a crash, a hang or a stray access
 * is a FAIL line).  Per check it reports PASS/FAIL, the worst error (as a
 * fraction of the agreement scale, and in ulp) and for a failure the
 * smallest failing case as a command line that reruns it.  The tolerance is
 * the registry's rtol (the oracle files': 1e-5 * S_t).
 */
typedef struct descent_validate_options {
    const char *golden_dirs; /* ':'-separated folders with <optimizer>_*.txt, or NULL */
    const char *only_case;   /* run only this case ("check=branch,branch=amsgrad,n=17,...") */
    const char *port_name;   /* how the rerun command names the port ("LIB.so:SYMBOL") */
    FILE *report;            /* the text report, or NULL */
    FILE *json;              /* the same as JSON, or NULL */
} descent_validate_options;
/* The number of failed checks (0: the port agrees), or -1 for a usage error
 * (unknown kind, NULL port, a bad only_case; descent_last_error says). */
int descent_validate(descent_optim_kind kind, descent_ref_fn port,
                     const descent_validate_options *opt);
/* descent's own kernel of `isa` for `kind` behind the reference's
 * signature, to validate it like a port (one kind at a time: a later call
 * redirects the function returned before); NULL if not supported. */
descent_ref_fn descent_isa_port(descent_optim_kind kind, descent_isa isa);

/* ------------------------------------------------------ optimizer objects
 *
 * An optimizer owns its state for n parameters and steps them in place with
 * the chosen variant (the best one by default) on the chosen number of
 * threads (OMP_NUM_THREADS or all cores by default).
 *
 *     descent_hparams h;
 *     descent_hparams_default(DESCENT_ADAM, &h);
 *     h.lr = 1e-3;
 *     descent_optimizer *opt;
 *     if (descent_optimizer_create(DESCENT_ADAM, &h, n, &opt) != DESCENT_OK)
 *         fprintf(stderr, "%s\n", descent_last_error());
 *     for (...) { compute grad; descent_optimizer_step(opt, param, grad); }
 *     descent_optimizer_free(opt);
 */
typedef struct descent_optimizer descent_optimizer;

descent_status descent_optimizer_create(descent_optim_kind kind,
                                        const descent_hparams *h, size_t n,
                                        descent_optimizer **out);
void descent_optimizer_free(descent_optimizer *opt);
/* Back to a freshly created state: step count 0, state arrays reset. */
void descent_optimizer_reset(descent_optimizer *opt);
/* Chooses the variant; DESCENT_ISA_BEST re-resolves (and reads DESCENT_ISA). */
descent_status descent_optimizer_set_isa(descent_optimizer *opt, descent_isa isa);
/* DESCENT_ISA_COUNT (not a variant) when opt is NULL. */
descent_isa descent_optimizer_isa(const descent_optimizer *opt);
/* Threads used by step: N >= 1 runs every step on N threads (results are
 * the same bits for any N).  0, the default, measures: steps big enough to
 * split run on 1 thread or on all (OpenMP's maximum), whichever has been
 * faster lately, trying the other now and then, so that a busy machine,
 * where waiting for a descheduled thread costs milliseconds, gets 1. */
descent_status descent_optimizer_set_threads(descent_optimizer *opt, int threads);
/* Changes the learning rate between steps (for schedules); must be >= 0. */
descent_status descent_optimizer_set_lr(descent_optimizer *opt, double lr);
const descent_hparams *descent_optimizer_hparams(const descent_optimizer *opt);
/* One step in place: param[i] is updated from grad[i], i < n.  After
 * LONG_MAX steps, DESCENT_ERR_INVALID (the count cannot go further) until
 * descent_optimizer_reset. */
descent_status descent_optimizer_step(descent_optimizer *opt, float *param,
                                      const float *grad);
long descent_optimizer_step_count(const descent_optimizer *opt);

/*
 * Tensors as segments of the one flat vector (torch's parameters, and its
 * param groups).  set_segments cuts the n elements into `count` segments of
 * sizes[0..count-1] elements, in order (they must add up to n; count 0: one
 * segment of n, the default), and clears every segment's own hparams.  A
 * step steps each segment with its own lr and weight decay; LAMB takes its
 * trust ratio per segment (each is one tensor, reduced in one fixed order,
 * so the result is the same bits for any thread count).
 * set_segment_hparams gives segment `index` its own lr and weight_decay
 * (NAN for either: the optimizer's own, which descent_optimizer_set_lr
 * changes); they are validated as the optimizer's hyperparameters are.
 */
descent_status descent_optimizer_set_segments(descent_optimizer *opt, size_t count,
                                              const size_t *sizes);
descent_status descent_optimizer_set_segment_hparams(descent_optimizer *opt, size_t index,
                                                     double lr, double weight_decay);
size_t descent_optimizer_segment_count(const descent_optimizer *opt); /* 0 for NULL */
size_t descent_optimizer_size(const descent_optimizer *opt);
/* Read access to state array `index` (see descent_optim_state_name), or
 * NULL if that array is unused by the chosen options. */
const float *descent_optimizer_state(const descent_optimizer *opt, int index);

/*
 * Non-finite gradients.  By default (PROPAGATE, as torch.optim does) a NaN
 * or Inf gradient element flows into the parameters and the state.  With
 * SKIP or STOP, descent_optimizer_step first checks the whole gradient (a
 * vectorized, threaded pass) and, if any element is NaN, +Inf or -Inf,
 * leaves the parameters, the state and the step count untouched:
 *   SKIP: returns DESCENT_OK and counts the step in
 *         descent_optimizer_skipped_steps() (the caller compares the count
 *         before and after to tell a skipped step from a taken one);
 *   STOP: returns DESCENT_ERR_NONFINITE; descent_last_error() names the
 *         first bad index and its value.
 */
typedef enum descent_nonfinite_policy {
    DESCENT_NONFINITE_PROPAGATE = 0,
    DESCENT_NONFINITE_SKIP,
    DESCENT_NONFINITE_STOP,
    DESCENT_NONFINITE_COUNT
} descent_nonfinite_policy;

/* "propagate", "skip", "stop", and the inverse (DESCENT_ERR_INVALID for an
 * unknown name). */
const char *descent_nonfinite_name(descent_nonfinite_policy policy);
descent_status descent_nonfinite_from_name(const char *name, descent_nonfinite_policy *policy);
/* DESCENT_ERR_INVALID for a value outside the enum. */
descent_status descent_optimizer_set_nonfinite(descent_optimizer *opt,
                                               descent_nonfinite_policy policy);
/* DESCENT_NONFINITE_COUNT (not a policy) when opt is NULL. */
descent_nonfinite_policy descent_optimizer_nonfinite(const descent_optimizer *opt);
/* Steps skipped under DESCENT_NONFINITE_SKIP since creation or reset. */
long descent_optimizer_skipped_steps(const descent_optimizer *opt);

/* -------------------------------------------------------- gradient clipping
 *
 * torch.nn.utils.clip_grad_norm_ and clip_grad_value_ over a flat gradient
 * (all tensors, or segments, together), vectorized with the chosen variant
 * and threaded; the norm is summed per fixed block in block order, so it is
 * the same bits for any thread count.
 */
typedef struct descent_exec {
    descent_isa isa; /* DESCENT_ISA_BEST (-1) for the best */
    int threads;     /* 0: OpenMP's default */
} descent_exec;

/* Mixed-precision steps (bf16/fp16 storage, fp32 arithmetic) on a variant and threads. */
#include "descent_precision.h"

/* The p-norm (norm_type > 0, or INFINITY for max|g|) of grad[0, n) is
 * *total_norm (float32, as PyTorch returns it; may be NULL); when
 * max_norm/(total_norm + 1e-6), in float32, is below 1 every element is
 * multiplied by it.  With error_if_nonfinite a NaN or Inf norm is
 * DESCENT_ERR_NONFINITE and grad is left as it is; without, it is scaled as
 * PyTorch scales it (by NaN, or by 0 for an infinite norm).  exec NULL: the
 * best variant on the default threads.  DESCENT_ERR_INVALID for a NULL grad
 * (n > 0), a NaN or negative max_norm, a norm_type that is not > 0. */
descent_status descent_clip_grad_norm(float *grad, size_t n, double max_norm,
                                      double norm_type, int error_if_nonfinite,
                                      const descent_exec *exec, float *total_norm);
/* Clamps every element to [-clip_value, clip_value] (NaN stays NaN);
 * DESCENT_ERR_INVALID for a NULL grad (n > 0) or a NaN clip_value. */
descent_status descent_clip_grad_value(float *grad, size_t n, double clip_value,
                                       const descent_exec *exec);

/* ---------------------------------------------------- multilayer perceptron
 *
 * A multilayer perceptron of L linear layers (torch.nn.Linear) with the same
 * activation after every hidden layer and none after the last.  Layer l
 * computes z_l = a_{l-1} W_l^T + b_l with a_0 = x.  The last layer's output
 * z_L is the logits for softmax cross-entropy (averaged over the batch) or
 * the prediction for mean squared error (averaged over all batch x outputs
 * elements).  ReLU'(0) is taken as 0.
 *
 * All parameters live in ONE flat fp32 vector, layer after layer:
 *     W1, b1, W2, b2, ..., WL, bL
 * where W_l is [sizes[l]][sizes[l-1]] row-major (nn.Linear's layout:
 * element (out, in) at out*sizes[l-1] + in) and b_l has sizes[l] elements.
 * Gradients use the same layout, so one descent_optimizer of
 * descent_mlp_param_count() elements steps the whole model:
 *
 *     descent_mlp_shape s = {.layers = 2, .sizes = {784, 128, 10},
 *                            .activation = DESCENT_RELU,
 *                            .loss = DESCENT_CROSS_ENTROPY};
 *     size_t n = descent_mlp_param_count(&s);
 *     ... params, grad: n floats; descent_mlp_init_params(&s, params, seed);
 *     descent_mlp_create(&s, batch, &mlp);
 *     descent_optimizer_create(DESCENT_ADAM, &h, n, &opt);
 *     for (...) {
 *         descent_mlp_loss_grad(mlp, params, batch, x, labels, NULL, grad, &loss);
 *         descent_optimizer_step(opt, params, grad);
 *     }
 *
 * Inputs x are [batch][sizes[0]] row-major, outputs [batch][sizes[L]].
 * Cross-entropy takes `labels` (batch class indices in [0, sizes[L])) and
 * targets NULL; mean squared error takes `targets` ([batch][sizes[L]]) and
 * labels NULL.
 */
#define DESCENT_MLP_MAX_LAYERS 64
#define DESCENT_MLP_MAX_SIZE (1 << 24) /* largest layer width accepted */

typedef enum descent_activation {
    DESCENT_RELU,
    DESCENT_TANH,
    DESCENT_SIGMOID,
    DESCENT_ACTIVATION_COUNT
} descent_activation;

typedef enum descent_loss {
    DESCENT_CROSS_ENTROPY, /* softmax cross-entropy, mean over the batch   */
    DESCENT_MSE,           /* mean squared error, mean over batch*outputs */
    DESCENT_LOSS_COUNT
} descent_loss;

/* "relu", "tanh", "sigmoid"; "cross_entropy", "mse" (the oracle files'
 * spellings), and their inverses (DESCENT_ERR_INVALID for unknown names). */
const char *descent_activation_name(descent_activation activation);
descent_status descent_activation_from_name(const char *name, descent_activation *activation);
const char *descent_loss_name(descent_loss loss);
descent_status descent_loss_from_name(const char *name, descent_loss *loss);

typedef struct descent_mlp_shape {
    int layers;                            /* L, linear layers: 1..MAX_LAYERS  */
    int sizes[DESCENT_MLP_MAX_LAYERS + 1]; /* sizes[0] inputs .. sizes[L] outputs */
    descent_activation activation;         /* after every hidden layer          */
    descent_loss loss;
} descent_mlp_shape;

/* DESCENT_OK if layers is in 1..DESCENT_MLP_MAX_LAYERS, every size in
 * 1..DESCENT_MLP_MAX_SIZE and the enums are valid; else DESCENT_ERR_INVALID
 * naming the bad field. */
descent_status descent_mlp_shape_validate(const descent_mlp_shape *shape);
/* Parses layer sizes written as "784-128-10" (input first) into
 * shape->layers and shape->sizes; activation and loss are left as they are. */
descent_status descent_mlp_shape_parse(const char *text, descent_mlp_shape *shape);
/* Number of floats in the flat parameter (and gradient) vector; 0 when the
 * shape is NULL or its layers or sizes are invalid (as
 * descent_mlp_shape_validate checks them; descent_last_error() says why). */
size_t descent_mlp_param_count(const descent_mlp_shape *shape);
/* Offsets of W_l and b_l, l = 1..L, in the flat vector (weight offset
 * L+1 is the parameter count); 0 for another layer or a shape that
 * descent_mlp_param_count rejects. */
size_t descent_mlp_weight_offset(const descent_mlp_shape *shape, int layer);
size_t descent_mlp_bias_offset(const descent_mlp_shape *shape, int layer);
/* nn.Linear's default initialization, W_l and b_l ~ U(-1/sqrt(in),
 * 1/sqrt(in)) with in = sizes[l-1], drawn from a generator seeded by `seed`:
 * the same seed gives the same parameters on every machine. */
descent_status descent_mlp_init_params(const descent_mlp_shape *shape, float *params,
                                       unsigned long long seed);

/* Weight initialisations as torch.nn.init names them (fan_in = sizes[l-1],
 * fan_out = sizes[l]):
 *   default          nn.Linear's own: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
 *                    (kaiming_uniform with a = sqrt(5)); what init_params does
 *   kaiming_uniform  W ~ U(-b, b), b = sqrt(6 / fan_in)   (He; gain sqrt(2), a = 0)
 *   kaiming_normal   W ~ N(0, 2 / fan_in)
 *   xavier_uniform   W ~ U(-b, b), b = sqrt(6 / (fan_in + fan_out))  (Glorot, gain 1)
 *   xavier_normal    W ~ N(0, 2 / (fan_in + fan_out))
 * The named ones set the biases to 0 (nn.init.zeros_, as He and Glorot
 * do); "default" draws them like W.  Same seed, same parameters on every
 * machine. */
typedef enum descent_init {
    DESCENT_INIT_DEFAULT,
    DESCENT_INIT_KAIMING_UNIFORM,
    DESCENT_INIT_KAIMING_NORMAL,
    DESCENT_INIT_XAVIER_UNIFORM,
    DESCENT_INIT_XAVIER_NORMAL,
    DESCENT_INIT_COUNT
} descent_init;
const char *descent_init_name(descent_init init);
descent_status descent_init_from_name(const char *name, descent_init *init);
descent_status descent_mlp_init_params_as(const descent_mlp_shape *shape, descent_init init,
                                          float *params, unsigned long long seed);

/* Reference forward, loss and backward: plain loops that read like the
 * definition above (the specification the fast object is tested against);
 * allocates its own workspace.  Writes the loss to *loss and, if grad is not
 * NULL, the gradient of the loss with respect to every parameter (flat
 * layout).  DESCENT_ERR_INVALID for a bad shape, batch < 1, a label out of
 * range or a missing labels/targets array. */
descent_status descent_ref_mlp_loss_grad(const descent_mlp_shape *shape, const float *params,
                                         int batch, const float *x, const int *labels,
                                         const float *targets, float *grad, float *loss);
/* Reference forward only: out[batch][sizes[L]] = z_L (logits or prediction). */
descent_status descent_ref_mlp_forward(const descent_mlp_shape *shape, const float *params,
                                       int batch, const float *x, float *out);

/* The fast MLP: owns the workspace for batches of up to max_batch examples
 * and runs the chosen variant on the chosen number of threads, like
 * descent_optimizer.  Results do not depend on the thread count. */
typedef struct descent_mlp descent_mlp;

descent_status descent_mlp_create(const descent_mlp_shape *shape, int max_batch,
                                  descent_mlp **out);
void descent_mlp_free(descent_mlp *mlp);
/* DESCENT_ISA_BEST re-resolves (and reads DESCENT_ISA). */
descent_status descent_mlp_set_isa(descent_mlp *mlp, descent_isa isa);
/* DESCENT_ISA_COUNT (not a variant) when mlp is NULL. */
descent_isa descent_mlp_isa(const descent_mlp *mlp);
/* Threads, as descent_optimizer_set_threads: N >= 1 fixed, 0 (the
 * default) measured per call between 1 and all. */
descent_status descent_mlp_set_threads(descent_mlp *mlp, int threads);
const descent_mlp_shape *descent_mlp_get_shape(const descent_mlp *mlp);
int descent_mlp_max_batch(const descent_mlp *mlp);
/* As descent_ref_mlp_loss_grad, for 1 <= batch <= max_batch. */
descent_status descent_mlp_loss_grad(descent_mlp *mlp, const float *params, int batch,
                                     const float *x, const int *labels, const float *targets,
                                     float *grad, float *loss);
/* descent_mlp_loss_grad on the examples rows[0..batch) of a data set of n
 * examples: x [n][sizes[0]], labels [n] (cross-entropy) or targets
 * [n][sizes[L]] (mean squared error).  The rows are gathered inside the
 * call's parallel region, each thread copying a share, into the object's
 * own batch buffers (allocated by the first call): the same bits as
 * gathering them first.  DESCENT_ERR_INVALID for a row outside [0, n) or
 * a label outside [0, sizes[L]) (the message names it), and as
 * descent_mlp_loss_grad. */
descent_status descent_mlp_loss_grad_rows(descent_mlp *mlp, const float *params, long n,
                                          const float *x, const int *labels,
                                          const float *targets, int batch, const long *rows,
                                          float *grad, float *loss);
/* Names the rows (of x, n examples) that the next descent_mlp_loss_grad_rows
 * will gather, 0 <= count <= max_batch: that call loads them into the
 * caches from inside its region, after gathering its own, so that they
 * arrive from memory while it computes.  A hint: it changes no result,
 * and the call after next forgets it. */
descent_status descent_mlp_prefetch_rows(descent_mlp *mlp, long n, const float *x, int count,
                                         const long *rows);
/* As descent_ref_mlp_forward, for 1 <= batch <= max_batch.  The object
 * keeps the activations, for descent_mlp_backward. */
descent_status descent_mlp_forward(descent_mlp *mlp, const float *params, int batch,
                                   const float *x, float *out);
/* The backward half of descent_mlp_loss_grad: the loss and (grad not NULL)
 * the gradient from the activations of the last descent_mlp_forward, which
 * must have been called with the same params, x and batch, whose contents
 * must not have changed since.  Forward then backward gives the same bits
 * as descent_mlp_loss_grad.  DESCENT_ERR_INVALID when the last forward was
 * with other pointers or batch (or none ran). */
descent_status descent_mlp_backward(descent_mlp *mlp, const float *params, int batch,
                                    const float *x, const int *labels, const float *targets,
                                    float *grad, float *loss);

/* A GEMM with cblas_sgemm's signature (order CblasRowMajor = 101;
 * transa, transb CblasNoTrans = 111 or CblasTrans = 112):
 * C = alpha op(A) op(B) + beta C, C [m][n] with row stride ldc. */
typedef void (*descent_sgemm_fn)(int order, int transa, int transb, int m, int n, int k,
                                 float alpha, const float *a, int lda, const float *b, int ldb,
                                 float beta, float *c, int ldc);
/* Makes every matrix product of the MLP one call of fn (NULL: the MLP's own
 * kernels again), all row-major with alpha 1 and beta 0: forward
 * Z = A W^T (NoTrans, Trans), dW = dZ^T A (Trans, NoTrans), dA = dZ W
 * (NoTrans, NoTrans).  The rest (bias, activations, loss) stays the
 * MLP's, on its variant and threads; fn threads itself as it likes.  For
 * timing or checking another library's GEMM (descent-bench --gemm):
 * results then agree with the MLP's own within the usual tolerance, not
 * bit for bit, and the thread-count determinism is fn's. */
descent_status descent_mlp_set_sgemm(descent_mlp *mlp, descent_sgemm_fn fn);
/* descent_validate_gemm checks `port` (a row-major descent_sgemm_fn) as
 * descent_validate checks an optimizer port: against a double-precision
 * product for the four transpose pairs, alpha and beta in {0, 1, other}
 * (beta = 0 must not read C, which holds NaN), padded lda/ldb/ldc whose
 * padding must stay untouched, m, n, k from 0 to 65 around register tiles,
 * the products of a 784-128-10 MLP, then the MLP oracle files of
 * opt->golden_dirs (mlp_*.txt) and the MLP gradient with the port doing
 * every product; in a child process per check, on guarded arrays.  The
 * bound: |err| <= (k+2) 2^-23 (|alpha| sum_p |a_ip||b_pj| + |beta c_ij|).
 * Returns the number of failed checks, or -1 for a usage error (a bad
 * opt->only_case, NULL port; descent_last_error says). */
int descent_validate_gemm(descent_sgemm_fn port, const descent_validate_options *opt);

/* ------------------------------------------------------------------ L-BFGS
 *
 * torch.optim.LBFGS (PyTorch 1.13.1) on one flat fp32 vector of n
 * parameters, computed as PyTorch computes it: float32 vectors, the scalars
 * it keeps as Python floats in double, its first step
 * t = min(1, 1/|g|_1) * lr, its stopping tests and the strong-Wolfe line
 * search with cubic interpolation.  Full batch: each step calls the closure
 * several times (up to max_eval), and every call must evaluate the same
 * function.
 *
 *     descent_lbfgs_options o;
 *     descent_lbfgs_options_default(&o);
 *     o.line_search_fn = DESCENT_LBFGS_STRONG_WOLFE;
 *     descent_lbfgs *opt;
 *     descent_lbfgs_create(&o, n, &opt);
 *     for (...) descent_lbfgs_step(opt, params, my_closure, my_data, &loss);
 *     descent_lbfgs_free(opt);
 */
typedef enum descent_lbfgs_line_search {
    DESCENT_LBFGS_LINE_SEARCH_NONE = 0, /* fixed step lr (torch: None) */
    DESCENT_LBFGS_STRONG_WOLFE,         /* torch: 'strong_wolfe' */
    DESCENT_LBFGS_LINE_SEARCH_COUNT
} descent_lbfgs_line_search;

/* "none", "strong_wolfe", and the inverse (DESCENT_ERR_INVALID for an
 * unknown name). */
const char *descent_lbfgs_line_search_name(descent_lbfgs_line_search ls);
descent_status descent_lbfgs_line_search_from_name(const char *name,
                                                   descent_lbfgs_line_search *ls);

/* torch.optim.LBFGS's constructor arguments. */
typedef struct descent_lbfgs_options {
    double lr;               /* 1; >= 0 */
    long max_iter;           /* 20; iterations per step, >= 1 */
    long max_eval;           /* 0: torch's None, max_iter * 5 / 4; else >= 1 */
    double tolerance_grad;   /* 1e-7; stop when max|g| <= this */
    double tolerance_change; /* 1e-9; stop on smaller changes of f or x */
    long history_size;       /* 100; >= 1 */
    descent_lbfgs_line_search line_search_fn; /* NONE */
} descent_lbfgs_options;

/* PyTorch's defaults (above). */
void descent_lbfgs_options_default(descent_lbfgs_options *o);
/* DESCENT_ERR_INVALID with a message in torch's words ("Invalid learning
 * rate: -1") for a negative or NaN lr, max_iter < 1, max_eval < 0,
 * negative or NaN tolerances, history_size < 1 or an unknown line search. */
descent_status descent_lbfgs_options_validate(const descent_lbfgs_options *o);

/* The closure: evaluates f at params[0..n), writes the gradient to
 * grad[0..n) and returns f (torch's closure(), which returns the loss after
 * backward()).  A NaN or infinite f or gradient element stops the step
 * (see descent_lbfgs_step). */
typedef float (*descent_lbfgs_closure)(void *ctx, const float *params, float *grad);

typedef struct descent_lbfgs descent_lbfgs;

/* opt->max_eval 0 is resolved to max_iter * 5 / 4 here.  n >= 1.  The
 * history (2 * history_size vectors of n) is allocated as it fills. */
descent_status descent_lbfgs_create(const descent_lbfgs_options *o, size_t n,
                                    descent_lbfgs **out);
void descent_lbfgs_free(descent_lbfgs *opt);
/* The options in use (max_eval resolved); NULL for a NULL opt. */
const descent_lbfgs_options *descent_lbfgs_get_options(const descent_lbfgs *opt);
/* The variant of the vector work, and its threads (N >= 1, or 0 for
 * OpenMP's default); results are the same bits for any thread count. */
descent_status descent_lbfgs_set_isa(descent_lbfgs *opt, descent_isa isa);
descent_isa descent_lbfgs_isa(const descent_lbfgs *opt);
descent_status descent_lbfgs_set_threads(descent_lbfgs *opt, int threads);
/* Changes lr between steps (for schedules); >= 0. */
descent_status descent_lbfgs_set_lr(descent_lbfgs *opt, double lr);

/* One optimizer.step(closure): up to max_iter iterations and max_eval
 * closure calls, moving params in place; *loss_out (may be NULL) gets the
 * loss of the first call, at the params as given (what torch's step
 * returns).  The state (history, last direction and step) carries over to
 * the next step.  When the closure returns a non-finite loss or gradient,
 * the step stops: params go back to the last point whose loss and gradient
 * were finite (the start of that iteration), the state stays usable, and
 * the step returns DESCENT_ERR_NONFINITE naming the evaluation. */
descent_status descent_lbfgs_step(descent_lbfgs *opt, float *params,
                                  descent_lbfgs_closure closure, void *ctx, float *loss_out);
/* Closure calls and iterations since creation (torch's state['func_evals'],
 * state['n_iter']); 0 for a NULL opt. */
long descent_lbfgs_func_evals(const descent_lbfgs *opt);
long descent_lbfgs_iterations(const descent_lbfgs *opt);

/* ------------------------------------------------------------ OpenMP layer */

/* The one block split of the OpenMP layer, for elementwise code outside
 * the library (a port being benchmarked): block(ctx, start, len) is called
 * for [0, n) cut into the blocks the optimizer steps use (16 Ki elements,
 * shared out statically), on `threads` threads (0: OpenMP's maximum); with
 * one thread, or n within one block, it is one call with (0, n). */
void descent_parallel_for_blocks(size_t n, int threads,
                                 void (*block)(void *ctx, size_t start, size_t len), void *ctx);

/* ------------------------------------------------------------ oracle files */

/* Replays one oracle file of ../shared/golden's formats (FORMAT.md: optimizer
 * trajectories, MLP gradients, L-BFGS, schedules, clipping) on variant `isa`
 * and `threads` threads, compares with FORMAT.md's recommended tolerance
 * (descent_golden_tolerances) and writes one line to `out`: "PASS  name
 * kind details", "FAIL  name kind where and by how much", or "ERROR what"
 * for a file that cannot be read or is malformed.  What `descent golden`
 * and the tests run. */
typedef enum descent_golden_verdict {
    DESCENT_GOLDEN_PASS,
    DESCENT_GOLDEN_FAIL,
    DESCENT_GOLDEN_ERROR,
    DESCENT_GOLDEN_VERDICT_COUNT
} descent_golden_verdict;
descent_golden_verdict descent_golden_check(const char *path, descent_isa isa, int threads,
                                            FILE *out);
const char *descent_golden_tolerances(void);

/* ------------------------------------------------------------- checkpoints
 *
 * A checkpoint file holds named sections of numbers, so that a training
 * run can stop and resume with the same bits.  Format (little-endian):
 *   8 bytes  "DSCKPT01"
 *   u64      format version (1)
 *   sections, each:
 *     48 bytes  name, NUL-padded ("opt.state.exp_avg")
 *     u32       type: 0 bytes, 1 f32, 2 f64, 3 i64
 *     u32       0
 *     u64       count of values
 *     count values
 *     u32       CRC-32 (IEEE) of the section's head and values
 *   u32      CRC-32 of every byte before it
 * The writer goes through descent_outfile (a crash leaves the previous
 * checkpoint whole).  A truncated, corrupt or foreign file, a missing
 * section, or one of another type or size (a checkpoint of another model)
 * is DESCENT_ERR_FORMAT naming the file and the section.
 */
typedef enum descent_ckpt_type {
    DESCENT_CKPT_BYTES,
    DESCENT_CKPT_F32,
    DESCENT_CKPT_F64,
    DESCENT_CKPT_I64,
    DESCENT_CKPT_TYPE_COUNT
} descent_ckpt_type;

typedef struct descent_ckpt_writer descent_ckpt_writer;
descent_status descent_ckpt_create(const char *path, descent_ckpt_writer **out);
descent_status descent_ckpt_put(descent_ckpt_writer *w, const char *name, descent_ckpt_type type,
                                const void *data, size_t count);
/* Writes the file into place; frees w either way. */
descent_status descent_ckpt_commit(descent_ckpt_writer *w);
void descent_ckpt_discard(descent_ckpt_writer *w);

typedef struct descent_ckpt descent_ckpt;
descent_status descent_ckpt_load(const char *path, descent_ckpt **out);
void descent_ckpt_free(descent_ckpt *c);
const char *descent_ckpt_path(const descent_ckpt *c);
int descent_ckpt_has(const descent_ckpt *c, const char *name);
/* The number of values section `name` holds, or -1 if it is absent or of
 * another type. */
long long descent_ckpt_count(const descent_ckpt *c, const char *name, descent_ckpt_type type);
/* Copies section `name`, which must hold exactly `count` values of `type`. */
descent_status descent_ckpt_get(const descent_ckpt *c, const char *name, descent_ckpt_type type,
                                void *data, size_t count);

/* An optimizer's whole state (its hyperparameters, step and skip counts,
 * NAdam's product and its state arrays) as sections PREFIX.*.  load needs
 * an optimizer of the same kind and size whose options use the same state
 * arrays; it restores the hyperparameters as saved (as torch's
 * load_state_dict does), and on any error leaves the optimizer unchanged. */
descent_status descent_optimizer_save(const descent_optimizer *opt, descent_ckpt_writer *w,
                                      const char *prefix);
descent_status descent_optimizer_load(descent_optimizer *opt, const descent_ckpt *c,
                                      const char *prefix);

/* ---------------------------------------------------------- gradient noise */

/* Adds Gaussian noise to a gradient, as Neelakantan et al. (2015):
 * grad_i += N(0, sigma_t^2), sigma_t^2 = eta / (1 + t)^gamma (the paper
 * uses gamma = 0.55 and eta in {0.01, 0.3, 1}).  t is the 1-based step.
 * The noise of element i at step t depends only on (seed, t, i) (a
 * counter-based generator, Philox4x32-10), so the result is the same bits
 * for any thread count (threads 0: OpenMP's maximum), split and ISA.
 * eta = 0 leaves grad unchanged. */
descent_status descent_grad_noise(float *grad, size_t n, double eta, double gamma, long t,
                                  unsigned long long seed, int threads);
/* sigma_t = sqrt(eta / (1 + t)^gamma). */
double descent_grad_noise_sigma(double eta, double gamma, long t);

/* ------------------------------------------------------------------- clock */

/* Seconds on a monotonic clock (CLOCK_MONOTONIC): for intervals only.  The
 * one clock of the project: the training loop, the benchmarks and the
 * thread choice all time with it. */
double descent_seconds(void);

/* ------------------------------------------------------------ output files */

/* Every file descent writes (training logs, benchmark reports) goes
 * through this writer, so that a file is either the previous complete one
 * or the new complete one, never a mix or a part:
 *  - a regular file, or a new path, is written to a unique temporary in
 *    the same directory (mkstemp) and renamed over PATH by commit; two
 *    processes writing one PATH each produce a whole file (the last rename
 *    wins);
 *  - anything else (/dev/null, /dev/full, a FIFO) is written directly: a
 *    rename would replace the device node; /dev/stdout, /dev/fd/N and
 *    /proc/self/fd/N are written through a copy of that descriptor (so a
 *    stdout redirected to a file gets the bytes after what is there);
 *  - a symbolic link to a regular file keeps the link: its target is
 *    replaced.
 * Until commit or discard, the temporary is removed when the process exits
 * or is ended by SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, ... (the
 * previous action is then taken; a signal the caller ignored stays
 * ignored), and SIGXFSZ is ignored, so a file-size limit is a write error
 * (EFBIG) that commit reports.  Not for concurrent use from several
 * threads.
 *
 * open: DESCENT_ERR_IO when PATH cannot be written (a directory, a missing
 * or read-only directory), found before any work is done. */
typedef struct descent_outfile descent_outfile;
descent_status descent_outfile_open(const char *path, descent_outfile **out);
/* The stream to write to (NULL for a NULL file). */
FILE *descent_outfile_stream(const descent_outfile *f);
/* Flushes, checks every write (ENOSPC, EFBIG, EIO), syncs and renames into
 * place; DESCENT_ERR_IO and no file change when any of it failed.  Frees f
 * either way. */
descent_status descent_outfile_commit(descent_outfile *f);
/* Drops what was written (PATH keeps its previous contents when it went
 * through a temporary) and frees f. */
void descent_outfile_discard(descent_outfile *f);

/* For a program's main().  descent_guard_std_fds(), first: a standard
 * descriptor (0-2) the caller closed is held open read-only on /dev/null,
 * so that writes to it still fail but no file opened later takes its
 * number and receives them.  descent_close_stdout(PROG), last: flushes
 * stdout; on a write error (a closed stdout, ENOSPC on /dev/full) prints
 * "PROG: error writing standard output: ..." and returns 1 (0 when all
 * output was written); the program then exits with status 2.  A NULL PROG
 * reads "descent". */
void descent_guard_std_fds(void);
int descent_close_stdout(const char *prog);

#ifdef __cplusplus
}
#endif

/* Schedules and the training loop (they use the types above). */
#include "descent_schedule.h"
#include "descent_train.h"
#include "descent_hogwild.h"

#endif /* DESCENT_H */
