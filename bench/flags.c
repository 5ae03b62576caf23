/*
 * Google Benchmark's command-line flags, spelled as GB spells them
 * (--benchmark_name=value), so scripts and tools/compare.py drive our
 * benchmark programs as they drive GB's.  Unlike GB, which ignores
 * nonsense values, anything we cannot parse is an error (exit status 2):
 * a typo must not silently measure the wrong thing.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness_internal.h"

/* If `arg` is "--NAME" or "--NAME=VALUE", sets *value (NULL when bare) and
 * returns 1. */
static int match_flag(const char *arg, const char *name, const char **value)
{
    size_t len = strlen(name);
    if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, len) != 0)
        return 0;
    const char *rest = arg + 2 + len;
    if (*rest == '\0') {
        *value = NULL;
        return 1;
    }
    if (*rest == '=') {
        *value = rest + 1;
        return 1;
    }
    return 0;
}

/* GB's booleans: a bare flag means true. */
static int parse_bool(const char *prog, const char *flag, const char *value, int *out)
{
    static const char *const truthy[] = {"true", "yes", "on", "1", "t", "y"};
    static const char *const falsy[] = {"false", "no", "off", "0", "f", "n"};
    if (value == NULL) {
        *out = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof truthy / sizeof truthy[0]; i++) {
        if (strcasecmp(value, truthy[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(value, falsy[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    fprintf(stderr, "%s: --%s: '%s' is not a boolean (expected true or false)\n", prog,
            flag, value);
    return 2;
}

static int need_value(const char *prog, const char *flag, const char *value)
{
    if (value != NULL)
        return 0;
    fprintf(stderr, "%s: --%s needs a value (--%s=...)\n", prog, flag, flag);
    return 2;
}

static int parse_format(const char *prog, const char *flag, const char *value,
                        bench_format *out)
{
    if (need_value(prog, flag, value))
        return 2;
    if (strcmp(value, "console") == 0)
        *out = BENCH_FORMAT_CONSOLE;
    else if (strcmp(value, "json") == 0)
        *out = BENCH_FORMAT_JSON;
    else if (strcmp(value, "csv") == 0)
        *out = BENCH_FORMAT_CSV;
    else {
        fprintf(stderr, "%s: --%s: unknown format '%s' (expected console, json or csv)\n",
                prog, flag, value);
        return 2;
    }
    return 0;
}

static int parse_time_unit(const char *prog, const char *value, bench_time_unit *out)
{
    static const bench_time_unit units[] = {BENCH_UNIT_NS, BENCH_UNIT_US, BENCH_UNIT_MS,
                                            BENCH_UNIT_S};
    if (need_value(prog, "benchmark_time_unit", value))
        return 2;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(value, bench_unit_name(units[i])) == 0) {
            *out = units[i];
            return 0;
        }
    }
    fprintf(stderr,
            "%s: --benchmark_time_unit: unknown unit '%s' (expected ns, us, ms or s)\n",
            prog, value);
    return 2;
}

/* A whole decimal string of digits, 1..max. */
static int parse_count(const char *text, size_t len, long long max, long long *out)
{
    if (len == 0 || len > 18)
        return -1;
    long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        v = v * 10 + (text[i] - '0');
    }
    if (v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

/* GB's forms: "0.5s" or "0.5" seconds, or "100x" iterations. */
static int parse_min_time(const char *prog, const char *value, bench_options *opt)
{
    static const char flag[] = "benchmark_min_time";
    if (need_value(prog, flag, value))
        return 2;
    size_t len = strlen(value);
    if (len > 0 && value[len - 1] == 'x') {
        long long iters;
        if (parse_count(value, len - 1, 1000000000000LL, &iters) != 0) {
            fprintf(stderr, "%s: --%s: '%s' is not a positive iteration count (e.g. 100x)\n",
                    prog, flag, value);
            return 2;
        }
        opt->min_iterations = iters;
        return 0;
    }
    /* strtod alone would take "-1", "inf", "nan", hex and leading blanks. */
    char *end = NULL;
    double seconds = -1;
    if ((value[0] >= '0' && value[0] <= '9') || value[0] == '.') {
        errno = 0;
        seconds = strtod(value, &end);
        if (errno != 0 || !isfinite(seconds))
            seconds = -1;
        else if (*end == 's')
            end++;
    }
    if (seconds < 0 || end == NULL || *end != '\0') {
        fprintf(stderr,
                "%s: --%s: '%s' is not a time in seconds (e.g. 0.5s) or an iteration "
                "count (e.g. 100x)\n",
                prog, flag, value);
        return 2;
    }
    opt->min_time = seconds;
    opt->min_iterations = 0;
    return 0;
}

static int parse_repetitions(const char *prog, const char *value, int *out)
{
    long long n;
    if (need_value(prog, "benchmark_repetitions", value))
        return 2;
    if (parse_count(value, strlen(value), 1000000, &n) != 0) {
        fprintf(stderr,
                "%s: --benchmark_repetitions: '%s' is not a positive integer (1..1000000)\n",
                prog, value);
        return 2;
    }
    *out = (int)n;
    return 0;
}

/* GB's filter: a POSIX extended regex searched in the full name; a leading
 * '-' selects the names that do NOT match; "" and "all" select everything. */
/* glibc's regcomp expands every '+' and {m,n} by copying the expression
 * before it, so stacked repetitions ("a++++...", "((a{99}){99}){99}") cost
 * memory exponential in their number (fuzz/bench_flags.c found 42 '+' in a
 * row taking over 2 GB).  Refuses patterns whose repetitions could multiply
 * to more than 4096 copies, counted as if all were nested. */
static int filter_too_complex(const char *spec)
{
    double copies = 1;
    for (const char *p = spec; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
        } else if (*p == '+') {
            copies *= 2;
        } else if (*p == '{') {
            char *end;
            unsigned long lo = strtoul(p + 1, &end, 10), hi = lo;
            if (*end == ',' && end[1] != '}')
                hi = strtoul(end + 1, &end, 10);
            copies *= (double)(hi > lo ? hi : lo) + 1;
        }
    }
    return copies > 4096;
}

static int compile_filter(const char *prog, bench_options *opt)
{
    const char *spec = opt->filter;
    opt->have_filter = 0;
    if (spec == NULL || spec[0] == '\0' || strcmp(spec, "all") == 0)
        return 0;
    opt->negate_filter = spec[0] == '-';
    if (opt->negate_filter)
        spec++;
    if (filter_too_complex(spec)) {
        fprintf(stderr, "%s: --benchmark_filter: regular expression '%s' repeats too much "
                "(nested + or {m,n}); simplify it\n", prog, opt->filter);
        return 2;
    }
    int rc = regcomp(&opt->filter_re, spec, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[256];
        regerror(rc, &opt->filter_re, why, sizeof why);
        fprintf(stderr, "%s: --benchmark_filter: bad regular expression '%s': %s\n", prog,
                opt->filter, why);
        return 2;
    }
    opt->have_filter = 1;
    return 0;
}

int bench_parse_flags(int argc, char **argv, const char *prog, bench_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->min_time = 0.5;
    opt->repetitions = 1;
    opt->format = BENCH_FORMAT_CONSOLE;
    opt->out_format = BENCH_FORMAT_JSON;
    opt->time_unit = BENCH_UNIT_NS;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int rc = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            opt->help = 1;
        else if (match_flag(a, "benchmark_list_tests", &v))
            rc = parse_bool(prog, "benchmark_list_tests", v, &opt->list_tests);
        else if (match_flag(a, "benchmark_filter", &v)) {
            rc = need_value(prog, "benchmark_filter", v);
            opt->filter = v;
        } else if (match_flag(a, "benchmark_min_time", &v))
            rc = parse_min_time(prog, v, opt);
        else if (match_flag(a, "benchmark_repetitions", &v))
            rc = parse_repetitions(prog, v, &opt->repetitions);
        else if (match_flag(a, "benchmark_report_aggregates_only", &v))
            rc = parse_bool(prog, "benchmark_report_aggregates_only", v,
                            &opt->report_aggregates_only);
        else if (match_flag(a, "benchmark_display_aggregates_only", &v))
            rc = parse_bool(prog, "benchmark_display_aggregates_only", v,
                            &opt->display_aggregates_only);
        else if (match_flag(a, "benchmark_format", &v))
            rc = parse_format(prog, "benchmark_format", v, &opt->format);
        else if (match_flag(a, "benchmark_out_format", &v))
            rc = parse_format(prog, "benchmark_out_format", v, &opt->out_format);
        else if (match_flag(a, "benchmark_out", &v)) {
            rc = need_value(prog, "benchmark_out", v);
            if (rc == 0 && v[0] == '\0') {
                fprintf(stderr, "%s: --benchmark_out: empty file name\n", prog);
                rc = 2;
            }
            opt->out = v;
        } else if (match_flag(a, "benchmark_time_unit", &v))
            rc = parse_time_unit(prog, v, &opt->time_unit);
        else if (match_flag(a, "benchmark_counters_tabular", &v))
            rc = parse_bool(prog, "benchmark_counters_tabular", v, &opt->counters_tabular);
        else if (a[0] == '-') {
            fprintf(stderr, "%s: unknown flag '%s' (see --help)\n", prog, a);
            rc = 2;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s' (flags are --name=value; see --help)\n",
                    prog, a);
            rc = 2;
        }
        if (rc != 0)
            return rc;
    }
    return opt->help ? 0 : compile_filter(prog, opt);
}

int bench_filter_selects(const bench_options *opt, const char *name)
{
    if (!opt->have_filter)
        return 1;
    int found = regexec(&opt->filter_re, name, 0, NULL, 0) == 0;
    return found != opt->negate_filter;
}

void bench_free_options(bench_options *opt)
{
    if (opt->have_filter)
        regfree(&opt->filter_re);
    opt->have_filter = 0;
}

void bench_print_help(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s [flags]   (Google Benchmark's flags)\n"
            "  --benchmark_list_tests={true|false}   print the names, run nothing\n"
            "  --benchmark_filter=<regex>            run the names that match (POSIX ERE;\n"
            "                                        a leading '-' runs those that don't)\n"
            "  --benchmark_min_time=<float>s | <integer>x\n"
            "                                        grow each run to this many seconds\n"
            "                                        (default 0.5s), or run N iterations\n"
            "  --benchmark_repetitions=<n>           repeat each benchmark; report mean,\n"
            "                                        median, stddev and cv\n"
            "  --benchmark_report_aggregates_only={true|false}\n"
            "  --benchmark_display_aggregates_only={true|false}\n"
            "  --benchmark_format=<console|json|csv> format of standard output\n"
            "  --benchmark_out=<file>                also write the results to <file>\n"
            "  --benchmark_out_format=<json|console|csv>   (default json)\n"
            "  --benchmark_time_unit=<ns|us|ms|s>    default unit of times (ns)\n"
            "  --benchmark_counters_tabular={true|false}   counters as table columns\n"
            "exit status: 0 done, 1 output or registration failed, 2 bad flags\n",
            prog);
}
