/*
 * Google Benchmark's command-line flags, spelled as GB spells them
 * (--benchmark_name=value), so scripts and tools/compare.py drive our
 * benchmark programs as they drive GB's.  Unlike GB, which ignores
 * nonsense values, anything we cannot parse is an error (exit status 2):
 * a typo must not silently measure the wrong thing.
 */
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

/* Bounds on the numeric flags.  An hour per benchmark is far past any use
 * of --benchmark_min_time; a larger value is a typo that would run each row
 * until BENCH_MAX_ITERATIONS (days for the slow ones). */
#define MAX_MIN_TIME 3600.0
#define MAX_REPETITIONS 1000000

typedef enum number_kind { NUMBER_INTEGER, NUMBER_DECIMAL } number_kind;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* How many digits start `text[0..len)`. */
static size_t count_digits(const char *text, size_t len)
{
    size_t n = 0;
    while (n < len && is_digit(text[n]))
        n++;
    return n;
}

/* The one reader of numeric flags, so that all refuse the same things.
 * text[0..len) must be plain digits (NUMBER_INTEGER), or digits with an
 * optional '.' fraction and e exponent (NUMBER_DECIMAL), whose value lies
 * in [lo, hi].  strtod alone would also take a sign, leading blanks, "inf",
 * "nan" and hex ("0x1p-3"); the grammar is checked first so that strtod
 * only ever sees a plain decimal.  Returns 0, or -1 with *out untouched. */
static int parse_number(const char *text, size_t len, number_kind kind, double lo, double hi,
                        double *out)
{
    size_t i = count_digits(text, len), digits = i;
    if (kind == NUMBER_DECIMAL) {
        if (i < len && text[i] == '.') {
            size_t fraction = count_digits(text + i + 1, len - i - 1);
            digits += fraction;
            i += 1 + fraction;
        }
        if (digits > 0 && i < len && (text[i] == 'e' || text[i] == 'E')) {
            size_t j = i + 1;
            if (j < len && (text[j] == '+' || text[j] == '-'))
                j++;
            size_t exponent = count_digits(text + j, len - j);
            if (exponent == 0)
                return -1;
            i = j + exponent;
        }
    }
    if (digits == 0 || i != len)
        return -1;
    /* Overflow gives HUGE_VAL, out of range; underflow a harmless 0. */
    char *end = NULL;
    double v = strtod(text, &end);
    if (end != text + len || !(v >= lo && v <= hi))
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
    double v;
    if (len > 0 && value[len - 1] == 'x') {
        if (parse_number(value, len - 1, NUMBER_INTEGER, 1, (double)BENCH_MAX_ITERATIONS,
                         &v) != 0) {
            fprintf(stderr,
                    "%s: --%s: '%s' is not a positive iteration count (1x to %lldx, e.g. "
                    "100x)\n",
                    prog, flag, value, BENCH_MAX_ITERATIONS);
            return 2;
        }
        opt->min_iterations = (long long)v;
        return 0;
    }
    if (len > 0 && value[len - 1] == 's')
        len--;
    if (parse_number(value, len, NUMBER_DECIMAL, 0, MAX_MIN_TIME, &v) != 0) {
        fprintf(stderr,
                "%s: --%s: '%s' is not a time in seconds from 0 to %g (e.g. 0.5s) or an "
                "iteration count (e.g. 100x)\n",
                prog, flag, value, MAX_MIN_TIME);
        return 2;
    }
    opt->min_time = v;
    opt->min_iterations = 0;
    return 0;
}

static int parse_repetitions(const char *prog, const char *value, int *out)
{
    double n;
    if (need_value(prog, "benchmark_repetitions", value))
        return 2;
    if (parse_number(value, strlen(value), NUMBER_INTEGER, 1, MAX_REPETITIONS, &n) != 0) {
        fprintf(stderr,
                "%s: --benchmark_repetitions: '%s' is not a positive integer (1..%d)\n",
                prog, value, MAX_REPETITIONS);
        return 2;
    }
    *out = (int)n;
    return 0;
}

/* GB's filter: a POSIX extended regex searched in the full name; a leading
 * '-' selects the names that do NOT match; "" and "all" select everything.
 * glibc's regcomp and regexec have costs that grow without bound, so
 * filter_problem() refuses, before regcomp sees it, a pattern that is:
 * - longer than MAX_FILTER_LENGTH bytes: the longest benchmark name is
 *   about 60 bytes, so 1024 holds an alternation of a dozen whole names;
 * - nested more than MAX_FILTER_DEPTH parentheses deep: regcomp parses a
 *   group by recursion, and 30000 '(' overflow the stack (SIGSEGV);
 * - repeated too much: regcomp expands every '+' and {m,n} by copying the
 *   expression before it, so stacked repetitions ("a++++...",
 *   "((a{99}){99}){99}") cost memory exponential in their number
 *   (fuzz/bench_flags.c found 42 '+' in a row taking over 2 GB).  It
 *   counts the copies as if all were nested, times the pattern's length
 *   (what one copy can hold), and refuses more than MAX_FILTER_NODES.
 *   Memory grows with the square of that product (the epsilon closures of
 *   optional copies): "a{0,4095}" takes 130 MB, "(<1000 bytes>){4095}"
 *   840 MB; 8192 keeps the worst near 100 MB and a tenth of a second;
 * - using a back-reference (\1 to \9): regexec matches those by
 *   backtracking, which takes minutes on "(.*)(.*)(.*)(.*)(.*)\5\4\3\2\1x". */
