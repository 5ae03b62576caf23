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

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "descent-bench";
    for (char *p = text; argc <= MAX_ARGS;) {
        argv[argc++] = p;
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL;
    bench_options opt;
    int rc = bench_parse_flags(argc, argv, "descent-bench", &opt);
    if (rc != 0 && rc != 2)
        __builtin_trap();
    if (rc == 0) {
        (void)bench_filter_selects(&opt, "BM_step/adam/avx2/65536");
        if (opt.repetitions < 1 || !(opt.min_time >= 0))
            __builtin_trap();
    }
    bench_free_options(&opt);
    free(text);
    return 0;
}
