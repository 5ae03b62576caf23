/*
 * Learning-rate schedules as torch.optim.lr_scheduler 1.13.1 computes them
 * (include/descent_schedule.h).  Each schedule is a row of one table: its
 * arguments (PyTorch's names, defaults and checks) and its get_lr, written
 * in PyTorch's recursive ("chainable") form: most of them update the
 * current lr from the previous one, which is what PyTorch's values are made
 * of, so long runs agree to the last bits rather than to a closed form.
 * The counter is PyTorch's last_epoch: 0 after construction, +1 per step.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PI 3.14159265358979323846
#define MAX_KEYS 16 /* one_cycle_lr has 12; a row ends at its first unnamed key */
#define MAX_MILESTONES 64
#define REQUIRED NAN /* a default of NAN: the argument must be given */

typedef enum { K_NUMBER, K_INT, K_FLAG, K_CHOICE, K_LIST } key_type;

typedef struct key_def {
    const char *name;
    key_type type;
    double default_value;   /* REQUIRED: no default */
    const char *choices[4]; /* K_CHOICE: the accepted strings; the value is the index */
    int horizon;            /* absent: the run's horizon, when it has one */
} key_def;

typedef struct descent_schedule descent_schedule;
typedef struct schedule_def {
    const char *name;
    key_def keys[MAX_KEYS];
    descent_status (*check)(descent_schedule *s);
    void (*start)(descent_schedule *s);        /* construction: sets the first lr */
    descent_status (*step)(descent_schedule *s, double metric);
} schedule_def;

/* The mutable state, all doubles so a checkpoint is a plain array. */
typedef struct sched_state {
    double last_epoch, lr, momentum;
    double best, num_bad_epochs, cooldown_counter; /* reduce_lr_on_plateau */
    double T_i, T_cur;                             /* warm restarts */
    double inner_last_epoch;                       /* sequential's current scheduler */
} sched_state;
#define STATE_DOUBLES (sizeof(sched_state) / sizeof(double))

struct descent_schedule {
    const schedule_def *def;
    double arg[MAX_KEYS];
    long milestones[MAX_MILESTONES];
    int n_milestones;
    double base_lr, base_momentum;
    sched_state st;
    char describe[512];
};

/* The index of argument `name` in s's row (it is always there: callers
 * name their own row's keys). */
static double A(const descent_schedule *s, const char *name)
{
    for (int k = 0; k < MAX_KEYS && s->def->keys[k].name; k++)
        if (!strcmp(s->def->keys[k].name, name))
            return s->arg[k];
    return NAN;
}

static long last(const descent_schedule *s)
{
    return (long)s->st.last_epoch;
}

/* Python's a % b for b > 0: never negative. */
static long py_mod(long a, long b)
{
    const long r = a % b;
    return r < 0 ? r + b : r;
}

static descent_status bad(const char *fmt, double v)
{
    return descent_fail(DESCENT_ERR_INVALID, fmt, v);
}

/* ------------------------------------------------------------ schedules */

static void start_keep(descent_schedule *s)
{
    s->st.lr = s->base_lr;
}

/* The schedules whose lr at construction is get_lr() at last_epoch 0, which
 * their step computes too: start = one step at counter 0. */
static descent_status step_constant(descent_schedule *s, double m)
{
    (void)s, (void)m;
    return DESCENT_OK;
}

static descent_status step_step_lr(descent_schedule *s, double m)
{
    (void)m;
    const long step_size = (long)A(s, "step_size");
    if (last(s) != 0 && last(s) % step_size == 0)
        s->st.lr *= A(s, "gamma");
    return DESCENT_OK;
}

static descent_status check_step_lr(descent_schedule *s)
{
    return A(s, "step_size") >= 1 ? DESCENT_OK : bad("step_lr: step_size %g must be >= 1",
                                                     A(s, "step_size"));
}

