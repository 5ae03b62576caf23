/*
 * The harness proper: the registry of benchmark instances, the state a
 * benchmark function sees, the runner that grows the iteration count the
 * way Google Benchmark does, and bench_main(), which ties flags, runs,
 * aggregates (stats.c), reporters (report.c) and the output file
 * (outfile.c) together.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "descent.h" /* the output-file writer */
#include "harness_internal.h"

/* ------------------------------------------------------------- strings */

static char *vformat(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s != NULL)
        vsnprintf(s, (size_t)len + 1, fmt, again);
    va_end(again);
    return s;
}

static char *format(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

/* Appends to a malloc'd string; on failure frees it and returns NULL. */
static char *append(char *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static char *append(char *s, const char *fmt, ...)
{
    if (s == NULL)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    char *tail = vformat(fmt, ap);
    va_end(ap);
    char *joined = tail != NULL ? format("%s%s", s, tail) : NULL;
    free(s);
    free(tail);
    return joined;
}

/* Printable ASCII without blanks: names end up in a console column, CSV
 * and JSON, and on command lines as filters. */
static int is_name_text(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~')
            return 0;
    return 1;
}

/* ------------------------------------------------------------ registry */

typedef struct bench_instance {
    char *name;        /* the full name */
    char *family_name; /* base name and variants */
    bench_fn fn;
    bench_args args;   /* variant and arg_name point to copies owned here */
    int selected, family_index, per_family_instance_index;
    bench_run *runs;   /* repetitions, then aggregates */
    size_t nruns, naggregates;
    long long iterations; /* per repetition: found by the first one */
} bench_instance;

static struct {
    bench_instance *list;
    size_t count, cap;
    int failed; /* a registration was refused: bench_main will not run */
} registry;

static int refuse(const char *name, const char *why)
{
    fprintf(stderr, "bench_register: %s: %s\n", name != NULL ? name : "(null)", why);
    registry.failed = 1;
    return -1;
}

static const char *check_args(const bench_args *a)
{
    if (a->nargs < 0 || a->nargs > BENCH_MAX_ARGS)
        return "nargs must be 0..BENCH_MAX_ARGS";
    for (int i = 0; i < BENCH_MAX_VARIANTS; i++) {
        if (a->variant[i] == NULL) {
            for (int j = i + 1; j < BENCH_MAX_VARIANTS; j++)
                if (a->variant[j] != NULL)
                    return "a variant follows an empty one";
            break;
        }
        if (!is_name_text(a->variant[i]) || strchr(a->variant[i], '/') != NULL)
            return "a variant is empty or has a blank, control character or '/'";
    }
    for (int i = 0; i < BENCH_MAX_ARGS; i++)
        if (a->arg_name[i] != NULL &&
            (!is_name_text(a->arg_name[i]) || strpbrk(a->arg_name[i], "/:") != NULL))
            return "an argument name is empty or has a blank, '/' or ':'";
    if (a->threads < 0 || a->iterations < 0 || a->repetitions < 0)
        return "threads, iterations and repetitions must not be negative";
    if (!(a->min_time >= 0) || !isfinite(a->min_time))
        return "min_time must be a finite number of seconds >= 0";
    if (a->time_unit < BENCH_UNIT_DEFAULT || a->time_unit > BENCH_UNIT_S)
        return "unknown time_unit";
    return NULL;
}

/* GB's order: base/variants/args/min_time/iterations/repeats/real_time/threads. */
static char *build_name(const char *base, const bench_args *a, char **family)
{
    char *name = format("%s", base);
    for (int i = 0; i < BENCH_MAX_VARIANTS && a->variant[i] != NULL; i++)
        name = append(name, "/%s", a->variant[i]);
    *family = name != NULL ? format("%s", name) : NULL;
    for (int i = 0; i < a->nargs; i++) {
        if (a->arg_name[i] != NULL)
            name = append(name, "/%s:%lld", a->arg_name[i], a->arg[i]);
        else
            name = append(name, "/%lld", a->arg[i]);
    }
    if (a->min_time > 0)
        name = append(name, "/min_time:%0.3f", a->min_time);
    if (a->iterations > 0)
        name = append(name, "/iterations:%lld", a->iterations);
    if (a->repetitions > 0)
        name = append(name, "/repeats:%d", a->repetitions);
    if (a->use_real_time)
        name = append(name, "/real_time");
    if (a->threads > 0)
        name = append(name, "/threads:%d", a->threads);
    return name;
}

static void free_instance(bench_instance *inst);

int bench_register(const char *name, bench_fn fn, const bench_args *args)
{
    static const bench_args no_args;
    const bench_args *a = args != NULL ? args : &no_args;
    const char *why = !is_name_text(name) ? "the name is empty or has a blank or control character"
                      : fn == NULL        ? "no benchmark function"
                                          : check_args(a);
    if (why != NULL)
        return refuse(name, why);

    bench_instance inst = {0};
    inst.fn = fn;
    inst.args = *a;
    inst.name = build_name(name, a, &inst.family_name);
    int nomem = inst.name == NULL || inst.family_name == NULL;
    for (int i = 0; i < BENCH_MAX_VARIANTS; i++) {
        inst.args.variant[i] = a->variant[i] != NULL ? strdup(a->variant[i]) : NULL;
        nomem |= a->variant[i] != NULL && inst.args.variant[i] == NULL;
    }
    for (int i = 0; i < BENCH_MAX_ARGS; i++) {
        inst.args.arg_name[i] = a->arg_name[i] != NULL ? strdup(a->arg_name[i]) : NULL;
        nomem |= a->arg_name[i] != NULL && inst.args.arg_name[i] == NULL;
    }
    if (!nomem && registry.count == registry.cap) {
        size_t cap = registry.cap ? 2 * registry.cap : 64;
        bench_instance *list = realloc(registry.list, cap * sizeof *list);
        nomem = list == NULL;
        if (list != NULL) {
            registry.list = list;
            registry.cap = cap;
        }
    }
    if (nomem) {
        free_instance(&inst);
        return refuse(name, "out of memory");
    }
    for (size_t i = 0; i < registry.count; i++) {
        if (strcmp(registry.list[i].name, inst.name) == 0) {
            int rc = refuse(inst.name, "registered twice (give the instances different "
                                       "variants or arguments)");
            free_instance(&inst);
            return rc;
        }
    }
    registry.list[registry.count++] = inst;
    return 0;
}

void bench_run_free(bench_run *run)
{
    free(run->name);
    for (size_t i = 0; i < run->ncounters; i++)
        free(run->counters[i].name);
    free(run->counters);
    free(run->label);
    free(run->error_message);
}

static void free_instance(bench_instance *inst)
{
    free(inst->name);
    free(inst->family_name);
    for (int i = 0; i < BENCH_MAX_VARIANTS; i++)
        free((char *)inst->args.variant[i]);
    for (int i = 0; i < BENCH_MAX_ARGS; i++)
        free((char *)inst->args.arg_name[i]);
    for (size_t i = 0; i < inst->nruns; i++)
        bench_run_free(&inst->runs[i]);
    free(inst->runs);
}

static void free_registry(void)
{
    for (size_t i = 0; i < registry.count; i++)
        free_instance(&registry.list[i]);
    free(registry.list);
    memset(&registry, 0, sizeof registry);
}

/* ------------------------------------------------------ benchmark state */

struct bench_state {
    const bench_instance *inst;
    long long max_iterations, remaining;
    int started, finished, timing;
    double real_mark; /* descent_seconds() */
    struct timespec cpu_mark;
    double real_seconds, cpu_seconds;
    int threads; /* reported by the benchmark; 0 = not reported */
    bench_counter *counters;
    size_t ncounters, cap;
    char *label;
    int skipped;
    char *error; /* NULL after a skip only if the message did not fit in memory */
};

static double seconds_between(const struct timespec *from, const struct timespec *to)
{
    return (double)(to->tv_sec - from->tv_sec) + (double)(to->tv_nsec - from->tv_nsec) * 1e-9;
}

/* Real time on the project's one clock (descent_seconds); CPU time on the
 * process's CPU clock, which is another quantity. */
static void start_clocks(bench_state *s)
{
    s->real_mark = descent_seconds();
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &s->cpu_mark);
    s->timing = 1;
}

/* Stops in the reverse order, so the real interval encloses the CPU one. */
static void stop_clocks(bench_state *s)
{
    struct timespec cpu_now;
    if (!s->timing)
        return;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_now);
    const double real_now = descent_seconds();
    s->cpu_seconds += seconds_between(&s->cpu_mark, &cpu_now);
    s->real_seconds += real_now - s->real_mark;
    s->timing = 0;
}

