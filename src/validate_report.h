/*
 * The report of the validators (descent_validate, descent_validate_gemm):
 * one PASS/FAIL line per check with its worst error, and for a failure the
 * smallest failing case, what went wrong and the command that reruns it;
 * the same as JSON.  Both validators count their checks here.
 */
#ifndef DESCENT_VALIDATE_REPORT_H
#define DESCENT_VALIDATE_REPORT_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "descent.h"
#include "guarded.h"

/* The cases' random data: splitmix64, uniform in [0, 1), normal. */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double rng_uniform(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }
static inline double rng_normal(uint64_t *s)
{
    const double u = rng_uniform(s), v = rng_uniform(s);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}


typedef struct validate_report {
    FILE *text, *json;   /* either may be NULL */
    int json_first;
    int passed, failed;
} validate_report;

typedef struct validate_line {
    const char *name;
    int failed, cases;
    double worst;          /* the error as a fraction of `unit` */
    const char *unit;      /* "of scale", "of the bound" */
    long long worst_ulps;
    double tolerance;      /* on worst */
    /* a failure only: */
    const char *spec, *what, *detail_label, *detail, *rerun;
} validate_line;

/* One item of a --case spec "key=value,key=value": the value as given,
 * and as a number when the whole of it is one (finite), count: a whole
 * number >= 0. */
typedef struct case_item {
    const char *key, *val;
    double num;
    int is_num, is_count;
} case_item;
/* Calls item(ctx, &it) for each key=value of spec, stopping at the first
 * status that is not DESCENT_OK; the keys both validators have are taken
 * here: side=after|before into *side, file=PATH into file[len].  "'x' is
 * not key=value" is reported here too.  0 on success, -1 with the message
 * in descent_last_error(). */
int case_spec_each(const char *spec, guard_side *side, char *file, size_t len,
                   descent_status (*item)(void *ctx, const case_item *it), void *ctx);

/* file(ctx, DIR/NAME) for each DIR/PREFIX*.txt of each DIR in the
 * ':'-separated list dirs (NULL: none), in name order (64 a folder). */
void golden_files_each(const char *dirs, const char *prefix,
                       void (*file)(void *ctx, const char *path), void *ctx);

void validate_report_line(validate_report *r, const validate_line *l);
void validate_json_string(FILE *f, const char *s);
/* The closing summary line ("validate NAME: P passed, F failed") and JSON. */
void validate_report_end(validate_report *r, const char *name, double seconds);

#endif
