/* The schedule oracle files (FORMAT.md "Schedule files"): a
 * torch.optim.lr_scheduler's lr (and momentum) after construction and
 * after each step. */
#ifndef DESCENT_GOLDEN_SCHED_H
#define DESCENT_GOLDEN_SCHED_H

#include "descent.h"

struct golden_reader;

typedef struct golden_sched {
    char name[48];     /* the scheduler, descent_schedule_create's name */
    char *args;        /* its arguments as "key=value ..." */
    double lr;         /* the optimizer's initial lr */
    long steps;
    double *metrics;   /* steps values (reduce_lr_on_plateau), else NULL */
    double *lr_values; /* steps + 1 */
    double *momentum_values; /* steps + 1, or NULL */
} golden_sched;

/* Parses the records after `scheduler NAME` (the reader is on that one). */
descent_status golden_parse_sched(struct golden_reader *r, golden_sched *out);
void golden_sched_free(golden_sched *g);

#endif
