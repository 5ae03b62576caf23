/*
 * Which variants are compiled in, which ones this CPU runs, and the one map
 * from a variant to its kernel table.  A variant is compiled in when the
 * build defines DESCENT_BUILD_<ISA> (the Makefile does when the compiler
 * accepts that ISA's flags); it runs only if the CPU reports the features,
 * so asking for it on an older CPU is an error (src/isa.c), never SIGILL.
 */
#include "kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
/* F16C (cpuid leaf 1, ECX bit 29): clang's __builtin_cpu_supports does not
 * know the name; it needs no state beyond AVX's, which the caller checks. */
static int cpu_has_f16c(void)
{
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_SVE
#define HWCAP_SVE (1UL << 22) /* Linux's arch/arm64 uapi hwcap.h */
#endif
#endif

#if DESCENT_BUILD_AVX2
extern const descent_isa_kernels descent_avx2_isa;
#endif
#if DESCENT_BUILD_AVX512
extern const descent_isa_kernels descent_avx512_isa;
#endif
#if DESCENT_BUILD_NEON
extern const descent_isa_kernels descent_neon_isa;
#endif
#if DESCENT_BUILD_SVE
extern const descent_isa_kernels descent_sve_isa;
#endif

static const descent_isa_kernels *const isa_tables[DESCENT_ISA_COUNT] = {
    [DESCENT_ISA_SCALAR] = &descent_scalar_isa,
#if DESCENT_BUILD_AVX2
    [DESCENT_ISA_AVX2] = &descent_avx2_isa,
#endif
#if DESCENT_BUILD_AVX512
    [DESCENT_ISA_AVX512] = &descent_avx512_isa,
#endif
#if DESCENT_BUILD_NEON
    [DESCENT_ISA_NEON] = &descent_neon_isa,
#endif
#if DESCENT_BUILD_SVE
    [DESCENT_ISA_SVE] = &descent_sve_isa,
#endif
};

const descent_isa_kernels *descent_isa_table(descent_isa isa)
{
    return (unsigned)isa < DESCENT_ISA_COUNT ? isa_tables[isa] : NULL;
}

int descent_isa_compiled(descent_isa isa)
{
    return descent_isa_table(isa) != NULL;
}

int descent_isa_cpu_has(descent_isa isa)
{
    switch (isa) {
    case DESCENT_ISA_SCALAR: return 1;
#if defined(__x86_64__) || defined(__i386__)
    /* __builtin_cpu_supports also checks that the OS saves the wide
     * registers (XCR0), which a bare cpuid bit does not. */
    case DESCENT_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               cpu_has_f16c(); /* mixed precision's fp16; every AVX2 CPU has it */
    case DESCENT_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
#if defined(__aarch64__)
    case DESCENT_ISA_NEON: return 1; /* Advanced SIMD is mandatory on AArch64 */
    /* The kernel sets HWCAP_SVE only when it also saves the SVE state. */
    case DESCENT_ISA_SVE: return (getauxval(AT_HWCAP) & HWCAP_SVE) != 0;
#endif
    default: return 0;
    }
}

int descent_isa_supported(descent_isa isa)
{
    return descent_isa_compiled(isa) && descent_isa_cpu_has(isa);
}

unsigned descent_isa_vector_bits(descent_isa isa)
{
    return descent_isa_supported(isa) ? descent_isa_table(isa)->vector_bits() : 0;
}