int bench_keep_running(bench_state *s)
{
    if (s->finished)
        return 0;
    if (!s->started) {
        s->started = 1;
        if (!s->skipped)
            start_clocks(s);
    }
    if (s->remaining > 0 && !s->skipped) {
        s->remaining--;
        return 1;
    }
    stop_clocks(s);
    s->finished = 1;
    return 0;
}

long long bench_iterations(const bench_state *s) { return s->max_iterations; }

void bench_skip_with_error(bench_state *s, const char *fmt, ...)
{
    if (s->skipped)
        return; /* the first reason is the one worth reading */
    va_list ap;
    va_start(ap, fmt);
    s->error = vformat(fmt, ap);
    va_end(ap);
    s->skipped = 1;
    stop_clocks(s);
}

long long bench_arg(bench_state *s, int index)
{
    if (index >= 0 && index < s->inst->args.nargs)
        return s->inst->args.arg[index];
    bench_skip_with_error(s, "bench_arg(%d): the benchmark was registered with %d argument(s)",
                          index, s->inst->args.nargs);
    return 0;
}

const char *bench_variant(bench_state *s, int index)
{
    if (index >= 0 && index < BENCH_MAX_VARIANTS && s->inst->args.variant[index] != NULL)
        return s->inst->args.variant[index];
    bench_skip_with_error(s, "bench_variant(%d): no such variant was registered", index);
    return "";
}

