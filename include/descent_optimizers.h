/*
 * descent_optimizers.h — the optimizer registry: one row per optimizer, from
 * which everything that lists optimizers is generated (included by
 * descent.h; read it through descent_optim_info_of() there).
 *
 * The rows are an X-macro list, as XNNPACK lists its microkernels: a user
 * of the list defines X (and the DESCENT_STATE, DESCENT_KEY and
 * DESCENT_BRANCH element macros it needs), expands DESCENT_OPTIMIZERS(X)
 * and gets one piece of code per optimizer: the enum descent_optim_kind
 * (descent.h), the registry table (src/registry.c), each ISA's kernel table
 * (kernels/isa/table.c), the scalar variant (kernels/scalar.c).  So adding
 * an optimizer is a reference function (reference/<name>.c, declared in
 * descent.h), a vector kernel (kernels/optim/<name>.c) and one row here.
 *
 * X(KIND, name, call, product, flops, (states), (keys), (branches), rtol, why)
 *
 *   KIND      the enum value is DESCENT_<KIND>; rows keep their order, which
 *             is the enum's (the ABI and the file formats use the values).
 *   name      torch.optim's name in lower case: descent_optim_name(), the
 *             reference descent_ref_<name>, the kernels descent_<isa>_<name>.
 *   call      the reference's signature, a descent_call_shape (descent.h).
 *   product   for a reference that carries a running product of per-step
 *             coefficients (NAdam's mu_1 ... mu_t, `double *mu_product`):
 *             the function giving step t's factor; else NULL.
 *   flops     nominal floating-point operations per parameter of one step
 *             at the defaults (+ - * / sqrt max abs count 1, an FMA 2;
 *             per-step scalars not counted): descent-bench's GFLOPS.
 *   states    DESCENT_STATE(name, USED_IF, INITIAL) per state array, in the
 *             reference's argument order: named as torch.optim names its
 *             state; allocated only while hyperparameter USED_IF is non-zero
 *             (NONE: always); starting at hyperparameter INITIAL (NONE: 0).
 *   keys      DESCENT_KEY(KEY, default) per hyperparameter the optimizer
 *             has, in the order of ../shared/golden/FORMAT.md (the oracle
 *             files' order), with PyTorch's default.  KEY is a row of
 *             DESCENT_HPARAM_KEYS below.
 *   branches  DESCENT_BRANCH("name", "settings", bench_name, bench_flops):
 *             the option branches worth testing (the oracle files' branch
 *             names where they have one), as "key=value ..." applied over
 *             the defaults (descent_hparams_apply).  bench_name, when not
 *             NULL, is also a configuration of the benchmarks
 *             (BM_step/<bench_name>/..., descent-converge), with its own
 *             nominal flops; every optimizer is benchmarked at its defaults
 *             under its own name as well.
 *   rtol, why the agreement tolerance of a vector kernel against the
 *             reference (tests/test_agreement.c defines the metric) and the
 *             reason it is not 0: what the kernels do differently (0: the
 *             kernels give the reference's bits, as Rprop's do).
 */
#ifndef DESCENT_OPTIMIZERS_H
#define DESCENT_OPTIMIZERS_H

/*
 * The hyperparameters: X(KEY, field, rule, message).  field is the
 * descent_hparams member and the key of the oracle files and of
 * descent_hparams_set; rule is what torch.optim's constructors accept
 * (NONNEG: 0 <= x < inf; UNIT_OPEN: 0 <= x < 1; UNIT_CLOSED: 0 <= x <= 1;
 * FINITE: any finite x; BOOL: an int flag, 0 or 1), and message starts
 * their error message ("Invalid learning rate: -1").  Rows are in the order
 * descent_hparams_validate checks them, which is PyTorch's.
 */
