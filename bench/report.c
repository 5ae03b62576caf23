/*
 * The three reporters of Google Benchmark, in GB's formats: the console
 * table, JSON (schema version 1, what tools/compare.py reads) and CSV.
 *
 * Two departures from GB, both so that every file parses: GB writes NaN
 * and Infinity into JSON, which strict parsers reject, where we write null
 * (only counters can be non-finite, e.g. a rate over a zero time; times
 * are always finite, so compare.py, which does arithmetic on real_time and
 * cpu_time only, keeps working); and a CSV --benchmark_out file holds the
 * table alone, where GB writes the context lines above the header.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_internal.h"

struct bench_reporter {
    bench_format format;
    FILE *out, *err;
    size_t name_width;
    int tabular;
    /* console: the run whose counters the last header named */
    const bench_run *header_run;
    /* json */
    int runs_written;
    /* csv: rows wait for the end, when every counter column is known */
    const bench_run **rows;
    size_t nrows, cap;
};

double bench_unit_multiplier(bench_time_unit unit)
{
    switch (unit) {
    case BENCH_UNIT_S: return 1;
    case BENCH_UNIT_MS: return 1e3;
    case BENCH_UNIT_US: return 1e6;
    default: return 1e9;
    }
}

const char *bench_unit_name(bench_time_unit unit)
{
    switch (unit) {
    case BENCH_UNIT_S: return "s";
    case BENCH_UNIT_MS: return "ms";
    case BENCH_UNIT_US: return "us";
    default: return "ns";
    }
}

static int is_rate_counter_column(const char *name)
{
    return strcmp(name, "bytes_per_second") == 0 || strcmp(name, "items_per_second") == 0;
}

static const bench_counter *find_counter(const bench_run *run, const char *name)
{
    for (size_t i = 0; i < run->ncounters; i++)
        if (strcmp(run->counters[i].name, name) == 0)
            return &run->counters[i];
    return NULL;
}

/* ------------------------------------------------------- console format */

/* GB's HumanReadableNumber: 1234567 -> "1.23457M", with binary prefixes
 * (Ki, Mi, ...) for byte counts. */
static void format_human(double value, int binary, char *buf, size_t size)
{
    static const char big[] = "kMGTPEZY", big_binary[] = "KMGTPEZY", small[] = "munpfazy";
    const double one_k = binary ? 1024.0 : 1000.0;
    const double big_threshold = 1.1 * one_k, small_threshold = 1.1;
    double magnitude = fabs(value);
    const char *sign = value < 0 ? "-" : "";

    if (!isfinite(value)) {
        snprintf(buf, size, "%g", value);
        return;
    }
    if (magnitude > big_threshold) {
        for (int i = 0; i < 8; i++) {
            magnitude /= one_k;
            if (magnitude <= big_threshold) {
                snprintf(buf, size, "%s%g%c%s", sign, magnitude,
                         binary ? big_binary[i] : big[i], binary ? "i" : "");
                return;
            }
        }
    } else if (magnitude > 0 && magnitude < 0.01) {
        for (int i = 0; i < 8; i++) {
            magnitude *= one_k;
            if (magnitude >= small_threshold) {
                snprintf(buf, size, "%s%g%c", sign, magnitude, small[i]);
                return;
            }
        }
    }
    snprintf(buf, size, "%g", value);
}

/* Ten characters, as many decimals as fit (GB's FormatTime). */
static void format_time(double t, char *buf, size_t size)
{
    if (t < 1.0)
        snprintf(buf, size, "%10.3f", t);
    else if (t < 10.0)
        snprintf(buf, size, "%10.2f", t);
    else if (t < 100.0)
        snprintf(buf, size, "%10.1f", t);
    else if (t > 9999999999.0)
        snprintf(buf, size, "%1.4e", t);
    else
        snprintf(buf, size, "%10.0f", t);
}

static size_t counter_column_width(const char *name)
{
    size_t len = strlen(name);
    return len > 10 ? len : 10;
}

/* The lines GB prints before a console or CSV table. */
static void print_basic_context(FILE *f, const bench_context *ctx)
{
    fprintf(f, "%s\n", ctx->date);
    if (ctx->executable != NULL)
        fprintf(f, "Running %s\n", ctx->executable);
    fprintf(f, "Run on (%d X %g MHz CPU %s)\n", ctx->num_cpus, ctx->mhz_per_cpu,
            ctx->num_cpus > 1 ? "s" : "");
    if (ctx->ncaches > 0)
        fprintf(f, "CPU Caches:\n");
    for (int i = 0; i < ctx->ncaches; i++) {
        const bench_cache *c = &ctx->caches[i];
        fprintf(f, "  L%d %s %lld KiB", c->level, c->type, c->size / 1024);
        if (c->num_sharing > 0)
            fprintf(f, " (x%d)", ctx->num_cpus / c->num_sharing);
        fprintf(f, "\n");
    }
    fprintf(f, "Load Average: %.2f, %.2f, %.2f\n", ctx->load_avg[0], ctx->load_avg[1],
            ctx->load_avg[2]);
    if (ctx->cpu_scaling_enabled)
        fprintf(f, "***WARNING*** CPU scaling is enabled, the benchmark real time "
                   "measurements may be noisy and will incur extra overhead.\n");
}