const void *bench_data(const bench_state *s) { return s->inst->args.data; }
const char *bench_name(const bench_state *s) { return s->inst->name; }
int bench_threads(const bench_state *s) { return s->inst->args.threads; }

void bench_set_threads(bench_state *s, int threads)
{
    if (threads < 1)
        bench_skip_with_error(s, "bench_set_threads(%d): a run uses at least 1 thread", threads);
    else
        s->threads = threads;
}

void bench_pause_timing(bench_state *s) { stop_clocks(s); }

void bench_resume_timing(bench_state *s)
{
    if (s->started && !s->finished && !s->skipped && !s->timing)
        start_clocks(s);
}

/* Keys GB writes for every benchmark: a counter of that name would make a
 * duplicate key in the JSON object. */
static int is_reserved_key(const char *name)
{
    static const char *const reserved[] = {
        "name", "family_index", "per_family_instance_index", "run_name", "run_type",
        "repetitions", "repetition_index", "threads", "iterations", "real_time",
        "cpu_time", "time_unit", "aggregate_name", "aggregate_unit", "error_occurred",
        "error_message", "label"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i]) == 0)
            return 1;
    return 0;
}

void bench_set_counter(bench_state *s, const char *name, double value, unsigned flags)
{
    if (!is_name_text(name) || is_reserved_key(name) || strchr(name, '"') != NULL) {
        bench_skip_with_error(s, "bench_set_counter: '%s' cannot name a counter (empty, "
                                 "blanks, quotes, or a key the JSON report uses itself)",
                              name != NULL ? name : "(null)");
        return;
    }
    for (size_t i = 0; i < s->ncounters; i++) {
        if (strcmp(s->counters[i].name, name) == 0) {
            s->counters[i].value = value;
            s->counters[i].flags = flags;
            return;
        }
    }
    if (s->ncounters == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        bench_counter *grown = realloc(s->counters, cap * sizeof *grown);
        if (grown == NULL) {
            bench_skip_with_error(s, "out of memory for counter '%s'", name);
            return;
        }
        s->counters = grown;
        s->cap = cap;
    }
    char *copy = strdup(name);
    if (copy == NULL) {
        bench_skip_with_error(s, "out of memory for counter '%s'", name);
        return;
    }
    s->counters[s->ncounters++] = (bench_counter){copy, value, flags};
}

