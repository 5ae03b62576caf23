/* Learning-rate schedules (include/descent_schedule.h): the arguments
 * ("key=value ..." against the table of src/schedule_rules.c), the object's
 * life cycle, and its checkpoint state.  The formulas are in
 * schedule_rules.c. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule_internal.h"

/* Integers travel as doubles (v[], the state): exact up to 2^53. */
#define SCHED_INT_MAX 9007199254740992.0
#define SCHED_MAX_MILESTONES 4096
/* The state: tag (the schedule's table index + 1), steps, lr, momentum, aux. */
#define STATE_SIZE (4 + SCHED_AUX)

int descent_schedule_count(void)
{
    return sched_table_count;
}

const char *descent_schedule_name(int i)
{
    return i >= 0 && i < sched_table_count ? sched_table[i].name : NULL;
}

static const sched_def *find_def(const char *name)
{
    for (int i = 0; name && i < sched_table_count; i++)
        if (!strcmp(sched_table[i].name, name))
            return &sched_table[i];
    return NULL;
}

const char *const *descent_schedule_keys(const char *name)
{
    const sched_def *def = find_def(name);
    return def ? def->keys : NULL;
}

static int key_count(const sched_def *def)
{
    int n = 0;
    while (def->keys[n])
        n++;
    return n;
}

int sched_key_index(const sched_def *def, const char *key)
{
    for (int k = 0; def->keys[k]; k++)
        if (!strcmp(def->keys[k], key))
            return k;
    abort(); /* a misspelt key in schedule_rules.c */
}

double sched_arg(const descent_schedule *s, const char *key)
{
    return s->v[sched_key_index(s->def, key)];
}

/* ---------------------------------------------------------------- values */

/* Choice `index` of "a|b|c" into buf. */
static const char *choice_name(const char *choices, int index, char *buf, size_t len)
{
    const char *p = choices;
    for (int i = 0; i < index && p; i++) {
        p = strchr(p, '|');
        if (p)
            p++;
    }
    const size_t n = p ? strcspn(p, "|") : 0;
    snprintf(buf, len, "%.*s", (int)n, p ? p : "");
    return buf;
}

static int choice_index(const char *choices, const char *text)
{
    const size_t len = strlen(text);
    int i = 0;
    for (const char *p = choices; p; i++) {
        const size_t n = strcspn(p, "|");
        if (n == len && !strncmp(p, text, n))
            return i;
        p = p[n] ? p + n + 1 : NULL;
    }
    return -1;
}

static int parse_long(const char *text, long *out)
{
    char *end;
    errno = 0;
    const long v = strtol(text, &end, 10);
    if (end == text || *end || errno == ERANGE || fabs((double)v) > SCHED_INT_MAX)
        return 0;
    *out = v;
    return 1;
}

/* A finite double, or p/q of two finite doubles (the header writes 1/3). */
static int parse_real(const char *text, double *out)
{
    char *end;
    const double v = strtod(text, &end);
    if (end == text || !isfinite(v))
        return 0;
    if (*end == '/') {
        const char *q_text = end + 1;
        const double q = strtod(q_text, &end);
        if (end == q_text || *end || !isfinite(q) || q == 0)
            return 0;
        *out = v / q;
        return isfinite(*out);
    }
    if (*end)
        return 0;
    *out = v;
    return 1;
}

static descent_status parse_milestones(descent_schedule *s, const char *key, const char *text)
{
    free(s->milestones);
    s->milestones = NULL;
    s->milestone_count = 0;
    char buf[64];
    for (const char *p = text;;) {
        const size_t n = strcspn(p, ",");
        long m;
        snprintf(buf, sizeof buf, "%.*s", (int)(n < sizeof buf - 1 ? n : sizeof buf - 1), p);
        if (n == 0 || n >= sizeof buf - 1 || !parse_long(buf, &m))
            return descent_fail(DESCENT_ERR_INVALID,
                                "%s=%s: expected comma-separated integers such as 2,5,9", key,
                                text);
        if (s->milestone_count == SCHED_MAX_MILESTONES)
            return descent_fail(DESCENT_ERR_INVALID, "%s: more than %d values", key,
                                SCHED_MAX_MILESTONES);
        long *grown = realloc(s->milestones, (size_t)(s->milestone_count + 1) * sizeof(long));
        if (!grown)
            return descent_fail(DESCENT_ERR_NOMEM, "out of memory");
        s->milestones = grown;
        s->milestones[s->milestone_count++] = m;
        if (!p[n])
            return DESCENT_OK;
        p += n + 1;
    }
}

