/* Learning-rate schedules (descent_schedule.h): hand-computed values of each
 * schedule, long runs against the closed forms, the arguments PyTorch
 * rejects (with its messages), the horizon, describe(), and checkpoint
 * state that continues bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "descent.h"

#define PI 3.141592653589793

/* The schedule `name args` over lr `base` (momentum 0.9, no horizon). */
static descent_schedule *make(const char *name, const char *args, double base)
{
    descent_schedule *s = NULL;
    EXPECT(descent_schedule_create(name, args, base, 0.9, 0, &s) == DESCENT_OK,
           "create %s '%s': %s", name, args, descent_last_error());
    return s;
}

/* Steps s through want[0..n) (want[0]: after construction), each within
 * 1e-15 * max(1, |want|): hand values are exact or nearly so. */
static void expect_lrs(const char *what, descent_schedule *s, const double *want, int n,
                       const double *metrics)
{
    for (int t = 0; s && t < n; t++) {
        if (t > 0)
            EXPECT(descent_schedule_step(s, metrics ? metrics[t - 1] : NAN) == DESCENT_OK,
                   "%s step %d: %s", what, t, descent_last_error());
        const double got = descent_schedule_lr(s);
        EXPECT(fabs(got - want[t]) <= 1e-15 * fmax(1, fabs(want[t])),
               "%s after %d steps: lr %.17g, want %.17g", what, t, got, want[t]);
    }
}

/* expect_lrs on a schedule made for it, then freed. */
static void expect_run(const char *what, descent_schedule *s, const double *want, int n,
                       const double *metrics)
{
    expect_lrs(what, s, want, n, metrics);
    descent_schedule_free(s);
}

static void test_names_and_keys(void)
{
    EXPECT(descent_schedule_count() == 13, "count %d", descent_schedule_count());
    EXPECT(!strcmp(descent_schedule_name(0), "constant"), "name 0 %s",
           descent_schedule_name(0));
    EXPECT(descent_schedule_name(-1) == NULL && descent_schedule_name(13) == NULL,
           "names out of range");
    const char *const *keys = descent_schedule_keys("one_cycle_lr");
    const char *want[] = {"max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start",
                          "anneal_strategy", "cycle_momentum", "base_momentum",
                          "max_momentum", "div_factor", "final_div_factor", "three_phase"};
    for (size_t i = 0; keys && i < sizeof want / sizeof want[0]; i++)
        EXPECT(keys[i] && !strcmp(keys[i], want[i]), "one_cycle_lr key %zu: %s", i,
               keys[i] ? keys[i] : "NULL");
    EXPECT(keys && keys[12] == NULL, "one_cycle_lr keys end with NULL");
    EXPECT(descent_schedule_keys("constant")[0] == NULL, "constant takes no keys");
    EXPECT(descent_schedule_keys("cosine") == NULL, "unknown name: NULL keys");
    /* Every schedule can be created from its name with its required keys. */
    for (int i = 0; i < descent_schedule_count(); i++) {
        descent_schedule *s = NULL;
        const char *name = descent_schedule_name(i);
        EXPECT(descent_schedule_keys(name) != NULL, "keys of %s", name);
        descent_schedule_create(name, NULL, 0.1, 0.9, 100, &s);
        descent_schedule_free(s);
    }
}