/* GB keeps these two as rate counters of these names. */
void bench_set_items_processed(bench_state *s, double items)
{
    bench_set_counter(s, "items_per_second", items, BENCH_COUNTER_RATE);
}

void bench_set_bytes_processed(bench_state *s, double bytes)
{
    bench_set_counter(s, "bytes_per_second", bytes, BENCH_COUNTER_RATE | BENCH_COUNTER_BINARY);
}

void bench_set_label(bench_state *s, const char *label)
{
    char *copy = label != NULL ? strdup(label) : NULL;
    if (label != NULL && copy == NULL) {
        bench_skip_with_error(s, "out of memory for the label");
        return;
    }
    free(s->label);
    s->label = copy;
}

#if !defined(__GNUC__)
/* Without inline asm: a store through a volatile pointer the compiler
 * cannot see through. */
static const void *volatile bench_sink;
void bench_do_not_optimize(const void *p) { bench_sink = p; }
void bench_clobber_memory(void) { bench_sink = &bench_sink; }
#endif

static void free_state(bench_state *s)
{
    for (size_t i = 0; i < s->ncounters; i++)
        free(s->counters[i].name);
    free(s->counters);
    free(s->label);
    free(s->error);
}

/* ---------------------------------------------------------------- runs */

/* What one instance runs with: its registration overrides the flags. */
typedef struct run_plan {
    int repetitions;
    double min_time;
    long long fixed_iterations; /* 0: grow until min_time */
    bench_time_unit unit;
} run_plan;

static run_plan plan_for(const bench_instance *inst, const bench_options *opt)
{
    const bench_args *a = &inst->args;
    run_plan p;
    p.repetitions = a->repetitions > 0 ? a->repetitions : opt->repetitions;
    p.min_time = a->min_time > 0 ? a->min_time : opt->min_time;
    p.fixed_iterations = a->iterations > 0 ? a->iterations : opt->min_iterations;
    p.unit = a->time_unit != BENCH_UNIT_DEFAULT ? a->time_unit : opt->time_unit;
    return p;
}

static void call_benchmark(const bench_instance *inst, long long iterations, bench_state *s)
{
    memset(s, 0, sizeof *s);
    s->inst = inst;
    s->max_iterations = s->remaining = iterations;
    inst->fn(s);
    stop_clocks(s);
    if (!s->skipped && !s->finished)
        bench_skip_with_error(s, "the benchmark returned before bench_keep_running() "
                                 "returned 0");
}

/* The seconds that decide the iteration count and divide rate counters. */
static double decisive_seconds(const bench_instance *inst, const bench_state *s)
{
    return inst->args.use_real_time ? s->real_seconds : s->cpu_seconds;
}

/* GB's rule: long enough, or hopeless (error, too many iterations, or
 * the wall clock far past the goal while CPU time lags). */
static int run_is_long_enough(const bench_instance *inst, const bench_state *s, double min_time)
{
    return s->skipped || s->max_iterations >= BENCH_MAX_ITERATIONS ||
           decisive_seconds(inst, s) >= min_time || s->real_seconds >= 5 * min_time;
}

/* GB's prediction: aim 40% past min_time, at most 10x per step while the
 * run is under a tenth of it. */
