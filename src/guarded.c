/* Guarded arrays and isolated calls (guarded.h). */
#define _GNU_SOURCE /* MAP_ANONYMOUS, REG_ERR */
#include "descent.h" /* descent_seconds */
#include "guarded.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static size_t page_bytes(void)
{
    const long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

guarded_array guarded_alloc(const char *name, size_t n, guard_side side)
{
    guarded_array a = {.n = n, .name = name, .side = side};
    const size_t page = page_bytes();
    const size_t data_bytes = (n ? n : 1) * sizeof(float);
    if (n > (SIZE_MAX - 2 * page) / sizeof(float)) {
        errno = ENOMEM;
        return a;
    }
    const size_t data_pages = (data_bytes + page - 1) / page;
    a.map_bytes = (data_pages + 1) * page;
    /* MAP_SHARED: what the child of guarded_run writes, the parent sees. */
    void *map = mmap(NULL, a.map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (map == MAP_FAILED)
        return a;
    unsigned char *base = map;
    if (side == GUARD_AFTER) {
        unsigned char *guard = base + data_pages * page;
        mprotect(guard, page, PROT_NONE);
        a.data = (float *)(void *)(guard - n * sizeof(float));
    } else {
        mprotect(base, page, PROT_NONE);
        a.data = (float *)(void *)(base + page);
    }
    a.map = map;
    return a;
}

void guarded_free(guarded_array *a)
{
    if (a->map)
        munmap(a->map, a->map_bytes);
    if (a->alias)
        munmap(a->alias, a->alias_bytes);
    a->map = a->alias = NULL;
    a->data = a->writable = NULL;
}

/* The data pages: the mapping without its guard page. */
static unsigned char *data_pages(const guarded_array *a)
{
    unsigned char *base = a->map;
    return a->side == GUARD_AFTER ? base : base + page_bytes();
}

int guarded_protect(guarded_array *a, int read_only)
{
    return mprotect(data_pages(a), a->map_bytes - page_bytes(),
                    read_only ? PROT_READ : PROT_READ | PROT_WRITE);
}

int guarded_writable_view(guarded_array *a)
{
    unsigned char *pages = data_pages(a);
    const size_t bytes = a->map_bytes - page_bytes();
    /* mremap(2): an old size of 0 on a shared mapping maps the same pages
     * again, here with protections of their own. */
    void *alias = mremap(pages, 0, bytes, MREMAP_MAYMOVE);
    if (alias == MAP_FAILED)
        return -1;
    if (mprotect(alias, bytes, PROT_READ | PROT_WRITE) != 0) {
        munmap(alias, bytes);
        return -1;
    }
    a->alias = alias, a->alias_bytes = bytes;
    a->writable = (float *)(void *)((unsigned char *)alias + ((unsigned char *)a->data - pages));
    return 0;
}

void *guarded_shared(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p; /* anonymous pages come zeroed */
}

void guarded_shared_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}

/* ------------------------------------------------------------- the child */

/* Where a guarded array lies, as the child's item declared it (the
 * parent's copy of the child's memory is not the child's). */
typedef struct array_place {
    uintptr_t map, data;
    size_t map_bytes, n;
    char name[32];
} array_place;

/* Shared with the parent: the item running, its deadline and arrays, and
 * where the child faulted. */
typedef struct child_note {
    volatile int item;
    volatile int done;            /* the child's own _exit(0), not the port's exit(0) */
    volatile double deadline;     /* descent_seconds() past which the parent kills it */
    volatile int narrays;
    array_place arrays[GUARDED_MAX_ARRAYS];
    volatile uintptr_t address;
    volatile int write;
    volatile int signal;
} child_note;

static child_note *the_note; /* set in the child only */

static void on_fault(int sig, siginfo_t *info, void *context)
{
    the_note->address = (uintptr_t)info->si_addr;
    the_note->signal = sig;
    the_note->write = -1;
#if defined(__x86_64__) && defined(REG_ERR)
    /* The page-fault error code: bit 1 is set for a write. */
    const ucontext_t *uc = context;
    if (sig == SIGSEGV)
        the_note->write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
    (void)context;
#endif
    _exit(128 + sig);
}

static void set_deadline(double seconds)
{
    the_note->deadline = descent_seconds() + seconds;
    /* The parent kills the child at the deadline; this is a second net. */
    alarm((unsigned)seconds + 2);
}

void guarded_item_begin(const guarded_array *const *arrays, int narrays, double seconds)
{
    if (!the_note)
        return;
    the_note->narrays = 0;
    for (int i = 0; i < narrays && i < GUARDED_MAX_ARRAYS; i++) {
        array_place *p = &the_note->arrays[i];
        p->map = (uintptr_t)arrays[i]->map, p->data = (uintptr_t)arrays[i]->data;
        p->map_bytes = arrays[i]->map_bytes, p->n = arrays[i]->n;
        snprintf(p->name, sizeof p->name, "%s", arrays[i]->name ? arrays[i]->name : "?");
        the_note->narrays = i + 1;
    }
    set_deadline(seconds);
}

static void child(int (*item)(void *, int), void *ctx, int count)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    int i;
    for (i = 0; i < count; i++) {
        the_note->item = i;
        the_note->narrays = 0;
        set_deadline(GUARDED_SETUP_SECONDS);
        if (item(ctx, i) != 0)
            break;
    }
    the_note->item = i;
    the_note->done = 1;
    _exit(0);
}

