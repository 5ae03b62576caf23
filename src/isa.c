/* The variants' names and the choice among them (DESCENT_ISA_BEST, the
 * DESCENT_ISA environment variable), with the messages; what is compiled in
 * and what the CPU runs is kernels/dispatch.c. */
#include <stdlib.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "internal.h"

/* The variants, then "best" (DESCENT_ISA_BEST). */
static const char *const isa_names[DESCENT_ISA_COUNT + 1] = {"scalar", "avx2", "avx512", "neon",
                                                             "sve", "best"};

const char *descent_isa_name(descent_isa isa)
{
    if (isa == DESCENT_ISA_BEST)
        return isa_names[DESCENT_ISA_COUNT];
    if ((unsigned)isa >= DESCENT_ISA_COUNT)
        return "unknown";
    return isa_names[isa];
}

descent_status descent_isa_from_name(const char *name, descent_isa *isa)
{
    if (!name || !isa)
        return descent_fail(DESCENT_ERR_INVALID, "descent_isa_from_name: NULL argument");
    const int i =
        descent_name_index("ISA", isa_names, DESCENT_ISA_COUNT + 1, name, DESCENT_ERR_ISA);
    if (i < 0)
        return DESCENT_ERR_ISA;
    *isa = i == DESCENT_ISA_COUNT ? DESCENT_ISA_BEST : (descent_isa)i;
    return DESCENT_OK;
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
                                                 DESCENT_ISA_SVE, DESCENT_ISA_NEON,
                                                 DESCENT_ISA_SCALAR};
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
    if (!descent_isa_cpu_has(requested))
        return descent_fail(DESCENT_ERR_ISA, "this CPU does not support ISA '%s'",
                            descent_isa_name(requested));
    *chosen = requested;
    return DESCENT_OK;
}