static long long next_iterations(double seconds, double min_time, long long iterations)
{
    double multiplier = min_time * 1.4 / fmax(seconds, 1e-9);
    if (seconds / min_time <= 0.1)
        multiplier = fmin(multiplier, 10.0);
    if (multiplier <= 1.0)
        multiplier = 2.0;
    double next = fmax(multiplier * (double)iterations, (double)iterations + 1.0) + 0.5;
    return next >= (double)BENCH_MAX_ITERATIONS ? BENCH_MAX_ITERATIONS : (long long)next;
}

static int compare_counters(const void *a, const void *b)
{
    return strcmp(((const bench_counter *)a)->name, ((const bench_counter *)b)->name);
}

/* GB's Finish(): what a counter's flags make of the value set. */
static double finish_counter(const bench_counter *c, double seconds, int threads,
                             long long iterations)
{
    double v = c->value;
    if (c->flags & BENCH_COUNTER_RATE)
        v /= seconds;
    if (c->flags & BENCH_COUNTER_AVG_THREADS)
        v /= threads;
    if (c->flags & BENCH_COUNTER_ITERATION_INVARIANT)
        v *= (double)iterations;
    if (c->flags & BENCH_COUNTER_AVG_ITERATIONS)
        v /= (double)iterations;
    if (c->flags & BENCH_COUNTER_INVERT)
        v = 1.0 / v;
    return v;
}

/* Turns a finished state into a report line, taking over what it owns. */
static int record_repetition(const bench_instance *inst, bench_state *s, int repetition,
                             const run_plan *plan, bench_run *run)
{
    memset(run, 0, sizeof *run);
    run->name = strdup(inst->name);
    run->run_name = inst->name;
    run->family_index = inst->family_index;
    run->per_family_instance_index = inst->per_family_instance_index;
    run->run_type = BENCH_RUN_ITERATION;
    run->repetitions = plan->repetitions;
    run->repetition_index = repetition;
    run->threads = s->threads > 0 ? s->threads : inst->args.threads > 0 ? inst->args.threads : 1;
    run->iterations = s->max_iterations - s->remaining;
    run->time_unit = plan->unit;
    run->label = s->label;
    s->label = NULL;
    if (s->skipped) {
        run->error_occurred = 1;
        run->error_message = s->error != NULL ? s->error : strdup("out of memory");
        s->error = NULL;
        return run->name != NULL && run->error_message != NULL ? 0 : -1;
    }
    run->real_time = s->real_seconds / (double)run->iterations;
    run->cpu_time = s->cpu_seconds / (double)run->iterations;
    for (size_t i = 0; i < s->ncounters; i++)
        s->counters[i].value = finish_counter(&s->counters[i], decisive_seconds(inst, s),
                                              run->threads, run->iterations);
    if (s->ncounters > 1) /* qsort wants a non-null array even for 0 elements */
        qsort(s->counters, s->ncounters, sizeof *s->counters, compare_counters);
    run->counters = s->counters;
    run->ncounters = s->ncounters;
    s->counters = NULL;
    s->ncounters = 0;
    return run->name != NULL ? 0 : -1;
}

/* Makes room for inst's repetitions and aggregates. */
static int begin_instance(bench_instance *inst, const run_plan *plan)
{
    inst->runs = calloc((size_t)plan->repetitions + BENCH_STAT_COUNT, sizeof *inst->runs);
    inst->nruns = inst->naggregates = 0;
    inst->iterations = plan->fixed_iterations > 0 ? plan->fixed_iterations : 1;
    return inst->runs == NULL ? -1 : 0;
}

/* Repetition `rep` of inst into inst->runs.  As GB: the first repetition
 * finds the iteration count, the others reuse it. */