#define DESCENT_HPARAM_KEYS(X)                                                      \
    X(LR, lr, NONNEG, "Invalid learning rate")                                      \
    X(WEIGHT_DECAY, weight_decay, NONNEG, "Invalid weight_decay value")             \
    X(EPS, eps, NONNEG, "Invalid epsilon value")                                    \
    X(BETA1, beta1, UNIT_OPEN, "Invalid beta parameter at index 0")                 \
    X(BETA2, beta2, UNIT_OPEN, "Invalid beta parameter at index 1")                 \
    X(MOMENTUM, momentum, NONNEG, "Invalid momentum value")                         \
    X(DAMPENING, dampening, FINITE, "Invalid dampening value")                      \
    X(MOMENTUM_DECAY, momentum_decay, NONNEG, "Invalid momentum_decay value")       \
    X(ALPHA, alpha, UNIT_CLOSED, "Invalid alpha value")                             \
    X(LR_DECAY, lr_decay, NONNEG, "Invalid lr_decay value")                         \
    X(INITIAL_ACCUMULATOR_VALUE, initial_accumulator_value, NONNEG,                 \
      "Invalid initial_accumulator_value value")                                    \
    X(RHO, rho, UNIT_CLOSED, "Invalid rho value")                                   \
    X(NESTEROV, nesterov, BOOL, NULL)                                               \
    X(AMSGRAD, amsgrad, BOOL, NULL)                                                 \
    X(CENTERED, centered, BOOL, NULL)                                               \
    X(ETAMINUS, etaminus, FINITE, "Invalid eta values")                             \
    X(ETAPLUS, etaplus, FINITE, "Invalid eta values")                               \
    X(STEP_SIZE_MIN, step_size_min, FINITE, "Invalid step_size_min value")          \
    X(STEP_SIZE_MAX, step_size_max, FINITE, "Invalid step_size_max value")          \
    X(LAMBD, lambd, FINITE, "Invalid lambd value")                                  \
    X(T0, t0, FINITE, "Invalid t0 value")                                           \
    X(MAXIMIZE, maximize, BOOL, NULL)

/* The weight-decay branch most rows share. */
#define DESCENT_BRANCH_LR_WD DESCENT_BRANCH("weight_decay", "lr=0.01 weight_decay=0.01", NULL, 0)