static void test_step_multi_step_constant_linear(void)
{
    const double step_lr[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25};
    expect_run("step_lr", make("step_lr", "step_size=3 gamma=0.5", 1), step_lr, 8, NULL);
    /* A milestone listed twice decays twice (PyTorch's Counter). */
    const double multi[] = {1, 1, 0.5, 0.5, 0.5, 0.125, 0.125};
    expect_run("multi_step_lr", make("multi_step_lr", "milestones=5,2,5 gamma=0.5", 1), multi,
               7, NULL);
    const double constant[] = {0.2, 0.2, 0.2, 0.2, 0.8, 0.8};
    expect_run("constant_lr", make("constant_lr", "factor=0.25 total_iters=4", 0.8), constant,
               6, NULL);
    const double linear[] = {0.25, 0.5, 0.75, 1, 1, 1};
    expect_run("linear_lr", make("linear_lr", "start_factor=0.25 total_iters=3", 1), linear,
               6, NULL);
    const double exponential[] = {2, 1, 0.5, 0.25};
    expect_run("exponential_lr", make("exponential_lr", "gamma=0.5", 2), exponential, 4, NULL);
    const double poly[] = {1, 0.5625, 0.25, 0.0625, 0, 0, 0};
    expect_run("polynomial_lr", make("polynomial_lr", "total_iters=4 power=2", 1), poly, 7,
               NULL);
    descent_schedule *constant_default = make("constant", "", 0.3);
    const double flat[] = {0.3, 0.3, 0.3};
    expect_lrs("constant", constant_default, flat, 3, NULL);
    EXPECT(isnan(descent_schedule_momentum(constant_default)), "constant leaves momentum");
    descent_schedule_free(constant_default);
}

/* cosine_annealing_lr over 3 periods of T_max 1000: PyTorch's recursive
 * form stays within 1e-12 of the closed form, through the restarts of the
 * cosine (the additive branch at T_cur = (2k+1) T_max). */
static void test_cosine_long_run(void)
{
    const double base = 0.1, eta_min = 0.001;
    descent_schedule *s = make("cosine_annealing_lr", "T_max=1000 eta_min=0.001", base);
    double worst = 0;
    for (long e = 0; s && e <= 3000; e++) {
        if (e > 0)
            descent_schedule_step(s, NAN);
        const double closed = eta_min + (base - eta_min) * (1 + cos(PI * (double)e / 1000)) / 2;
        worst = fmax(worst, fabs(descent_schedule_lr(s) - closed) / fmax(1, fabs(closed)));
    }
    EXPECT(worst <= 1e-12, "cosine vs closed form: %.3g", worst);
    EXPECT(descent_schedule_steps(s) == 3000, "steps %ld", descent_schedule_steps(s));
    descent_schedule_free(s);
}

static void test_warm_restarts_t_mult_2(void)
{
    /* T_0 2, T_mult 2: restarts at steps 2, 6, 14, 30, 62. */
    descent_schedule *s = make("cosine_annealing_warm_restarts", "T_0=2 T_mult=2", 1);
    long start = 0, period = 2;
    for (long e = 0; s && e <= 70; e++) {
        if (e > 0)
            descent_schedule_step(s, NAN);
        if (e - start == period)
            start = e, period *= 2;
        const double want = (1 + cos(PI * (double)(e - start) / (double)period)) / 2;
        EXPECT(fabs(descent_schedule_lr(s) - want) <= 1e-15, "step %ld: %.17g want %.17g", e,
               descent_schedule_lr(s), want);
    }
    descent_schedule_free(s);
    const double t_mult_1[] = {1, 0.75, 0.25, 1, 0.75};
    expect_run("warm restarts T_mult 1",
               make("cosine_annealing_warm_restarts", "T_0=3 T_mult=1", 1), t_mult_1, 5, NULL);
}

static void test_cyclic(void)
{
    /* triangular2: the amplitude halves every cycle; momentum mirrors it. */
    const double tri2[] = {0.1, 0.6, 1.1, 0.6, 0.1, 0.35, 0.6, 0.35, 0.1, 0.225, 0.35};
    descent_schedule *s =
        make("cyclic_lr", "base_lr=0.1 max_lr=1.1 step_size_up=2 mode=triangular2", 0.5);
    expect_lrs("triangular2", s, tri2, 11, NULL);
    EXPECT(fabs(descent_schedule_momentum(s) - 0.875) <= 1e-15, "triangular2 momentum %.17g",
           descent_schedule_momentum(s));
    descent_schedule_free(s);
    /* exp_range: the amplitude is gamma^iterations. */
    const double exp_range[] = {0, 0.5, 0, 0.125, 0, 0.03125};
    s = make("cyclic_lr", "base_lr=0 max_lr=1 step_size_up=1 mode=exp_range gamma=0.5", 1);
    expect_lrs("exp_range", s, exp_range, 6, NULL);
    descent_schedule_free(s);
    /* step_size_down differs from step_size_up; no momentum cycling. */
    const double asym[] = {0, 0.5, 1, 0.75, 0.5, 0.25, 0, 0.5};
    s = make("cyclic_lr", "base_lr=0 max_lr=1 step_size_up=2 step_size_down=4 "
                          "cycle_momentum=0", 1);
    expect_lrs("step_size_down", s, asym, 8, NULL);
    EXPECT(isnan(descent_schedule_momentum(s)), "cycle_momentum=0 leaves momentum");
    descent_schedule_free(s);
}