static int run_repetition(bench_instance *inst, const run_plan *plan, int rep)
{
    bench_state s;
    for (;;) {
        call_benchmark(inst, inst->iterations, &s);
        if (rep > 0 || plan->fixed_iterations > 0 || run_is_long_enough(inst, &s, plan->min_time))
            break;
        inst->iterations = next_iterations(decisive_seconds(inst, &s), plan->min_time,
                                           inst->iterations);
        free_state(&s);
    }
    int rc = record_repetition(inst, &s, rep, plan, &inst->runs[inst->nruns++]);
    free_state(&s);
    return rc;
}

static void end_instance(bench_instance *inst)
{
    inst->naggregates = bench_aggregate(inst->runs, inst->nruns, inst->runs + inst->nruns);
    inst->nruns += inst->naggregates;
}

/* Runs the selected instances in [first, end) (one family, or one
 * instance): every repetition and the aggregates into each one's runs,
 * round-robin, repetition r of each instance before repetition r + 1 of
 * any (so a burst of other work on the machine spoils one repetition of
 * several rows, not every repetition of one).  A group of one instance
 * runs its repetitions in a row, as GB.  Returns the failed instance, or
 * NULL. */
static bench_instance *run_group(size_t first, size_t end, const bench_options *opt)
{
    int most = 0;
    for (size_t i = first; i < end; i++) {
        bench_instance *inst = &registry.list[i];
        if (!inst->selected)
            continue;
        const run_plan plan = plan_for(inst, opt);
        if (begin_instance(inst, &plan) != 0)
            return inst;
        most = plan.repetitions > most ? plan.repetitions : most;
    }
    for (int rep = 0; rep < most; rep++)
        for (size_t i = first; i < end; i++) {
            bench_instance *inst = &registry.list[i];
            const run_plan plan = plan_for(inst, opt);
            if (inst->selected && rep < plan.repetitions && run_repetition(inst, &plan, rep) != 0)
                return inst;
        }
    for (size_t i = first; i < end; i++)
        if (registry.list[i].selected)
            end_instance(&registry.list[i]);
    return NULL;
}

/* GB: only the aggregates when asked and when there are any. */
static void report_instance(bench_reporter *r, const bench_instance *inst, int aggregates_only)
{
    size_t nreps = inst->nruns - inst->naggregates;
    if (r == NULL)
        return;
    if (!aggregates_only || inst->naggregates == 0)
        bench_reporter_runs(r, inst->runs, nreps);
    bench_reporter_runs(r, inst->runs + nreps, inst->naggregates);
}

/* ------------------------------------------------------ selection */

/* Marks the instances the filter selects and numbers families and
 * instances among them as GB does; returns how many. */
static size_t select_instances(const bench_options *opt)
{
    size_t selected = 0;
    int families = 0;
    for (size_t i = 0; i < registry.count; i++) {
        bench_instance *inst = &registry.list[i];
        inst->selected = bench_filter_selects(opt, inst->name);
        if (!inst->selected)
            continue;
        inst->family_index = -1;
        inst->per_family_instance_index = 0;
        for (size_t j = 0; j < i; j++) {
            const bench_instance *prev = &registry.list[j];
            if (prev->selected && strcmp(prev->family_name, inst->family_name) == 0) {
                inst->family_index = prev->family_index;
                inst->per_family_instance_index++;
            }
        }
        if (inst->family_index < 0)
            inst->family_index = families++;
        selected++;
    }
    return selected;
}

/* Room for the longest name, and its "_median" when there are aggregates. */
static size_t name_width(const bench_options *opt)
{
    size_t width = 10;
    int aggregates = 0;
    for (size_t i = 0; i < registry.count; i++) {
        const bench_instance *inst = &registry.list[i];
        if (!inst->selected)
            continue;
        size_t len = strlen(inst->name);
        width = len > width ? len : width;
        aggregates |= plan_for(inst, opt).repetitions > 1;
    }
    return width + (aggregates ? 7 : 0);
}

/* -------------------------------------------------------------- main */