/* The array whose data or guard page holds `address`, and the index. */
static void locate(run_result *r, const child_note *note)
{
    const uintptr_t address = note->address;
    for (int i = 0; i < note->narrays; i++) {
        const array_place *a = &note->arrays[i];
        if (!a->map || address < a->map || address >= a->map + a->map_bytes)
            continue;
        snprintf(r->fault_array, sizeof r->fault_array, "%s", a->name);
        const intptr_t offset = (intptr_t)address - (intptr_t)a->data;
        r->fault_index = (long long)(offset >= 0 ? offset / (intptr_t)sizeof(float)
                                                 : -1 - (-offset - 1) / (intptr_t)sizeof(float));
        r->fault_n = a->n;
        return;
    }
}

run_result guarded_run_items(int (*item)(void *ctx, int index), void *ctx, int count)
{
    run_result r = {.outcome = RUN_NOT_RUN, .write = -1, .fault_index = 0};
    child_note *note = guarded_shared(sizeof *note);
    if (!note)
        return r;
    note->deadline = descent_seconds() + GUARDED_SETUP_SECONDS;
    fflush(NULL); /* nothing buffered is written twice */
    const pid_t pid = fork();
    if (pid < 0) {
        guarded_shared_free(note, sizeof *note);
        return r;
    }
    if (pid == 0) {
        the_note = note;
        child(item, ctx, count);
    }
    int status = 0, done = 0;
    /* Polls often at first (most cases take microseconds), then every
     * 10 ms, which is the precision a time limit of seconds needs. */
    struct timespec tick = {0, 50000};
    for (;;) {
        const pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            done = 1;
            break;
        }
        if (w < 0 && errno != EINTR)
            break;
        if (descent_seconds() > note->deadline)
            break;
        nanosleep(&tick, NULL);
        if (tick.tv_nsec < 10000000)
            tick.tv_nsec *= 2;
    }
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        r.outcome = RUN_TIMEOUT;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && note->done) {
        r.outcome = RUN_OK;
    } else if (WIFEXITED(status) && note->signal) {
        r.outcome = RUN_FAULT;
        r.signal = note->signal;
        r.write = note->write;
        r.fault_address = (unsigned long)note->address;
        locate(&r, note);
    } else if (WIFEXITED(status)) {
        r.outcome = RUN_EXIT;
        r.exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.outcome = WTERMSIG(status) == SIGALRM ? RUN_TIMEOUT : RUN_SIGNAL;
        r.signal = WTERMSIG(status);
    }
    r.item = note->item;
    guarded_shared_free(note, sizeof *note);
    return r;
}

/* guarded_run: a list of one item. */
typedef struct one_call {
    void (*fn)(void *);
    void *ctx;
    const guarded_array *const *arrays;
    int narrays;
    double seconds;
} one_call;

static int run_one_call(void *ctx, int index)
{
    const one_call *c = ctx;
    (void)index;
    guarded_item_begin(c->arrays, c->narrays, c->seconds);
    c->fn(c->ctx);
    return 0;
}

run_result guarded_run(void (*fn)(void *ctx), void *ctx, const guarded_array *const *arrays,
                       int narrays, double seconds)
{
    one_call c = {fn, ctx, arrays, narrays, seconds};
    return guarded_run_items(run_one_call, &c, 1);
}

void run_result_describe(const run_result *r, char *buf, size_t len)
{
    switch (r->outcome) {
    case RUN_OK: snprintf(buf, len, "returned"); break;
    case RUN_TIMEOUT: snprintf(buf, len, "did not return within the time limit"); break;
    case RUN_EXIT: snprintf(buf, len, "called exit(%d)", r->exit_status); break;
    case RUN_NOT_RUN: snprintf(buf, len, "could not be run (fork failed)"); break;
    case RUN_SIGNAL: snprintf(buf, len, "was killed by %s", strsignal(r->signal)); break;
    case RUN_FAULT:
        if (!r->fault_array[0]) {
            snprintf(buf, len, "crashed (%s) outside the arrays it was given",
                     strsignal(r->signal));
        } else if (r->fault_index >= 0 && (size_t)r->fault_index < r->fault_n) {
            snprintf(buf, len, "wrote element %lld of %s, which is read-only (%s)",
                     r->fault_index, r->fault_array, strsignal(r->signal));
        } else {
            const char *what = r->write == 1 ? "wrote" : r->write == 0 ? "read" : "touched";
            snprintf(buf, len, "%s element %lld of %s, outside 0..%zu (n = %zu; %s)", what,
                     r->fault_index, r->fault_array, r->fault_n ? r->fault_n - 1 : 0,
                     r->fault_n, strsignal(r->signal));
        }
        break;
    }
}
