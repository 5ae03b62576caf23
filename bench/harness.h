/*
 * harness.h — a small benchmark framework for C that speaks Google
 * Benchmark: the same command-line flags, console table, JSON (schema
 * version 1) and CSV output, so that GB's tools (tools/compare.py) read our
 * results as they read GB's.
 *
 * A benchmark is a function that runs the code to measure in a loop; the
 * harness picks the iteration count (growing it until a run lasts
 * --benchmark_min_time) and times the loop:
 *
 *     static void bm_memcpy(bench_state *s)
 *     {
 *         size_t n = (size_t)bench_arg(s, 0);
 *         char *src = calloc(n, 1), *dst = calloc(n, 1);
 *         if (!src || !dst) bench_skip_with_error(s, "out of memory");
 *         while (bench_keep_running(s)) {
 *             memcpy(dst, src, n);
 *             bench_clobber_memory();
 *         }
 *         bench_set_bytes_processed(s, (double)bench_iterations(s) * n);
 *         free(src);
 *         free(dst);
 *     }
 *
 *     int main(int argc, char **argv)
 *     {
 *         for (long long n = 64; n <= 65536; n *= 32)
 *             bench_register("BM_memcpy", bm_memcpy,
 *                            &(bench_args){.arg = {n}, .nargs = 1});
 *         return bench_main(argc, argv);
 *     }
 *
 * Names follow GB: the base name, the variant segments, the integer
 * arguments, then "real_time" and "threads:N" when asked for, joined by
 * '/', e.g. "BM_step/adam/avx512/65536/real_time/threads:2".  Registrations
 * that share base name and variants form one family (GB's family_index).
 *
 * Threads: the harness never starts threads.  A benchmark that runs OpenMP
 * inside its loop is registered with .threads = N (name suffix
 * "threads:N"), reads the count with bench_threads() and reports what it
 * really used with bench_set_threads().  CPU time is the process's
 * (CLOCK_PROCESS_CPUTIME_ID), i.e. the sum over its threads, as GB reports
 * with MeasureProcessCPUTime(); since that grows with the thread count,
 * threaded benchmarks should set .use_real_time so that the iteration count
 * and the rates (items_per_second, ...) follow wall-clock time.
 *
 * The bench_state functions are not thread-safe: call them from the thread
 * that runs the benchmark function, outside parallel regions.
 */
#ifndef DESCENT_BENCH_HARNESS_H
#define DESCENT_BENCH_HARNESS_H

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_MAX_VARIANTS 4
#define BENCH_MAX_ARGS 4

typedef struct bench_state bench_state;
typedef void (*bench_fn)(bench_state *state);

/* Unit of the reported times; BENCH_UNIT_DEFAULT follows
 * --benchmark_time_unit (nanoseconds unless given). */
typedef enum bench_time_unit {
    BENCH_UNIT_DEFAULT = 0,
    BENCH_UNIT_NS,
    BENCH_UNIT_US,
    BENCH_UNIT_MS,
    BENCH_UNIT_S
} bench_time_unit;

/*
 * How one instance of a benchmark is registered.  Every field may be left
 * zero; use a compound literal with designated initializers.
 */
typedef struct bench_args {
    /* Name segments that pick a variant, after the base name: {"adam",
     * "avx512"} gives "BM_step/adam/avx512".  Unused entries are NULL. */
    const char *variant[BENCH_MAX_VARIANTS];
    /* Integer arguments, read with bench_arg(); nargs of them are used and
     * appear in the name.  arg_name[i], when set, prints "name:value". */
    long long arg[BENCH_MAX_ARGS];
    int nargs;
    const char *arg_name[BENCH_MAX_ARGS];
    /* > 0: the benchmark runs this many threads itself ("threads:N"). */
    int threads;
    /* Non-zero: decide the iteration count and compute rates from real
     * time instead of CPU time (GB's UseRealTime(); "real_time"). */
    int use_real_time;
    /* > 0: run exactly this many iterations ("iterations:N"). */
    long long iterations;
    /* > 0: this instance's minimum run time in seconds ("min_time:X"). */
    double min_time;
    /* > 0: this instance's repetition count ("repeats:N"). */
    int repetitions;
    bench_time_unit time_unit;
    /* Passed through untouched, read with bench_data(); the caller keeps it
     * alive until bench_main() returns. */
    const void *data;
} bench_args;

