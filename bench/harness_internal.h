/*
 * What the parts of the harness share: the command-line options (flags.c),
 * the results of runs (harness.c makes them, stats.c aggregates them), the
 * output file (outfile.c), the machine description (context.c) and the
 * reporters that print them (report.c).
 */
#ifndef DESCENT_BENCH_HARNESS_INTERNAL_H
#define DESCENT_BENCH_HARNESS_INTERNAL_H

#include <regex.h>
#include <stddef.h>
#include <stdio.h>

#include "harness.h"

/* ------------------------------------------------------------- options */

typedef enum bench_format {
    BENCH_FORMAT_CONSOLE,
    BENCH_FORMAT_JSON,
    BENCH_FORMAT_CSV
} bench_format;

/* GB's ceiling on a run's iteration count (kMaxIterations): the runner
 * grows no run past it and --benchmark_min_time=Nx asks for no more. */
#define BENCH_MAX_ITERATIONS 1000000000LL

typedef struct bench_options {
    int help;
    int list_tests;
    const char *filter;          /* as given; NULL: every benchmark */
    int have_filter, negate_filter;
    regex_t filter_re;           /* compiled when have_filter */
    double min_time;             /* seconds */
    long long min_iterations;    /* > 0: --benchmark_min_time=Nx */
    int repetitions;
    int report_aggregates_only;  /* display and file */
    int display_aggregates_only; /* display only */
    bench_format format;         /* of stdout */
    const char *out;             /* NULL: no file */
    bench_format out_format;
    bench_time_unit time_unit;   /* never BENCH_UNIT_DEFAULT */
    int counters_tabular;
    int interleave_family;       /* a family's repetitions round-robin (descent's own flag) */
} bench_options;

/* Fills `opt` from argv.  Returns 0, or 2 after printing a one-line
 * message naming the bad argument to stderr. */
int bench_parse_flags(int argc, char **argv, const char *prog, bench_options *opt);
void bench_print_help(FILE *out, const char *prog);
/* Whether --benchmark_filter selects `name`. */
int bench_filter_selects(const bench_options *opt, const char *name);
void bench_free_options(bench_options *opt);

/* ------------------------------------------------------------- results */

typedef struct bench_counter {
    char *name;
    double value;
    unsigned flags; /* bench_counter_flags */
} bench_counter;

typedef enum bench_run_type { BENCH_RUN_ITERATION, BENCH_RUN_AGGREGATE } bench_run_type;

/* One line of the report: a repetition, or an aggregate over them. */
typedef struct bench_run {
    char *name;           /* run_name, or run_name + "_" + aggregate_name */
    const char *run_name; /* the instance's full name */
    int family_index, per_family_instance_index;
    bench_run_type run_type;
    int repetitions, repetition_index, threads;
    long long iterations;
    /* Seconds per iteration; for a percentage aggregate (cv) the ratio. */
    double real_time, cpu_time;
    bench_time_unit time_unit;
    const char *aggregate_name; /* "mean", "median", "stddev", "cv" */
    int aggregate_is_percentage;
    bench_counter *counters; /* sorted by name */
    size_t ncounters;
    char *label;         /* NULL if none */
    int error_occurred;
    char *error_message; /* NULL unless error_occurred */
} bench_run;

void bench_run_free(bench_run *run);

/* Mean, median, stddev and cv over the repetitions reps[0..n) of one
 * instance, into out[BENCH_STAT_COUNT]; failed repetitions do not count,
 * and fewer than two good ones give none (as GB).  Returns how many. */
#define BENCH_STAT_COUNT 4
size_t bench_aggregate(const bench_run *reps, size_t n, bench_run *out);

/* ------------------------------------------------------------- context */

#define BENCH_MAX_CACHES 16

typedef struct bench_cache {
    char type[16]; /* "Data", "Instruction", "Unified" */
    int level;
    long long size; /* bytes */
    int num_sharing;
} bench_cache;

typedef struct bench_context {
    char date[40]; /* ISO 8601 with the UTC offset */
    char host_name[256];
    const char *executable;
    int num_cpus;
    double mhz_per_cpu;
    int cpu_scaling_enabled;
    bench_cache caches[BENCH_MAX_CACHES];
    int ncaches;
    double load_avg[3];
} bench_context;

void bench_context_collect(bench_context *ctx, const char *executable);

/* ------------------------------------------------------------ reporters */

typedef struct bench_reporter bench_reporter;

/* A reporter writes the table to `out` and, for console and CSV, the
 * context lines to `err` (stderr for the display, the file itself for a
 * console --benchmark_out, NULL for none).  name_width is the widest name
 * the console table will show. */
bench_reporter *bench_reporter_new(bench_format format, FILE *out, FILE *err,
                                   size_t name_width, int counters_tabular);
void bench_reporter_begin(bench_reporter *r, const bench_context *ctx);
/* The runs must stay alive until bench_reporter_end (CSV prints them
 * there, once it knows every counter column). */
void bench_reporter_runs(bench_reporter *r, const bench_run *runs, size_t n);
void bench_reporter_end(bench_reporter *r);
void bench_reporter_free(bench_reporter *r);

/* Seconds -> the unit's count, and the unit's name ("ns", ...). */
double bench_unit_multiplier(bench_time_unit unit);
const char *bench_unit_name(bench_time_unit unit);

#endif
