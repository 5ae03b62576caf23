/* The oracle files' line reader (golden_reader.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_reader.h"
#include "internal.h"


descent_status golden_bad(const golden_reader *r, const char *what, const char *detail)
{
    return descent_fail(DESCENT_ERR_FORMAT, "%s:%ld: %s%s%s", r->name, r->lineno, what,
                        detail ? ": " : "", detail ? detail : "");
}

/* Advances to the next record, skipping comments and blank lines.
 * Returns 0 at end of file. */
int golden_next_record(golden_reader *r)
{
    while (r->next && *r->next) {
        char *line = r->next;
        char *end = strchr(line, '\n');
        if (end) {
            *end = '\0';
            r->next = end + 1;
        } else {
            r->next = NULL;
        }
        r->lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '\0' || *line == '#')
            continue;
        r->key = line;
        char *sp = strchr(line, ' ');
        if (sp) {
            *sp = '\0';
            r->rest = sp + 1;
        } else {
            r->rest = line + strlen(line);
        }
        return 1;
    }
    r->lineno++;
    r->key = NULL;
    r->rest = NULL;
    return 0;
}

int golden_next_key_is(const golden_reader *r, const char *key)
{
    for (const char *line = r->next; line && *line;) {
        while (*line == ' ' || *line == '\t')
            line++;
        const char *end = strchr(line, '\n');
        if (*line == '#' || *line == '\n' || *line == '\r' || *line == '\0') {
            line = end ? end + 1 : NULL;
            continue;
        }
        const size_t len = strlen(key);
        return strncmp(line, key, len) == 0 &&
               (line[len] == ' ' || line[len] == '\n' || line[len] == '\r' || !line[len]);
    }
    return 0;
}

descent_status golden_expect_key(golden_reader *r, const char *key)
{
    if (!golden_next_record(r)) {
        char msg[96];
        snprintf(msg, sizeof msg, "unexpected end of file, expected '%s'", key);
        return golden_bad(r, msg, NULL);
    }
    if (strcmp(r->key, key) != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected '%s'", key);
        return golden_bad(r, msg, r->key);
    }
    return DESCENT_OK;
}

int golden_is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits off the next whitespace-separated golden_token of *s (NULL if none). */
char *golden_token(char **s)
{
    char *p = *s;
    while (golden_is_space(*p))
        p++;
    if (!*p)
        return NULL;
    char *start = p;
    while (*p && !golden_is_space(*p))
        p++;
    if (*p)
        *p++ = '\0';
    *s = p;
    return start;
}

/* Every record holds exactly its values: anything left on the line is an
 * error, not something to ignore. */
descent_status golden_expect_end_of_record(golden_reader *r)
{
    char *extra = golden_token(&r->rest);
    if (!extra)
        return DESCENT_OK;
    char msg[96];
    snprintf(msg, sizeof msg, "extra value on the '%s' record", r->key);
    return golden_bad(r, msg, extra);
}

/* The one place a number golden_token is converted, as a double or (as_float) a
 * float32: the whole golden_token must be a finite number (the files hold no NaN or
 * Inf).  Overflow is an error (strtod/strtof give +-HUGE_VAL with ERANGE);
 * underflow is not: a float32 denormal such as 1e-40 also sets ERANGE, but
 * it is the value the file means. */
descent_status golden_parse_number(golden_reader *r, const char *tok, int as_float, double *out)
{
    char *end;
    errno = 0;
    const double v = as_float ? (double)strtof(tok, &end) : strtod(tok, &end);
    if (end == tok || *end)
        return golden_bad(r, "not a number", tok);
    if (isinf(v) && errno == ERANGE)
        return golden_bad(r, as_float ? "out of float32 range" : "out of range", tok);
    if (!isfinite(v))
        return golden_bad(r, "not a finite number", tok);
    *out = v;
    return DESCENT_OK;
}

descent_status golden_parse_double_token(golden_reader *r, const char *tok, double *out)
{
    return golden_parse_number(r, tok, 0, out);
}

descent_status golden_parse_float_token(golden_reader *r, const char *tok, float *out)
{
    double v;
    descent_status s = golden_parse_number(r, tok, 1, &v);
    if (s == DESCENT_OK)
        *out = (float)v; /* exact: v came from strtof */
    return s;
}

