/*
 * Schedules (src/schedule.c) beyond the oracle files, which check the
 * values themselves (tests/run.sh replays ../shared/golden/sched and
 * tests/golden/sched_*.txt):
 *  - the closed forms agree with the recursive ones over long runs;
 *  - absent horizon arguments take the run's horizon; a required one
 *    without a horizon, an unknown key, a bad value: DESCENT_ERR_INVALID
 *    with PyTorch's words;
 *  - one_cycle_lr refuses to step past total_steps and stays unchanged;
 *  - a saved state continues with the same values in a new object.
 */
#include <string.h>

#include "check.h"
#include "descent.h"

#define PI 3.14159265358979323846

static descent_schedule *make(const char *name, const char *args, long horizon)
{
    descent_schedule *s = NULL;
    EXPECT(descent_schedule_create(name, args, 0.1, 0.9, horizon, &s) == DESCENT_OK, "%s %s: %s",
           name, args, descent_last_error());
    return s;
}

static void test_closed_forms_over_long_runs(void)
{
    descent_schedule *cos_s = make("cosine_annealing_lr", "T_max=50 eta_min=0.001", 0);
    descent_schedule *exp_s = make("exponential_lr", "gamma=0.995", 0);
    for (long t = 1; t <= 1000; t++) {
        EXPECT(descent_schedule_step(cos_s, NAN) == DESCENT_OK, "step");
        EXPECT(descent_schedule_step(exp_s, NAN) == DESCENT_OK, "step");
        const double want = 0.001 + (0.1 - 0.001) * (1 + cos(PI * (double)t / 50)) / 2;
        EXPECT(fabs(descent_schedule_lr(cos_s) - want) <= 1e-12, "cosine step %ld: %.17g vs %.17g",
               t, descent_schedule_lr(cos_s), want);
        EXPECT(fabs(descent_schedule_lr(exp_s) / (0.1 * pow(0.995, (double)t)) - 1) <= 1e-12,
               "exponential step %ld", t);
    }
    EXPECT(descent_schedule_steps(cos_s) == 1000, "step count");
    EXPECT(isnan(descent_schedule_momentum(cos_s)), "cosine sets a momentum");
    descent_schedule_free(cos_s);
    descent_schedule_free(exp_s);
}