#define DESCENT_OPTIMIZERS(X)                                                                   \
    X(SGD, sgd, DESCENT_CALL_STATE1, NULL, 2,                                                   \
      (DESCENT_STATE(momentum_buffer, MOMENTUM, NONE)),                                         \
      (DESCENT_KEY(LR, 1e-3) DESCENT_KEY(MOMENTUM, 0) DESCENT_KEY(DAMPENING, 0)                 \
       DESCENT_KEY(WEIGHT_DECAY, 0) DESCENT_KEY(NESTEROV, 0) DESCENT_KEY(MAXIMIZE, 0)),      \
      (DESCENT_BRANCH("plain", "lr=0.01", NULL, 0)                                              \
       DESCENT_BRANCH("momentum", "lr=0.01 momentum=0.9", "sgd_momentum", 4)                    \
       DESCENT_BRANCH("dampening", "lr=0.01 momentum=0.9 dampening=0.5", NULL, 0)               \
       DESCENT_BRANCH("nesterov", "lr=0.01 momentum=0.9 nesterov=1", "nesterov", 6)             \
       DESCENT_BRANCH("weight_decay", "lr=0.01 momentum=0.9 weight_decay=0.01", NULL, 0)),      \
      1e-6, "FMA in momentum buffer and update")                                                \
    X(ADAM, adam, DESCENT_CALL_STATE3, NULL, 13,                                                \
      (DESCENT_STATE(exp_avg, NONE, NONE) DESCENT_STATE(exp_avg_sq, NONE, NONE)                 \
       DESCENT_STATE(max_exp_avg_sq, AMSGRAD, NONE)),                                           \
      (DESCENT_KEY(LR, 1e-3) DESCENT_KEY(BETA1, 0.9) DESCENT_KEY(BETA2, 0.999)                  \
       DESCENT_KEY(EPS, 1e-8) DESCENT_KEY(WEIGHT_DECAY, 0) DESCENT_KEY(AMSGRAD, 0)             \
       DESCENT_KEY(MAXIMIZE, 0)),                                                               \
      (DESCENT_BRANCH("default", "lr=0.01", NULL, 0) DESCENT_BRANCH_LR_WD                       \
       DESCENT_BRANCH("amsgrad", "lr=0.01 amsgrad=1", NULL, 0)),                                \
      2e-6, "FMA in m and update; sqrt(v)*(1/sqrt(bc2)) for a divide")                   \
    X(ADAMW, adamw, DESCENT_CALL_STATE3, NULL, 14,                                              \
      (DESCENT_STATE(exp_avg, NONE, NONE) DESCENT_STATE(exp_avg_sq, NONE, NONE)                 \
       DESCENT_STATE(max_exp_avg_sq, AMSGRAD, NONE)),                                           \
      (DESCENT_KEY(LR, 1e-3) DESCENT_KEY(BETA1, 0.9) DESCENT_KEY(BETA2, 0.999)                  \
       DESCENT_KEY(EPS, 1e-8) DESCENT_KEY(WEIGHT_DECAY, 1e-2) DESCENT_KEY(AMSGRAD, 0)          \
       DESCENT_KEY(MAXIMIZE, 0)),                                                               \
      (DESCENT_BRANCH("default", "lr=0.01", NULL, 0)                                            \
       DESCENT_BRANCH("amsgrad", "lr=0.01 amsgrad=1", NULL, 0)),                                \
      2e-6, "as Adam")                                                                          \
    X(RMSPROP, rmsprop, DESCENT_CALL_STATE3, NULL, 9,                                           \
      (DESCENT_STATE(square_avg, NONE, NONE) DESCENT_STATE(momentum_buffer, MOMENTUM, NONE)     \
       DESCENT_STATE(grad_avg, CENTERED, NONE)),                                                \
      (DESCENT_KEY(LR, 1e-2) DESCENT_KEY(ALPHA, 0.99) DESCENT_KEY(EPS, 1e-8)                    \
       DESCENT_KEY(WEIGHT_DECAY, 0) DESCENT_KEY(MOMENTUM, 0) DESCENT_KEY(CENTERED, 0)          \
       DESCENT_KEY(MAXIMIZE, 0)),                                                               \
      (DESCENT_BRANCH("default", "", NULL, 0)                                                   \
       DESCENT_BRANCH("momentum", "momentum=0.9", NULL, 0)                                      \
       DESCENT_BRANCH("centered", "centered=1", NULL, 0)                                        \
       DESCENT_BRANCH("weight_decay", "weight_decay=0.01", NULL, 0)                             \
       DESCENT_BRANCH("centered_momentum_wd", "centered=1 momentum=0.9 weight_decay=0.01",      \
                      NULL, 0)),                                                                \
      2e-6, "FMA in momentum buffer and update only")                                           \
    X(ADAGRAD, adagrad, DESCENT_CALL_STATE1, NULL, 7,                                           \
      (DESCENT_STATE(sum, NONE, INITIAL_ACCUMULATOR_VALUE)),                                    \
      (DESCENT_KEY(LR, 1e-2) DESCENT_KEY(LR_DECAY, 0) DESCENT_KEY(WEIGHT_DECAY, 0)              \
       DESCENT_KEY(INITIAL_ACCUMULATOR_VALUE, 0) DESCENT_KEY(EPS, 1e-10)                       \
       DESCENT_KEY(MAXIMIZE, 0)),                                                               \
      (DESCENT_BRANCH("default", "", NULL, 0)                                                   \
       DESCENT_BRANCH("lr_decay", "lr_decay=0.01", NULL, 0)                                     \
       DESCENT_BRANCH("initial_accumulator_value", "initial_accumulator_value=0.1", NULL, 0)    \
       DESCENT_BRANCH_LR_WD),                                                                   \
      1e-6, "FMA in the update")                                                    \
    X(ADADELTA, adadelta, DESCENT_CALL_STATE2, NULL, 16,                                        \
      (DESCENT_STATE(square_avg, NONE, NONE) DESCENT_STATE(acc_delta, NONE, NONE)),             \
      (DESCENT_KEY(LR, 1.0) DESCENT_KEY(RHO, 0.9) DESCENT_KEY(EPS, 1e-6)                        \
       DESCENT_KEY(WEIGHT_DECAY, 0) DESCENT_KEY(MAXIMIZE, 0)),                                  \
      (DESCENT_BRANCH("default", "", NULL, 0) DESCENT_BRANCH_LR_WD),                            \
      2e-6, "FMA in the update")                                          \
    X(ADAMAX, adamax, DESCENT_CALL_STATE2, NULL, 10,                                            \
      (DESCENT_STATE(exp_avg, NONE, NONE) DESCENT_STATE(exp_inf, NONE, NONE)),                  \
      (DESCENT_KEY(LR, 2e-3) DESCENT_KEY(BETA1, 0.9) DESCENT_KEY(BETA2, 0.999)                  \
       DESCENT_KEY(EPS, 1e-8) DESCENT_KEY(WEIGHT_DECAY, 0) DESCENT_KEY(MAXIMIZE, 0)),           \
      (DESCENT_BRANCH("default", "lr=0.01", NULL, 0) DESCENT_BRANCH_LR_WD),                     \
      1e-6, "FMA in first moment and update")                                                   \
    /* With weight decay, g + wd*p nearly cancels for a few elements, and NAdam's step uses    \
     * that instantaneous g/denom directly, so the ~1e-7 difference in p grows there (worst    \
     * seen 5.65e-6, at step 85). */                                                            \
    X(NADAM, nadam, DESCENT_CALL_PRODUCT_STATE2, descent_nadam_momentum, 16,                    \
      (DESCENT_STATE(exp_avg, NONE, NONE) DESCENT_STATE(exp_avg_sq, NONE, NONE)),               \
      (DESCENT_KEY(LR, 2e-3) DESCENT_KEY(BETA1, 0.9) DESCENT_KEY(BETA2, 0.999)                  \
       DESCENT_KEY(EPS, 1e-8) DESCENT_KEY(WEIGHT_DECAY, 0) DESCENT_KEY(MOMENTUM_DECAY, 4e-3)),  \
      (DESCENT_BRANCH("default", "lr=0.01", NULL, 0)                                            \
       DESCENT_BRANCH("momentum_decay", "lr=0.01 momentum_decay=0.1", NULL, 0)                  \
       DESCENT_BRANCH_LR_WD),                                                                   \
      2e-5, "FMA; reciprocals for divides; wd feedback through g/denom")                        \
    X(RADAM, radam, DESCENT_CALL_STATE2, NULL, 14,                                              \
      (DESCENT_STATE(exp_avg, NONE, NONE) DESCENT_STATE(exp_avg_sq, NONE, NONE)),               \
      (DESCENT_KEY(LR, 1e-3) DESCENT_KEY(BETA1, 0.9) DESCENT_KEY(BETA2, 0.999)                  \
       DESCENT_KEY(EPS, 1e-8) DESCENT_KEY(WEIGHT_DECAY, 0)),                                    \
      (DESCENT_BRANCH("default", "lr=0.01", NULL, 0) DESCENT_BRANCH_LR_WD),                     \
      2e-6, "FMA; m*(1/bc1) for a divide; lr*r*sqrt(bc2) folded")                              \
    /* Rprop: sign-driven steps; every operation is one rounding, as in the reference. */       \
    X(RPROP, rprop, DESCENT_CALL_STATE2, NULL, 6,                                                 \
      (DESCENT_STATE(prev, NONE, NONE) DESCENT_STATE(step_size, NONE, LR)),                     \
      (DESCENT_KEY(LR, 1e-2) DESCENT_KEY(ETAMINUS, 0.5) DESCENT_KEY(ETAPLUS, 1.2)               \
       DESCENT_KEY(STEP_SIZE_MIN, 1e-6) DESCENT_KEY(STEP_SIZE_MAX, 50) DESCENT_KEY(MAXIMIZE, 0)),\
      (DESCENT_BRANCH("default", "", NULL, 0)                                                   \
       DESCENT_BRANCH("etas", "etaminus=0.3 etaplus=1.5 step_size_min=1e-4 step_size_max=0.05", \
                      NULL, 0)                                                                  \
       DESCENT_BRANCH("maximize", "maximize=1", NULL, 0)),                                      \
      0, "none: the same operations in the same order")                                         \
    X(ASGD, asgd, DESCENT_CALL_STATE1, NULL, 3,                                                 \
      (DESCENT_STATE(ax, NONE, NONE)),                                                          \
      (DESCENT_KEY(LR, 1e-2) DESCENT_KEY(LAMBD, 1e-4) DESCENT_KEY(ALPHA, 0.75)                  \
       DESCENT_KEY(T0, 1e6) DESCENT_KEY(WEIGHT_DECAY, 0) DESCENT_KEY(MAXIMIZE, 0)),             \
      (DESCENT_BRANCH("default", "", NULL, 0) DESCENT_BRANCH_LR_WD                              \
       DESCENT_BRANCH("averaging", "t0=2 lambd=0.01 alpha=0.5", NULL, 0)                        \
       DESCENT_BRANCH("maximize", "maximize=1 t0=3", NULL, 0)),                                 \
      1e-6, "FMA in the update and the average")                                                 \
    X(LION, lion, DESCENT_CALL_STATE1, NULL, 8,                                                 \
      (DESCENT_STATE(exp_avg, NONE, NONE)),                                                     \
      (DESCENT_KEY(LR, 1e-4) DESCENT_KEY(BETA1, 0.9) DESCENT_KEY(BETA2, 0.99)                   \
       DESCENT_KEY(WEIGHT_DECAY, 0)),                                                           \
      (DESCENT_BRANCH("default", "lr=0.01", NULL, 0) DESCENT_BRANCH_LR_WD),                     \
      1e-7, "none: the same operations, bit for bit (a tolerance must be > 0)")                \
    /* One tensor per call: the trust ratio is over the n elements given (segments). */        \
    X(LAMB, lamb, DESCENT_CALL_STATE2, NULL, 19,                                                \
      (DESCENT_STATE(exp_avg, NONE, NONE) DESCENT_STATE(exp_avg_sq, NONE, NONE)),               \
      (DESCENT_KEY(LR, 1e-3) DESCENT_KEY(BETA1, 0.9) DESCENT_KEY(BETA2, 0.999)                  \
       DESCENT_KEY(EPS, 1e-6) DESCENT_KEY(WEIGHT_DECAY, 0.01)),                                 \
      (DESCENT_BRANCH("default", "lr=0.01", NULL, 0)                                            \
       DESCENT_BRANCH("no_weight_decay", "lr=0.01 weight_decay=0", NULL, 0)),                   \
      2e-6, "the norms summed in float per chunk of 256 elements, in double across chunks")

/* The optimizers whose step reduces over a whole tensor (LAMB's trust
 * ratio), X(KIND): their kernels run on each segment whole, never cut into
 * blocks, so the reduction has one order whatever the thread count. */
#define DESCENT_PER_TENSOR_OPTIMIZERS(X) X(LAMB)

/* Strips the parentheses around a row's list: DESCENT_LIST((a b c)) is a b c. */
#define DESCENT_LIST(list) DESCENT_LIST_ list
#define DESCENT_LIST_(...) __VA_ARGS__

#endif
