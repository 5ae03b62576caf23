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
} guarded_array;

/* NULL data on failure (out of memory; errno set).  AFTER puts the end on
 * the guard, so the start's alignment follows from n: a misaligned start
 * with the end still guarded is data + k of an array of n + k.  BEFORE
 * starts on a page boundary. */
guarded_array guarded_alloc(const char *name, size_t n, guard_side side);
void guarded_free(guarded_array *a);
/* PROT_READ only (1) or read-write (0); 0 on success. */
int guarded_protect(guarded_array *a, int read_only);

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
    const char *fault_array; /* RUN_FAULT inside or next to one of the arrays, else NULL */
    long long fault_index;  /* element index relative to that array (-1, n, ...) */
    size_t fault_n;         /* that array's n */
    unsigned long fault_address; /* RUN_FAULT: the address hit (near 0: a NULL pointer) */
} run_result;

/* Runs fn(ctx) in a child process, killing it after `seconds`.  arrays:
 * the guarded arrays the call may touch, used to name a fault. */
run_result guarded_run(void (*fn)(void *ctx), void *ctx, const guarded_array *const *arrays,
                       int narrays, double seconds);
/* "wrote element 16 of param (one past the end)", "killed by SIGFPE", ...
 * into buf. */
void run_result_describe(const run_result *r, char *buf, size_t len);

#endif