static descent_status step_multi_step_lr(descent_schedule *s, double m)
{
    (void)m;
    int count = 0; /* a milestone listed twice decays twice (torch's Counter) */
    for (int i = 0; i < s->n_milestones; i++)
        count += s->milestones[i] == last(s);
    if (count)
        s->st.lr *= pow(A(s, "gamma"), count);
    return DESCENT_OK;
}

static descent_status check_factor(descent_schedule *s)
{
    const double f = A(s, "factor");
    if (f > 1.0 || f < 0)
        return bad("Constant multiplicative factor expected to be between 0 and 1 (got %g).", f);
    return DESCENT_OK;
}

static void start_constant_lr(descent_schedule *s)
{
    s->st.lr = s->base_lr * A(s, "factor");
}

static descent_status step_constant_lr(descent_schedule *s, double m)
{
    (void)m;
    if (last(s) == (long)A(s, "total_iters"))
        s->st.lr *= 1.0 / A(s, "factor");
    return DESCENT_OK;
}

/* LinearLR's start_factor rule (linear_lr, and sequential's warm-up). */
static descent_status check_start_factor(double start)
{
    if (start > 1.0 || start <= 0)
        return bad("Starting multiplicative factor expected to be greater than 0 and less or "
                   "equal to 1 (got %g).", start);
    return DESCENT_OK;
}

/* LinearLR.get_lr at last_epoch e >= 1, as the factor on the current lr. */
static double linear_step_factor(double start, double end, double total_iters, long e)
{
    if (e > (long)total_iters)
        return 1.0;
    return 1.0 + (end - start) / (total_iters * start + (double)(e - 1) * (end - start));
}

static descent_status check_linear_lr(descent_schedule *s)
{
    const double end = A(s, "end_factor");
    const descent_status st = check_start_factor(A(s, "start_factor"));
    if (st != DESCENT_OK)
        return st;
    if (end > 1.0 || end < 0)
        return bad("Ending multiplicative factor expected to be between 0 and 1 (got %g).", end);
    return DESCENT_OK;
}

static void start_linear_lr(descent_schedule *s)
{
    s->st.lr = s->base_lr * A(s, "start_factor");
}

static descent_status step_linear_lr(descent_schedule *s, double m)
{
    (void)m;
    s->st.lr *= linear_step_factor(A(s, "start_factor"), A(s, "end_factor"), A(s, "total_iters"),
                                   last(s));
    return DESCENT_OK;
}

static descent_status step_exponential_lr(descent_schedule *s, double m)
{
    (void)m;
    s->st.lr *= A(s, "gamma");
    return DESCENT_OK;
}

static descent_status check_total_iters(descent_schedule *s)
{
    return A(s, "total_iters") >= 1 ? DESCENT_OK
                                    : bad("total_iters %g must be >= 1", A(s, "total_iters"));
}

static descent_status step_polynomial_lr(descent_schedule *s, double m)
{
    (void)m;
    const double total = A(s, "total_iters");
    if (last(s) > (long)total)
        return DESCENT_OK;
    const double e = (double)last(s);
    s->st.lr *= pow((1.0 - e / total) / (1.0 - (e - 1) / total), A(s, "power"));
    return DESCENT_OK;
}

static descent_status check_t_max(descent_schedule *s)
{
    return A(s, "T_max") >= 1 ? DESCENT_OK : bad("T_max %g must be >= 1", A(s, "T_max"));
}

/* CosineAnnealingLR.get_lr at last_epoch >= 1 (the recursive form). */
static void cosine_recursive(sched_state *st, double base_lr, double T_max, double eta_min)
{
    const long e = (long)st->last_epoch, T = (long)T_max;
    if (py_mod(e - 1 - T, 2 * T) == 0)
        st->lr = st->lr + (base_lr - eta_min) * (1 - cos(PI / T_max)) / 2;
    else
        st->lr = (1 + cos(PI * (double)e / T_max)) / (1 + cos(PI * (double)(e - 1) / T_max)) *
                     (st->lr - eta_min) + eta_min;
}

