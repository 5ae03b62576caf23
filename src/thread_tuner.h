/*
 * The thread count of an object left at its default (threads 0): chosen by
 * measuring, call by call, not guessed.
 *
 * An OpenMP region costs a fork and a join (about 3 us on an idle 2-core
 * machine), and on a busy machine a join waits for a descheduled thread:
 * up to a scheduler time slice, milliseconds, for work that takes tens of
 * microseconds.  No fixed threshold is right for both, so an object with
 * the default thread count times its calls on 1 thread and on all threads
 * (seconds per unit of work), runs the cheaper, and tries the other again
 * now and then, so that it follows the machine when another process
 * starts or stops: once the calls since the last try took 20 times what
 * the other choice's last call took (and at least 8 calls), which keeps
 * the cost of trying under about 5% even where the other choice is a
 * hundred times slower.  A try is two calls, the faster counting (the
 * first wakes sleeping workers), and a choice that becomes clearly worse
 * (1.25x) than the other's last measurement on two calls in a row is left
 * at once (its cost is a mean over about the last 16 calls, so one slow
 * call alone rarely does it).  It starts on 1 thread; the first try of
 * all threads, whose cost is not known yet, is assumed to cost a
 * scheduler time slice (5 ms), so it comes after 0.1 s of work,
 * or after a few calls once another object of the process found all
 * threads cheaper (the machine is not busy).
 * Results do not depend on the choice: every kernel gives the same bits for
 * any thread count.  An explicit thread count (set_threads N > 0) is used
 * as it is.
 */
#ifndef DESCENT_THREAD_TUNER_H
#define DESCENT_THREAD_TUNER_H

typedef struct thread_tuner {
    double cost[2];         /* seconds per unit on 1 thread ([0]) and on all ([1]) */
    double last_seconds[2]; /* the last call on each */
    long samples[2];        /* calls measured on each */
    int choice;             /* the one run between probes */
    long calls_since_probe;
    double seconds_since_probe;
    int try_calls;      /* calls of the try under way (0: none) */
    double try_cost, try_seconds; /* its fastest call's cost, its total time */
    int worse_calls;    /* calls in a row that found the choice clearly worse */
} thread_tuner;

/* A call's plan: the threads to run it on and what to report afterwards. */
typedef struct thread_plan {
    int threads;
    int candidate; /* -1: nothing to measure (fixed or a single thread) */
    double start;
} thread_plan;

void thread_tuner_init(thread_tuner *t);
/* The plan for a call: `fixed` > 0 is used as it is (never measured), 0
 * lets the tuner choose between 1 and OpenMP's maximum. */
thread_plan thread_tuner_plan(thread_tuner *t, int fixed);
/* After the call: records its time per unit (units > 0: the call's work,
 * in any measure proportional to its cost, the same for every call). */
void thread_tuner_done(thread_tuner *t, const thread_plan *plan, double units);

/* The two steps of plan and done without the clock and OpenMP (for the
 * tests): the candidate for the next call (0: 1 thread, 1: all), and the
 * time a call on candidate c took. */
int thread_tuner_choose(const thread_tuner *t);
void thread_tuner_record(thread_tuner *t, int c, double seconds, double units);
/* Forgets what the process's tuners found of the machine (for the tests,
 * whose simulated machines differ). */
void thread_tuner_forget_machine(void);

#endif
