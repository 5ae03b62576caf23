/* The schedule table and object shared by src/schedule.c (argument parsing,
 * the public API, checkpoint state) and src/schedule_rules.c (one entry per
 * schedule: its keys and PyTorch 1.13's formulas). */
#ifndef DESCENT_SCHEDULE_INTERNAL_H
#define DESCENT_SCHEDULE_INTERNAL_H

#include "internal.h"

#define SCHED_MAX_KEYS 14
/* Per-schedule state beyond steps, lr and momentum (warm restarts: T_cur and
 * T_i; plateau: best, num_bad_epochs, cooldown_counter). */
#define SCHED_AUX 3

typedef enum sched_type {
    SCHED_INT,   /* an integer (|x| <= 2^53, so that a double holds it) */
    SCHED_REAL,  /* a finite double, or a fraction p/q such as 1/3 */
    SCHED_BOOL,  /* 0 or 1 (also false/true, False/True) */
    SCHED_CHOICE, /* one of `choices` ("a|b|c"); v[] holds its index */
    SCHED_INTS   /* comma-separated integers: milestones */
} sched_type;

typedef struct sched_key {
    sched_type type;
    /* NULL: required; "": optional without a value (the schedule's prepare
     * decides, as PyTorch's None); else the default as it would be written. */
    const char *def;
    int horizon;         /* absent: the run's horizon, when it is known */
    const char *choices; /* SCHED_CHOICE: "min|max" */
    const char *bad;     /* SCHED_CHOICE: PyTorch's message, "%s" the value */
} sched_key;

/* Where an argument's value came from. */
typedef enum sched_source {
    SRC_UNSET,   /* optional and absent: v[] is NAN */
    SRC_GIVEN,
    SRC_DEFAULT,
    SRC_HORIZON,
    SRC_DERIVED  /* filled by the schedule's prepare from other arguments */
} sched_source;

typedef struct sched_def sched_def;

struct descent_schedule {
    const sched_def *def;
    int index; /* in the table: the state's tag */
    double v[SCHED_MAX_KEYS];
    sched_source src[SCHED_MAX_KEYS];
    long *milestones; /* SCHED_INTS values, in the order given */
    int milestone_count;
    double base_lr, base_momentum; /* the optimizer's, as created */
    long horizon;
    long steps;
    double lr, momentum; /* momentum NAN when the schedule leaves it alone */
    double aux[SCHED_AUX];
    char describe[768];
};

struct sched_def {
    const char *name;
    const char *keys[SCHED_MAX_KEYS + 1]; /* NULL-terminated, constructor order */
    sched_key spec[SCHED_MAX_KEYS];       /* spec[k] describes keys[k] */
    /* After parsing: PyTorch's constructor checks, derived arguments, and
     * the lr (and momentum) after construction.  Messages without the
     * schedule's name (the caller adds it). */
    descent_status (*prepare)(descent_schedule *s);
    /* scheduler.step(): steps is already the new count (last_epoch);
     * DESCENT_ERR_INVALID leaves the caller to restore the old state. */
    descent_status (*step)(descent_schedule *s, double metric);
    /* Extra checks of a restored aux[] (NULL: none). */
    int (*aux_valid)(const descent_schedule *s);
};

extern const sched_def sched_table[];
extern const int sched_table_count;

/* The index of argument `key` of s's schedule (it must exist). */
int sched_key_index(const sched_def *def, const char *key);
/* v[] of argument `key`. */
double sched_arg(const descent_schedule *s, const char *key);

#endif