static void test_one_cycle(void)
{
    /* three_phase, linear: up 0.1 -> 1 by step 2, down to 0.1 by step 4,
     * then to 0.001 at step 9 (and past it at step 10, as PyTorch). */
    const double three[] = {0.1, 0.55, 1, 0.55, 0.1, 0.0802, 0.0604, 0.0406, 0.0208, 0.001,
                            -0.0188};
    descent_schedule *s =
        make("one_cycle_lr", "max_lr=1 total_steps=10 anneal_strategy=linear div_factor=10 "
                             "final_div_factor=100 three_phase=1", 0.5);
    for (int t = 0; s && t <= 10; t++) {
        if (t > 0)
            EXPECT(descent_schedule_step(s, NAN) == DESCENT_OK, "step %d", t);
        EXPECT(fabs(descent_schedule_lr(s) - three[t]) <= 1e-15, "three_phase %d: %.17g", t,
               descent_schedule_lr(s));
        const double m = t == 1 ? 0.9 : t == 2 ? 0.85 : t == 3 ? 0.9 : 0.95;
        EXPECT(fabs(descent_schedule_momentum(s) - m) <= 1e-15, "momentum %d: %.17g", t,
               descent_schedule_momentum(s));
    }
    /* Step total_steps + 1 is PyTorch's ValueError (its message counts
     * last_epoch + 1 after the increment: 12), and changes nothing. */
    const double lr_before = descent_schedule_lr(s);
    EXPECT(descent_schedule_step(s, NAN) == DESCENT_ERR_INVALID, "step past total_steps");
    EXPECT(strstr(descent_last_error(),
                  "Tried to step 12 times. The specified number of total steps is 10") != NULL,
           "message: %s", descent_last_error());
    EXPECT(descent_schedule_steps(s) == 10 && descent_schedule_lr(s) == lr_before,
           "a failed step leaves the schedule");
    descent_schedule_free(s);

    /* cos, two phases: the peak at step pct_start*total - 1, the end at
     * max_lr / div_factor / final_div_factor. */
    s = make("one_cycle_lr", "max_lr=0.5 epochs=4 steps_per_epoch=5 pct_start=0.25", 0.1);
    EXPECT(strstr(descent_schedule_describe(s), " total_steps=20 ") != NULL, "describe: %s",
           descent_schedule_describe(s));
    for (int t = 1; s && t <= 19; t++) {
        descent_schedule_step(s, NAN);
        if (t == 4)
            EXPECT(fabs(descent_schedule_lr(s) - 0.5) <= 1e-15 &&
                       fabs(descent_schedule_momentum(s) - 0.85) <= 1e-15,
                   "peak %.17g %.17g", descent_schedule_lr(s), descent_schedule_momentum(s));
    }
    EXPECT(fabs(descent_schedule_lr(s) - 0.5 / 25 / 1e4) <= 1e-18, "end %.17g",
           descent_schedule_lr(s));
    descent_schedule_free(s);
}