static descent_status step_cosine(descent_schedule *s, double m)
{
    (void)m;
    cosine_recursive(&s->st, s->base_lr, A(s, "T_max"), A(s, "eta_min"));
    return DESCENT_OK;
}

static descent_status check_warm_restarts(descent_schedule *s)
{
    if (!(A(s, "T_0") >= 1))
        return bad("Expected positive integer T_0, but got %g", A(s, "T_0"));
    if (!(A(s, "T_mult") >= 1))
        return bad("Expected integer T_mult >= 1, but got %g", A(s, "T_mult"));
    return DESCENT_OK;
}

static void warm_lr(descent_schedule *s)
{
    const double eta_min = A(s, "eta_min");
    s->st.lr = eta_min + (s->base_lr - eta_min) * (1 + cos(PI * s->st.T_cur / s->st.T_i)) / 2;
}

static void start_warm_restarts(descent_schedule *s)
{
    s->st.T_i = A(s, "T_0");
    s->st.T_cur = 0;
    warm_lr(s);
}

static descent_status step_warm_restarts(descent_schedule *s, double m)
{
    (void)m;
    s->st.T_cur += 1;
    if (s->st.T_cur >= s->st.T_i) {
        s->st.T_cur -= s->st.T_i;
        s->st.T_i *= A(s, "T_mult");
    }
    warm_lr(s);
    return DESCENT_OK;
}

/* CyclicLR: its get_lr is a closed form of last_epoch. */
enum { TRIANGULAR, TRIANGULAR2, EXP_RANGE };

static void cyclic_lr(descent_schedule *s)
{
    const double up = A(s, "step_size_up");
    const double down = isnan(A(s, "step_size_down")) ? up : A(s, "step_size_down");
    const double total = up + down, ratio = up / total, e = s->st.last_epoch;
    const double cycle = floor(1 + e / total), x = 1.0 + e / total - cycle;
    const double scale_factor = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    const int mode = (int)A(s, "mode");
    const double scale = mode == TRIANGULAR ? 1.0
                       : mode == TRIANGULAR2 ? 1 / pow(2.0, cycle - 1)
                       : pow(A(s, "gamma"), e); /* exp_range scales by iterations */
    const double base_lr = A(s, "base_lr"), max_lr = A(s, "max_lr");
    s->st.lr = base_lr + (max_lr - base_lr) * scale_factor * scale;
    if (A(s, "cycle_momentum") != 0) {
        const double base_m = A(s, "base_momentum"), max_m = A(s, "max_momentum");
        s->st.momentum = max_m - (max_m - base_m) * scale_factor * scale;
    }
}

static descent_status check_cyclic(descent_schedule *s)
{
    if (!(A(s, "step_size_up") > 0) || A(s, "step_size_down") <= 0)
        return bad("cyclic_lr: step sizes must be > 0 (step_size_up %g)", A(s, "step_size_up"));
    if (isnan(A(s, "base_lr")))
        s->arg[0] = s->base_lr; /* base_lr: the optimizer's lr unless given */
    return DESCENT_OK;
}

static descent_status step_cyclic(descent_schedule *s, double m)
{
    (void)m;
    cyclic_lr(s);
    return DESCENT_OK;
}

/* OneCycleLR: phases of (end step, start/end lr, start/end momentum). */
typedef struct phase {
    double end_step, start_lr, end_lr, start_m, end_m;
} phase;

static double anneal(const descent_schedule *s, double start, double end, double pct)
{
    if (A(s, "anneal_strategy") == 0) /* cos */
        return end + (start - end) / 2.0 * (cos(PI * pct) + 1);
    return (end - start) * pct + start;
}

