/* Parser for the schedule oracle files (golden_sched.h).  The constructor's
 * arguments are the records between `lr` and `steps`; each must be one of
 * the schedule's keys (descent_schedule_keys), and they become the
 * "key=value" text that descent_schedule_create reads, so one parser of
 * arguments serves the files, the CLI and the library. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_reader.h"
#include "golden_sched.h"
#include "internal.h"

static int is_key_of(const char *const *keys, const char *key)
{
    for (int k = 0; keys[k]; k++)
        if (!strcmp(keys[k], key))
            return 1;
    return 0;
}

/* The current record's `count` doubles into a new array. */
static descent_status parse_doubles(golden_reader *r, const char *key, long count, double **out)
{
    descent_status s;
    *out = malloc((size_t)(count ? count : 1) * sizeof(double));
    if (!*out)
        return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory", r->name, r->lineno);
    for (long i = 0; i < count; i++) {
        char *tok = golden_token(&r->rest);
        if (!tok) {
            char msg[96];
            snprintf(msg, sizeof msg, "'%s' has %ld values, expected %ld", key, i, count);
            return golden_bad(r, msg, NULL);
        }
        if ((s = golden_parse_double_token(r, tok, &(*out)[i])) != DESCENT_OK)
            return s;
    }
    return golden_expect_end_of_record(r);
}

/* A record `key v1 ... v_count` into a new array. */
static descent_status read_doubles(golden_reader *r, const char *key, long count, double **out)
{
    descent_status s = golden_expect_key(r, key);
    return s == DESCENT_OK ? parse_doubles(r, key, count, out) : s;
}

/* Appends " key=v1,v2,..." (the record's tokens) to the argument text:
 * one value, or a comma-joined list for `milestones`. */
static descent_status append_arg(golden_reader *r, char **args, size_t *len)
{
    size_t need = strlen(r->key) + strlen(r->rest) + 3;
    char *grown = realloc(*args, *len + need + 1);
    if (!grown)
        return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory", r->name, r->lineno);
    *args = grown;
    *len += (size_t)sprintf(*args + *len, "%s%s=", *len ? " " : "", r->key);
    const int list = !strcmp(r->key, "milestones");
    int count = 0;
    for (char *tok; (tok = golden_token(&r->rest)); count++) {
        if (count == 1 && !list)
            return golden_bad(r, "extra value on the record", r->key);
        *len += (size_t)sprintf(*args + *len, "%s%s", count ? "," : "", tok);
    }
    if (count == 0)
        return golden_bad(r, "missing value", r->key);
    return DESCENT_OK;
}

/* Whether the file's schedule cycles momentum: cyclic_lr and one_cycle_lr
 * unless cycle_momentum is 0 (their default is 1). */
static int cycles_momentum(const golden_sched *g)
{
    if (strcmp(g->name, "cyclic_lr") != 0 && strcmp(g->name, "one_cycle_lr") != 0)
        return 0;
    const char *at = strstr(g->args, "cycle_momentum=");
    return !at || strtod(at + strlen("cycle_momentum="), NULL) != 0;
}

descent_status golden_parse_sched(golden_reader *r, golden_sched *g)
{
    memset(g, 0, sizeof *g);
    char *name = golden_token(&r->rest);
    const char *const *keys = name ? descent_schedule_keys(name) : NULL;
    if (!keys || !strcmp(name, "constant"))
        return golden_bad(r, "unknown scheduler", name ? name : "(none)");
    snprintf(g->name, sizeof g->name, "%s", name);
    const long scheduler_line = r->lineno;
    descent_status s = golden_expect_end_of_record(r);
    if (s == DESCENT_OK)
        s = golden_read_number(r, "lr", &g->lr);
    size_t len = 0;
    g->args = calloc(1, 1);
    if (!g->args)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", r->name);
    while (s == DESCENT_OK) {
        if (!golden_next_record(r))
            return golden_bad(r, "unexpected end of file, expected 'steps'", NULL);
        if (!strcmp(r->key, "steps"))
            break;
        if (!is_key_of(keys, r->key)) {
            char msg[96];
            snprintf(msg, sizeof msg, "unknown argument of %s", g->name);
            return golden_bad(r, msg, r->key);
        }
        char seen[64];
        snprintf(seen, sizeof seen, "%s=", r->key);
        const char *prev = strstr(g->args, seen);
        if (prev && (prev == g->args || prev[-1] == ' '))
            return golden_bad(r, "argument given twice", r->key);
        s = append_arg(r, &g->args, &len);
    }
    if (s != DESCENT_OK)
        return s;
    /* `steps` is the current record: read it as golden_read_count would. */
    char *tok = golden_token(&r->rest);
    double steps;
    if (!tok)
        return golden_bad(r, "missing value", "steps");
    if ((s = golden_parse_double_token(r, tok, &steps)) != DESCENT_OK)
        return s;
    if (!(steps >= 1 && steps <= GOLDEN_MAX_COUNT) || steps != floor(steps)) {
        char msg[96];
        snprintf(msg, sizeof msg, "steps must be an integer in [1, %ld]", GOLDEN_MAX_COUNT);
        return golden_bad(r, msg, NULL);
    }
    g->steps = (long)steps;
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    /* The arguments are the library's to judge: refused ones make the file
     * malformed (named at its scheduler line), not a failed check. */
    descent_schedule *probe = NULL;
    if (descent_schedule_create(g->name, g->args, g->lr, 0.9, 0, &probe) != DESCENT_OK) {
        char msg[320];
        snprintf(msg, sizeof msg, "%s", descent_last_error());
        r->lineno = scheduler_line;
        return golden_bad(r, "invalid scheduler arguments", msg);
    }
    descent_schedule_free(probe);
    if (!strcmp(g->name, "reduce_lr_on_plateau") &&
        (s = read_doubles(r, "metrics", g->steps, &g->metrics)) != DESCENT_OK)
        return s;
    if ((s = read_doubles(r, "lr_values", g->steps + 1, &g->lr_values)) != DESCENT_OK)
        return s;
    /* momentum_values: exactly when the schedule cycles momentum (an extra
     * one is left to the caller's "unexpected record" check). */
    if (!cycles_momentum(g))
        return DESCENT_OK;
    return read_doubles(r, "momentum_values", g->steps + 1, &g->momentum_values);
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