/* Sets argument k from its text (given or the default). */
static descent_status set_value(descent_schedule *s, int k, const char *text)
{
    const sched_key *spec = &s->def->spec[k];
    const char *key = s->def->keys[k];
    long n;
    switch (spec->type) {
    case SCHED_INT:
        if (!parse_long(text, &n))
            return descent_fail(DESCENT_ERR_INVALID, "%s=%s: expected an integer", key, text);
        s->v[k] = (double)n;
        return DESCENT_OK;
    case SCHED_REAL:
        if (!parse_real(text, &s->v[k]))
            return descent_fail(DESCENT_ERR_INVALID, "%s=%s: expected a finite number", key,
                                text);
        return DESCENT_OK;
    case SCHED_BOOL:
        if (!strcmp(text, "1") || !strcmp(text, "true") || !strcmp(text, "True"))
            s->v[k] = 1;
        else if (!strcmp(text, "0") || !strcmp(text, "false") || !strcmp(text, "False"))
            s->v[k] = 0;
        else
            return descent_fail(DESCENT_ERR_INVALID, "%s=%s: expected 0 or 1", key, text);
        return DESCENT_OK;
    case SCHED_CHOICE: {
        const int i = choice_index(spec->choices, text);
        if (i < 0)
            return descent_fail(DESCENT_ERR_INVALID, spec->bad, text);
        s->v[k] = i;
        return DESCENT_OK;
    }
    case SCHED_INTS:
        return parse_milestones(s, key, text);
    }
    return descent_fail(DESCENT_ERR_INVALID, "%s: unknown argument type", key);
}

/* Every "key=value" of args, then defaults and the horizon for the rest. */
static descent_status parse_args(descent_schedule *s, const char *args)
{
    const sched_def *def = s->def;
    const int count = key_count(def);
    char token[256];
    for (const char *p = args ? args : ""; *p;) {
        p += strspn(p, " \t");
        const size_t n = strcspn(p, " \t");
        if (n == 0)
            break;
        if (n >= sizeof token)
            return descent_fail(DESCENT_ERR_INVALID, "argument too long: %.40s...", p);
        memcpy(token, p, n);
        token[n] = '\0';
        p += n;
        char *eq = strchr(token, '=');
        if (!eq || eq == token || !eq[1])
            return descent_fail(DESCENT_ERR_INVALID, "'%s': expected key=value", token);
        *eq = '\0';
        if (count == 0)
            return descent_fail(DESCENT_ERR_INVALID, "unknown argument '%s' (it takes none)",
                                token);
        const int k = descent_name_index("argument", def->keys, count, token,
                                         DESCENT_ERR_INVALID);
        if (k < 0)
            return DESCENT_ERR_INVALID;
        if (s->src[k] == SRC_GIVEN)
            return descent_fail(DESCENT_ERR_INVALID, "%s given twice", token);
        descent_status st = set_value(s, k, eq + 1);
        if (st != DESCENT_OK)
            return st;
        s->src[k] = SRC_GIVEN;
    }
    for (int k = 0; k < count; k++) {
        const sched_key *spec = &def->spec[k];
        if (s->src[k] == SRC_GIVEN)
            continue;
        if (spec->horizon && s->horizon > 0) {
            s->v[k] = (double)s->horizon;
            s->src[k] = SRC_HORIZON;
        } else if (spec->def && spec->def[0]) {
            descent_status st = set_value(s, k, spec->def);
            if (st != DESCENT_OK)
                return st;
            s->src[k] = SRC_DEFAULT;
        } else if (!spec->def) {
            return descent_fail(DESCENT_ERR_INVALID, "missing required argument %s%s",
                                def->keys[k], spec->horizon ? " (and no horizon to fill it)" : "");
        }
    }
    return DESCENT_OK;
}

/* ---------------------------------------------------------------- describe */

/* The shortest of %.15g..%.17g that reads back as v. */
static void format_real(char *buf, size_t len, double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static void append(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
    const size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, fmt, a, b);
}

static void build_describe(descent_schedule *s)
{
    const sched_def *def = s->def;
    snprintf(s->describe, sizeof s->describe, "%s", def->name);
    for (int k = 0; def->keys[k]; k++) {
        if (s->src[k] == SRC_UNSET)
            continue;
        char value[128];
        const sched_key *spec = &def->spec[k];
        if (spec->type == SCHED_CHOICE) {
            choice_name(spec->choices, (int)s->v[k], value, sizeof value);
        } else if (spec->type == SCHED_INTS) {
            value[0] = '\0';
            for (int i = 0; i < s->milestone_count; i++) {
                const size_t used = strlen(value);
                snprintf(value + used, sizeof value - used, "%s%ld", i ? "," : "",
                         s->milestones[i]);
            }
        } else if (spec->type == SCHED_REAL) {
            format_real(value, sizeof value, s->v[k]);
        } else {
            snprintf(value, sizeof value, "%.0f", s->v[k]);
        }
        append(s->describe, sizeof s->describe, " %s=%s", def->keys[k], value);
    }
}

/* ---------------------------------------------------------------- life cycle */