static int one_cycle_phases(const descent_schedule *s, phase p[3])
{
    const double total = A(s, "total_steps"), pct = A(s, "pct_start");
    const double max_lr = A(s, "max_lr"), initial = max_lr / A(s, "div_factor");
    const double min_lr = initial / A(s, "final_div_factor");
    const double max_m = A(s, "max_momentum"), base_m = A(s, "base_momentum");
    if (A(s, "three_phase") != 0) {
        p[0] = (phase){pct * total - 1, initial, max_lr, max_m, base_m};
        p[1] = (phase){2 * pct * total - 2, max_lr, initial, base_m, max_m};
        p[2] = (phase){total - 1, initial, min_lr, max_m, max_m};
        return 3;
    }
    p[0] = (phase){pct * total - 1, initial, max_lr, max_m, base_m};
    p[1] = (phase){total - 1, max_lr, min_lr, base_m, max_m};
    return 2;
}

static descent_status one_cycle_lr(descent_schedule *s)
{
    const double step_num = s->st.last_epoch;
    if (step_num > A(s, "total_steps"))
        return descent_fail(DESCENT_ERR_INVALID, "one_cycle_lr: Tried to step %.0f times. The "
                            "specified number of total steps is %.0f", step_num + 1,
                            A(s, "total_steps"));
    phase p[3];
    const int n = one_cycle_phases(s, p);
    double start_step = 0;
    for (int i = 0; i < n; i++) {
        if (step_num <= p[i].end_step || i == n - 1) {
            const double pct = (step_num - start_step) / (p[i].end_step - start_step);
            s->st.lr = anneal(s, p[i].start_lr, p[i].end_lr, pct);
            if (A(s, "cycle_momentum") != 0)
                s->st.momentum = anneal(s, p[i].start_m, p[i].end_m, pct);
            break;
        }
        start_step = p[i].end_step;
    }
    return DESCENT_OK;
}

static descent_status check_one_cycle(descent_schedule *s)
{
    if (isnan(A(s, "total_steps"))) {
        const double epochs = A(s, "epochs"), per = A(s, "steps_per_epoch");
        if (isnan(epochs) || isnan(per))
            return descent_fail(DESCENT_ERR_INVALID, "You must define either total_steps OR "
                                "(epochs AND steps_per_epoch)");
        if (!(epochs >= 1) || !(per >= 1))
            return bad("Expected positive integer epochs and steps_per_epoch (epochs %g)", epochs);
        for (int k = 0; k < MAX_KEYS && s->def->keys[k].name; k++)
            if (!strcmp(s->def->keys[k].name, "total_steps"))
                s->arg[k] = epochs * per;
    }
    if (!(A(s, "total_steps") >= 1))
        return bad("Expected positive integer total_steps, but got %g", A(s, "total_steps"));
    const double pct = A(s, "pct_start");
    if (!(pct >= 0 && pct <= 1))
        return bad("Expected float between 0 and 1 pct_start, but got %g", pct);
    return DESCENT_OK;
}

static void start_one_cycle(descent_schedule *s)
{
    one_cycle_lr(s); /* step 0 is within any total_steps >= 1 */
}

static descent_status step_one_cycle(descent_schedule *s, double m)
{
    (void)m;
    return one_cycle_lr(s);
}

/* ReduceLROnPlateau. */
static int is_better(const descent_schedule *s, double a, double best)
{
    const double th = A(s, "threshold");
    const int max_mode = A(s, "mode") != 0, abs_mode = A(s, "threshold_mode") != 0;
    if (!max_mode)
        return abs_mode ? a < best - th : a < best * (1 - th);
    return abs_mode ? a > best + th : a > best * (th + 1);
}

static descent_status check_plateau(descent_schedule *s)
{
    if (A(s, "factor") >= 1.0)
        return bad("Factor should be < 1.0 (got %g).", A(s, "factor"));
    return DESCENT_OK;
}

static void start_plateau(descent_schedule *s)
{
    s->st.lr = s->base_lr;
    s->st.best = A(s, "mode") != 0 ? -INFINITY : INFINITY; /* mode_worse */
}

