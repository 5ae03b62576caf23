/*
 * Guarded arrays and isolated calls (src/guarded.h), the ground the port
 * validator stands on: every way a port can misbehave with memory or
 * control flow comes back as a described outcome, in this process, which
 * goes on.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guarded.h"

typedef struct job {
    guarded_array *a;
    long long index;
    int write;
    int action; /* 0 touch a[index], 1 spin, 2 abort, 3 exit(3), 4 fill 0..n-1 */
} job;

static void run_job(void *ctx)
{
    job *j = ctx;
    volatile float *d = j->a->data;
    switch (j->action) {
    case 0:
        if (j->write)
            d[j->index] = 1.0f;
        else
            (void)d[j->index];
        break;
    case 1:
        for (;;)
            ;
    case 2: abort();
    case 3: exit(3);
    default:
        for (size_t i = 0; i < j->a->n; i++)
            d[i] = (float)i;
    }
}

static run_result run(guarded_array *a, int action, long long index, int write)
{
    job j = {.a = a, .index = index, .write = write, .action = action};
    const guarded_array *arrays[] = {a};
    return guarded_run(run_job, &j, arrays, 1, 0.5);
}

static void test_out_of_bounds_is_named(void)
{
    const size_t sizes[] = {1, 15, 16, 17, 1023, 1024, 1025};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const size_t n = sizes[k];
        guarded_array after = guarded_alloc("param", n, GUARD_AFTER);
        guarded_array before = guarded_alloc("exp_avg", n, GUARD_BEFORE);
        EXPECT(after.data && before.data, "alloc n=%zu", n);
        if (!after.data || !before.data)
            return;
        run_result r = run(&after, 0, (long long)n, 1);
        EXPECT(r.outcome == RUN_FAULT && r.fault_array && !strcmp(r.fault_array, "param") &&
                   r.fault_index == (long long)n && r.write == 1,
               "n=%zu write past the end: outcome %d array %s index %lld write %d", n,
               (int)r.outcome, r.fault_array ? r.fault_array : "-", r.fault_index, r.write);
        r = run(&before, 0, -1, 0);
        EXPECT(r.outcome == RUN_FAULT && r.fault_index == -1 && r.write == 0,
               "n=%zu read before the start: outcome %d index %lld write %d", n,
               (int)r.outcome, r.fault_index, r.write);
        /* every element inside is fine, and what the child wrote is seen */
        r = run(&after, 4, 0, 0);
        EXPECT(r.outcome == RUN_OK && after.data[n - 1] == (float)(n - 1),
               "n=%zu in-bounds writes: outcome %d", n, (int)r.outcome);
        guarded_free(&after);
        guarded_free(&before);
    }
}

static void test_read_only_and_crashes(void)
{
    guarded_array g = guarded_alloc("grad", 40, GUARD_AFTER);
    EXPECT(g.data && guarded_protect(&g, 1) == 0, "read-only grad");
    if (!g.data)
        return;
    run_result r = run(&g, 0, 3, 1);
    char why[200];
    run_result_describe(&r, why, sizeof why);
    EXPECT(r.outcome == RUN_FAULT && r.fault_index == 3 && strstr(why, "read-only"),
           "write to read-only grad: %s", why);
    r = run(&g, 0, 3, 0);
    EXPECT(r.outcome == RUN_OK, "reading read-only grad: outcome %d", (int)r.outcome);
    r = run(&g, 1, 0, 0);
    EXPECT(r.outcome == RUN_TIMEOUT, "a spinning call: outcome %d", (int)r.outcome);
    r = run(&g, 2, 0, 0);
    EXPECT(r.outcome == RUN_SIGNAL && r.signal == SIGABRT, "abort: outcome %d signal %d",
           (int)r.outcome, r.signal);
    r = run(&g, 3, 0, 0);
    EXPECT(r.outcome == RUN_EXIT && r.exit_status == 3, "exit(3): outcome %d status %d",
           (int)r.outcome, r.exit_status);
    guarded_free(&g);
}

int main(void)
{
    RUN(test_out_of_bounds_is_named);
    RUN(test_read_only_and_crashes);
    return CHECK_EXIT_STATUS();
}