static void test_plateau(void)
{
    /* threshold_mode=abs: 9.5 beats 10 by more than 0.1 (rel would not);
     * cooldown=2 ignores the two bad epochs after the reduction. */
    const double metrics[] = {10, 9.5, 9.45, 9.42, 9.41, 9.41, 9.45, 9.44};
    const double want[] = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25};
    const char *args = "factor=0.5 patience=1 threshold=0.1 threshold_mode=abs cooldown=2";
    expect_run("plateau abs cooldown", make("reduce_lr_on_plateau", args, 1), want, 9,
               metrics);
    /* The same with rel: 9.5 is no improvement, so the first reduction
     * comes a step earlier, and the second after the cooldown. */
    const double want_rel[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25};
    expect_run("plateau rel", make("reduce_lr_on_plateau",
                                   "factor=0.5 patience=1 threshold=0.1 cooldown=2", 1),
               want_rel, 9, metrics);
    /* mode=max, min_lr clamps, and eps ignores a reduction too small. */
    const double rising[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const double want_max[] = {1, 1, 1, 0.4, 0.4, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3};
    expect_run("plateau max min_lr",
               make("reduce_lr_on_plateau", "mode=max factor=0.4 patience=1 min_lr=0.3", 1),
               want_max, 11, rising);
    descent_schedule *s = make("reduce_lr_on_plateau", "", 1);
    EXPECT(descent_schedule_step(s, NAN) == DESCENT_ERR_INVALID && descent_schedule_steps(s) == 0,
           "a NaN metric is refused");
    descent_schedule_free(s);
}

static void test_sequential(void)
{
    /* LinearLR(0.5, 1, 2) then CosineAnnealingLR(4): the milestone (step
     * 2) is the cosine's step(0), then its own count 1, 2, ... */
    const double c1 = (1 + cos(PI / 4)) / 2;
    const double want[] = {0.5, 0.75, 1, c1, 0.5, 1 - c1, 0, 1 - c1, 0.5};
    descent_schedule *s =
        make("sequential_linear_cosine", "start_factor=0.5 warmup_iters=2 T_max=4", 1);
    for (int t = 0; s && t < 9; t++) {
        if (t > 0)
            descent_schedule_step(s, NAN);
        EXPECT(fabs(descent_schedule_lr(s) - want[t]) <= 1e-15, "sequential %d: %.17g want %.17g",
               t, descent_schedule_lr(s), want[t]);
    }
    descent_schedule_free(s);
}

static void test_horizon(void)
{
    descent_schedule *s = NULL;
    EXPECT(descent_schedule_create("cosine_annealing_lr", "", 0.1, 0.9, 0, &s) ==
                   DESCENT_ERR_INVALID &&
               strstr(descent_last_error(), "missing required argument T_max"),
           "T_max without a horizon: %s", descent_last_error());
    const struct {
        const char *name, *args, *part;
        long horizon;
    } cases[] = {
        {"cosine_annealing_lr", "", " T_max=40 ", 40},
        {"cosine_annealing_lr", "T_max=7", " T_max=7 ", 40},
        {"polynomial_lr", "", "total_iters=40 ", 40},
        {"polynomial_lr", "", "total_iters=5 ", 0},
        {"one_cycle_lr", "max_lr=1", " total_steps=40 ", 40},
        {"one_cycle_lr", "max_lr=1 epochs=3 steps_per_epoch=4", " total_steps=12 ", 40},
        {"sequential_linear_cosine", "start_factor=0.1 warmup_iters=5", " T_max=35 ", 40},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s = NULL;
        EXPECT(descent_schedule_create(cases[i].name, cases[i].args, 0.1, 0.9, cases[i].horizon,
                                       &s) == DESCENT_OK,
               "%s: %s", cases[i].name, descent_last_error());
        EXPECT(s && strstr(descent_schedule_describe(s), cases[i].part), "%s horizon %ld: %s",
               cases[i].name, cases[i].horizon, s ? descent_schedule_describe(s) : "");
        descent_schedule_free(s);
    }
}

static void test_describe(void)
{
    descent_schedule *s = make("cyclic_lr", "base_lr=0.001 max_lr=1/100", 0.1);
    const char *want = "cyclic_lr base_lr=0.001 max_lr=0.01 step_size_up=2000 "
                       "step_size_down=2000 mode=triangular gamma=1 cycle_momentum=1 "
                       "base_momentum=0.8 max_momentum=0.9";
    EXPECT(s && !strcmp(descent_schedule_describe(s), want), "describe: %s",
           s ? descent_schedule_describe(s) : "");
    descent_schedule_free(s);
    s = make("constant_lr", NULL, 0.1);
    EXPECT(s && !strcmp(descent_schedule_describe(s),
                        "constant_lr factor=0.3333333333333333 total_iters=5"),
           "describe: %s", s ? descent_schedule_describe(s) : "");
    descent_schedule_free(s);
}