#define MAX_FILTER_LENGTH 1024
#define MAX_FILTER_DEPTH 32
#define MAX_FILTER_NODES 8192.0
#define STR(x) STR_(x)
#define STR_(x) #x

/* Just past the bracket expression opening at p[0] == '[' (at the string's
 * end if it is not closed; regcomp refuses those).  Inside one, '\' is an
 * ordinary character, a ']' first is literal, and "[:", "[=", "[." open a
 * name that ends at ":]", "=]", ".]". */
static const char *skip_bracket(const char *p)
{
    p++;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    while (*p != '\0' && *p != ']') {
        if (p[0] == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
            char close = p[1];
            p += 2;
            while (*p != '\0' && !(p[0] == close && p[1] == ']'))
                p++;
            if (*p == '\0')
                return p;
            p += 2;
        } else {
            p++;
        }
    }
    return *p != '\0' ? p + 1 : p;
}

/* The largest count a '{' at p allows ("{m}", "{m,}", "{m,n}", "{,n}"). */
static double interval_copies(const char *p)
{
    char *end;
    unsigned long lo = strtoul(p + 1, &end, 10), hi = lo;
    if (*end == ',' && end[1] != '}')
        hi = strtoul(end + 1, &end, 10);
    return (double)(hi > lo ? hi : lo) + 1;
}

/* Why regcomp/regexec must not see `spec` (see above), or NULL if they may. */
static const char *filter_problem(const char *spec)
{
    size_t len = strlen(spec);
    if (len > MAX_FILTER_LENGTH)
        return "is longer than " STR(MAX_FILTER_LENGTH) " bytes";
    double copies = 1;
    int depth = 0;
    for (const char *p = spec; *p != '\0';) {
        if (*p == '\\' && p[1] >= '1' && p[1] <= '9')
            return "uses a back-reference (\\1 to \\9)";
        if (*p == '\\' && p[1] != '\0') {
            p += 2;
            continue;
        }
        if (*p == '[') {
            p = skip_bracket(p);
            continue;
        }
        if (*p == '(' && ++depth > MAX_FILTER_DEPTH)
            return "nests groups more than " STR(MAX_FILTER_DEPTH) " deep";
        if (*p == ')' && depth > 0)
            depth--;
        if (*p == '+')
            copies *= 2;
        if (*p == '{')
            copies *= interval_copies(p);
        p++;
    }
    if (copies * (double)len > MAX_FILTER_NODES)
        return "repeats too much (nested + or {m,n})";
    return NULL;
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
    const char *problem = filter_problem(spec);
    if (problem != NULL) {
        size_t full = strlen(opt->filter); /* quoting at most 64 bytes of it */
        int shown = full > 64 ? 64 : (int)full;
        fprintf(stderr, "%s: --benchmark_filter: regular expression '%.*s%s' %s; simplify it "
                "(see --help)\n", prog, shown, opt->filter,
                opt->filter[shown] != '\0' ? "..." : "", problem);
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
        else if (match_flag(a, "benchmark_interleave_family", &v))
            rc = parse_bool(prog, "benchmark_interleave_family", v, &opt->interleave_family);
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
            "                                        a leading '-' runs those that don't;\n"
            "                                        at most %d bytes, groups nested at\n"
            "                                        most %d deep, no back-references)\n"
            "  --benchmark_min_time=<float>s | <integer>x\n"
            "                                        grow each run to this many seconds\n"
            "                                        (0 to %g, default 0.5s), or run N\n"
            "                                        iterations (1 to %lld); decimal\n"
            "                                        numbers only: no sign, hex, inf, nan\n"
            "  --benchmark_repetitions=<n>           repeat each benchmark (1 to %d);\n"
            "                                        report mean, median, stddev and cv\n"
            "  --benchmark_report_aggregates_only={true|false}\n"
            "  --benchmark_display_aggregates_only={true|false}\n"
            "  --benchmark_format=<console|json|csv> format of standard output\n"
            "  --benchmark_out=<file>                also write the results to <file>\n"
            "  --benchmark_out_format=<json|console|csv>   (default json)\n"
            "  --benchmark_time_unit=<ns|us|ms|s>    default unit of times (ns)\n"
            "  --benchmark_counters_tabular={true|false}   counters as table columns\n"
            "  --benchmark_interleave_family={true|false}  (descent's, not GB's) run a\n"
            "                                        family's repetitions round-robin:\n"
            "                                        repetition r of each of its rows\n"
            "                                        before repetition r + 1 of any\n"
            "exit status: 0 done, 1 output or registration failed, 2 bad flags\n",
            prog, MAX_FILTER_LENGTH, MAX_FILTER_DEPTH, MAX_MIN_TIME, BENCH_MAX_ITERATIONS,
            MAX_REPETITIONS);
}
