/*
 * Aggregates over the repetitions of one benchmark, as Google Benchmark
 * computes them: mean, median, sample standard deviation and coefficient
 * of variation, of the real and CPU times and of every counter.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descent.h" /* descent_median */
#include "harness_internal.h"

enum { STAT_MEAN, STAT_MEDIAN, STAT_STDDEV, STAT_CV, STAT_COUNT };
_Static_assert(STAT_COUNT == BENCH_STAT_COUNT, "BENCH_STAT_COUNT counts the statistics");
static const char *const stat_names[STAT_COUNT] = {"mean", "median", "stddev", "cv"};

/* Mean, median, sample standard deviation and coefficient of variation of
 * v[0..n), n >= 1; sorts v.  cv is 0 when the mean is 0 (GB would print
 * NaN), so every aggregate stays a number compare.py can subtract. */
static void summarize(double *v, size_t n, double out[STAT_COUNT])
{
    double sum = 0, squares = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        squares += (v[i] - mean) * (v[i] - mean);
    out[STAT_MEAN] = mean;
    out[STAT_MEDIAN] = descent_median(v, n); /* the project's one median; sorts v */
    out[STAT_STDDEV] = n > 1 ? sqrt(squares / (double)(n - 1)) : 0.0;
    out[STAT_CV] = mean != 0 ? out[STAT_STDDEV] / mean : 0.0;
}

/* The label every repetition shares, or NULL. */
static char *common_label(const bench_run *reps, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const char *a = reps[0].label, *b = reps[i].label;
        if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
            return NULL;
    }
    return reps[0].label != NULL ? strdup(reps[0].label) : NULL;
}

/* "BM_x/8" + "_" + "mean" */
static char *aggregate_name(const char *run_name, const char *stat)
{
    size_t size = strlen(run_name) + strlen(stat) + 2;
    char *name = malloc(size);
    if (name != NULL)
        snprintf(name, size, "%s_%s", run_name, stat);
    return name;
}

size_t bench_aggregate(const bench_run *reps, size_t nreps, bench_run *out)
{
    size_t nok = 0;
    for (size_t i = 0; i < nreps; i++)
        nok += !reps[i].error_occurred;
    if (nok < 2)
        return 0;
    const bench_run **ok = malloc(nok * sizeof *ok);
    double *values = malloc(nok * sizeof *values), real[STAT_COUNT], cpu[STAT_COUNT];
    if (ok == NULL || values == NULL) {
        free(ok);
        free(values);
        return 0;
    }
    nok = 0;
    for (size_t i = 0; i < nreps; i++)
        if (!reps[i].error_occurred)
            ok[nok++] = &reps[i];
    for (size_t i = 0; i < nok; i++)
        values[i] = ok[i]->real_time;
    summarize(values, nok, real);
    for (size_t i = 0; i < nok; i++)
        values[i] = ok[i]->cpu_time;
    summarize(values, nok, cpu);

    for (int k = 0; k < STAT_COUNT; k++) {
        bench_run *a = &out[k];
        memset(a, 0, sizeof *a);
        a->name = aggregate_name(reps[0].run_name, stat_names[k]);
        a->run_name = reps[0].run_name;
        a->family_index = reps[0].family_index;
        a->per_family_instance_index = reps[0].per_family_instance_index;
        a->run_type = BENCH_RUN_AGGREGATE;
        a->repetitions = reps[0].repetitions;
        a->threads = ok[0]->threads;
        a->iterations = (long long)nreps; /* GB: the repetitions, not their iterations */
        a->real_time = real[k];
        a->cpu_time = cpu[k];
        a->time_unit = reps[0].time_unit;
        a->aggregate_name = stat_names[k];
        a->aggregate_is_percentage = k == STAT_CV;
        a->label = common_label(reps, nreps);
        a->counters = calloc(ok[0]->ncounters ? ok[0]->ncounters : 1, sizeof *a->counters);
    }
    /* Counters: those of the first good repetition, over the runs that set them. */
    for (size_t c = 0; c < ok[0]->ncounters; c++) {
        const bench_counter *first = &ok[0]->counters[c];
        size_t n = 0;
        double stats[STAT_COUNT];
        for (size_t i = 0; i < nok; i++)
            for (size_t j = 0; j < ok[i]->ncounters; j++)
                if (strcmp(ok[i]->counters[j].name, first->name) == 0)
                    values[n++] = ok[i]->counters[j].value;
        summarize(values, n, stats);
        for (int k = 0; k < STAT_COUNT; k++) {
            if (out[k].counters == NULL)
                continue;
            char *name = strdup(first->name);
            if (name != NULL)
                out[k].counters[out[k].ncounters++] =
                    (bench_counter){name, stats[k], first->flags};
        }
    }
    free(values);
    free(ok);
    for (int k = 0; k < STAT_COUNT; k++) {
        if (out[k].name == NULL || out[k].counters == NULL) { /* out of memory */
            for (int j = 0; j < STAT_COUNT; j++)
                bench_run_free(&out[j]);
            return 0;
        }
    }
    return STAT_COUNT;
}
