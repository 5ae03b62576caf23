/* The schedules of torch.optim.lr_scheduler (PyTorch 1.13): one table entry
 * each, with the constructor's arguments and checks, and get_lr()'s own
 * recursive ("chainable") formulas, written in Python's evaluation order
 * (left to right, ints converted where Python converts them) so that the
 * doubles round as PyTorch's do.  `lr` is group['lr'], `steps` last_epoch. */
#include <math.h>
#include <string.h>

#include "schedule_internal.h"

/* math.pi */
#define PI 3.141592653589793

#define A(key) sched_arg(s, key)
#define FAIL(...) descent_fail(DESCENT_ERR_INVALID, __VA_ARGS__)

/* Python's float(x) in an error message, for an argument given as an int. */
static long as_long(double x)
{
    return (long)x;
}

/* ------------------------------------------------------------- constant */

static descent_status constant_prepare(descent_schedule *s)
{
    s->lr = s->base_lr;
    return DESCENT_OK;
}

static descent_status keep_lr(descent_schedule *s, double metric)
{
    (void)s, (void)metric;
    return DESCENT_OK;
}

/* ------------------------------------------------------------- StepLR */

static descent_status step_lr_prepare(descent_schedule *s)
{
    /* PyTorch does not check, and fails with ZeroDivisionError (or never
     * decays) at the first step. */
    if (!(A("step_size") >= 1))
        return FAIL("step_size must be a positive integer, but got %ld",
                    as_long(A("step_size")));
    s->lr = s->base_lr;
    return DESCENT_OK;
}

static descent_status step_lr_step(descent_schedule *s, double metric)
{
    (void)metric;
    const long e = s->steps, size = as_long(A("step_size"));
    if (e == 0 || e % size != 0)
        return DESCENT_OK;
    s->lr = s->lr * A("gamma");
    return DESCENT_OK;
}

/* ------------------------------------------------------------- MultiStepLR */

static descent_status multi_step_prepare(descent_schedule *s)
{
    s->lr = s->base_lr;
    return DESCENT_OK;
}

static descent_status multi_step_step(descent_schedule *s, double metric)
{
    (void)metric;
    /* Counter(milestones): a milestone listed twice decays twice. */
    int count = 0;
    for (int i = 0; i < s->milestone_count; i++)
        count += s->milestones[i] == s->steps;
    if (count)
        s->lr = s->lr * pow(A("gamma"), (double)count);
    return DESCENT_OK;
}

/* ------------------------------------------------------------- ConstantLR */

static descent_status constant_lr_prepare(descent_schedule *s)
{
    const double factor = A("factor");
    if (factor > 1.0 || factor < 0)
        return FAIL("Constant multiplicative factor expected to be between 0 and 1.");
    /* PyTorch divides by it at total_iters (ZeroDivisionError). */
    if (factor == 0 && A("total_iters") > 0)
        return FAIL("factor=0 cannot be undone at total_iters (PyTorch raises "
                    "ZeroDivisionError there)");
    s->lr = s->base_lr * factor;
    return DESCENT_OK;
}

static descent_status constant_lr_step(descent_schedule *s, double metric)
{
    (void)metric;
    if (s->steps == as_long(A("total_iters")))
        s->lr = s->lr * (1.0 / A("factor"));
    return DESCENT_OK;
}

/* ------------------------------------------------------------- LinearLR */

static descent_status check_linear_factors(double start, double end, double total_iters)
{
    if (start > 1.0 || start < 0)
        return FAIL("Starting multiplicative factor expected to be between 0 and 1.");
    if (end > 1.0 || end < 0)
        return FAIL("Ending multiplicative factor expected to be between 0 and 1.");
    /* PyTorch 1.13 divides by total_iters * start_factor at the first step. */
    if (start == 0 && total_iters > 0)
        return FAIL("start_factor=0 divides by zero at the first step (PyTorch raises "
                    "ZeroDivisionError there)");
    return DESCENT_OK;
}

/* LinearLR.get_lr() for last_epoch e >= 1. */
static double linear_next(double lr, double start, double end, long total_iters, long e)
{
    if (e > total_iters)
        return lr;
    return lr * (1. + (end - start) /
                          ((double)total_iters * start + (double)(e - 1) * (end - start)));
}

