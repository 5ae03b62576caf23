/* Parser for the schedule oracle files (golden_sched.h).  Strict like the
 * others: an unknown scheduler or key, a key given twice, arguments the
 * schedule refuses, or a record with the wrong number of values is an error
 * naming the file and line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_sched.h"
#include "internal.h"

#define ARGS_MAX 8192

static int key_index(const char *const *keys, const char *key)
{
    for (int k = 0; keys[k]; k++)
        if (!strcmp(keys[k], key))
            return k;
    return -1;
}

/* " key=v1,v2,..." from the current record onto args (the values as
 * written: the schedule parses them). */
static descent_status append_arg(golden_reader *r, char *args, size_t *used)
{
    int wrote = snprintf(args + *used, ARGS_MAX - *used, "%s%s=", *used ? " " : "", r->key);
    if (wrote < 0 || (size_t)wrote >= ARGS_MAX - *used)
        return golden_bad(r, "arguments too long", NULL);
    *used += (size_t)wrote;
    int values = 0;
    for (char *tok; (tok = golden_token(&r->rest)); values++) {
        wrote = snprintf(args + *used, ARGS_MAX - *used, "%s%s", values ? "," : "", tok);
        if (wrote < 0 || (size_t)wrote >= ARGS_MAX - *used)
            return golden_bad(r, "arguments too long", NULL);
        *used += (size_t)wrote;
    }
    if (values == 0)
        return golden_bad(r, "missing value", r->key);
    /* Only milestones lists several values. */
    if (values > 1 && strcmp(r->key, "milestones") != 0)
        return golden_bad(r, "extra value on the record", r->key);
    return DESCENT_OK;
}

/* A record `key v_1 ... v_count` of doubles into a new array; the array
 * grows as values are read, so a corrupt count fails on the short line. */
static descent_status read_doubles(golden_reader *r, const char *key, long count, double **out)
{
    descent_status s = golden_expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    double *v = NULL;
    size_t cap = 0;
    for (long i = 0; i < count; i++) {
        char *tok = golden_token(&r->rest);
        if (!tok) {
            char msg[96];
            snprintf(msg, sizeof msg, "'%s' has %ld values, expected %ld", key, i, count);
            free(v);
            return golden_bad(r, msg, NULL);
        }
        if ((size_t)i == cap) {
            const size_t grown_cap = cap ? 2 * cap : 64;
            double *grown = realloc(v, grown_cap * sizeof *v);
            if (!grown) {
                free(v);
                return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory", r->name,
                                    r->lineno);
            }
            v = grown, cap = grown_cap;
        }
        if ((s = golden_parse_double_token(r, tok, &v[i])) != DESCENT_OK) {
            free(v);
            return s;
        }
    }
    *out = v;
    return golden_expect_end_of_record(r);
}

descent_status golden_parse_sched(golden_reader *r, golden_sched *g)
{
    descent_status s;
    memset(g, 0, sizeof *g);
    const long sched_line = r->lineno;
    char *name = golden_token(&r->rest);
    const char *const *keys = descent_schedule_keys(name);
    /* "constant" is descent's name for no schedule, not a PyTorch class. */
    if (!name || !keys || !strcmp(name, "constant"))
        return golden_bad(r, "unknown scheduler", name ? name : "(missing)");
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    snprintf(g->name, sizeof g->name, "%s", name);
    if ((s = golden_read_number(r, "lr", &g->lr)) != DESCENT_OK)
        return s;

    /* The constructor's arguments, up to `steps`. */
    g->args = calloc(ARGS_MAX, 1);
    if (!g->args)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", r->name);
    size_t used = 0;
    char seen[64] = {0};
    for (;;) {
        if (!golden_next_record(r))
            return golden_bad(r, "unexpected end of file, expected 'steps'", NULL);
        if (!strcmp(r->key, "steps"))
            break;
        const int k = key_index(keys, r->key);
        if (k < 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "unknown argument of %s", g->name);
            return golden_bad(r, msg, r->key);
        }
        if (seen[k])
            return golden_bad(r, "argument given twice", r->key);
        seen[k] = 1;
        if ((s = append_arg(r, g->args, &used)) != DESCENT_OK)
            return s;
    }
    char *tok = golden_token(&r->rest);
    double steps;
    if (!tok)
        return golden_bad(r, "missing value", "steps");
    if ((s = golden_parse_double_token(r, tok, &steps)) != DESCENT_OK)
        return s;
    if (!(steps >= 1 && steps <= (double)GOLDEN_MAX_COUNT) || steps != floor(steps)) {
        char msg[96];
        snprintf(msg, sizeof msg, "steps must be an integer in [1, %ld]", GOLDEN_MAX_COUNT);
        return golden_bad(r, msg, NULL);
    }
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    g->steps = (long)steps;

    /* The schedule checks the arguments now, so that a bad one is reported
     * with the file's line, and says whether momentum_values follow. */
    descent_schedule *probe;
    if (descent_schedule_create(g->name, g->args, g->lr, GOLDEN_SCHED_MOMENTUM, 0, &probe) !=
        DESCENT_OK) {
        golden_reader at = *r;
        at.lineno = sched_line;
        return golden_bad(&at, "invalid scheduler arguments", descent_last_error());
    }
    const int cycles_momentum = !isnan(descent_schedule_momentum(probe));
    descent_schedule_free(probe);

    if (!strcmp(g->name, "reduce_lr_on_plateau") &&
        (s = read_doubles(r, "metrics", g->steps, &g->metrics)) != DESCENT_OK)
        return s;
    if ((s = read_doubles(r, "lr_values", g->steps + 1, &g->lr_values)) != DESCENT_OK)
        return s;
    if (cycles_momentum &&
        (s = read_doubles(r, "momentum_values", g->steps + 1, &g->momentum_values)) !=
            DESCENT_OK)
        return s;
    return DESCENT_OK;
}

void golden_sched_free(golden_sched *g)
{
    if (!g)
        return;
    free(g->args);
    free(g->metrics);
    free(g->lr_values);
    free(g->momentum_values);
    memset(g, 0, sizeof *g);
}
