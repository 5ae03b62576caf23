/* descent info — what this machine and this build offer. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_SVE
#define HWCAP_SVE (1UL << 22)
#endif
#endif

static void print_cpu_model(void)
{
    char line[512], model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            /* x86 says "model name", some aarch64 kernels "Model" or nothing. */
            if (!strncmp(line, "model name", 10) || !strncmp(line, "Model", 5)) {
                char *colon = strchr(line, ':');
                if (colon) {
                    snprintf(model, sizeof model, "%s", colon + 2);
                    model[strcspn(model, "\n")] = '\0';
                    break;
                }
            }
        }
        fclose(f);
    }
    printf("cpu:        %s\n", model);
}

static void print_features(void)
{
    printf("features:  ");
#if defined(__x86_64__) || defined(__i386__)
    static const char *const names[] = {"sse4.2", "avx", "avx2", "fma", "avx512f", "avx512bw",
                                        "avx512dq", "avx512vl", "avx512bf16", "avx512fp16"};
    __builtin_cpu_init();
#define FEATURE(s) if (__builtin_cpu_supports(s)) printf(" %s", s)
    /* __builtin_cpu_supports needs string literals, hence the unrolled list. */
    FEATURE("sse4.2"); FEATURE("avx"); FEATURE("avx2"); FEATURE("fma");
    FEATURE("avx512f"); FEATURE("avx512bw"); FEATURE("avx512dq"); FEATURE("avx512vl");
#undef FEATURE
    (void)names;
#elif defined(__aarch64__)
    printf(" asimd (NEON, mandatory on aarch64)");
    if (getauxval(AT_HWCAP) & HWCAP_SVE)
        printf(" sve");
#endif
    printf("\n");
}

int cmd_info(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: descent info\n\nShows the CPU, its SIMD features, the variants "
                   "compiled in, and the one chosen\n(DESCENT_ISA overrides the choice).\n");
            return 0;
        }
        cli_error("info: unknown argument '%s'", argv[i]);
        return EXIT_USAGE;
    }
    printf("descent:    %s\n", DESCENT_VERSION_STRING);
    print_cpu_model();
    print_features();
    printf("variants:  ");
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!descent_isa_compiled((descent_isa)isa))
            continue;
        printf(" %s%s", descent_isa_name((descent_isa)isa),
               descent_isa_supported((descent_isa)isa) ? "" : "(cpu lacks it)");
    }
    printf("\n");
    /* SVE's vector length is the machine's (or qemu's), known only now. */
    printf("vector bits:");
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        const unsigned bits = descent_isa_vector_bits((descent_isa)isa);
        if (bits)
            printf(" %s %u", descent_isa_name((descent_isa)isa), bits);
    }
    printf("\n");
    descent_isa chosen;
    char why[512] = "";
    if (descent_isa_resolve(DESCENT_ISA_BEST, &chosen) == DESCENT_OK) {
        printf("chosen:     %s\n", descent_isa_name(chosen));
    } else {
        snprintf(why, sizeof why, "%s", descent_last_error());
        printf("chosen:     none: %s\n", why);
    }
#if DESCENT_HAVE_OPENMP
    printf("openmp:     yes, %d threads by default\n", omp_get_max_threads());
#else
    printf("openmp:     no (built without OpenMP; everything runs on one thread)\n");
#endif
    printf("sleef:      %s\n", DESCENT_HAVE_SLEEF ? "yes" : "no (polynomial fallbacks)");
    /* Everything else would fail the same way (DESCENT_ISA names a variant
     * this build or CPU lacks): a usage error, after the facts above. */
    if (*why) {
        cli_error("%s", why);
        return EXIT_USAGE;
    }
    return 0;
}
