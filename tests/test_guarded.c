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
        EXPECT(r.outcome == RUN_FAULT && !strcmp(r.fault_array, "param") &&
                   r.fault_index == (long long)n && r.write == 1,
               "n=%zu write past the end: outcome %d array %s index %lld write %d", n,
               (int)r.outcome, r.fault_array, r.fault_index, r.write);
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

/* guarded_run_items: item i makes its own array of 8 + i floats; the
 * action of the item numbered `bad` runs on it, the others fill it. */
typedef struct item_list {
    int bad, action;
} item_list;

static int run_item(void *ctx, int i)
{
    item_list *l = ctx;
    guarded_array a = guarded_alloc(i % 2 ? "state" : "param", 8 + (size_t)i, GUARD_AFTER);
    const guarded_array *arrays[] = {&a};
    guarded_item_begin(arrays, 1, 0.5);
    job j = {.a = &a, .index = 8 + i, .write = 1, .action = i == l->bad ? l->action : 4};
    run_job(&j);
    guarded_free(&a);
    return i == l->bad && l->action == 4; /* action 4 at `bad`: the item reports a failure */
}

static void test_items(void)
{
    item_list l = {.bad = 8};
    run_result r = guarded_run_items(run_item, &l, 6);
    EXPECT(r.outcome == RUN_OK && r.item == 6, "six good items: outcome %d item %d",
           (int)r.outcome, r.item);
    l = (item_list){.bad = 3, .action = 0};
    r = guarded_run_items(run_item, &l, 6);
    EXPECT(r.outcome == RUN_FAULT && r.item == 3 && !strcmp(r.fault_array, "state") &&
               r.fault_index == 11 && r.fault_n == 11 && r.write == 1,
           "a write past item 3's own array: outcome %d item %d array %s index %lld",
           (int)r.outcome, r.item, r.fault_array, r.fault_index);
    l = (item_list){.bad = 2, .action = 4};
    r = guarded_run_items(run_item, &l, 6);
    EXPECT(r.outcome == RUN_OK && r.item == 2, "item 2 reports a failure: outcome %d item %d",
           (int)r.outcome, r.item);
    l = (item_list){.bad = 4, .action = 1};
    r = guarded_run_items(run_item, &l, 6);
    EXPECT(r.outcome == RUN_TIMEOUT && r.item == 4, "item 4 spins: outcome %d item %d",
           (int)r.outcome, r.item);
    l = (item_list){.bad = 1, .action = 3};
    r = guarded_run_items(run_item, &l, 6);
    EXPECT(r.outcome == RUN_EXIT && r.exit_status == 3 && r.item == 1,
           "item 1 calls exit(3): outcome %d item %d", (int)r.outcome, r.item);
}

static void exit_zero(void *ctx)
{
    (void)ctx;
    exit(0);
}

static void test_exit_zero_is_not_a_return(void)
{
    const run_result r = guarded_run(exit_zero, NULL, NULL, 0, 0.5);
    EXPECT(r.outcome == RUN_EXIT && r.exit_status == 0, "exit(0): outcome %d",
           (int)r.outcome);
}

static void test_writable_view(void)
{
    for (int side = 0; side < 2; side++) {
        guarded_array g = guarded_alloc("grad", 1500, side ? GUARD_BEFORE : GUARD_AFTER);
        EXPECT(g.data && guarded_writable_view(&g) == 0 && guarded_protect(&g, 1) == 0,
               "side %d: a writable view of read-only grad", side);
        if (!g.writable)
            return;
        g.writable[0] = 5.0f, g.writable[1499] = 7.0f;
        EXPECT(g.data[0] == 5.0f && g.data[1499] == 7.0f, "side %d: the view writes grad",
               side);
        const run_result r = run(&g, 0, 1499, 1);
        EXPECT(r.outcome == RUN_FAULT && r.fault_index == 1499,
               "side %d: grad itself stays read-only: outcome %d", side, (int)r.outcome);
        guarded_free(&g);
    }
}

int main(void)
{
    RUN(test_out_of_bounds_is_named);
    RUN(test_read_only_and_crashes);
    RUN(test_items);
    RUN(test_exit_zero_is_not_a_return);
    RUN(test_writable_view);
    return CHECK_EXIT_STATUS();
}