static int same_counter_names(const bench_run *a, const bench_run *b)
{
    if (a->ncounters != b->ncounters)
        return 0;
    for (size_t i = 0; i < a->ncounters; i++)
        if (strcmp(a->counters[i].name, b->counters[i].name) != 0)
            return 0;
    return 1;
}

static void print_dashes(FILE *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc('-', f);
    fputc('\n', f);
}

/* GB's header between two rules as long as it. */
static void console_header(bench_reporter *r, const bench_run *run)
{
    size_t len = r->name_width + 1 + 13 + 1 + 15 + 1 + 12;
    if (r->tabular) {
        for (size_t i = 0; i < run->ncounters; i++)
            len += 1 + counter_column_width(run->counters[i].name);
    } else if (run->ncounters > 0) {
        len += strlen(" UserCounters...");
    }
    print_dashes(r->out, len);
    fprintf(r->out, "%-*s %13s %15s %12s", (int)r->name_width, "Benchmark", "Time", "CPU",
            "Iterations");
    if (r->tabular) {
        for (size_t i = 0; i < run->ncounters; i++) {
            const char *name = run->counters[i].name;
            fprintf(r->out, " %*s", (int)counter_column_width(name), name);
        }
    } else if (run->ncounters > 0) {
        fputs(" UserCounters...", r->out);
    }
    fputc('\n', r->out);
    print_dashes(r->out, len);
}

static void console_counter(bench_reporter *r, const bench_run *run, const bench_counter *c)
{
    char value[64];
    const char *unit = "";
    if (run->aggregate_is_percentage) {
        snprintf(value, sizeof value, "%.2f", 100.0 * c->value);
        unit = "%";
    } else {
        format_human(c->value, (c->flags & BENCH_COUNTER_BINARY) != 0, value, sizeof value);
        if (c->flags & BENCH_COUNTER_RATE)
            unit = (c->flags & BENCH_COUNTER_INVERT) ? "s" : "/s";
    }
    if (r->tabular) {
        int width = (int)(counter_column_width(c->name) - strlen(unit));
        fprintf(r->out, " %*s%s", width, value, unit);
    } else {
        fprintf(r->out, " %s=%s%s", c->name, value, unit);
    }
}

static void console_run(bench_reporter *r, const bench_run *run)
{
    if (r->header_run == NULL || (r->tabular && !same_counter_names(run, r->header_run))) {
        console_header(r, run);
        r->header_run = run;
    }
    fprintf(r->out, "%-*s ", (int)r->name_width, run->name);
    if (run->error_occurred) {
        fprintf(r->out, "ERROR OCCURRED: '%s'\n", run->error_message);
        return;
    }
    if (run->aggregate_is_percentage) {
        fprintf(r->out, "%10.2f %-4s %10.2f %-4s ", 100.0 * run->real_time, "%",
                100.0 * run->cpu_time, "%");
    } else {
        char real[32], cpu[32];
        const char *unit = bench_unit_name(run->time_unit);
        double scale = bench_unit_multiplier(run->time_unit);
        format_time(run->real_time * scale, real, sizeof real);
        format_time(run->cpu_time * scale, cpu, sizeof cpu);
        fprintf(r->out, "%s %-4s %s %-4s ", real, unit, cpu, unit);
    }
    fprintf(r->out, "%10lld", run->iterations);
    for (size_t i = 0; i < run->ncounters; i++)
        console_counter(r, run, &run->counters[i]);
    if (run->label != NULL)
        fprintf(r->out, " %s", run->label);
    fputc('\n', r->out);
}

/* ---------------------------------------------------------- JSON format */

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_sequence_length(const unsigned char *s)
{
    size_t len;
    unsigned min;
    unsigned code;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        len = 2, min = 0x80, code = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        len = 3, min = 0x800, code = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        len = 4, min = 0x10000, code = s[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        code = (code << 6) | (s[i] & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return len;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD so the file stays
 * readable by every parser. */
static void json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    while (*p) {
        size_t len;
        switch (*p) {
        case '"': fputs("\\\"", f); p++; continue;
        case '\\': fputs("\\\\", f); p++; continue;
        case '\n': fputs("\\n", f); p++; continue;
        case '\r': fputs("\\r", f); p++; continue;
        case '\t': fputs("\\t", f); p++; continue;
        default: break;
        }
        if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p++);
        } else if ((len = utf8_sequence_length(p)) == 0) {
            fputs("\\ufffd", f);
            p++;
        } else {
            fwrite(p, 1, len, f);
            p += len;
        }
    }
    fputc('"', f);
}