static descent_status linear_lr_prepare(descent_schedule *s)
{
    descent_status st =
        check_linear_factors(A("start_factor"), A("end_factor"), A("total_iters"));
    if (st != DESCENT_OK)
        return st;
    s->lr = s->base_lr * A("start_factor");
    return DESCENT_OK;
}

static descent_status linear_lr_step(descent_schedule *s, double metric)
{
    (void)metric;
    s->lr = linear_next(s->lr, A("start_factor"), A("end_factor"), as_long(A("total_iters")),
                        s->steps);
    return DESCENT_OK;
}

/* ------------------------------------------------------------- ExponentialLR */

static descent_status exponential_step(descent_schedule *s, double metric)
{
    (void)metric;
    s->lr = s->lr * A("gamma");
    return DESCENT_OK;
}

/* ------------------------------------------------------------- PolynomialLR */

static descent_status polynomial_prepare(descent_schedule *s)
{
    if (A("power") < 0 && A("total_iters") > 0)
        return FAIL("power must be >= 0 (PyTorch raises ZeroDivisionError at total_iters "
                    "for %g)", A("power"));
    s->lr = s->base_lr;
    return DESCENT_OK;
}

static descent_status polynomial_step(descent_schedule *s, double metric)
{
    (void)metric;
    const long e = s->steps, total = as_long(A("total_iters"));
    if (e > total)
        return DESCENT_OK;
    const double t = (double)total;
    const double decay = pow((1.0 - (double)e / t) / (1.0 - (double)(e - 1) / t), A("power"));
    s->lr = s->lr * decay;
    return DESCENT_OK;
}

/* ------------------------------------------------------------- CosineAnnealingLR */

static descent_status check_t_max(double t_max)
{
    /* PyTorch divides by T_max (ZeroDivisionError at 0). */
    if (!(t_max >= 1))
        return FAIL("T_max must be a positive integer, but got %ld", as_long(t_max));
    return DESCENT_OK;
}

/* CosineAnnealingLR.get_lr() for last_epoch e >= 1 after its first step. */
static double cosine_next(double lr, double base, double eta_min, long t_max, long e)
{
    const double t = (double)t_max;
    if ((e - 1 - t_max) % (2 * t_max) == 0)
        return lr + (base - eta_min) * (1 - cos(PI / t)) / 2;
    return (1 + cos(PI * (double)e / t)) / (1 + cos(PI * (double)(e - 1) / t)) *
               (lr - eta_min) + eta_min;
}

/* CosineAnnealingLR._get_closed_form_lr(), which step(epoch) uses. */
static double cosine_closed(double base, double eta_min, long t_max, long e)
{
    return eta_min + (base - eta_min) * (1 + cos(PI * (double)e / (double)t_max)) / 2;
}

static descent_status cosine_prepare(descent_schedule *s)
{
    descent_status st = check_t_max(A("T_max"));
    if (st != DESCENT_OK)
        return st;
    s->lr = s->base_lr;
    return DESCENT_OK;
}

static descent_status cosine_step(descent_schedule *s, double metric)
{
    (void)metric;
    s->lr = cosine_next(s->lr, s->base_lr, A("eta_min"), as_long(A("T_max")), s->steps);
    return DESCENT_OK;
}

/* ------------------------------------------------------------- CosineAnnealingWarmRestarts */

enum { WR_T_CUR, WR_T_I };

static double warm_restarts_lr(const descent_schedule *s)
{
    const double eta_min = A("eta_min");
    return eta_min +
           (s->base_lr - eta_min) * (1 + cos(PI * s->aux[WR_T_CUR] / s->aux[WR_T_I])) / 2;
}

static descent_status warm_restarts_prepare(descent_schedule *s)
{
    if (!(A("T_0") > 0))
        return FAIL("Expected positive integer T_0, but got %ld", as_long(A("T_0")));
    if (A("T_mult") < 1)
        return FAIL("Expected integer T_mult >= 1, but got %ld", as_long(A("T_mult")));
    /* The constructor's step() is step(epoch=0): T_i = T_0, T_cur = 0. */
    s->aux[WR_T_I] = A("T_0");
    s->aux[WR_T_CUR] = 0;
    s->lr = warm_restarts_lr(s);
    return DESCENT_OK;
}