static void test_horizon_and_bad_arguments(void)
{
    descent_schedule *s = make("cosine_annealing_lr", "", 20);
    EXPECT(strstr(descent_schedule_describe(s), "T_max=20") != NULL, "horizon not used: %s",
           descent_schedule_describe(s));
    descent_schedule_free(s);
    s = make("sequential_linear_cosine", "start_factor=0.1 warmup_iters=5", 30);
    EXPECT(strstr(descent_schedule_describe(s), "T_max=25") != NULL, "sequential T_max: %s",
           descent_schedule_describe(s));
    descent_schedule_free(s);
    s = make("one_cycle_lr", "max_lr=0.1 epochs=3 steps_per_epoch=4", 99);
    EXPECT(strstr(descent_schedule_describe(s), "total_steps=12") != NULL, "epochs x steps: %s",
           descent_schedule_describe(s));
    descent_schedule_free(s);

    static const struct {
        const char *name, *args, *words;
        long horizon;
    } bad[] = {
        {"cosine_annealing_lr", "", "missing required argument 'T_max'", 0},
        {"step_lr", "gamma=0.5", "step_size", 10},
        {"step_lr", "step_size=3 gama=0.5", "unknown argument 'gama'", 0},
        {"step_lr", "step_size=2.5", "integer", 0},
        {"exponential_lr", "gamma=abc", "not a finite number", 0},
        {"constant_lr", "factor=1.5", "between 0 and 1", 0},
        {"linear_lr", "start_factor=0", "greater than 0", 0},
        {"cosine_annealing_warm_restarts", "T_0=0", "Expected positive integer T_0", 0},
        {"cosine_annealing_warm_restarts", "T_0=2 T_mult=0", "T_mult >= 1", 0},
        {"cyclic_lr", "max_lr=0.1 mode=zigzag", "mode zigzag is unknown", 0},
        {"one_cycle_lr", "max_lr=0.1", "You must define either total_steps", 0},
        {"one_cycle_lr", "max_lr=0.1 total_steps=10 pct_start=2", "pct_start", 0},
        {"reduce_lr_on_plateau", "factor=1", "Factor should be < 1.0", 0},
        {"multi_step_lr", "milestones=2,x", "milestones", 0},
        {"cosine", "", "unknown schedule 'cosine'", 0},
        {"step_lr", "step_size", "not key=value", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        descent_schedule *b = NULL;
        EXPECT(descent_schedule_create(bad[i].name, bad[i].args, 0.1, 0.9, bad[i].horizon, &b) ==
                   DESCENT_ERR_INVALID && !b,
               "%s '%s' accepted", bad[i].name, bad[i].args);
        EXPECT(strstr(descent_last_error(), bad[i].words) != NULL, "%s '%s': message '%s'",
               bad[i].name, bad[i].args, descent_last_error());
    }
    EXPECT(descent_schedule_keys("nope") == NULL, "keys of an unknown schedule");
    EXPECT(!strcmp(descent_schedule_keys("step_lr")[0], "step_size") &&
               !strcmp(descent_schedule_keys("step_lr")[1], "gamma") &&
               descent_schedule_keys("step_lr")[2] == NULL,
           "step_lr's keys");
}

static void test_one_cycle_stops_at_its_end(void)
{
    descent_schedule *s = make("one_cycle_lr", "max_lr=0.1 total_steps=4", 0);
    for (int t = 1; t <= 4; t++)
        EXPECT(descent_schedule_step(s, NAN) == DESCENT_OK, "step %d", t);
    const double lr = descent_schedule_lr(s);
    EXPECT(descent_schedule_step(s, NAN) == DESCENT_ERR_INVALID, "stepped past total_steps");
    EXPECT(strstr(descent_last_error(), "Tried to step 6 times") != NULL, "%s",
           descent_last_error());
    EXPECT(descent_schedule_lr(s) == lr && descent_schedule_steps(s) == 4, "refused step moved");
    descent_schedule_free(s);
}

static void test_state_round_trip(void)
{
    static const char *const cases[][2] = {
        {"cosine_annealing_warm_restarts", "T_0=3 T_mult=2"},
        {"reduce_lr_on_plateau", "patience=1 cooldown=1"},
        {"sequential_linear_cosine", "start_factor=0.1 warmup_iters=4 T_max=20"},
        {"cyclic_lr", "max_lr=1 step_size_up=3 mode=triangular2"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        descent_schedule *a = make(cases[c][0], cases[c][1], 0);
        for (int t = 1; t <= 7; t++)
            descent_schedule_step(a, 1.0 / t + (t % 3 == 0));
        const size_t n = descent_schedule_state_size(a);
        double state[32];
        EXPECT(n > 0 && n <= 32, "state size %zu", n);
        descent_schedule_get_state(a, state);
        descent_schedule *b = make(cases[c][0], cases[c][1], 0);
        EXPECT(descent_schedule_set_state(b, state) == DESCENT_OK, "%s", descent_last_error());
        for (int t = 8; t <= 30; t++) {
            descent_schedule_step(a, 1.0 / t + (t % 3 == 0));
            descent_schedule_step(b, 1.0 / t + (t % 3 == 0));
            EXPECT(descent_schedule_lr(a) == descent_schedule_lr(b), "%s step %d differs",
                   cases[c][0], t);
        }
        state[0] = -1;
        EXPECT(descent_schedule_set_state(b, state) == DESCENT_ERR_FORMAT, "bad state accepted");
        descent_schedule_free(a);
        descent_schedule_free(b);
    }
}

int main(void)
{
    RUN(test_closed_forms_over_long_runs);
    RUN(test_horizon_and_bad_arguments);
    RUN(test_one_cycle_stops_at_its_end);
    RUN(test_state_round_trip);
    return CHECK_EXIT_STATUS();
}