static int run_selected(const bench_options *opt, const char *prog, const char *argv0)
{
    size_t nselected = select_instances(opt);
    if (opt->list_tests) {
        for (size_t i = 0; i < registry.count; i++)
            if (registry.list[i].selected)
                printf("%s\n", registry.list[i].name);
        return descent_close_stdout(prog) != 0 ? 2 : 0;
    }
    /* GB's message and exit status 0; an output file still gets a valid,
     * empty report. */
    if (nselected == 0)
        fprintf(stderr, "Failed to match any benchmarks against regex: %s\n",
                opt->filter != NULL ? opt->filter : "");

    /* Opened before anything runs, so an unwritable path costs nothing. */
    descent_outfile *out = NULL;
    if (opt->out != NULL && descent_outfile_open(opt->out, &out) != DESCENT_OK) {
        fprintf(stderr, "%s: --benchmark_out: %s\n", prog, descent_last_error());
        return 2;
    }
    FILE *file = descent_outfile_stream(out);
    bench_context ctx;
    bench_context_collect(&ctx, argv0);
    size_t width = name_width(opt);
    bench_reporter *display =
        bench_reporter_new(opt->format, stdout, stderr, width, opt->counters_tabular);
    bench_reporter *filed =
        file != NULL ? bench_reporter_new(opt->out_format, file,
                                          opt->out_format == BENCH_FORMAT_CSV ? NULL : file,
                                          width, opt->counters_tabular)
                     : NULL;
    int status = 0;
    if (display == NULL || (file != NULL && filed == NULL)) {
        fprintf(stderr, "%s: out of memory\n", prog);
        status = 1;
    } else {
        bench_reporter_begin(display, &ctx);
        if (filed != NULL)
            bench_reporter_begin(filed, &ctx);
        for (size_t i = 0; i < registry.count && status == 0;) {
            if (!registry.list[i].selected) {
                i++;
                continue;
            }
            /* a family's instances are registered together; with
             * --benchmark_interleave_family they run as one group */
            size_t end = i + 1;
            while (opt->interleave_family && end < registry.count &&
                   (!registry.list[end].selected ||
                    registry.list[end].family_index == registry.list[i].family_index))
                end++;
            const bench_instance *failed = run_group(i, end, opt);
            if (failed != NULL) {
                fprintf(stderr, "%s: out of memory running %s\n", prog, failed->name);
                status = 1;
                break;
            }
            for (; i < end; i++) {
                const bench_instance *inst = &registry.list[i];
                if (!inst->selected)
                    continue;
                report_instance(display, inst,
                                opt->report_aggregates_only || opt->display_aggregates_only);
                report_instance(filed, inst, opt->report_aggregates_only);
            }
        }
        bench_reporter_end(display);
        if (filed != NULL)
            bench_reporter_end(filed);
    }
    if (out != NULL && status != 0) {
        descent_outfile_discard(out);
    } else if (out != NULL && descent_outfile_commit(out) != DESCENT_OK) {
        fprintf(stderr, "%s: --benchmark_out: %s\n", prog, descent_last_error());
        status = 2;
    }
    if (descent_close_stdout(prog) != 0)
        status = 2;
    bench_reporter_free(display);
    bench_reporter_free(filed);
    return status;
}

int bench_main(int argc, char **argv)
{
    const char *argv0 = argc > 0 && argv[0] != NULL ? argv[0] : "benchmark";
    const char *slash = strrchr(argv0, '/');
    const char *prog = slash != NULL ? slash + 1 : argv0;
    descent_guard_std_fds();
    bench_options opt;
    int status = bench_parse_flags(argc, argv, prog, &opt);
    if (status == 0 && opt.help) {
        bench_print_help(stdout, prog);
        status = descent_close_stdout(prog) != 0 ? 2 : 0;
    } else if (status == 0 && registry.failed) {
        fprintf(stderr, "%s: a benchmark registration failed (see above); nothing was run\n",
                prog);
        status = 1;
    } else if (status == 0) {
        status = run_selected(&opt, prog, argv0);
    }
    bench_free_options(&opt);
    free_registry();
    return status;
}
