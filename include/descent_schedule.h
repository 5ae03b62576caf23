/*
 * descent_schedule.h — learning-rate schedules as torch.optim.lr_scheduler
 * (PyTorch 1.13.1) computes them.  Included by descent.h; not used alone.
 *
 * A schedule object owns its counter: descent_schedule_lr() is the lr to use
 * now, descent_schedule_step() moves to the next one (scheduler.step()).
 * Whether a step is an epoch or an iteration is the caller's choice
 * (descent_train's schedule_unit).  Values are doubles, computed with
 * PyTorch's own recursive ("chainable") forms so that long runs agree with
 * it to 1e-12.
 *
 * Names (PyTorch's class in snake case) and arguments (the constructor's,
 * PyTorch's names and defaults), written "key=value" separated by spaces:
 *   constant                      (no schedule: lr stays the optimizer's)
 *   step_lr                       step_size gamma=0.1
 *   multi_step_lr                 milestones=2,5,9 gamma=0.1
 *   constant_lr                   factor=1/3 total_iters=5
 *   linear_lr                     start_factor=1/3 end_factor=1 total_iters=5
 *   exponential_lr                gamma
 *   polynomial_lr                 total_iters=5 power=1
 *   cosine_annealing_lr           T_max eta_min=0
 *   cosine_annealing_warm_restarts T_0 T_mult=1 eta_min=0
 *   cyclic_lr                     base_lr max_lr step_size_up=2000 step_size_down
 *                                 mode=triangular|triangular2|exp_range gamma=1
 *                                 cycle_momentum=1 base_momentum=0.8 max_momentum=0.9
 *   one_cycle_lr                  max_lr total_steps (or epochs steps_per_epoch)
 *                                 pct_start=0.3 anneal_strategy=cos|linear
 *                                 cycle_momentum=1 base_momentum=0.85
 *                                 max_momentum=0.95 div_factor=25
 *                                 final_div_factor=1e4 three_phase=0
 *   reduce_lr_on_plateau          mode=min|max factor=0.1 patience=10
 *                                 threshold=1e-4 threshold_mode=rel|abs cooldown=0
 *                                 min_lr=0 eps=1e-8
 *   sequential_linear_cosine      start_factor warmup_iters T_max eta_min=0
 *                                 (SequentialLR([LinearLR(start_factor, 1,
 *                                 warmup_iters), CosineAnnealingLR(T_max,
 *                                 eta_min)], milestones=[warmup_iters]))
 * A required argument that is absent takes the run's horizon where that is
 * what it means (cosine_annealing_lr's T_max, one_cycle_lr's total_steps,
 * and sequential's T_max = horizon - warmup_iters); otherwise it is an
 * error.  Arguments with a PyTorch default (polynomial_lr's total_iters=5)
 * keep it.
 */
#ifndef DESCENT_SCHEDULE_H
#define DESCENT_SCHEDULE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct descent_schedule descent_schedule;

/* Number of schedule names, and the i-th (0 is "constant"); NULL past the end. */
int descent_schedule_count(void);
const char *descent_schedule_name(int i);
/* The argument names of schedule `name` in the constructor's order, as a
 * NULL-terminated array (NULL for an unknown name): for flags and help. */
const char *const *descent_schedule_keys(const char *name);

/* Creates schedule `name` over an optimizer whose initial lr is base_lr and
 * whose momentum (SGD's momentum, or Adam's beta1: what cycle_momentum
 * cycles) is base_momentum.  args: "key=value ..." (NULL or "" for none);
 * an unknown key, a bad value or a missing required one is
 * DESCENT_ERR_INVALID with PyTorch's message where it has one.  horizon: the
 * number of descent_schedule_step() calls the run plans (0 = unknown). */
descent_status descent_schedule_create(const char *name, const char *args, double base_lr,
                                       double base_momentum, long horizon,
                                       descent_schedule **out);
void descent_schedule_free(descent_schedule *s);

/* The lr to use now: after construction, then after each step. */
double descent_schedule_lr(const descent_schedule *s);
/* The momentum to use now, or NAN when the schedule leaves it alone. */
double descent_schedule_momentum(const descent_schedule *s);
/* scheduler.step(): metric is the monitored value for reduce_lr_on_plateau
 * (a NaN metric is never an improvement, as in PyTorch) and ignored by the
 * others.  one_cycle_lr past total_steps is DESCENT_ERR_INVALID ("Tried to
 * step N times ...") and changes nothing. */
descent_status descent_schedule_step(descent_schedule *s, double metric);
/* Number of descent_schedule_step() calls so far. */
long descent_schedule_steps(const descent_schedule *s);
/* The schedule's name and its arguments with every default filled in, as
 * "key=value ..." (for logs and summaries). */
const char *descent_schedule_describe(const descent_schedule *s);

/* Checkpointing: the state is a fixed number of doubles (counter included),
 * the same for every schedule of a name and arguments. */
size_t descent_schedule_state_size(const descent_schedule *s);
void descent_schedule_get_state(const descent_schedule *s, double *state);
descent_status descent_schedule_set_state(descent_schedule *s, const double *state);

#ifdef __cplusplus
}
#endif

#endif