typedef struct bad_case {
    const char *name, *args;
    const char *message; /* a part of the expected message */
} bad_case;

static void test_bad_arguments(void)
{
    const bad_case cases[] = {
        {"cosine", "", "unknown schedule 'cosine'"},
        {"step_lr", "step_size=2 gama=0.5", "unknown argument 'gama' (expected step_size or gamma)"},
        {"step_lr", "step_size=2 step_size=3", "step_size given twice"},
        {"step_lr", "step_size", "'step_size': expected key=value"},
        {"step_lr", "step_size=", "expected key=value"},
        {"step_lr", "step_size=2.5", "step_size=2.5: expected an integer"},
        {"step_lr", "step_size=0", "step_size must be a positive integer"},
        {"step_lr", "step_size=2 gamma=abc", "gamma=abc: expected a finite number"},
        {"step_lr", "step_size=2 gamma=nan", "expected a finite number"},
        {"step_lr", "step_size=2 gamma=1/0", "expected a finite number"},
        {"step_lr", "", "missing required argument step_size"},
        {"exponential_lr", "", "missing required argument gamma"},
        {"multi_step_lr", "milestones=2,,5", "expected comma-separated integers"},
        {"multi_step_lr", "milestones=2,x", "expected comma-separated integers"},
        {"constant", "gamma=1", "it takes none"},
        {"constant_lr", "factor=1.5", "Constant multiplicative factor expected to be between 0 and 1."},
        {"constant_lr", "factor=0", "ZeroDivisionError"},
        {"linear_lr", "start_factor=-0.1", "Starting multiplicative factor expected to be between 0 and 1."},
        {"linear_lr", "end_factor=2", "Ending multiplicative factor expected to be between 0 and 1."},
        {"linear_lr", "start_factor=0", "ZeroDivisionError"},
        {"polynomial_lr", "power=-1", "power must be >= 0"},
        {"cosine_annealing_lr", "T_max=0", "T_max must be a positive integer"},
        {"cosine_annealing_warm_restarts", "T_0=0", "Expected positive integer T_0, but got 0"},
        {"cosine_annealing_warm_restarts", "T_0=2 T_mult=0", "Expected integer T_mult >= 1, but got 0"},
        {"cyclic_lr", "base_lr=0.1", "missing required argument max_lr"},
        {"cyclic_lr", "base_lr=0.1 max_lr=1 mode=triangle", "mode is invalid and scale_fn is None"},
        {"cyclic_lr", "base_lr=0.1 max_lr=1 cycle_momentum=2", "cycle_momentum=2: expected 0 or 1"},
        {"cyclic_lr", "base_lr=0.1 max_lr=1 step_size_up=0", "step_size_up must be a positive"},
        {"one_cycle_lr", "max_lr=1", "You must define either total_steps OR (epochs AND steps_per_epoch)"},
        {"one_cycle_lr", "max_lr=1 epochs=3", "You must define either total_steps"},
        {"one_cycle_lr", "max_lr=1 total_steps=0", "Expected positive integer total_steps, but got 0"},
        {"one_cycle_lr", "max_lr=1 epochs=0 steps_per_epoch=3", "Expected positive integer epochs, but got 0"},
        {"one_cycle_lr", "max_lr=1 total_steps=10 pct_start=1.5", "Expected float between 0 and 1 pct_start, but got 1.5"},
        {"one_cycle_lr", "max_lr=1 total_steps=10 anneal_strategy=cosine", "anneal_strategy must by one of 'cos' or 'linear', instead got cosine"},
        {"one_cycle_lr", "max_lr=1 total_steps=10 pct_start=0.1", "phase of length 0"},
        {"reduce_lr_on_plateau", "factor=1", "Factor should be < 1.0."},
        {"reduce_lr_on_plateau", "mode=maximum", "mode maximum is unknown!"},
        {"reduce_lr_on_plateau", "threshold_mode=relative", "threshold mode relative is unknown!"},
        {"sequential_linear_cosine", "start_factor=0.1 warmup_iters=5", "missing required argument T_max"},
        {"sequential_linear_cosine", "start_factor=0.1 warmup_iters=0 T_max=5", "warmup_iters must be a positive integer"},
        {"sequential_linear_cosine", "start_factor=1.5 warmup_iters=2 T_max=5", "Starting multiplicative factor"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        descent_schedule *s = (descent_schedule *)&s; /* must be reset to NULL */
        descent_status st =
            descent_schedule_create(cases[i].name, cases[i].args, 0.1, 0.9, 0, &s);
        EXPECT(st == DESCENT_ERR_INVALID && s == NULL, "%s '%s': status %d", cases[i].name,
               cases[i].args, (int)st);
        EXPECT(strstr(descent_last_error(), cases[i].message) != NULL,
               "%s '%s': message '%s', want '%s'", cases[i].name, cases[i].args,
               descent_last_error(), cases[i].message);
    }
    /* cycle_momentum needs an optimizer with momentum (NAN: none). */
    descent_schedule *s = NULL;
    EXPECT(descent_schedule_create("cyclic_lr", "base_lr=0.1 max_lr=1", 0.1, NAN, 0, &s) ==
                   DESCENT_ERR_INVALID &&
               strstr(descent_last_error(), "optimizer must support momentum"),
           "cyclic without momentum: %s", descent_last_error());
    EXPECT(descent_schedule_create("cyclic_lr", "base_lr=0.1 max_lr=1 cycle_momentum=0", 0.1,
                                   NAN, 0, &s) == DESCENT_OK,
           "cycle_momentum=0 without momentum: %s", descent_last_error());
    descent_schedule_free(s);
    EXPECT(descent_schedule_create("constant", "", NAN, 0.9, 0, &s) == DESCENT_ERR_INVALID,
           "a NaN lr is refused");
    EXPECT(descent_schedule_create("constant", "", 0.1, 0.9, -1, &s) == DESCENT_ERR_INVALID,
           "a negative horizon is refused");
    EXPECT(descent_schedule_create("constant", "", 0.1, 0.9, 0, NULL) == DESCENT_ERR_INVALID,
           "a NULL out is refused");
    EXPECT(descent_schedule_step(NULL, 0) == DESCENT_ERR_INVALID, "NULL step");
}

/* Runs `steps` steps with a metric that falls and stalls. */
static void run_steps(descent_schedule *s, long from, long steps)
{
    for (long t = from; t < from + steps; t++) {
        const double metric = 1.0 / (1.0 + (double)(t % 17 < 9 ? t : t - t % 17));
        EXPECT(descent_schedule_step(s, metric) == DESCENT_OK, "step %ld: %s", t,
               descent_last_error());
    }
}

/* Saving the state after k steps and restoring it into a fresh schedule
 * continues exactly as the original does; describe() reads back as the
 * same schedule. */
static void test_state_round_trip(void)
{
    const struct {
        const char *name, *args;
    } cases[] = {
        {"constant", ""},
        {"step_lr", "step_size=3 gamma=0.7"},
        {"multi_step_lr", "milestones=4,9,9,30"},
        {"constant_lr", "factor=0.5 total_iters=20"},
        {"linear_lr", "start_factor=0.1 total_iters=30"},
        {"exponential_lr", "gamma=0.97"},
        {"polynomial_lr", "total_iters=35 power=1.5"},
        {"cosine_annealing_lr", "T_max=13 eta_min=0.001"},
        {"cosine_annealing_warm_restarts", "T_0=3 T_mult=2 eta_min=0.002"},
        {"cyclic_lr", "base_lr=0.01 max_lr=0.1 step_size_up=3 step_size_down=5 mode=exp_range "
                      "gamma=0.98"},
        {"one_cycle_lr", "max_lr=0.3 total_steps=40 three_phase=1"},
        {"reduce_lr_on_plateau", "patience=2 cooldown=1 factor=0.5"},
        {"sequential_linear_cosine", "start_factor=0.2 warmup_iters=6 T_max=30 eta_min=0.001"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = cases[i].name;
        descent_schedule *a = make(name, cases[i].args, 0.1);
        descent_schedule *b = make(name, cases[i].args, 0.1);
        if (!a || !b) {
            descent_schedule_free(a), descent_schedule_free(b);
            continue;
        }
        /* From describe(): the same arguments, every default written out. */
        const char *described = strchr(descent_schedule_describe(a), ' ');
        descent_schedule *c = make(name, described ? described + 1 : "", 0.1);
        EXPECT(descent_schedule_state_size(a) == descent_schedule_state_size(b) &&
                   descent_schedule_state_size(a) <= 16,
               "%s: state size %zu", name, descent_schedule_state_size(a));
        run_steps(a, 0, 17);
        double state[16];
        descent_schedule_get_state(a, state);
        EXPECT(descent_schedule_set_state(b, state) == DESCENT_OK, "%s: set_state: %s", name,
               descent_last_error());
        run_steps(c, 0, 17);
        EXPECT(descent_schedule_steps(b) == 17, "%s: restored steps %ld", name,
               descent_schedule_steps(b));
        for (long t = 17; t < 40; t++) {
            run_steps(a, t, 1), run_steps(b, t, 1), run_steps(c, t, 1);
            const double la = descent_schedule_lr(a), lb = descent_schedule_lr(b);
            const double ma = descent_schedule_momentum(a), mb = descent_schedule_momentum(b);
            EXPECT(la == lb && (ma == mb || (isnan(ma) && isnan(mb))),
                   "%s step %ld: restored lr %.17g momentum %.17g, want %.17g %.17g", name,
                   t + 1, lb, mb, la, ma);
            EXPECT(c && descent_schedule_lr(c) == la, "%s step %ld: from describe %.17g", name,
                   t + 1, c ? descent_schedule_lr(c) : NAN);
        }
        double again[16];
        descent_schedule_get_state(b, again);
        descent_schedule_get_state(a, state);
        EXPECT(!memcmp(state, again, descent_schedule_state_size(a) * sizeof(double)),
               "%s: the states agree after the continuation", name);
        descent_schedule_free(a), descent_schedule_free(b), descent_schedule_free(c);
    }
}

static void test_bad_state(void)
{
    descent_schedule *cos = make("cosine_annealing_lr", "T_max=10", 0.1);
    descent_schedule *step = make("step_lr", "step_size=2", 0.1);
    descent_schedule *warm = make("cosine_annealing_warm_restarts", "T_0=4", 0.1);
    double state[16];
    descent_schedule_get_state(cos, state);
    EXPECT(descent_schedule_set_state(step, state) == DESCENT_ERR_INVALID,
           "another schedule's state is refused");
    state[1] = 2.5;
    EXPECT(descent_schedule_set_state(cos, state) == DESCENT_ERR_INVALID,
           "a fractional step count is refused");
    descent_schedule_get_state(cos, state);
    state[2] = INFINITY;
    EXPECT(descent_schedule_set_state(cos, state) == DESCENT_ERR_INVALID,
           "an infinite lr is refused");
    descent_schedule_get_state(warm, state);
    state[4] = 9; /* T_cur beyond T_i */
    EXPECT(descent_schedule_set_state(warm, state) == DESCENT_ERR_INVALID,
           "inconsistent warm-restart counters are refused");
    EXPECT(descent_schedule_lr(warm) == 0.1 && descent_schedule_steps(warm) == 0,
           "a refused state changes nothing");
    descent_schedule_free(cos), descent_schedule_free(step), descent_schedule_free(warm);
}

int main(void)
{
    RUN(test_names_and_keys);
    RUN(test_step_multi_step_constant_linear);
    RUN(test_cosine_long_run);
    RUN(test_warm_restarts_t_mult_2);
    RUN(test_cyclic);
    RUN(test_one_cycle);
    RUN(test_plateau);
    RUN(test_sequential);
    RUN(test_horizon);
    RUN(test_describe);
    RUN(test_bad_arguments);
    RUN(test_state_round_trip);
    RUN(test_bad_state);
    return CHECK_EXIT_STATUS();
}
