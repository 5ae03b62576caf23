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

/* Appends " key=v1,v2,..." (the record's tokens) to the argument text. */
static descent_status append_arg(golden_reader *r, char **args, size_t *len)
{
    size_t need = strlen(r->key) + strlen(r->rest) + 3;
    char *grown = realloc(*args, *len + need + 1);
    if (!grown)
        return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory", r->name, r->lineno);
    *args = grown;
    *len += (size_t)sprintf(*args + *len, "%s%s=", *len ? " " : "", r->key);
    int first = 1;
    for (char *tok; (tok = golden_token(&r->rest)); first = 0)
        *len += (size_t)sprintf(*args + *len, "%s%s", first ? "" : ",", tok);
    if (first)
        return golden_bad(r, "missing value", r->key);
    return DESCENT_OK;
}

descent_status golden_parse_sched(golden_reader *r, golden_sched *g)
{
    memset(g, 0, sizeof *g);
    char *name = golden_token(&r->rest);
    const char *const *keys = name ? descent_schedule_keys(name) : NULL;
    if (!keys || !strcmp(name, "constant"))
        return golden_bad(r, "unknown scheduler", name ? name : "(none)");
    snprintf(g->name, sizeof g->name, "%s", name);
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
        if (!is_key_of(keys, r->key))
            return golden_bad(r, "not an argument of this scheduler", r->key);
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
    if (!(steps >= 1 && steps <= GOLDEN_MAX_COUNT) || steps != floor(steps))
        return golden_bad(r, "steps must be an integer >= 1", NULL);
    g->steps = (long)steps;
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    if (!strcmp(g->name, "reduce_lr_on_plateau") &&
        (s = read_doubles(r, "metrics", g->steps, &g->metrics)) != DESCENT_OK)
        return s;
    if ((s = read_doubles(r, "lr_values", g->steps + 1, &g->lr_values)) != DESCENT_OK)
        return s;
    /* momentum_values: present when the schedule cycles momentum; nothing
     * else may follow. */
    if (!golden_next_record(r))
        return DESCENT_OK;
    if (strcmp(r->key, "momentum_values") != 0)
        return golden_bad(r, "unexpected record after the last expected one", r->key);
    return parse_doubles(r, "momentum_values", g->steps + 1, &g->momentum_values);
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