/* A NaN metric is never better (as in PyTorch): it counts as a bad epoch. */
static descent_status step_plateau(descent_schedule *s, double metric)
{
    if (is_better(s, metric, s->st.best)) {
        s->st.best = metric;
        s->st.num_bad_epochs = 0;
    } else {
        s->st.num_bad_epochs += 1;
    }
    if (s->st.cooldown_counter > 0) {
        s->st.cooldown_counter -= 1;
        s->st.num_bad_epochs = 0;
    }
    if (s->st.num_bad_epochs > A(s, "patience")) {
        const double old_lr = s->st.lr, new_lr = fmax(old_lr * A(s, "factor"), A(s, "min_lr"));
        if (old_lr - new_lr > A(s, "eps"))
            s->st.lr = new_lr;
        s->st.cooldown_counter = A(s, "cooldown");
        s->st.num_bad_epochs = 0;
    }
    return DESCENT_OK;
}

/* SequentialLR([LinearLR(start_factor, 1, warmup_iters), CosineAnnealingLR(
 * T_max, eta_min)], milestones=[warmup_iters]), as 1.13 runs it: the linear
 * warm-up's steps, then at the milestone cosine.step(0), which takes its
 * closed form at 0 (the base lr), then cosine's recursive steps. */
static descent_status check_sequential(descent_schedule *s)
{
    const descent_status st = check_start_factor(A(s, "start_factor"));
    if (st != DESCENT_OK)
        return st;
    if (!(A(s, "warmup_iters") >= 1))
        return bad("warmup_iters %g must be >= 1", A(s, "warmup_iters"));
    return check_t_max(s);
}

static void start_sequential(descent_schedule *s)
{
    s->st.lr = s->base_lr * A(s, "start_factor");
    s->st.inner_last_epoch = 0;
}

static descent_status step_sequential(descent_schedule *s, double m)
{
    (void)m;
    const long w = (long)A(s, "warmup_iters");
    if (last(s) < w) { /* LinearLR(start_factor, 1.0, total_iters = w) */
        s->st.inner_last_epoch = (double)last(s);
        s->st.lr *= linear_step_factor(A(s, "start_factor"), 1.0, (double)w, last(s));
    } else if (last(s) == w) { /* cosine.step(0): the closed form at 0 */
        s->st.inner_last_epoch = 0;
        s->st.lr = s->base_lr;
    } else {
        sched_state inner = s->st;
        inner.last_epoch = s->st.inner_last_epoch + 1;
        cosine_recursive(&inner, s->base_lr, A(s, "T_max"), A(s, "eta_min"));
        s->st.lr = inner.lr;
        s->st.inner_last_epoch = inner.last_epoch;
    }
    return DESCENT_OK;
}

/* ---------------------------------------------------------------- table */

#define NUM(name, d) {name, K_NUMBER, d, {0}, 0}
#define INT(name, d) {name, K_INT, d, {0}, 0}
#define HORIZON(name) {name, K_INT, REQUIRED, {0}, 1}
#define FLAG(name, d) {name, K_FLAG, d, {0}, 0}
#define CHOICE(name, ...) {name, K_CHOICE, 0, {__VA_ARGS__}, 0}

