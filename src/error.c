/* Status strings and the per-thread last-error message. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[512];

const char *descent_status_string(descent_status status)
{
    switch (status) {
    case DESCENT_OK: return "ok";
    case DESCENT_ERR_INVALID: return "invalid argument";
    case DESCENT_ERR_NOMEM: return "out of memory";
    case DESCENT_ERR_ISA: return "instruction set unavailable";
    case DESCENT_ERR_NONFINITE: return "non-finite value";
    case DESCENT_ERR_IO: return "I/O error";
    case DESCENT_ERR_FORMAT: return "malformed input";
    }
    return "unknown status";
}

const char *descent_last_error(void)
{
    return last_error;
}

descent_status descent_fail(descent_status status, const char *fmt, ...)
{
    /* Format into a scratch buffer first: callers often pass
     * descent_last_error() itself as an argument, to add context. */
    char message[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    memcpy(last_error, message, sizeof last_error);
    return status;
}

int descent_name_index(const char *what, const char *const *names, int count, const char *name,
                       descent_status status)
{
    for (int i = 0; i < count; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    char expected[256];
    size_t used = 0;
    expected[0] = '\0';
    for (int i = 0; i < count && used < sizeof expected; i++) {
        const char *sep = i == 0 ? "" : i == count - 1 ? " or " : ", ";
        const int wrote = snprintf(expected + used, sizeof expected - used, "%s%s", sep, names[i]);
        if (wrote < 0)
            break;
        used += (size_t)wrote;
    }
    descent_fail(status, "unknown %s '%s' (expected %s)", what, name, expected);
    return -1;
}

float *descent_alloc_floats(size_t n)
{
    /* aligned_alloc needs a size that is a multiple of the alignment; round
     * up and refuse sizes whose byte count would overflow size_t. */
    if (n > ((size_t)-1 - 64) / sizeof(float))
        return NULL;
    /* No object may exceed PTRDIFF_MAX bytes (pointer differences within it
     * would overflow); refuse such sizes before asking the allocator. */
    if (n > (PTRDIFF_MAX - 64) / sizeof(float))
        return NULL;
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes ? bytes : 64);
}

void descent_free_floats(float *p)
{
    free(p);
}
