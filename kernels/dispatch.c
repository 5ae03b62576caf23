/*
 * Which variants are compiled in, which ones this CPU runs, and the table
 * from (variant, optimizer) to kernel.  A variant is compiled in when the
 * build defines DESCENT_BUILD_<ISA> (the Makefile does when the compiler
 * accepts that ISA's flags); it runs only if the CPU reports the features,
 * so asking for it on an older CPU is an error, never SIGILL.
 */
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"
#include "kernel.h"

#if DESCENT_BUILD_AVX2
extern const descent_kernel_fn descent_avx2_kernels[DESCENT_OPTIM_COUNT];
size_t descent_avx2_first_nonfinite(size_t n, const float *x);
#endif
#if DESCENT_BUILD_AVX512
extern const descent_kernel_fn descent_avx512_kernels[DESCENT_OPTIM_COUNT];
size_t descent_avx512_first_nonfinite(size_t n, const float *x);
#endif
#if DESCENT_BUILD_NEON
extern const descent_kernel_fn descent_neon_kernels[DESCENT_OPTIM_COUNT];
size_t descent_neon_first_nonfinite(size_t n, const float *x);
#endif

static const char *const isa_names[DESCENT_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};

const char *descent_isa_name(descent_isa isa)
{
    if (isa == DESCENT_ISA_BEST)
        return "best";
    if ((unsigned)isa >= DESCENT_ISA_COUNT)
        return "unknown";
    return isa_names[isa];
}

descent_status descent_isa_from_name(const char *name, descent_isa *isa)
{
    if (!name || !isa)
        return descent_fail(DESCENT_ERR_INVALID, "descent_isa_from_name: NULL argument");
    if (strcmp(name, "best") == 0) {
        *isa = DESCENT_ISA_BEST;
        return DESCENT_OK;
    }
    for (int i = 0; i < DESCENT_ISA_COUNT; i++) {
        if (strcmp(name, isa_names[i]) == 0) {
            *isa = (descent_isa)i;
            return DESCENT_OK;
        }
    }
    return descent_fail(DESCENT_ERR_ISA,
                        "unknown ISA '%s' (expected scalar, avx2, avx512, neon or best)", name);
}

static const descent_kernel_fn *kernel_table(descent_isa isa)
{
    switch (isa) {
    case DESCENT_ISA_SCALAR: return descent_scalar_kernels;
#if DESCENT_BUILD_AVX2
    case DESCENT_ISA_AVX2: return descent_avx2_kernels;
#endif
#if DESCENT_BUILD_AVX512
    case DESCENT_ISA_AVX512: return descent_avx512_kernels;
#endif
#if DESCENT_BUILD_NEON
    case DESCENT_ISA_NEON: return descent_neon_kernels;
#endif
    default: return NULL;
    }
}

int descent_isa_compiled(descent_isa isa)
{
    return kernel_table(isa) != NULL;
}

static int cpu_has(descent_isa isa)
{
    switch (isa) {
    case DESCENT_ISA_SCALAR: return 1;
#if defined(__x86_64__) || defined(__i386__)
    /* __builtin_cpu_supports also checks that the OS saves the wide
     * registers (XCR0), which a bare cpuid bit does not. */
    case DESCENT_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case DESCENT_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
#if defined(__aarch64__)
    case DESCENT_ISA_NEON: return 1; /* Advanced SIMD is mandatory on AArch64 */
#endif
    default: return 0;
    }
}

int descent_isa_supported(descent_isa isa)
{
    return descent_isa_compiled(isa) && cpu_has(isa);
}

descent_status descent_isa_resolve(descent_isa requested, descent_isa *chosen)
{
    if (!chosen)
        return descent_fail(DESCENT_ERR_INVALID, "descent_isa_resolve: chosen is NULL");
    if (requested == DESCENT_ISA_BEST) {
        const char *env = getenv("DESCENT_ISA");
        if (env && *env && strcmp(env, "best") != 0) {
            descent_status s = descent_isa_from_name(env, &requested);
            if (s != DESCENT_OK)
                return descent_fail(s, "DESCENT_ISA: %s", descent_last_error());
        }
    }
    if (requested == DESCENT_ISA_BEST) {
        static const descent_isa preference[] = {DESCENT_ISA_AVX512, DESCENT_ISA_AVX2,
                                                 DESCENT_ISA_NEON, DESCENT_ISA_SCALAR};
        for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++) {
            if (descent_isa_supported(preference[i])) {
                *chosen = preference[i];
                return DESCENT_OK;
            }
        }
    }
    if ((unsigned)requested >= DESCENT_ISA_COUNT)
        return descent_fail(DESCENT_ERR_ISA, "unknown ISA %d", (int)requested);
    if (!descent_isa_compiled(requested))
        return descent_fail(DESCENT_ERR_ISA, "ISA '%s' is not compiled into this build",
                            descent_isa_name(requested));
    if (!cpu_has(requested))
        return descent_fail(DESCENT_ERR_ISA, "this CPU does not support ISA '%s'",
                            descent_isa_name(requested));
    *chosen = requested;
    return DESCENT_OK;
}

descent_kernel_fn descent_kernel_lookup(descent_isa isa, descent_optim_kind kind)
{
    const descent_kernel_fn *table = kernel_table(isa);
    if (!table || (unsigned)kind >= DESCENT_OPTIM_COUNT)
        return NULL;
    return table[kind];
}

descent_finite_fn descent_finite_lookup(descent_isa isa)
{
    switch (isa) {
    case DESCENT_ISA_SCALAR: return descent_scalar_first_nonfinite;
#if DESCENT_BUILD_AVX2
    case DESCENT_ISA_AVX2: return descent_avx2_first_nonfinite;
#endif
#if DESCENT_BUILD_AVX512
    case DESCENT_ISA_AVX512: return descent_avx512_first_nonfinite;
#endif
#if DESCENT_BUILD_NEON
    case DESCENT_ISA_NEON: return descent_neon_first_nonfinite;
#endif
    default: return NULL;
    }
}