/* Counter flags, numerically equal to GB's benchmark::Counter::Flags.
 * The value a benchmark sets is transformed in this order when the run
 * ends. */
typedef enum bench_counter_flags {
    BENCH_COUNTER_PLAIN = 0,
    BENCH_COUNTER_RATE = 1 << 0,                /* / the run's seconds      */
    BENCH_COUNTER_AVG_THREADS = 1 << 1,         /* / the threads used       */
    BENCH_COUNTER_ITERATION_INVARIANT = 1 << 2, /* * the iterations         */
    BENCH_COUNTER_AVG_ITERATIONS = 1 << 3,      /* / the iterations         */
    BENCH_COUNTER_INVERT = 1 << 4,              /* 1 / value, last          */
    BENCH_COUNTER_BINARY = 1 << 5 /* console shows Ki/Mi/Gi, not k/M/G */
} bench_counter_flags;

/* ------------------------------------------------------------ registration */

/* Registers one benchmark instance; `args` may be NULL (no arguments).
 * Names, variants and argument names are printable ASCII without blanks
 * (they end up in a console column, CSV, JSON and --benchmark_filter);
 * they are copied.  Returns 0, or -1 with a message on stderr for a bad
 * name, a '/' inside a variant, nargs outside 0..BENCH_MAX_ARGS, a
 * negative count, or a full name already registered; bench_main() then
 * refuses to run (exit status 1). */
int bench_register(const char *name, bench_fn fn, const bench_args *args);

/* Parses Google Benchmark's flags, runs the registered benchmarks that
 * match --benchmark_filter and reports them.  Returns the exit status: 0,
 * 1 when --benchmark_out cannot be written or a registration failed, 2 for
 * a bad command line.  Frees the registry before returning. */
int bench_main(int argc, char **argv);

/* ---------------------------------------------------- inside a benchmark */

/* The measured loop: returns non-zero while iterations remain.  The first
 * call starts the clocks, the last one (returning 0) stops them. */
int bench_keep_running(bench_state *state);
/* Iterations this run's loop will execute (GB's max_iterations); known
 * before the loop, e.g. for bench_set_items_processed after it. */
long long bench_iterations(const bench_state *state);

/* Registered arguments; an index out of range marks the run as an error
 * and returns 0 / "". */
long long bench_arg(bench_state *state, int index);
const char *bench_variant(bench_state *state, int index);
const void *bench_data(const bench_state *state);
/* The full name, e.g. "BM_memcpy/4096". */
const char *bench_name(const bench_state *state);

/* Threads requested at registration (0 = not specified: the benchmark's
 * default, e.g. OpenMP's), and the count it really used (>= 1; JSON
 * "threads" and BENCH_COUNTER_AVG_THREADS use it; defaults to the
 * requested count, or 1). */
int bench_threads(const bench_state *state);
void bench_set_threads(bench_state *state, int threads);

/* Stop and restart both clocks around per-iteration setup (GB's
 * PauseTiming/ResumeTiming).  They cost two clock reads each. */
void bench_pause_timing(bench_state *state);
void bench_resume_timing(bench_state *state);

/* Totals over the whole run, reported per second as GB's
 * items_per_second / bytes_per_second. */
void bench_set_items_processed(bench_state *state, double items);
void bench_set_bytes_processed(bench_state *state, double bytes);
/* Sets (or replaces) a user counter; JSON shows it as a key of the
 * benchmark object, so names that GB uses for its own keys ("name",
 * "real_time", ...) are refused: the run is marked as an error. */
void bench_set_counter(bench_state *state, const char *name, double value,
                       unsigned flags);
/* A free-form note shown after the row and as JSON "label". */
void bench_set_label(bench_state *state, const char *label);

/* Ends the run as skipped: bench_keep_running() returns 0 from now on, and
 * the report shows "error_occurred": true with the message (GB's
 * SkipWithError).  The benchmark should return soon after. */
void bench_skip_with_error(bench_state *state, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Keep the compiler from deleting measured work whose result is unused
 * (GB's DoNotOptimize / ClobberMemory). */
#if defined(__GNUC__)
static inline void bench_do_not_optimize(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}
static inline void bench_clobber_memory(void)
{
    __asm__ volatile("" : : : "memory");
}
#else
void bench_do_not_optimize(const void *p);
void bench_clobber_memory(void);
#endif

#ifdef __cplusplus
}
#endif
#endif /* DESCENT_BENCH_HARNESS_H */
