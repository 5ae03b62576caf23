/*
 * The default thread count (src/thread_tuner.h) against simulated
 * machines: each "call" costs a fixed time on 1 thread and another on all
 * threads, and the tuner is fed those times, so the policy is checked
 * exactly, with no clock and no load of our own.  The machines:
 *  - idle, where all threads are twice as fast: nearly every call runs on
 *    all threads;
 *  - busy (another process on one of the cores), where a join waits for a
 *    descheduled thread and all threads are 100x slower: the run takes at
 *    most 1.10x the time on 1 thread, probes included;
 *  - one that turns busy halfway, and idle again: the tuner follows.
 * Then the objects themselves: a default-thread optimizer and MLP give the
 * same bits as 1 thread (the choice never changes a result).
 */
#include <stdlib.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "check.h"
#include "config.h"
#include "descent.h"
#include "thread_tuner.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

typedef struct machine {
    double single, all; /* seconds a call takes on 1 thread and on all */
} machine;

/* Runs `calls` calls on machine m; returns the simulated seconds and adds
 * the calls made on all threads to *on_all. */
static double simulate(thread_tuner *t, machine m, int calls, int *on_all)
{
    double seconds = 0;
    for (int i = 0; i < calls; i++) {
        const int c = thread_tuner_choose(t);
        const double s = c ? m.all : m.single;
        thread_tuner_record(t, c, s, 1.0);
        seconds += s;
        *on_all += c;
    }
    return seconds;
}

static const machine idle = {.single = 100e-6, .all = 50e-6};
static const machine busy = {.single = 100e-6, .all = 10e-3};

static void test_idle_machine_uses_all_threads(void)
{
    thread_tuner t;
    thread_tuner_init(&t);
    thread_tuner_forget_machine();
    int on_all = 0;
    /* The first try of all threads comes after 0.1 s of work (1000 calls
     * here); from then on nearly every call runs on all threads. */
    const double seconds = simulate(&t, idle, 6000, &on_all);
    /* (1 call in about 20 goes back to 1 thread, to notice a change) */
    EXPECT(on_all >= 4700, "%d of 6000 calls on all threads", on_all);
    EXPECT(seconds <= 1000 * idle.single + 1.08 * 5000 * idle.all,
           "%.4g s, ideal after the first try %.4g s", seconds,
           1000 * idle.single + 5000 * idle.all);
    EXPECT(t.choice == 1, "choice %d", t.choice);
}

static void test_busy_machine_costs_little(void)
{
    thread_tuner t;
    thread_tuner_init(&t);
    thread_tuner_forget_machine();
    int on_all = 0;
    const double seconds = simulate(&t, busy, 5000, &on_all);
    const double single = 5000 * busy.single;
    EXPECT(seconds <= 1.10 * single, "%.4g s against %.4g s on 1 thread (%d calls on all)",
           seconds, single, on_all);
    EXPECT(t.choice == 0, "choice %d", t.choice);
    /* The probes go on (the machine may become idle), but rarely. */
    EXPECT(on_all >= 2 && on_all <= 30, "%d probes", on_all);
}

static void test_follows_a_changing_machine(void)
{
    thread_tuner t;
    thread_tuner_init(&t);
    thread_tuner_forget_machine();
    int on_all = 0;
    simulate(&t, idle, 3000, &on_all);
    EXPECT(t.choice == 1, "idle: choice %d", t.choice);
    /* Another process starts: after the first slow call the choice is 1
     * thread again (worse than 1 thread's last cost: no try needed). */
    on_all = 0;
    const double busy_seconds = simulate(&t, busy, 3000, &on_all);
    EXPECT(t.choice == 0, "busy: choice %d", t.choice);
    EXPECT(busy_seconds <= 1.15 * 3000 * busy.single, "busy phase %.4g s against %.4g s",
           busy_seconds, 3000 * busy.single);
    /* It stops: the next try, due once the calls since the last one took
     * 20x the last try (two 10 ms calls: 0.4 s here, 4000 calls), finds
     * all threads faster again. */
    on_all = 0;
    simulate(&t, idle, 6000, &on_all);
    EXPECT(t.choice == 1, "idle again: choice %d", t.choice);
    EXPECT(on_all >= 1500, "idle again: %d of 6000 calls on all threads", on_all);
}

/* An idle machine where one call in 100 on all threads is slow (10x: an
 * interrupt, a daemon waking on the other core): all threads stay the
 * choice.  Before the costs were clamped (OUTLIER_RATIO), each such call
 * sent the tuner to one thread until the next try, 20 x that slow call's
 * time later: about half of the calls ran on one thread. */