/* A record holding exactly one number (a double, or a float32 value). */
descent_status golden_read_number_as(golden_reader *r, const char *key, int as_float, double *out)
{
    descent_status s = golden_expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    char *tok = golden_token(&r->rest);
    if (!tok)
        return golden_bad(r, "missing value", key);
    if ((s = golden_parse_number(r, tok, as_float, out)) != DESCENT_OK)
        return s;
    return golden_expect_end_of_record(r);
}

descent_status golden_read_number(golden_reader *r, const char *key, double *out)
{
    return golden_read_number_as(r, key, 0, out);
}

descent_status golden_read_count(golden_reader *r, const char *key, long lo, long *out)
{
    double v;
    descent_status s = golden_read_number(r, key, &v);
    if (s != DESCENT_OK)
        return s;
    if (!(v >= (double)lo && v <= (double)GOLDEN_MAX_COUNT) || v != (double)(long)v) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s must be an integer in [%ld, %ld]", key, lo,
                 GOLDEN_MAX_COUNT);
        return golden_bad(r, msg, NULL);
    }
    *out = (long)v;
    return DESCENT_OK;
}

/* Reads exactly `count` float32 values from the rest of the current record. */
descent_status golden_parse_floats(golden_reader *r, size_t count, float *out)
{
    for (size_t i = 0; i < count; i++) {
        char *tok = golden_token(&r->rest);
        if (!tok) {
            char msg[96];
            snprintf(msg, sizeof msg, "'%s' has %zu values, expected %zu", r->key, i, count);
            return golden_bad(r, msg, NULL);
        }
        descent_status s = golden_parse_float_token(r, tok, &out[i]);
        if (s != DESCENT_OK)
            return s;
    }
    return golden_expect_end_of_record(r);
}

descent_status golden_alloc_floats(golden_reader *r, size_t count, float **out)
{
    *out = malloc((count ? count : 1) * sizeof(float));
    if (!*out)
        return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory for %zu values", r->name,
                            r->lineno, count);
    return DESCENT_OK;
}

/* A record `key v1 ... v_count` into a new array. */
descent_status golden_read_tensor(golden_reader *r, const char *key, size_t count, float **out)
{
    descent_status s = golden_expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    if ((s = golden_alloc_floats(r, count, out)) != DESCENT_OK)
        return s;
    return golden_parse_floats(r, count, *out);
}

/* A record `key t v1 ... v_n` for step t, into row t-1 of `rows`. */
descent_status golden_read_step_row(golden_reader *r, const char *key, long t, size_t n, float *row)
{
    descent_status s = golden_expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    char *tok = golden_token(&r->rest);
    double v;
    if (!tok)
        return golden_bad(r, "missing step number", key);
    if ((s = golden_parse_double_token(r, tok, &v)) != DESCENT_OK)
        return s;
    if (v != (double)t) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected '%s %ld'", key, t);
        return golden_bad(r, msg, tok);
    }
    return golden_parse_floats(r, n, row);
}


descent_status golden_read_segments(golden_reader *r, const char *key, size_t n, size_t *count,
                                    size_t **sizes)
{
    *count = 0, *sizes = NULL;
    descent_status s = golden_expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    double k;
    char *tok = golden_token(&r->rest);
    if (!tok)
        return golden_bad(r, "missing the segment count", NULL);
    if ((s = golden_parse_double_token(r, tok, &k)) != DESCENT_OK)
        return s;
    if (!(k >= 1 && k <= (double)n) || k != (double)(long)k)
        return golden_bad(r, "the segment count must be an integer in [1, n]", tok);
    size_t *out = malloc((size_t)k * sizeof *out);
    if (!out)
        return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory", r->name, r->lineno);
    size_t total = 0;
    for (size_t i = 0; i < (size_t)k; i++) {
        double v;
        tok = golden_token(&r->rest);
        if (!tok)
            s = golden_bad(r, "fewer segment sizes than the count says", NULL);
        else if ((s = golden_parse_double_token(r, tok, &v)) == DESCENT_OK &&
                 (!(v >= 1 && v <= (double)(n - total)) || v != (double)(long)v))
            s = golden_bad(r, "a segment size must be an integer >= 1 within n", tok);
        if (s != DESCENT_OK) {
            free(out);
            return s;
        }
        out[i] = (size_t)v;
        total += out[i];
    }
    if (total != n)
        s = golden_bad(r, "the segment sizes do not add up to n", NULL);
    else
        s = golden_expect_end_of_record(r);
    if (s != DESCENT_OK) {
        free(out);
        return s;
    }
    *count = (size_t)k, *sizes = out;
    return DESCENT_OK;
}
