/* Oracle files of learning-rate schedules (FORMAT.md "Schedule files"):
 * the schedule, its arguments, and the lr (and momentum) after
 * construction and after each step. */
#ifndef DESCENT_GOLDEN_SCHED_H
#define DESCENT_GOLDEN_SCHED_H

#include "golden_reader.h"

typedef struct golden_sched {
    char name[48];          /* descent_schedule_name's spelling */
    double lr;              /* the optimizer's initial lr */
    char *args;             /* the file's arguments as "key=value ..." */
    long steps;
    double *metrics;        /* steps values (reduce_lr_on_plateau), else NULL */
    double *lr_values;      /* steps + 1 */
    double *momentum_values; /* steps + 1 where the schedule cycles momentum, else NULL */
} golden_sched;

/* The optimizer's momentum in these files: SGD(lr, momentum=0.9). */
#define GOLDEN_SCHED_MOMENTUM 0.9

/* Parses the records after `scheduler NAME` (the current record). */
descent_status golden_parse_sched(golden_reader *r, golden_sched *out);
void golden_sched_free(golden_sched *g);

#endif
