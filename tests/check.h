/*
 * A minimal test harness: each test is a function, RUN() executes it and
 * prints "ok N - name" or "not ok N - name" (TAP style; tests/run.sh counts
 * them), EXPECT* record failures with file and line and go on, so one run
 * shows every broken check.  The program's exit status is non-zero if any
 * test failed.
 */
#ifndef DESCENT_CHECK_H
#define DESCENT_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_tests_run, check_tests_failed, check_current_failed;

static void check_failf(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#include <stdarg.h>
static void check_failf(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("#   %s:%d: ", file, line);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    check_current_failed = 1;
}

#define EXPECT(cond, ...)                                      \
    do {                                                       \
        if (!(cond))                                           \
            check_failf(__FILE__, __LINE__, __VA_ARGS__);      \
    } while (0)

/* |got - want| <= tol, printing both with full float precision. */
#define EXPECT_NEAR(got, want, tol)                                                     \
    do {                                                                                \
        double got_ = (got), want_ = (want), tol_ = (tol);                              \
        if (!(fabs(got_ - want_) <= tol_))                                              \
            check_failf(__FILE__, __LINE__, "%s = %.9g, want %.9g (tolerance %.3g)",    \
                        #got, got_, want_, tol_);                                       \
    } while (0)

/* 1 unless DESCENT_TEST_VARIANTS (names separated by spaces) is set and
 * leaves `name` out: tests/run.sh reruns the programs at other SVE vector
 * lengths for the sve variant alone. */
static inline int check_variant_wanted(const char *name)
{
    const char *list = getenv("DESCENT_TEST_VARIANTS");
    if (!list)
        return 1;
    const size_t len = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += len)
        if ((p == list || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' '))
            return 1;
    return 0;
}

/* For loops over the variants: 1 when `isa` is built and this CPU runs it
 * (after printing "# variant NAME"); 0 for one not built or not wanted
 * (DESCENT_TEST_VARIANTS), and 0 with a SKIP line for one this CPU lacks. */
#define CHECK_VARIANT_RUNS(isa)                                                         \
    check_variant_runs(descent_isa_name(isa), descent_isa_compiled(isa),                \
                       descent_isa_supported(isa))
static inline int check_variant_runs(const char *name, int compiled, int supported)
{
    if (!compiled || !check_variant_wanted(name))
        return 0;
    if (!supported) {
        printf("ok %d - %s # SKIP this CPU lacks it\n", ++check_tests_run, name);
        return 0;
    }
    printf("# variant %s\n", name);
    return 1;
}

#define RUN(test_fn)                                                                    \
    do {                                                                                \
        check_current_failed = 0;                                                       \
        test_fn();                                                                      \
        check_tests_run++;                                                              \
        if (check_current_failed)                                                       \
            check_tests_failed++;                                                       \
        printf("%sok %d - %s\n", check_current_failed ? "not " : "", check_tests_run,   \
               #test_fn);                                                               \
        fflush(stdout);                                                                 \
    } while (0)

#define CHECK_EXIT_STATUS() (check_tests_failed ? 1 : 0)


/* n uniform values in [-scale/2, scale/2) from rand() seeded with `seed`
 * (malloc'd; the caller frees). */
static inline float *check_randoms(size_t n, unsigned seed, float scale)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    srand(seed);
    for (size_t i = 0; x && i < n; i++)
        x[i] = scale * ((float)rand() / (float)RAND_MAX - 0.5f);
    return x;
}

/* DESCENT_TEST_QUICK=1 (the sanitizer, valgrind and qemu runs): programs
 * that honour it use their smaller sizes and fewer steps. */
static inline int check_quick(void)
{
    const char *q = getenv("DESCENT_TEST_QUICK");
    return q && *q && *q != '0';
}

/* A seeded stream of test data (splitmix64), the same values on every
 * machine and libc: check_seed(s), then check_u64, check_uniform in [0, 1)
 * and check_normal (Box-Muller). */
static inline uint64_t *check_rng_state(void)
{
    static uint64_t state = 1;
    return &state;
}
static inline void check_seed(uint64_t seed) { *check_rng_state() = seed; }
static inline uint64_t check_u64(void)
{
    uint64_t z = (*check_rng_state() += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double check_uniform(void) { return (double)(check_u64() >> 11) * 0x1.0p-53; }
static inline double check_normal(void)
{
    const double u = check_uniform(), v = check_uniform();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

#endif