static const schedule_def schedules[] = {
    {"constant", {{0}}, NULL, start_keep, step_constant},
    {"step_lr", {INT("step_size", REQUIRED), NUM("gamma", 0.1)}, check_step_lr, start_keep,
     step_step_lr},
    {"multi_step_lr", {{"milestones", K_LIST, REQUIRED, {0}, 0}, NUM("gamma", 0.1)}, NULL,
     start_keep, step_multi_step_lr},
    {"constant_lr", {NUM("factor", 1.0 / 3), INT("total_iters", 5)}, check_factor,
     start_constant_lr, step_constant_lr},
    {"linear_lr", {NUM("start_factor", 1.0 / 3), NUM("end_factor", 1.0), INT("total_iters", 5)},
     check_linear_lr, start_linear_lr, step_linear_lr},
    {"exponential_lr", {NUM("gamma", REQUIRED)}, NULL, start_keep, step_exponential_lr},
    {"polynomial_lr", {INT("total_iters", 5), NUM("power", 1.0)}, check_total_iters, start_keep,
     step_polynomial_lr},
    {"cosine_annealing_lr", {HORIZON("T_max"), NUM("eta_min", 0)}, check_t_max, start_keep,
     step_cosine},
    {"cosine_annealing_warm_restarts", {INT("T_0", REQUIRED), INT("T_mult", 1),
                                        NUM("eta_min", 0)},
     check_warm_restarts, start_warm_restarts, step_warm_restarts},
    {"cyclic_lr", {NUM("base_lr", REQUIRED), NUM("max_lr", REQUIRED), NUM("step_size_up", 2000),
                   NUM("step_size_down", REQUIRED),
                   CHOICE("mode", "triangular", "triangular2", "exp_range"), NUM("gamma", 1.0),
                   FLAG("cycle_momentum", 1), NUM("base_momentum", 0.8),
                   NUM("max_momentum", 0.9)},
     check_cyclic, cyclic_lr, step_cyclic},
    {"one_cycle_lr", {NUM("max_lr", REQUIRED), HORIZON("total_steps"), INT("epochs", REQUIRED),
                      INT("steps_per_epoch", REQUIRED), NUM("pct_start", 0.3),
                      CHOICE("anneal_strategy", "cos", "linear"), FLAG("cycle_momentum", 1),
                      NUM("base_momentum", 0.85), NUM("max_momentum", 0.95),
                      NUM("div_factor", 25.0), NUM("final_div_factor", 1e4),
                      FLAG("three_phase", 0)},
     check_one_cycle, start_one_cycle, step_one_cycle},
    {"reduce_lr_on_plateau", {CHOICE("mode", "min", "max"), NUM("factor", 0.1),
                              INT("patience", 10), NUM("threshold", 1e-4),
                              CHOICE("threshold_mode", "rel", "abs"), INT("cooldown", 0),
                              NUM("min_lr", 0), NUM("eps", 1e-8)},
     check_plateau, start_plateau, step_plateau},
    {"sequential_linear_cosine", {NUM("start_factor", REQUIRED), INT("warmup_iters", REQUIRED),
                                  {"T_max", K_INT, REQUIRED, {0}, 2}, NUM("eta_min", 0)},
     check_sequential, start_sequential, step_sequential},
};
#define N_SCHEDULES ((int)(sizeof schedules / sizeof schedules[0]))

/* Keys whose absence is fine though they have no default: they are
 * alternatives (one_cycle's epochs/steps_per_epoch vs total_steps), derived
 * (cyclic's base_lr from the optimizer, step_size_down from up). */
static int optional_without_default(const schedule_def *d, const char *key)
{
    return (!strcmp(d->name, "one_cycle_lr") &&
            (!strcmp(key, "epochs") || !strcmp(key, "steps_per_epoch") ||
             !strcmp(key, "total_steps"))) ||
           (!strcmp(d->name, "cyclic_lr") &&
            (!strcmp(key, "base_lr") || !strcmp(key, "step_size_down")));
}

int descent_schedule_count(void)
{
    return N_SCHEDULES;
}

const char *descent_schedule_name(int i)
{
    return i >= 0 && i < N_SCHEDULES ? schedules[i].name : NULL;
}

static const schedule_def *find(const char *name)
{
    for (int i = 0; name && i < N_SCHEDULES; i++)
        if (!strcmp(schedules[i].name, name))
            return &schedules[i];
    return NULL;
}

const char *const *descent_schedule_keys(const char *name)
{
    static const char *names[N_SCHEDULES][MAX_KEYS + 1]; /* built once; idempotent */
    const schedule_def *d = find(name);
    if (!d)
        return NULL;
    const char **out = names[d - schedules];
    for (int k = 0; k < MAX_KEYS && d->keys[k].name; k++)
        out[k] = d->keys[k].name;
    return out;
}

