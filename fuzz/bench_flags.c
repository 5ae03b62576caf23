/* libFuzzer target: the benchmark harness's Google-Benchmark flag parser
 * (bench/flags.c).  The input is split at newlines into argv[1..]; every
 * result must be 0 (parsed) or 2 (a one-line error), and a filter that
 * parsed must be usable. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/harness_internal.h"
#include "fuzz_argv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_argv a;
    if (fuzz_argv_make(&a, "descent-bench", data, size) != 0)
        return 0;
    bench_options opt;
    int rc = bench_parse_flags(a.argc, a.argv, "descent-bench", &opt);
    if (rc != 0 && rc != 2)
        __builtin_trap();
    if (rc == 0) {
        (void)bench_filter_selects(&opt, "BM_step/adam/avx2/65536");
        if (opt.repetitions < 1 || !(opt.min_time >= 0) || opt.min_iterations < 0 ||
            opt.min_iterations > BENCH_MAX_ITERATIONS)
            __builtin_trap();
    }
    bench_free_options(&opt);
    fuzz_argv_free(&a);
    return 0;
}