static void test_rare_slow_calls_keep_all_threads(void)
{
    thread_tuner t;
    thread_tuner_init(&t);
    thread_tuner_forget_machine();
    const machine m = {.single = 100e-6, .all = 60e-6};
    int on_all = 0, since_slow = 0;
    double seconds = 0;
    for (int i = 0; i < 20000; i++) {
        const int c = thread_tuner_choose(&t);
        double s = c ? m.all : m.single;
        if (c && ++since_slow == 100)
            s *= 10, since_slow = 0;
        thread_tuner_record(&t, c, s, 1.0);
        seconds += s;
        on_all += i >= 2000 && c; /* after the first try (0.1 s of work) */
    }
    EXPECT(on_all >= 17000, "%d of the last 18000 calls on all threads", on_all);
    EXPECT(t.choice == 1, "choice %d", t.choice);
}

/* Once one object's try found all threads cheaper, a new object tries them
 * after a few calls instead of 0.1 s of work (the machine is not busy);
 * until then, and after a try found them dearer, it waits. */
static void test_second_tuner_tries_early_on_an_idle_machine(void)
{
    thread_tuner first, second, third;
    thread_tuner_init(&first);
    thread_tuner_init(&second);
    thread_tuner_init(&third);
    thread_tuner_forget_machine();
    int on_all = 0;
    simulate(&second, idle, 100, &on_all);
    EXPECT(on_all == 0, "nothing known yet: %d of 100 calls on all threads", on_all);
    simulate(&first, idle, 3000, &on_all);
    on_all = 0;
    simulate(&third, idle, 100, &on_all);
    EXPECT(on_all >= 80, "after another object found all threads cheaper: %d of 100", on_all);
    thread_tuner t;
    thread_tuner_init(&t);
    simulate(&t, busy, 3000, &on_all); /* its try finds all threads dearer */
    thread_tuner fresh;
    thread_tuner_init(&fresh);
    on_all = 0;
    simulate(&fresh, busy, 100, &on_all);
    EXPECT(on_all == 0, "after a try found them dearer: %d of 100 calls", on_all);
}

static void test_short_busy_run_never_tries(void)
{
    /* 500 calls of 100 us on a busy machine: 50 ms of work, less than the
     * 0.1 s after which all threads are first tried, so no call pays for
     * a descheduled thread. */
    thread_tuner t;
    thread_tuner_init(&t);
    thread_tuner_forget_machine();
    int on_all = 0;
    simulate(&t, busy, 500, &on_all);
    EXPECT(on_all == 0, "%d calls of a short run on all threads", on_all);
}

static void test_cold_first_call_is_not_the_cost(void)
{
    thread_tuner t;
    thread_tuner_init(&t);
    thread_tuner_forget_machine();
    /* the first call is slow (page faults): warm-up keeps the fastest */
    thread_tuner_record(&t, 0, 1.0, 1.0);
    thread_tuner_record(&t, 0, idle.single, 1.0);
    EXPECT(t.cost[0] == idle.single, "1-thread cost %.3g after a cold first call", t.cost[0]);
    int on_all = 0;
    simulate(&t, idle, 6000, &on_all);
    EXPECT(t.choice == 1, "a cold first call decided the choice (%d)", t.choice);
}

static void test_fixed_counts_are_kept(void)
{
    thread_tuner t;
    thread_tuner_init(&t);
    thread_tuner_forget_machine();
    for (int n = 1; n <= 8; n++) {
        const thread_plan plan = thread_tuner_plan(&t, n);
        EXPECT(plan.threads == n && plan.candidate < 0, "fixed %d: threads %d candidate %d", n,
               plan.threads, plan.candidate);
        thread_tuner_done(&t, &plan, 1.0);
    }
    EXPECT(t.samples[0] == 0 && t.samples[1] == 0, "a fixed count was measured");
}

/* The objects at the default thread count give the same bits as on one
 * thread, through every phase of the tuner (warm-up, choice, probes). */