/* GB's precision (17 significant digits, scientific); null if not finite. */
static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.16e", v);
    else
        fputs("null", f);
}

static void json_key(FILE *f, const char *indent, const char *key)
{
    fputs(indent, f);
    json_string(f, key);
    fputs(": ", f);
}

static void json_begin(bench_reporter *r, const bench_context *ctx)
{
    FILE *f = r->out;
    const char *in = "    ";
    fputs("{\n  \"context\": {\n", f);
    json_key(f, in, "date");
    json_string(f, ctx->date);
    fputs(",\n", f);
    json_key(f, in, "host_name");
    json_string(f, ctx->host_name);
    fputs(",\n", f);
    json_key(f, in, "executable");
    json_string(f, ctx->executable != NULL ? ctx->executable : "");
    fprintf(f, ",\n%s\"num_cpus\": %d,\n", in, ctx->num_cpus);
    fprintf(f, "%s\"mhz_per_cpu\": %lld,\n", in, (long long)(ctx->mhz_per_cpu + 0.5));
    fprintf(f, "%s\"cpu_scaling_enabled\": %s,\n", in,
            ctx->cpu_scaling_enabled ? "true" : "false");
    fprintf(f, "%s\"caches\": [\n", in);
    for (int i = 0; i < ctx->ncaches; i++) {
        const bench_cache *c = &ctx->caches[i];
        fputs("      {\n", f);
        json_key(f, "        ", "type");
        json_string(f, c->type);
        fprintf(f, ",\n        \"level\": %d,\n", c->level);
        fprintf(f, "        \"size\": %lld,\n", c->size);
        fprintf(f, "        \"num_sharing\": %d\n", c->num_sharing);
        fprintf(f, "      }%s\n", i + 1 < ctx->ncaches ? "," : "");
    }
    fprintf(f, "%s],\n", in);
    fprintf(f, "%s\"load_avg\": [%g,%g,%g],\n", in, ctx->load_avg[0], ctx->load_avg[1],
            ctx->load_avg[2]);
    fprintf(f, "%s\"library_build_type\": \"release\",\n", in);
    fprintf(f, "%s\"json_schema_version\": 1\n", in);
    fputs("  },\n  \"benchmarks\": [\n", f);
}

static void json_run(bench_reporter *r, const bench_run *run)
{
    FILE *f = r->out;
    const char *in = "      ";
    int aggregate = run->run_type == BENCH_RUN_AGGREGATE;
    /* A percentage (cv) is a ratio: no unit scaling. */
    double scale = run->aggregate_is_percentage ? 1.0 : bench_unit_multiplier(run->time_unit);

    if (r->runs_written++ > 0)
        fputs(",\n", f);
    fputs("    {\n", f);
    json_key(f, in, "name");
    json_string(f, run->name);
    fprintf(f, ",\n%s\"family_index\": %d,\n", in, run->family_index);
    fprintf(f, "%s\"per_family_instance_index\": %d,\n", in, run->per_family_instance_index);
    json_key(f, in, "run_name");
    json_string(f, run->run_name);
    fprintf(f, ",\n%s\"run_type\": \"%s\",\n", in, aggregate ? "aggregate" : "iteration");
    fprintf(f, "%s\"repetitions\": %d,\n", in, run->repetitions);
    if (!aggregate)
        fprintf(f, "%s\"repetition_index\": %d,\n", in, run->repetition_index);
    fprintf(f, "%s\"threads\": %d,\n", in, run->threads);
    if (aggregate) {
        fprintf(f, "%s\"aggregate_name\": \"%s\",\n", in, run->aggregate_name);
        fprintf(f, "%s\"aggregate_unit\": \"%s\",\n", in,
                run->aggregate_is_percentage ? "percentage" : "time");
    }
    if (run->error_occurred) {
        fprintf(f, "%s\"error_occurred\": true,\n", in);
        json_key(f, in, "error_message");
        json_string(f, run->error_message);
        fputs(",\n", f);
    }
    fprintf(f, "%s\"iterations\": %lld,\n", in, run->iterations);
    json_key(f, in, "real_time");
    json_number(f, run->real_time * scale);
    fputs(",\n", f);
    json_key(f, in, "cpu_time");
    json_number(f, run->cpu_time * scale);
    fprintf(f, ",\n%s\"time_unit\": \"%s\"", in, bench_unit_name(run->time_unit));
    for (size_t i = 0; i < run->ncounters; i++) {
        fputs(",\n", f);
        json_key(f, in, run->counters[i].name);
        json_number(f, run->counters[i].value);
    }
    if (run->label != NULL) {
        fputs(",\n", f);
        json_key(f, in, "label");
        json_string(f, run->label);
    }
    fputs("\n    }", f);
}

