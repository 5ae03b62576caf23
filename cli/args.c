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

int cli_parse_value(const char *flag, cli_value_type type, const char *v, long lo, long hi,
                    void *field)
{
    double *x = field;
    char *end;
    switch (type) {
    case CLI_LONG: if (!cli_parse_int(flag, v, lo, hi, field)) return 0; break;
    case CLI_DOUBLE: if (!cli_parse_double(flag, v, x)) return 0; break;
    case CLI_POSITIVE:
    case CLI_FRACTION:
        if (!cli_parse_double(flag, v, x))
            return 0;
        if (type == CLI_POSITIVE && !(*x > 0)) {
            cli_error("%s: %s must be greater than 0", flag, v);
            return 0;
        }
        if (type == CLI_FRACTION && !(*x > 0 && *x <= 1)) {
            cli_error("%s: %s is not in (0, 1] (a fraction, e.g. 0.88)", flag, v);
            return 0;
        }
        break;
    case CLI_BOOL:
    case CLI_SWITCH:
        if (v && type == CLI_SWITCH) {
            cli_error("%s takes no value", flag);
            return 0;
        }
        if (!v || !strcmp(v, "1") || !strcmp(v, "true"))
            *(int *)field = 1;
        else if (!strcmp(v, "0") || !strcmp(v, "false"))
            *(int *)field = 0;
        else {
            cli_error("%s: '%s' is not 0, 1, true or false", flag, v);
            return 0;
        }
        break;
    case CLI_TEXT:
        if (!*v) {
            cli_error("%s: empty %s name", flag, 
                      strcmp(flag, "--data") ? "file" : "directory");
            return 0;
        }
        *(const char **)field = v;
        break;
    case CLI_SEED:
        errno = 0;
        *(unsigned long long *)field = strtoull(v, &end, 10);
        if (*v < '0' || *v > '9' || *end || errno == ERANGE) {
            cli_error("%s: '%s' is not an unsigned 64-bit integer", flag, v);
            return 0;
        }
        break;
    default: break;
    }
    return 1;
}