static descent_status warm_restarts_step(descent_schedule *s, double metric)
{
    (void)metric;
    s->aux[WR_T_CUR] = s->aux[WR_T_CUR] + 1;
    if (s->aux[WR_T_CUR] >= s->aux[WR_T_I]) {
        s->aux[WR_T_CUR] = s->aux[WR_T_CUR] - s->aux[WR_T_I];
        s->aux[WR_T_I] = s->aux[WR_T_I] * A("T_mult");
    }
    s->lr = warm_restarts_lr(s);
    return DESCENT_OK;
}

static int warm_restarts_aux_valid(const descent_schedule *s)
{
    const double t_cur = s->aux[WR_T_CUR], t_i = s->aux[WR_T_I];
    return t_i >= A("T_0") && t_i == floor(t_i) && t_cur >= 0 && t_cur < t_i &&
           t_cur == floor(t_cur);
}

/* ------------------------------------------------------------- CyclicLR */

static descent_status cyclic_update(descent_schedule *s)
{
    const double up = A("step_size_up"), down = A("step_size_down");
    const double total_size = up + down, step_ratio = up / total_size;
    const double e = (double)s->steps;
    const double cycle = floor(1 + e / total_size);
    const double x = 1. + e / total_size - cycle;
    const double scale_factor = x <= step_ratio ? x / step_ratio : (x - 1) / (step_ratio - 1);
    /* mode: 0 triangular (scale 1 per cycle), 1 triangular2 (1/2^(cycle-1)),
     * 2 exp_range (gamma^iterations). */
    const int mode = (int)A("mode");
    const double scale = mode == 0 ? 1. : mode == 1 ? 1 / pow(2., cycle - 1)
                                                    : pow(A("gamma"), e);
    const double base_lr = A("base_lr"), max_lr = A("max_lr");
    s->lr = base_lr + (max_lr - base_lr) * scale_factor * scale;
    if (A("cycle_momentum") != 0) {
        const double base_m = A("base_momentum"), max_m = A("max_momentum");
        s->momentum = max_m - (max_m - base_m) * scale_factor * scale;
    }
    return DESCENT_OK;
}

static descent_status cyclic_prepare(descent_schedule *s)
{
    /* PyTorch converts them to floats and divides by them. */
    if (!(A("step_size_up") >= 1))
        return FAIL("step_size_up must be a positive integer, but got %ld",
                    as_long(A("step_size_up")));
    if (s->src[sched_key_index(s->def, "step_size_down")] == SRC_UNSET) {
        s->v[sched_key_index(s->def, "step_size_down")] = A("step_size_up");
        s->src[sched_key_index(s->def, "step_size_down")] = SRC_DERIVED;
    }
    if (!(A("step_size_down") >= 1))
        return FAIL("step_size_down must be a positive integer, but got %ld",
                    as_long(A("step_size_down")));
    if (A("cycle_momentum") != 0 && isnan(s->base_momentum))
        return FAIL("optimizer must support momentum with `cycle_momentum` option enabled");
    return cyclic_update(s);
}

static descent_status cyclic_step(descent_schedule *s, double metric)
{
    (void)metric;
    return cyclic_update(s);
}

/* ------------------------------------------------------------- OneCycleLR */

/* The phases' end steps (float, as PyTorch's 'end_step'); 2 or 3. */
static int one_cycle_phases(const descent_schedule *s, double end[3])
{
    const double total = A("total_steps"), pct = A("pct_start");
    end[0] = pct * total - 1;
    if (A("three_phase") != 0) {
        end[1] = 2 * pct * total - 2;
        end[2] = total - 1;
        return 3;
    }
    end[1] = total - 1;
    return 2;
}

