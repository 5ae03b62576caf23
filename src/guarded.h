/*
 * Guarded arrays and isolated calls, for checking code that is not ours
 * (descent validate): a port that reads or writes outside its arrays, that
 * writes to grad, or that crashes or hangs must become a FAIL line naming
 * what it did, never a crash of the validator.
 *
 * A guarded array is a float array in its own mapping with an inaccessible
 * (PROT_NONE) page right after its last element, or right before its first
 * (the two placements are separate arrays: a page holds 1024 floats, so no
 * single placement can put both neighbours on a guard page for every n).
 * An array can be made read-only, as grad is for an optimizer step.
 *
 * guarded_run calls a function in a child process (fork) with a time
 * limit.  The child sees the arrays where they are (the mappings are
 * shared, so what the child wrote is what the parent then compares); a
 * fault in the child is reported with the array and element it hit.
 *
 * guarded_run_items runs a list of such calls (the validator's cases) in
 * one child, each item with its own arrays and time limit, until one of
 * them fails: a fork costs milliseconds on some machines (7 ms on a PVM
 * guest, where one child per case made `descent validate` three times
 * slower), and the validator stops a check at its first failing case
 * anyway.  What an item leaves behind (the port's static state, a stray
 * write that hit no guard page) is seen by the next items of the list, as a
 * library called many times sees it.
 */
#ifndef DESCENT_GUARDED_H
#define DESCENT_GUARDED_H

#include <stddef.h>

typedef enum { GUARD_AFTER, GUARD_BEFORE } guard_side;

typedef struct guarded_array {
    float *data;   /* n elements; data[n] (AFTER) or data[-1] (BEFORE) faults */
    size_t n;
    const char *name;
    guard_side side;
    void *map;     /* the whole mapping: guard page included */
    size_t map_bytes;
    float *writable; /* guarded_writable_view, else NULL */
    void *alias;
    size_t alias_bytes;
} guarded_array;

/* NULL data on failure (out of memory; errno set).  AFTER puts the end on
 * the guard, so the start's alignment follows from n: a misaligned start
 * with the end still guarded is data + k of an array of n + k.  BEFORE
 * starts on a page boundary. */
guarded_array guarded_alloc(const char *name, size_t n, guard_side side);
void guarded_free(guarded_array *a);
/* PROT_READ only (1) or read-write (0); 0 on success. */
int guarded_protect(guarded_array *a, int read_only);
/* a->writable: the same floats through a second mapping that stays
 * writable, so that the validator refills an array that is read-only for
 * the port without two mprotect calls per step (each flushes the TLB: 27%
 * of `descent validate`'s time on a PVM guest).  0 on success. */
int guarded_writable_view(guarded_array *a);

/* What happened in the child. */
typedef enum {
    RUN_OK,        /* returned normally */
    RUN_FAULT,     /* SIGSEGV/SIGBUS: see fault_array/fault_index */
    RUN_SIGNAL,    /* another signal (SIGFPE, SIGILL, SIGABRT, ...) */
    RUN_TIMEOUT,   /* still running after the time limit */
    RUN_EXIT,      /* called exit() or _exit() itself */
    RUN_NOT_RUN    /* fork failed */
} run_outcome;

typedef struct run_result {
    run_outcome outcome;
    int signal;             /* RUN_FAULT, RUN_SIGNAL */
    int exit_status;        /* RUN_EXIT */
    int write;              /* RUN_FAULT: 1 write, 0 read, -1 unknown */
    char fault_array[32];   /* RUN_FAULT inside or next to one of the arrays, else "" */
    long long fault_index;  /* element index relative to that array (-1, n, ...) */
    size_t fault_n;         /* that array's n */
    unsigned long fault_address; /* RUN_FAULT: the address hit (near 0: a NULL pointer) */
    int item;               /* guarded_run_items: the item running when the child ended, or
                               the one that returned nonzero; count if all returned 0 */
} run_result;

/* Runs fn(ctx) in a child process, killing it after `seconds`.  arrays:
 * the guarded arrays the call may touch, used to name a fault. */
run_result guarded_run(void (*fn)(void *ctx), void *ctx, const guarded_array *const *arrays,
                       int narrays, double seconds);
/* Zeroed memory that a child's writes reach (MAP_SHARED): what the items
 * report back.  NULL on failure. */
void *guarded_shared(size_t bytes);
void guarded_shared_free(void *p, size_t bytes);

/* Runs item(ctx, 0), item(ctx, 1), ... in one child process until an item
 * returns nonzero (it failed, and wrote why where the parent reads it) or
 * all count have run.  Each item names its arrays and starts its time
 * limit with guarded_item_begin; until then it has GUARDED_SETUP_SECONDS.
 * A fault, a signal, an exit or a timeout ends the list: result.item says
 * in which item, and the items before it all returned 0. */
#define GUARDED_SETUP_SECONDS 30.0
run_result guarded_run_items(int (*item)(void *ctx, int index), void *ctx, int count);
/* In an item (in the child): from now on a fault is located in these
 * arrays (at most GUARDED_MAX_ARRAYS; names up to 31 characters), and the
 * item is killed `seconds` from now.  Outside a child it does nothing. */
#define GUARDED_MAX_ARRAYS 8
void guarded_item_begin(const guarded_array *const *arrays, int narrays, double seconds);
/* "wrote element 16 of param (one past the end)", "killed by SIGFPE", ...
 * into buf. */
void run_result_describe(const run_result *r, char *buf, size_t len);

#endif
