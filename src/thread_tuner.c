/* The thread tuner (thread_tuner.h). */
#include "thread_tuner.h"

#include "config.h"
#include "descent.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

/* Calls measured on 1 thread first: the first call of an object pays for
 * page faults and cold caches, so the fastest of these is kept. */
#define WARMUP_SINGLE 2
/* A try of the other choice is made once the calls since the last try took
 * PROBE_RATIO times what the other choice's last call took, and at least
 * MIN_GAP calls: trying then costs at most about 1/PROBE_RATIO of the run,
 * even where the other choice is a hundred times slower. */
#define PROBE_RATIO 20.0
#define MIN_GAP 8
/* What the first call on all threads is assumed to cost before it was
 * ever tried: about a scheduler time slice (Linux's base slice is 3 ms),
 * which a join pays for a descheduled thread.  So the first try comes
 * after 0.1 s of work: a short run on a busy machine never pays for it,
 * and a long run on an idle one loses little. */
#define FIRST_TRY_SECONDS 5e-3
/* The running cost is the mean of about the last 1/SMOOTHING calls (an
 * exponential average): one call 10x slower than the others (an interrupt,
 * the other core's process running for a moment) raises it by 56%, which
 * with SWITCH_MARGIN never undoes a choice 2x better than the other, while
 * calls 100x slower (joins that wait for a descheduled thread: a busy
 * machine) flip the choice within WORSE_CALLS calls.  A mean, not a
 * median: the slow calls are part of
 * what a choice costs.  With 1/4, single slow calls sent the Fashion-MNIST
 * run's MLP to one thread 80 times in 9 380 steps. */
#define SMOOTHING (1.0 / 16.0)
/* How much worse than the other choice's last cost the running one must
 * become to be left before the next try. */
#define SWITCH_MARGIN 1.25
/* The calls in a row that must find the running choice clearly worse. */
#define WORSE_CALLS 2
/* A try is this many calls in a row, of which the fastest counts: the
 * first call on all threads after a while on one wakes workers that went
 * to sleep, which is not what all threads cost. */
#define TRY_CALLS 2

void thread_tuner_init(thread_tuner *t)
{
    *t = (thread_tuner){.choice = 0, .last_seconds = {0, FIRST_TRY_SECONDS}};
}

static int all_threads(void)
{
#if DESCENT_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* What the last try of all threads by any tuner of the process found:
 * 1 cheaper than one thread, 0 not, -1 none yet.  A tuner that has never
 * tried all threads waits FIRST_TRY_SECONDS x PROBE_RATIO of work in case
 * the machine is busy, but not when another object's try has just found
 * all threads cheaper: the machine was not busy then.  (In the
 * Fashion-MNIST run the optimizer, whose steps are a quarter of the MLP's
 * calls' time, spent 40% of its steps on one thread waiting for its first
 * try.)  A hint shared by every thread of the process; any value is safe. */
static _Atomic int all_threads_paid = -1;

void thread_tuner_forget_machine(void)
{
    all_threads_paid = -1;
}

int thread_tuner_choose(const thread_tuner *t)
{
    if (t->samples[0] < WARMUP_SINGLE)
        return 0;
    const double other_seconds = t->samples[1] == 0 && all_threads_paid == 1
                                     ? 0.0 /* never tried, and the machine is idle */
                                     : t->last_seconds[!t->choice];
    if (t->try_calls > 0 || (t->calls_since_probe >= MIN_GAP &&
                             t->seconds_since_probe >= PROBE_RATIO * other_seconds))
        return !t->choice;
    return t->choice;
}

/* From now on, c is run; the calls since the last try count from 0. */
static void run_from_now(thread_tuner *t, int c)
{
    t->choice = c;
    t->worse_calls = 0;
    t->calls_since_probe = 0;
    t->seconds_since_probe = 0;
}

void thread_tuner_record(thread_tuner *t, int c, double seconds, double units)
{
    if (c < 0 || c > 1 || !(units > 0))
        return;
    const double cost = seconds / units;
    t->samples[c]++;
    if (c != t->choice) {
        /* a try: the fastest of its calls replaces the stale cost (the
         * machine may have changed since the last), and the tried choice
         * is run from now if it is clearly cheaper (SWITCH_MARGIN: the
         * running cost may be up for a slow call or two); what the whole
         * try took paces the next one */
        t->try_cost = t->try_calls && t->try_cost < cost ? t->try_cost : cost;
        t->try_seconds = (t->try_calls ? t->try_seconds : 0) + seconds;
        if (++t->try_calls < TRY_CALLS)
            return;
        t->try_calls = 0;
        t->cost[c] = t->try_cost;
        t->last_seconds[c] = t->try_seconds;
        if (c == 1)
            all_threads_paid = t->cost[1] < t->cost[0];
        run_from_now(t, SWITCH_MARGIN * t->cost[c] < t->cost[!c] ? c : !c);
        return;
    }
    if (t->samples[c] == 1)
        t->cost[c] = cost;
    else if (t->samples[c] <= WARMUP_SINGLE) /* warm-up: the fastest */
        t->cost[c] = cost < t->cost[c] ? cost : t->cost[c];
    else
        t->cost[c] += SMOOTHING * (cost - t->cost[c]);
    t->last_seconds[c] = seconds;
    t->calls_since_probe++;
    t->seconds_since_probe += seconds;
    /* Clearly worse now than the other was when last measured, after two
     * calls in a row (another process took a core): switch at once rather
     * than wait for a try.  The other's cost is the fastest call of its
     * try, this one's a running mean, so equal costs would flip an even
     * choice on noise; and one call that waited milliseconds for a
     * descheduled thread, which on this VM comes every few hundred calls,
     * is not yet a busy machine. */
    const int worse = t->samples[!c] > 0 && t->cost[c] > SWITCH_MARGIN * t->cost[!c];
    t->worse_calls = worse ? t->worse_calls + 1 : 0;
    if (t->worse_calls >= WORSE_CALLS) {
        /* c is tried again after about PROBE_RATIO calls of the other, not
         * PROBE_RATIO of its slow calls: on a noisy machine the slow calls
         * come in bursts of a few milliseconds, and c is soon the better
         * again (the Fashion-MNIST run spent a third of its MLP calls on
         * one thread waiting for tries); if c stays slow, that try's time
         * paces the tries after it. */
        t->last_seconds[c] = t->cost[!c] * units;
        run_from_now(t, !c);
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