/* One "key=value" argument into s. */
static descent_status parse_arg(descent_schedule *s, char *item)
{
    const schedule_def *d = s->def;
    char *eq = strchr(item, '=');
    if (!eq)
        return descent_fail(DESCENT_ERR_INVALID, "%s: argument '%s' is not key=value", d->name,
                            item);
    *eq = '\0';
    const char *value = eq + 1;
    for (int k = 0; k < MAX_KEYS && d->keys[k].name; k++) {
        const key_def *key = &d->keys[k];
        if (strcmp(key->name, item) != 0)
            continue;
        if (key->type == K_CHOICE) {
            for (int c = 0; c < 4 && key->choices[c]; c++)
                if (!strcmp(key->choices[c], value)) {
                    s->arg[k] = c;
                    return DESCENT_OK;
                }
            return descent_fail(DESCENT_ERR_INVALID, "%s: %s %s is unknown!", d->name, item,
                                value);
        }
        if (key->type == K_LIST) {
            s->n_milestones = 0;
            for (const char *p = value; *p;) {
                char *end;
                const long v = strtol(p, &end, 10);
                if (end == p || v < 0 || s->n_milestones == MAX_MILESTONES)
                    return descent_fail(DESCENT_ERR_INVALID, "%s: milestones '%s': expected up "
                                        "to %d integers >= 0 such as 2,5,9", d->name, value,
                                        MAX_MILESTONES);
                s->milestones[s->n_milestones++] = v;
                p = *end == ',' ? end + 1 : end;
                if (*end && *end != ',')
                    return descent_fail(DESCENT_ERR_INVALID, "%s: milestones '%s': expected "
                                        "integers separated by commas", d->name, value);
            }
            s->arg[k] = s->n_milestones;
            return DESCENT_OK;
        }
        char *end;
        const double v = strtod(value, &end);
        if (end == value || *end || !isfinite(v))
            return descent_fail(DESCENT_ERR_INVALID, "%s: %s=%s is not a finite number",
                                d->name, item, value);
        if ((key->type == K_INT && v != floor(v)) ||
            (key->type == K_FLAG && v != 0 && v != 1))
            return descent_fail(DESCENT_ERR_INVALID, "%s: %s=%s must be %s", d->name, item,
                                value, key->type == K_FLAG ? "0 or 1" : "an integer");
        s->arg[k] = v;
        return DESCENT_OK;
    }
    char list[256] = "";
    for (int k = 0; k < MAX_KEYS && d->keys[k].name; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                 d->keys[k].name);
    return descent_fail(DESCENT_ERR_INVALID, "%s: unknown argument '%s' (it takes %s)", d->name,
                        item, *list ? list : "none");
}

static void describe(descent_schedule *s)
{
    char *p = s->describe;
    size_t left = sizeof s->describe;
    int w = snprintf(p, left, "%s", s->def->name);
    for (int k = 0; k < MAX_KEYS && s->def->keys[k].name && w > 0 && (size_t)w < left; k++) {
        p += w, left -= (size_t)w;
        const key_def *key = &s->def->keys[k];
        if (isnan(s->arg[k]))
            w = 0;
        else if (key->type == K_CHOICE)
            w = snprintf(p, left, " %s=%s", key->name, key->choices[(int)s->arg[k]]);
        else if (key->type == K_LIST) {
            w = snprintf(p, left, " %s=", key->name);
            for (int i = 0; i < s->n_milestones && w > 0 && (size_t)w < left; i++)
                w += snprintf(p + w, left - (size_t)w, "%s%ld", i ? "," : "", s->milestones[i]);
        } else
            w = snprintf(p, left, " %s=%.17g", key->name, s->arg[k]);
    }
}