static void json_end(bench_reporter *r)
{
    fputs("\n  ]\n}\n", r->out);
}

/* ----------------------------------------------------------- CSV format */

/* A quoted field; embedded quotes are doubled. */
static void csv_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every user counter name over the rows, sorted, without duplicates. */
static const char **csv_counter_columns(const bench_reporter *r, size_t *count)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < r->nrows; i++)
        total += r->rows[i]->ncounters;
    const char **names = malloc((total ? total : 1) * sizeof *names);
    if (names == NULL) {
        *count = 0;
        return NULL;
    }
    for (size_t i = 0; i < r->nrows; i++)
        for (size_t j = 0; j < r->rows[i]->ncounters; j++)
            if (!is_rate_counter_column(r->rows[i]->counters[j].name))
                names[n++] = r->rows[i]->counters[j].name;
    qsort(names, n, sizeof *names, compare_strings);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++)
        if (unique == 0 || strcmp(names[unique - 1], names[i]) != 0)
            names[unique++] = names[i];
    *count = unique;
    return names;
}

static void csv_optional_counter(FILE *f, const bench_run *run, const char *name)
{
    const bench_counter *c = find_counter(run, name);
    if (c != NULL)
        fprintf(f, "%g", c->value);
    fputc(',', f);
}

static void csv_row(FILE *f, const bench_run *run, const char **columns, size_t ncolumns)
{
    csv_string(f, run->name);
    fputc(',', f);
    if (run->error_occurred) {
        fputs(",,,,,,,true,", f);
        csv_string(f, run->error_message);
    } else {
        double scale =
            run->aggregate_is_percentage ? 1.0 : bench_unit_multiplier(run->time_unit);
        fprintf(f, "%lld,%g,%g,%s,", run->iterations, run->real_time * scale,
                run->cpu_time * scale, bench_unit_name(run->time_unit));
        csv_optional_counter(f, run, "bytes_per_second");
        csv_optional_counter(f, run, "items_per_second");
        if (run->label != NULL)
            csv_string(f, run->label);
        fputs(",,", f);
    }
    for (size_t i = 0; i < ncolumns; i++) {
        const bench_counter *c = find_counter(run, columns[i]);
        fputc(',', f);
        if (c != NULL)
            fprintf(f, "%g", c->value);
    }
    fputc('\n', f);
}

static void csv_end(bench_reporter *r)
{
    size_t ncolumns;
    const char **columns = csv_counter_columns(r, &ncolumns);
    fputs("name,iterations,real_time,cpu_time,time_unit,bytes_per_second,"
          "items_per_second,label,error_occurred,error_message",
          r->out);
    for (size_t i = 0; i < ncolumns; i++) {
        fputc(',', r->out);
        csv_string(r->out, columns[i]);
    }
    fputc('\n', r->out);
    for (size_t i = 0; i < r->nrows; i++)
        csv_row(r->out, r->rows[i], columns, ncolumns);
    free(columns);
}

static void csv_keep(bench_reporter *r, const bench_run *run)
{
    if (r->nrows == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        const bench_run **rows = realloc(r->rows, cap * sizeof *rows);
        if (rows == NULL) {
            fprintf(stderr, "benchmark: out of memory, CSV row '%s' dropped\n", run->name);
            return;
        }
        r->rows = rows;
        r->cap = cap;
    }
    r->rows[r->nrows++] = run;
}

/* ------------------------------------------------------------ dispatch */

bench_reporter *bench_reporter_new(bench_format format, FILE *out, FILE *err,
                                   size_t name_width, int counters_tabular)
{
    bench_reporter *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->format = format;
    r->out = out;
    r->err = err;
    r->name_width = name_width;
    r->tabular = counters_tabular;
    return r;
}

void bench_reporter_begin(bench_reporter *r, const bench_context *ctx)
{
    if (r->format == BENCH_FORMAT_JSON)
        json_begin(r, ctx);
    else if (r->err != NULL)
        print_basic_context(r->err, ctx);
}

void bench_reporter_runs(bench_reporter *r, const bench_run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (r->format) {
        case BENCH_FORMAT_CONSOLE: console_run(r, &runs[i]); break;
        case BENCH_FORMAT_JSON: json_run(r, &runs[i]); break;
        case BENCH_FORMAT_CSV: csv_keep(r, &runs[i]); break;
        }
    }
    fflush(r->out);
}

void bench_reporter_end(bench_reporter *r)
{
    if (r->format == BENCH_FORMAT_JSON)
        json_end(r);
    else if (r->format == BENCH_FORMAT_CSV)
        csv_end(r);
    fflush(r->out);
}

void bench_reporter_free(bench_reporter *r)
{
    if (r != NULL)
        free(r->rows);
    free(r);
}
