/*
 * A benchmark program for the harness's own tests (tests/cli_bench_harness.sh):
 * trivial benchmarks that exercise each feature — arguments, variants,
 * counters of every kind, paused timing, OpenMP threads, skipping — with
 * results the test can predict.
 *
 * HARNESS_SELFTEST_MISUSE=register|loop|counter adds one deliberate
 * mistake, to check that the harness reports it instead of misbehaving.
 * HARNESS_SELFTEST_ORDER=FILE adds the BM_order families, which log the
 * order of their repetitions to FILE.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "harness.h"

/* Copies n bytes: bytes_per_second. */
static void bm_memcpy(bench_state *s)
{
    size_t n = (size_t)bench_arg(s, 0);
    char *src = malloc(n), *dst = malloc(n);
    if (src == NULL || dst == NULL) {
        bench_skip_with_error(s, "out of memory for %zu bytes", n);
    } else {
        memset(src, 'x', n);
        while (bench_keep_running(s)) {
            memcpy(dst, src, n);
            bench_clobber_memory();
        }
        bench_set_bytes_processed(s, (double)bench_iterations(s) * (double)n);
    }
    free(src);
    free(dst);
}

/* Square roots of 1..n: items_per_second and one counter per flag whose
 * final value the test knows (per_iteration = n, invariant = iterations,
 * per_thread = 3, seconds_per_call inverts a rate). */
static void bm_sqrt(bench_state *s)
{
    long long n = bench_arg(s, 0);
    double sum = 0;
    while (bench_keep_running(s)) {
        for (long long i = 1; i <= n; i++)
            sum += sqrt((double)i);
        bench_do_not_optimize(&sum);
    }
    double calls = (double)bench_iterations(s) * (double)n;
    bench_set_items_processed(s, calls);
    bench_set_counter(s, "calls", calls, BENCH_COUNTER_RATE);
    bench_set_counter(s, "seconds_per_call", calls, BENCH_COUNTER_RATE | BENCH_COUNTER_INVERT);
    bench_set_counter(s, "per_iteration", calls, BENCH_COUNTER_AVG_ITERATIONS);
    bench_set_counter(s, "invariant", 1.0, BENCH_COUNTER_ITERATION_INVARIANT);
    bench_set_counter(s, "per_thread", 3.0, BENCH_COUNTER_AVG_THREADS);
    bench_set_label(s, "libm sqrt");
}

/* A 1 ms sleep outside the clocks each iteration: the measured time must
 * stay far below it. */
static void bm_pause(bench_state *s)
{
    const struct timespec one_ms = {0, 1000000};
    volatile double x = 1.0;
    while (bench_keep_running(s)) {
        bench_pause_timing(s);
        nanosleep(&one_ms, NULL);
        bench_resume_timing(s);
        x = x * 1.000001;
    }
}

/* An OpenMP reduction on the registered thread count, reported back. */
static void bm_omp_sum(bench_state *s)
{
#ifdef _OPENMP
    long long n = bench_arg(s, 0);
    int threads = bench_threads(s) > 0 ? bench_threads(s) : omp_get_max_threads();
    float *x = malloc((size_t)n * sizeof *x);
    int used = 1;
    if (x == NULL) {
        bench_skip_with_error(s, "out of memory for %lld floats", n);
        return;
    }
    for (long long i = 0; i < n; i++)
        x[i] = (float)(i % 7);
    while (bench_keep_running(s)) {
        double sum = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : sum)
        for (long long i = 0; i < n; i++)
            sum += x[i];
        bench_do_not_optimize(&sum);
    }
#pragma omp parallel num_threads(threads)
    {
#pragma omp single
        used = omp_get_num_threads();
    }
    bench_set_threads(s, used);
    bench_set_counter(s, "work_per_thread", 7.0 * used, BENCH_COUNTER_AVG_THREADS);
    bench_set_items_processed(s, (double)bench_iterations(s) * (double)n);
    free(x);
#else
    bench_skip_with_error(s, "built without OpenMP");
#endif
}

/* Skips with a message that needs escaping in JSON and CSV. */
static void bm_skip(bench_state *s)
{
    bench_skip_with_error(s, "skipped on purpose: \"quoted\" \\ back\tslash");
}

/* Appends its argument, one line per call, to the file named by
 * HARNESS_SELFTEST_ORDER: the order the harness ran the repetitions in. */
static void bm_order(bench_state *s)
{
    FILE *log = fopen(getenv("HARNESS_SELFTEST_ORDER"), "a");
    if (log == NULL) {
        bench_skip_with_error(s, "cannot open HARNESS_SELFTEST_ORDER");
        return;
    }
    fprintf(log, "%lld\n", bench_arg(s, 0));
    fclose(log);
    while (bench_keep_running(s))
        bench_clobber_memory();
}

static void bm_early_return(bench_state *s)
{
    bench_keep_running(s);
}

static void bm_reserved_counter(bench_state *s)
{
    while (bench_keep_running(s))
        bench_clobber_memory();
    bench_set_counter(s, "real_time", 1.0, BENCH_COUNTER_PLAIN);
}

int main(int argc, char **argv)
{
    for (long long n = 8; n <= 65536; n *= 64)
        bench_register("BM_memcpy", bm_memcpy, &(bench_args){.arg = {n}, .nargs = 1});
    bench_register("BM_sqrt", bm_sqrt,
                   &(bench_args){.variant = {"libm"}, .arg = {1000}, .arg_name = {"n"},
                                 .nargs = 1});
    bench_register("BM_pause", bm_pause, &(bench_args){.iterations = 20});
    bench_register("BM_omp_sum", bm_omp_sum,
                   &(bench_args){.arg = {1 << 16}, .nargs = 1, .threads = 2,
                                 .use_real_time = 1, .time_unit = BENCH_UNIT_US});
    bench_register("BM_skip", bm_skip, NULL);

    if (getenv("HARNESS_SELFTEST_ORDER") != NULL) { /* two families: 1 and 2, then 3 */
        for (long long n = 1; n <= 2; n++)
            bench_register("BM_order", bm_order, &(bench_args){.arg = {n}, .nargs = 1});
        bench_register("BM_order_other", bm_order, &(bench_args){.arg = {3}, .nargs = 1});
    }
    const char *misuse = getenv("HARNESS_SELFTEST_MISUSE");
    if (misuse != NULL && strcmp(misuse, "register") == 0)
        bench_register("BM_memcpy", bm_memcpy, &(bench_args){.arg = {8}, .nargs = 1});
    if (misuse != NULL && strcmp(misuse, "loop") == 0)
        bench_register("BM_early_return", bm_early_return, NULL);
    if (misuse != NULL && strcmp(misuse, "counter") == 0)
        bench_register("BM_reserved_counter", bm_reserved_counter, NULL);
    return bench_main(argc, argv);
}