static double anneal(int linear, double start, double end, double pct)
{
    if (linear)
        return (end - start) * pct + start;
    const double cos_out = cos(PI * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
}

static descent_status one_cycle_update(descent_schedule *s)
{
    const double initial_lr = A("max_lr") / A("div_factor");
    const double lrs[3] = {initial_lr, A("max_lr"), initial_lr / A("final_div_factor")};
    const double max_m = A("max_momentum"), base_m = A("base_momentum");
    const int three = A("three_phase") != 0;
    /* Each phase's start and end lr (0 initial, 1 max, 2 min) and momentum. */
    static const int lr_from[2][3] = {{0, 1, 1}, {0, 1, 0}};
    static const int lr_to[2][3] = {{1, 2, 2}, {1, 0, 2}};
    const double m_from[2][3] = {{max_m, base_m, base_m}, {max_m, base_m, max_m}};
    const double m_to[2][3] = {{base_m, max_m, max_m}, {base_m, max_m, max_m}};
    double end[3];
    const int phases = one_cycle_phases(s, end);
    const double step_num = (double)s->steps;
    double start_step = 0;
    for (int i = 0; i < phases; i++) {
        if (step_num <= end[i] || i == phases - 1) {
            if (end[i] - start_step == 0)
                return FAIL("step %ld falls in a phase of length 0 (PyTorch raises "
                            "ZeroDivisionError: float division by zero)", s->steps);
            const double pct = (step_num - start_step) / (end[i] - start_step);
            const int linear = (int)A("anneal_strategy") == 1;
            s->lr = anneal(linear, lrs[lr_from[three][i]], lrs[lr_to[three][i]], pct);
            if (A("cycle_momentum") != 0)
                s->momentum = anneal(linear, m_from[three][i], m_to[three][i], pct);
            return DESCENT_OK;
        }
        start_step = end[i];
    }
    return DESCENT_OK;
}

static descent_status one_cycle_prepare(descent_schedule *s)
{
    const int total_k = sched_key_index(s->def, "total_steps");
    const int epochs_k = sched_key_index(s->def, "epochs");
    const int spe_k = sched_key_index(s->def, "steps_per_epoch");
    /* PyTorch's precedence: total_steps, then epochs * steps_per_epoch; the
     * run's horizon only when neither was given. */
    if (s->src[total_k] != SRC_GIVEN && s->src[epochs_k] == SRC_GIVEN &&
        s->src[spe_k] == SRC_GIVEN) {
        if (!(s->v[epochs_k] > 0))
            return FAIL("Expected positive integer epochs, but got %ld", as_long(s->v[epochs_k]));
        if (!(s->v[spe_k] > 0))
            return FAIL("Expected positive integer steps_per_epoch, but got %ld",
                        as_long(s->v[spe_k]));
        s->v[total_k] = s->v[epochs_k] * s->v[spe_k];
        s->src[total_k] = SRC_DERIVED;
    }
    if (s->src[total_k] == SRC_UNSET)
        return FAIL("You must define either total_steps OR (epochs AND steps_per_epoch)");
    if (!(s->v[total_k] > 0))
        return FAIL("Expected positive integer total_steps, but got %ld", as_long(s->v[total_k]));
    const double pct = A("pct_start");
    if (pct < 0 || pct > 1)
        return FAIL("Expected float between 0 and 1 pct_start, but got %g", pct);
    if (A("div_factor") == 0 || A("final_div_factor") == 0)
        return FAIL("div_factor and final_div_factor must not be 0 (PyTorch raises "
                    "ZeroDivisionError)");
    /* A phase of length 0 that a step reaches: the first one (at step 0) or
     * the last one (at step total_steps). */
    double end[3];
    const int phases = one_cycle_phases(s, end);
    if (end[0] == 0 || end[phases - 2] == end[phases - 1])
        return FAIL("pct_start=%g with total_steps=%ld makes a phase of length 0 (PyTorch "
                    "raises ZeroDivisionError at its first step)", pct, as_long(s->v[total_k]));
    if (A("cycle_momentum") != 0 && isnan(s->base_momentum))
        return FAIL("optimizer must support momentum with `cycle_momentum` option enabled");
    return one_cycle_update(s);
}

static descent_status one_cycle_step(descent_schedule *s, double metric)
{
    (void)metric;
    const long total = as_long(A("total_steps"));
    if (s->steps > total)
        return FAIL("Tried to step %ld times. The specified number of total steps is %ld",
                    s->steps + 1, total);
    return one_cycle_update(s);
}

/* ------------------------------------------------------------- ReduceLROnPlateau */

enum { PL_BEST, PL_BAD_EPOCHS, PL_COOLDOWN };

static descent_status plateau_prepare(descent_schedule *s)
{
    if (A("factor") >= 1.0)
        return FAIL("Factor should be < 1.0.");
    s->aux[PL_BEST] = (int)A("mode") == 0 ? INFINITY : -INFINITY; /* mode_worse */
    s->aux[PL_BAD_EPOCHS] = 0;
    s->aux[PL_COOLDOWN] = 0;
    s->lr = s->base_lr;
    return DESCENT_OK;
}

static int plateau_is_better(const descent_schedule *s, double a, double best)
{
    const int max_mode = (int)A("mode") == 1, abs_mode = (int)A("threshold_mode") == 1;
    const double threshold = A("threshold");
    if (!max_mode && !abs_mode)
        return a < best * (1. - threshold);
    if (!max_mode)
        return a < best - threshold;
    if (!abs_mode)
        return a > best * (threshold + 1.);
    return a > best + threshold;
}

static descent_status plateau_step(descent_schedule *s, double metric)
{
    /* PyTorch would take a NaN as never better; a NaN loss is a diverged
     * run, which the caller must see. */
    if (isnan(metric))
        return FAIL("the monitored metric is NaN");
    if (plateau_is_better(s, metric, s->aux[PL_BEST])) {
        s->aux[PL_BEST] = metric;
        s->aux[PL_BAD_EPOCHS] = 0;
    } else {
        s->aux[PL_BAD_EPOCHS] += 1;
    }
    if (s->aux[PL_COOLDOWN] > 0) {
        s->aux[PL_COOLDOWN] -= 1;
        s->aux[PL_BAD_EPOCHS] = 0; /* bad epochs in cooldown do not count */
    }
    if (s->aux[PL_BAD_EPOCHS] > A("patience")) {
        const double old_lr = s->lr;
        const double reduced = old_lr * A("factor"), min_lr = A("min_lr");
        const double new_lr = min_lr > reduced ? min_lr : reduced; /* Python's max */
        if (old_lr - new_lr > A("eps"))
            s->lr = new_lr;
        s->aux[PL_COOLDOWN] = A("cooldown");
        s->aux[PL_BAD_EPOCHS] = 0;
    }
    return DESCENT_OK;
}

static int plateau_aux_valid(const descent_schedule *s)
{
    const double bad = s->aux[PL_BAD_EPOCHS], cooldown = s->aux[PL_COOLDOWN];
    return !isnan(s->aux[PL_BEST]) && bad >= 0 && bad == floor(bad) && cooldown >= 0 &&
           cooldown == floor(cooldown);
}

/* ------------------------------------------------------------- SequentialLR(LinearLR, Cosine) */

static descent_status sequential_prepare(descent_schedule *s)
{
    const int t_max_k = sched_key_index(s->def, "T_max");
    if (!(A("warmup_iters") >= 1))
        return FAIL("warmup_iters must be a positive integer, but got %ld",
                    as_long(A("warmup_iters")));
    /* The horizon covers the warm-up too. */
    if (s->src[t_max_k] == SRC_HORIZON)
        s->v[t_max_k] = (double)s->horizon - A("warmup_iters");
    descent_status st = check_linear_factors(A("start_factor"), 1.0, A("warmup_iters"));
    if (st == DESCENT_OK)
        st = check_t_max(A("T_max"));
    if (st != DESCENT_OK)
        return st;
    /* Both constructors step once, then SequentialLR resets the lr to
     * initial_lr and repeats LinearLR's initial step. */
    s->lr = s->base_lr * A("start_factor");
    return DESCENT_OK;
}

static descent_status sequential_step(descent_schedule *s, double metric)
{
    (void)metric;
    const long warmup = as_long(A("warmup_iters")), t_max = as_long(A("T_max"));
    const double eta_min = A("eta_min");
    if (s->steps < warmup)
        s->lr = linear_next(s->lr, A("start_factor"), 1.0, warmup, s->steps);
    else if (s->steps == warmup) /* the milestone: step(0), the closed form */
        s->lr = cosine_closed(s->base_lr, eta_min, t_max, 0);
    else /* CosineAnnealingLR's own count restarted at the milestone */
        s->lr = cosine_next(s->lr, s->base_lr, eta_min, t_max, s->steps - warmup);
    return DESCENT_OK;
}

/* ------------------------------------------------------------- the table */

#define REQ(type) {type, NULL, 0, NULL, NULL}
#define DEF(type, text) {type, text, 0, NULL, NULL}
#define HORIZON(type, text) {type, text, 1, NULL, NULL}
#define CHOICE(text, choices, bad) {SCHED_CHOICE, text, 0, choices, bad}

const sched_def sched_table[] = {
    {"constant", {NULL}, {{0}}, constant_prepare, keep_lr, NULL},
    {"step_lr", {"step_size", "gamma", NULL},
     {REQ(SCHED_INT), DEF(SCHED_REAL, "0.1")}, step_lr_prepare, step_lr_step, NULL},
    {"multi_step_lr", {"milestones", "gamma", NULL},
     {REQ(SCHED_INTS), DEF(SCHED_REAL, "0.1")}, multi_step_prepare, multi_step_step, NULL},
    {"constant_lr", {"factor", "total_iters", NULL},
     {DEF(SCHED_REAL, "1/3"), DEF(SCHED_INT, "5")}, constant_lr_prepare, constant_lr_step,
     NULL},
    {"linear_lr", {"start_factor", "end_factor", "total_iters", NULL},
     {DEF(SCHED_REAL, "1/3"), DEF(SCHED_REAL, "1"), DEF(SCHED_INT, "5")}, linear_lr_prepare,
     linear_lr_step, NULL},
    {"exponential_lr", {"gamma", NULL}, {REQ(SCHED_REAL)}, constant_prepare, exponential_step,
     NULL},
    {"polynomial_lr", {"total_iters", "power", NULL},
     {HORIZON(SCHED_INT, "5"), DEF(SCHED_REAL, "1")}, polynomial_prepare, polynomial_step,
     NULL},
    {"cosine_annealing_lr", {"T_max", "eta_min", NULL},
     {HORIZON(SCHED_INT, NULL), DEF(SCHED_REAL, "0")}, cosine_prepare, cosine_step, NULL},
    {"cosine_annealing_warm_restarts", {"T_0", "T_mult", "eta_min", NULL},
     {REQ(SCHED_INT), DEF(SCHED_INT, "1"), DEF(SCHED_REAL, "0")}, warm_restarts_prepare,
     warm_restarts_step, warm_restarts_aux_valid},
    {"cyclic_lr",
     {"base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma", "cycle_momentum",
      "base_momentum", "max_momentum", NULL},
     {REQ(SCHED_REAL), REQ(SCHED_REAL), DEF(SCHED_INT, "2000"), DEF(SCHED_INT, ""),
      CHOICE("triangular", "triangular|triangular2|exp_range",
             "mode is invalid and scale_fn is None"),
      DEF(SCHED_REAL, "1"), DEF(SCHED_BOOL, "1"), DEF(SCHED_REAL, "0.8"),
      DEF(SCHED_REAL, "0.9")},
     cyclic_prepare, cyclic_step, NULL},
    {"one_cycle_lr",
     {"max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start", "anneal_strategy",
      "cycle_momentum", "base_momentum", "max_momentum", "div_factor", "final_div_factor",
      "three_phase", NULL},
     {REQ(SCHED_REAL), HORIZON(SCHED_INT, ""), DEF(SCHED_INT, ""), DEF(SCHED_INT, ""),
      DEF(SCHED_REAL, "0.3"),
      CHOICE("cos", "cos|linear",
             "anneal_strategy must by one of 'cos' or 'linear', instead got %s"),
      DEF(SCHED_BOOL, "1"), DEF(SCHED_REAL, "0.85"), DEF(SCHED_REAL, "0.95"),
      DEF(SCHED_REAL, "25"), DEF(SCHED_REAL, "1e4"), DEF(SCHED_BOOL, "0")},
     one_cycle_prepare, one_cycle_step, NULL},
    {"reduce_lr_on_plateau",
     {"mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps",
      NULL},
     {CHOICE("min", "min|max", "mode %s is unknown!"), DEF(SCHED_REAL, "0.1"),
      DEF(SCHED_INT, "10"), DEF(SCHED_REAL, "1e-4"),
      CHOICE("rel", "rel|abs", "threshold mode %s is unknown!"), DEF(SCHED_INT, "0"),
      DEF(SCHED_REAL, "0"), DEF(SCHED_REAL, "1e-8")},
     plateau_prepare, plateau_step, plateau_aux_valid},
    {"sequential_linear_cosine", {"start_factor", "warmup_iters", "T_max", "eta_min", NULL},
     {REQ(SCHED_REAL), REQ(SCHED_INT), HORIZON(SCHED_INT, NULL), DEF(SCHED_REAL, "0")},
     sequential_prepare, sequential_step, NULL},
};

const int sched_table_count = (int)(sizeof sched_table / sizeof sched_table[0]);