static void test_default_threads_same_bits(void)
{
    const size_t n = 100000; /* several blocks, so the step can be split */
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    descent_optimizer *fixed = NULL, *tuned = NULL;
    float *p1 = malloc(n * sizeof *p1), *p2 = malloc(n * sizeof *p2), *g = malloc(n * sizeof *g);
    if (!p1 || !p2 || !g || descent_optimizer_create(DESCENT_ADAM, &h, n, &fixed) ||
        descent_optimizer_create(DESCENT_ADAM, &h, n, &tuned) ||
        descent_optimizer_set_threads(fixed, 1)) {
        EXPECT(0, "setup: %s", descent_last_error());
    } else {
        for (size_t i = 0; i < n; i++)
            p1[i] = p2[i] = (float)((double)(i % 97) / 97.0 - 0.5);
        for (int step = 0; step < 60; step++) {
            for (size_t i = 0; i < n; i++)
                g[i] = (float)((double)((i * 31 + (size_t)step * 7) % 101) / 50.0 - 1.0);
            descent_optimizer_step(fixed, p1, g);
            descent_optimizer_step(tuned, p2, g);
        }
        EXPECT(memcmp(p1, p2, n * sizeof *p1) == 0, "default threads changed the parameters");
    }
    descent_optimizer_free(fixed);
    descent_optimizer_free(tuned);
    free(p1), free(p2), free(g);

    descent_mlp_shape shape = {.layers = 2, .sizes = {64, 96, 10}, .activation = DESCENT_RELU,
                               .loss = DESCENT_CROSS_ENTROPY};
    const int batch = 128;
    const size_t np = descent_mlp_param_count(&shape);
    descent_mlp *m1 = NULL, *m2 = NULL;
    float *params = malloc(np * sizeof *params), *x = malloc((size_t)batch * 64 * sizeof *x);
    float *g1 = malloc(np * sizeof *g1), *g2 = malloc(np * sizeof *g2);
    int labels[128];
    if (!params || !x || !g1 || !g2 || descent_mlp_create(&shape, batch, &m1) ||
        descent_mlp_create(&shape, batch, &m2) || descent_mlp_set_threads(m1, 1)) {
        EXPECT(0, "MLP setup: %s", descent_last_error());
    } else {
        for (size_t i = 0; i < np; i++)
            params[i] = (float)((double)(i % 89) / 89.0 - 0.5) * 0.2f;
        for (size_t i = 0; i < (size_t)batch * 64; i++)
            x[i] = (float)((double)(i % 53) / 53.0);
        for (int b = 0; b < batch; b++)
            labels[b] = b % 10;
        int same = 1;
        for (int call = 0; call < 40; call++) {
            float l1, l2;
            descent_mlp_loss_grad(m1, params, batch, x, labels, NULL, g1, &l1);
            descent_mlp_loss_grad(m2, params, batch, x, labels, NULL, g2, &l2);
            same &= l1 == l2 && memcmp(g1, g2, np * sizeof *g1) == 0;
        }
        EXPECT(same, "default threads changed the MLP's loss or gradient");
    }
    descent_mlp_free(m1);
    descent_mlp_free(m2);
    free(params), free(x), free(g1), free(g2);
}

/* The team size each 16 Ki-element block of descent_parallel_for_blocks
 * ran on, by block. */
static void record_team(void *ctx, size_t start, size_t len)
{
    int *teams = ctx;
    (void)len;
#if DESCENT_HAVE_OPENMP
    teams[start / 16384] = omp_get_num_threads();
#else
    teams[start / 16384] = 1;
#endif
}

/* Below kernels/parallel.c's measured PARALLEL_MIN_ELEMENTS (64 Ki) an
 * elementwise kernel runs on one thread even when two are asked for (Adam
 * at 32 Ki parameters was 10% slower on two); from it on, on two. */
static void test_small_arrays_one_thread(void)
{
    int teams[16];
    for (int b = 0; b < 16; b++)
        teams[b] = 0;
    descent_parallel_for_blocks(32768, 2, record_team, teams);
    EXPECT(teams[0] == 1, "32 Ki elements on 2 threads: ran whole on a team of %d", teams[0]);
    EXPECT(!descent_parallel_splits(32768) && descent_parallel_splits(65536),
           "descent_parallel_splits: 32 Ki %d, 64 Ki %d", descent_parallel_splits(32768),
           descent_parallel_splits(65536));
#if DESCENT_HAVE_OPENMP
    descent_parallel_for_blocks(65536, 2, record_team, teams);
    EXPECT(teams[0] == 2 && teams[3] == 2, "64 Ki elements on 2 threads: teams of %d, %d",
           teams[0], teams[3]);
#endif
}

int main(void)
{
    RUN(test_idle_machine_uses_all_threads);
    RUN(test_busy_machine_costs_little);
    RUN(test_follows_a_changing_machine);
    RUN(test_rare_slow_calls_keep_all_threads);
    RUN(test_second_tuner_tries_early_on_an_idle_machine);
    RUN(test_short_busy_run_never_tries);
    RUN(test_cold_first_call_is_not_the_cost);
    RUN(test_fixed_counts_are_kept);
    RUN(test_default_threads_same_bits);
    RUN(test_small_arrays_one_thread);
    return CHECK_EXIT_STATUS();
}
