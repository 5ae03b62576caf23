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
    a->map = NULL;
    a->data = NULL;
}

int guarded_protect(guarded_array *a, int read_only)
{
    const size_t page = page_bytes();
    unsigned char *base = a->map;
    unsigned char *data = a->side == GUARD_AFTER ? base : base + page;
    return mprotect(data, a->map_bytes - page, read_only ? PROT_READ : PROT_READ | PROT_WRITE);
}

/* ------------------------------------------------------------- the child */

/* Shared with the parent: where the child faulted, and whether it wrote. */
typedef struct fault_note {
    volatile uintptr_t address;
    volatile int write;
    volatile int signal;
} fault_note;

static fault_note *child_note;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    child_note->address = (uintptr_t)info->si_addr;
    child_note->signal = sig;
    child_note->write = -1;
#if defined(__x86_64__) && defined(REG_ERR)
    /* The page-fault error code: bit 1 is set for a write. */
    const ucontext_t *uc = context;
    if (sig == SIGSEGV)
        child_note->write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
    (void)context;
#endif
    _exit(128 + sig);
}

static void child(void (*fn)(void *), void *ctx, double seconds)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    /* The parent kills the child at the limit; this is a second net. */
    alarm((unsigned)seconds + 2);
    fn(ctx);
    _exit(0);
}

/* The array whose data or guard page holds `address`, and the index. */
static void locate(run_result *r, uintptr_t address, const guarded_array *const *arrays,
                   int narrays)
{
    for (int i = 0; i < narrays; i++) {
        const guarded_array *a = arrays[i];
        const uintptr_t lo = (uintptr_t)a->map, hi = lo + a->map_bytes;
        if (!a->map || address < lo || address >= hi)
            continue;
        r->fault_array = a->name;
        const intptr_t offset = (intptr_t)address - (intptr_t)(uintptr_t)a->data;
        r->fault_index = (long long)(offset >= 0 ? offset / (intptr_t)sizeof(float)
                                                 : -1 - (-offset - 1) / (intptr_t)sizeof(float));
        r->fault_n = a->n;
        return;
    }
}

run_result guarded_run(void (*fn)(void *ctx), void *ctx, const guarded_array *const *arrays,
                       int narrays, double seconds)
{
    run_result r = {.outcome = RUN_NOT_RUN, .write = -1, .fault_index = 0};
    fault_note *note = mmap(NULL, sizeof *note, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (note == MAP_FAILED)
        return r;
    memset(note, 0, sizeof *note);
    fflush(NULL); /* nothing buffered is written twice */
    const pid_t pid = fork();
    if (pid < 0) {
        munmap(note, sizeof *note);
        return r;
    }
    if (pid == 0) {
        child_note = note;
        child(fn, ctx, seconds);
    }
    int status = 0, done = 0;
    const struct timespec tick = {0, 200000}; /* 0.2 ms */
    const double start = descent_seconds();
    for (;;) {
        const pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            done = 1;
            break;
        }
        if (w < 0 && errno != EINTR)
            break;
        if (descent_seconds() - start > seconds)
            break;
        nanosleep(&tick, NULL);
    }
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        r.outcome = RUN_TIMEOUT;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r.outcome = RUN_OK;
    } else if (WIFEXITED(status) && note->signal) {
        r.outcome = RUN_FAULT;
        r.signal = note->signal;
        r.write = note->write;
        r.fault_address = (unsigned long)note->address;
        locate(&r, note->address, arrays, narrays);
    } else if (WIFEXITED(status)) {
        r.outcome = RUN_EXIT;
        r.exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.outcome = WTERMSIG(status) == SIGALRM ? RUN_TIMEOUT : RUN_SIGNAL;
        r.signal = WTERMSIG(status);
    }
    munmap(note, sizeof *note);
    return r;
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
        if (!r->fault_array) {
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
