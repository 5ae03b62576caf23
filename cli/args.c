/* Flag parsing helpers: every value is checked completely, so that "1e-3x",
 * "", "nan" or an out-of-range thread count is a clear error, not a
 * silently different run. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("descent: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_parse_int(const char *flag, const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno == ERANGE) {
        cli_error("%s: '%s' is not an integer", flag, text);
        return 0;
    }
    if (v < lo || v > hi) {
        cli_error("%s: %ld is out of range [%ld, %ld]", flag, v, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

int cli_parse_double(const char *flag, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || !isfinite(v)) {
        cli_error("%s: '%s' is not a finite number", flag, text);
        return 0;
    }
    *out = v;
    return 1;
}

int cli_is_flag(const char *arg, const char *flag)
{
    size_t len = strlen(flag);
    return strncmp(arg, flag, len) == 0 && (arg[len] == '\0' || arg[len] == '=');
}

const char *cli_flag_value(int argc, char **argv, int *i, const char *flag)
{
    const char *arg = argv[*i];
    size_t len = strlen(flag);
    if (arg[len] == '=')
        return arg + len + 1;
    if (*i + 1 >= argc) {
        cli_error("%s needs a value", flag);
        return NULL;
    }
    return argv[++*i];
}