descent_status descent_schedule_create(const char *name, const char *args, double base_lr,
                                       double base_momentum, long horizon,
                                       descent_schedule **out)
{
    if (!out)
        return descent_fail(DESCENT_ERR_INVALID, "descent_schedule_create: out is NULL");
    *out = NULL;
    const schedule_def *d = find(name ? name : "constant");
    if (!d) {
        char list[512] = "";
        for (int i = 0; i < N_SCHEDULES; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     schedules[i].name);
        return descent_fail(DESCENT_ERR_INVALID, "unknown schedule '%s' (expected %s)", name,
                            list);
    }
    if (!(base_lr >= 0) || !isfinite(base_lr))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid learning rate: %g", base_lr);
    descent_schedule *s = calloc(1, sizeof *s);
    char *copy = strdup(args ? args : "");
    if (!s || !copy) {
        free(s), free(copy);
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory creating a schedule");
    }
    s->def = d;
    s->base_lr = base_lr;
    s->base_momentum = base_momentum;
    for (int k = 0; k < MAX_KEYS; k++)
        s->arg[k] = d->keys[k].name ? d->keys[k].default_value : NAN;
    descent_status st = DESCENT_OK;
    for (char *save = NULL, *item = strtok_r(copy, " \t", &save); item && st == DESCENT_OK;
         item = strtok_r(NULL, " \t", &save))
        st = parse_arg(s, item);
    free(copy);
    /* Absent arguments that mean the run's length take its horizon. */
    for (int k = 0; k < MAX_KEYS && d->keys[k].name && st == DESCENT_OK; k++) {
        const key_def *key = &d->keys[k];
        if (!isnan(s->arg[k]) || !key->horizon || horizon <= 0)
            continue;
        if (key->horizon == 2) /* sequential's T_max: what follows the warm-up */
            s->arg[k] = (double)(horizon - (long)A(s, "warmup_iters"));
        else if (!(!strcmp(d->name, "one_cycle_lr") && !isnan(A(s, "epochs"))))
            s->arg[k] = (double)horizon;
    }
    for (int k = 0; k < MAX_KEYS && d->keys[k].name && st == DESCENT_OK; k++)
        if (isnan(s->arg[k]) && !optional_without_default(d, d->keys[k].name))
            st = descent_fail(DESCENT_ERR_INVALID, "%s: missing required argument '%s'",
                              d->name, d->keys[k].name);
    if (st == DESCENT_OK && d->check)
        st = d->check(s);
    if (st != DESCENT_OK) {
        free(s);
        return st;
    }
    s->st.momentum = NAN;
    s->st.lr = base_lr;
    d->start(s);
    describe(s);
    *out = s;
    return DESCENT_OK;
}

void descent_schedule_free(descent_schedule *s)
{
    free(s);
}

double descent_schedule_lr(const descent_schedule *s)
{
    return s ? s->st.lr : NAN;
}

double descent_schedule_momentum(const descent_schedule *s)
{
    return s ? s->st.momentum : NAN;
}

descent_status descent_schedule_step(descent_schedule *s, double metric)
{
    if (!s)
        return descent_fail(DESCENT_ERR_INVALID, "descent_schedule_step: s is NULL");
    const sched_state before = s->st;
    s->st.last_epoch += 1;
    descent_status st = s->def->step(s, metric);
    if (st != DESCENT_OK)
        s->st = before; /* a refused step (one_cycle past its end) changes nothing */
    return st;
}

long descent_schedule_steps(const descent_schedule *s)
{
    return s ? (long)s->st.last_epoch : 0;
}

const char *descent_schedule_describe(const descent_schedule *s)
{
    return s ? s->describe : "";
}

size_t descent_schedule_state_size(const descent_schedule *s)
{
    return s ? STATE_DOUBLES : 0;
}

void descent_schedule_get_state(const descent_schedule *s, double *state)
{
    if (s && state)
        memcpy(state, &s->st, sizeof s->st);
}

descent_status descent_schedule_set_state(descent_schedule *s, const double *state)
{
    if (!s || !state)
        return descent_fail(DESCENT_ERR_INVALID, "descent_schedule_set_state: NULL argument");
    sched_state st;
    memcpy(&st, state, sizeof st);
    if (!(st.last_epoch >= 0) || st.last_epoch != floor(st.last_epoch) || !isfinite(st.lr))
        return descent_fail(DESCENT_ERR_FORMAT, "schedule state: bad step count or lr");
    s->st = st;
    return DESCENT_OK;
}
