/* The thread tuner (thread_tuner.h). */
#include "thread_tuner.h"

#include "config.h"
#include "descent.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

/* Calls measured on 1 thread before the first call on all: the first call
 * of an object pays for page faults and cold caches. */
#define WARMUP_SINGLE 2
/* A probe of the other choice is made once the calls since the last one
 * took PROBE_RATIO times what the other choice's last call took, and at
 * least MIN_GAP calls: probing then costs at most about 1/PROBE_RATIO of
 * the run, even where the other choice is a hundred times slower. */
#define PROBE_RATIO 20.0
#define MIN_GAP 8

void thread_tuner_init(thread_tuner *t)
{
    *t = (thread_tuner){.choice = 0};
}

static int all_threads(void)
{
#if DESCENT_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int thread_tuner_choose(const thread_tuner *t)
{
    if (t->samples[0] < WARMUP_SINGLE)
        return 0;
    if (t->samples[1] == 0)
        return 1;
    if (t->calls_since_probe >= MIN_GAP &&
        t->seconds_since_probe >= PROBE_RATIO * t->last_seconds[!t->choice])
        return !t->choice;
    return t->choice;
}

void thread_tuner_record(thread_tuner *t, int c, double seconds, double units)
{
    if (c < 0 || c > 1 || !(units > 0))
        return;
    const double cost = seconds / units;
    const int first_of_all = c == 1 && t->samples[1] == 0;
    t->last_seconds[c] = seconds;
    if (t->samples[c] == 0 || (c == 0 && t->samples[0] < WARMUP_SINGLE)) {
        /* warm-up: the fastest call so far */
        t->cost[c] = t->samples[c] && t->cost[c] < cost ? t->cost[c] : cost;
    } else if (c != t->choice) {
        /* a probe: its cost replaces the stale one (the machine may have
         * changed since the last) */
        t->cost[c] = cost;
    } else {
        /* the running choice, smoothed: one slow call (an interrupt) does
         * not flip it */
        t->cost[c] = 0.75 * t->cost[c] + 0.25 * cost;
    }
    t->samples[c]++;
    if (first_of_all || c != t->choice) {
        t->choice = t->cost[1] < t->cost[0];
        t->calls_since_probe = 0;
        t->seconds_since_probe = 0;
    } else {
        t->calls_since_probe++;
        t->seconds_since_probe += seconds;
    }
}

thread_plan thread_tuner_plan(thread_tuner *t, int fixed)
{
    thread_plan plan = {.threads = fixed, .candidate = -1, .start = 0};
    if (fixed > 0)
        return plan;
    const int most = all_threads();
    if (most <= 1) {
        plan.threads = 1;
        return plan;
    }
    plan.candidate = thread_tuner_choose(t);
    plan.threads = plan.candidate ? most : 1;
    plan.start = descent_seconds();
    return plan;
}

void thread_tuner_done(thread_tuner *t, const thread_plan *plan, double units)
{
    if (plan->candidate >= 0)
        thread_tuner_record(t, plan->candidate, descent_seconds() - plan->start, units);
}