descent_status descent_schedule_create(const char *name, const char *args, double base_lr,
                                       double base_momentum, long horizon,
                                       descent_schedule **out)
{
    if (!out)
        return descent_fail(DESCENT_ERR_INVALID, "schedule: out is NULL");
    *out = NULL;
    const sched_def *def = find_def(name);
    if (!def) {
        const char *names[64];
        int n = 0;
        for (; n < sched_table_count && n < 64; n++)
            names[n] = sched_table[n].name;
        descent_name_index("schedule", names, n, name ? name : "(null)", DESCENT_ERR_INVALID);
        return DESCENT_ERR_INVALID;
    }
    if (!isfinite(base_lr))
        return descent_fail(DESCENT_ERR_INVALID, "%s: the optimizer's lr is not finite",
                            def->name);
    if (horizon < 0)
        return descent_fail(DESCENT_ERR_INVALID, "%s: negative horizon %ld", def->name,
                            horizon);
    descent_schedule *s = calloc(1, sizeof *s);
    if (!s)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", def->name);
    s->def = def;
    s->index = (int)(def - sched_table);
    s->base_lr = base_lr;
    s->base_momentum = base_momentum;
    s->horizon = horizon;
    s->momentum = NAN;
    for (int k = 0; k < SCHED_MAX_KEYS; k++)
        s->v[k] = NAN;
    descent_status st = parse_args(s, args);
    if (st == DESCENT_OK)
        st = def->prepare(s);
    if (st != DESCENT_OK) {
        descent_fail(st, "%s: %s", def->name, descent_last_error());
        descent_schedule_free(s);
        return st;
    }
    build_describe(s);
    *out = s;
    return DESCENT_OK;
}

void descent_schedule_free(descent_schedule *s)
{
    if (!s)
        return;
    free(s->milestones);
    free(s);
}

double descent_schedule_lr(const descent_schedule *s)
{
    return s ? s->lr : NAN;
}

double descent_schedule_momentum(const descent_schedule *s)
{
    return s ? s->momentum : NAN;
}

long descent_schedule_steps(const descent_schedule *s)
{
    return s ? s->steps : 0;
}

const char *descent_schedule_describe(const descent_schedule *s)
{
    return s ? s->describe : "";
}

descent_status descent_schedule_step(descent_schedule *s, double metric)
{
    if (!s)
        return descent_fail(DESCENT_ERR_INVALID, "schedule is NULL");
    if (s->steps == LONG_MAX || (double)s->steps >= SCHED_INT_MAX)
        return descent_fail(DESCENT_ERR_INVALID, "%s: step count at its limit",
                            s->def->name);
    /* A failing step (one_cycle_lr past total_steps, a NaN metric) leaves
     * the schedule as it was. */
    const descent_schedule before = *s;
    s->steps++;
    descent_status st = s->def->step(s, metric);
    if (st != DESCENT_OK) {
        descent_fail(st, "%s: %s", s->def->name, descent_last_error());
        *s = before;
    }
    return st;
}

/* ---------------------------------------------------------------- state */

size_t descent_schedule_state_size(const descent_schedule *s)
{
    return s ? STATE_SIZE : 0;
}

void descent_schedule_get_state(const descent_schedule *s, double *state)
{
    if (!s || !state)
        return;
    state[0] = s->index + 1;
    state[1] = (double)s->steps;
    state[2] = s->lr;
    state[3] = s->momentum;
    for (int i = 0; i < SCHED_AUX; i++)
        state[4 + i] = s->aux[i];
}

descent_status descent_schedule_set_state(descent_schedule *s, const double *state)
{
    if (!s || !state)
        return descent_fail(DESCENT_ERR_INVALID, "schedule state: NULL argument");
    const char *name = s->def->name;
    if (state[0] != s->index + 1)
        return descent_fail(DESCENT_ERR_INVALID, "%s: the state is another schedule's", name);
    const double steps = state[1];
    if (!(steps >= 0 && steps < SCHED_INT_MAX) || steps != floor(steps))
        return descent_fail(DESCENT_ERR_INVALID, "%s: bad step count in the state", name);
    if (!isfinite(state[2]))
        return descent_fail(DESCENT_ERR_INVALID, "%s: non-finite lr in the state", name);
    if (isnan(state[3]) != isnan(s->momentum) || isinf(state[3]))
        return descent_fail(DESCENT_ERR_INVALID, "%s: bad momentum in the state", name);
    descent_schedule restored = *s;
    restored.steps = (long)steps;
    restored.lr = state[2];
    restored.momentum = state[3];
    for (int i = 0; i < SCHED_AUX; i++)
        restored.aux[i] = state[4 + i];
    if (s->def->aux_valid && !s->def->aux_valid(&restored))
        return descent_fail(DESCENT_ERR_INVALID, "%s: inconsistent counters in the state",
                            name);
    *s = restored;
    return DESCENT_OK;
}
