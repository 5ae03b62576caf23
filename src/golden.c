/* Parser for the oracle files.  Strict: every key, count and number is
 * checked, and any deviation is an error naming the file and line, because
 * a silently misread oracle would make every test built on it meaningless. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "golden.h"
#include "internal.h"

/* Files larger than this are refused before reading (the public ones are a
 * few KiB; 1 GiB leaves room for big generated ones). */
#define GOLDEN_MAX_BYTES ((size_t)1 << 30)
/* Bound on n, steps and layer sizes, so that a corrupt count is reported
 * instead of attempting an absurd allocation. */
#define GOLDEN_MAX_COUNT 100000000L

typedef struct reader {
    const char *name;
    char *text; /* private, NUL-terminated copy */
    char *next; /* start of the next line */
    long lineno;
    char *key;  /* current record */
    char *rest; /* its values */
} reader;

static descent_status bad(const reader *r, const char *what, const char *detail)
{
    return descent_fail(DESCENT_ERR_FORMAT, "%s:%ld: %s%s%s", r->name, r->lineno, what,
                        detail ? ": " : "", detail ? detail : "");
}

/* Advances to the next record, skipping comments and blank lines.
 * Returns 0 at end of file. */
static int next_record(reader *r)
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

static descent_status expect_key(reader *r, const char *key)
{
    if (!next_record(r)) {
        char msg[96];
        snprintf(msg, sizeof msg, "unexpected end of file, expected '%s'", key);
        return bad(r, msg, NULL);
    }
    if (strcmp(r->key, key) != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected '%s'", key);
        return bad(r, msg, r->key);
    }
    return DESCENT_OK;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits off the next whitespace-separated token of *s (NULL if none). */
static char *token(char **s)
{
    char *p = *s;
    while (is_space(*p))
        p++;
    if (!*p)
        return NULL;
    char *start = p;
    while (*p && !is_space(*p))
        p++;
    if (*p)
        *p++ = '\0';
    *s = p;
    return start;
}

/* Every record holds exactly its values: anything left on the line is an
 * error, not something to ignore. */
static descent_status expect_end_of_record(reader *r)
{
    char *extra = token(&r->rest);
    if (!extra)
        return DESCENT_OK;
    char msg[96];
    snprintf(msg, sizeof msg, "extra value on the '%s' record", r->key);
    return bad(r, msg, extra);
}

/* The one place a number token is converted, as a double or (as_float) a
 * float32: the whole token must be a finite number (the files hold no NaN or
 * Inf).  Overflow is an error (strtod/strtof give +-HUGE_VAL with ERANGE);
 * underflow is not: a float32 denormal such as 1e-40 also sets ERANGE, but
 * it is the value the file means. */
static descent_status parse_number(reader *r, const char *tok, int as_float, double *out)
{
    char *end;
    errno = 0;
    const double v = as_float ? (double)strtof(tok, &end) : strtod(tok, &end);
    if (end == tok || *end)
        return bad(r, "not a number", tok);
    if (isinf(v) && errno == ERANGE)
        return bad(r, as_float ? "out of float32 range" : "out of range", tok);
    if (!isfinite(v))
        return bad(r, "not a finite number", tok);
    *out = v;
    return DESCENT_OK;
}

static descent_status parse_double_token(reader *r, const char *tok, double *out)
{
    return parse_number(r, tok, 0, out);
}

static descent_status parse_float_token(reader *r, const char *tok, float *out)
{
    double v;
    descent_status s = parse_number(r, tok, 1, &v);
    if (s == DESCENT_OK)
        *out = (float)v; /* exact: v came from strtof */
    return s;
}

/* A record holding exactly one number (a double, or a float32 value). */
static descent_status read_number_as(reader *r, const char *key, int as_float, double *out)
{
    descent_status s = expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    char *tok = token(&r->rest);
    if (!tok)
        return bad(r, "missing value", key);
    if ((s = parse_number(r, tok, as_float, out)) != DESCENT_OK)
        return s;
    return expect_end_of_record(r);
}

static descent_status read_number(reader *r, const char *key, double *out)
{
    return read_number_as(r, key, 0, out);
}

static descent_status read_count(reader *r, const char *key, long lo, long *out)
{
    double v;
    descent_status s = read_number(r, key, &v);
    if (s != DESCENT_OK)
        return s;
    if (!(v >= (double)lo && v <= (double)GOLDEN_MAX_COUNT) || v != (double)(long)v) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s must be an integer in [%ld, %ld]", key, lo,
                 GOLDEN_MAX_COUNT);
        return bad(r, msg, NULL);
    }
    *out = (long)v;
    return DESCENT_OK;
}

/* Reads exactly `count` float32 values from the rest of the current record. */
static descent_status parse_floats(reader *r, size_t count, float *out)
{
    for (size_t i = 0; i < count; i++) {
        char *tok = token(&r->rest);
        if (!tok) {
            char msg[96];
            snprintf(msg, sizeof msg, "'%s' has %zu values, expected %zu", r->key, i, count);
            return bad(r, msg, NULL);
        }
        descent_status s = parse_float_token(r, tok, &out[i]);
        if (s != DESCENT_OK)
            return s;
    }
    return expect_end_of_record(r);
}

static descent_status alloc_floats(reader *r, size_t count, float **out)
{
    *out = malloc((count ? count : 1) * sizeof(float));
    if (!*out)
        return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory for %zu values", r->name,
                            r->lineno, count);
    return DESCENT_OK;
}

/* A record `key v1 ... v_count` into a new array. */
static descent_status read_tensor(reader *r, const char *key, size_t count, float **out)
{
    descent_status s = expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    if ((s = alloc_floats(r, count, out)) != DESCENT_OK)
        return s;
    return parse_floats(r, count, *out);
}

/* A record `key t v1 ... v_n` for step t, into row t-1 of `rows`. */
static descent_status read_step_row(reader *r, const char *key, long t, size_t n, float *row)
{
    descent_status s = expect_key(r, key);
    if (s != DESCENT_OK)
        return s;
    char *tok = token(&r->rest);
    double v;
    if (!tok)
        return bad(r, "missing step number", key);
    if ((s = parse_double_token(r, tok, &v)) != DESCENT_OK)
        return s;
    if (v != (double)t) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected '%s %ld'", key, t);
        return bad(r, msg, tok);
    }
    return parse_floats(r, n, row);
}

/* A record `key value` for hyperparameter `key`: a flag must be 0 or 1. */
static descent_status read_hparam(reader *r, descent_hparams *h, descent_hparam_key key)
{
    double v;
    descent_status s = read_number(r, descent_hparam_name(key), &v);
    if (s != DESCENT_OK)
        return s;
    if (descent_hparam_is_bool(key) && v != 0.0 && v != 1.0)
        return bad(r, "boolean must be 0 or 1", r->key);
    return descent_hparams_set(h, key, v);
}

static descent_status parse_optim(reader *r, golden_optim *o)
{
    descent_status s;
    char *name = token(&r->rest);
    if (!name || descent_optim_from_name(name, &o->kind) != DESCENT_OK)
        return bad(r, "unknown optimizer", name ? name : "(missing)");
    if ((s = expect_end_of_record(r)) != DESCENT_OK)
        return s;
    descent_hparams_default(o->kind, &o->h);
    /* Every key of the optimizer, in the registry's order (FORMAT.md's). */
    const descent_optim_info *info = descent_optim_info_of(o->kind);
    for (int k = 0; k < info->key_count; k++)
        if ((s = read_hparam(r, &o->h, info->keys[k].key)) != DESCENT_OK)
            return s;
    if (descent_hparams_validate(o->kind, &o->h) != DESCENT_OK)
        return bad(r, "invalid hyperparameters", descent_last_error());
    /* n >= 1: a file must check at least one value. */
    long n, steps;
    if ((s = read_count(r, "n", 1, &n)) != DESCENT_OK ||
        (s = read_count(r, "steps", 1, &steps)) != DESCENT_OK)
        return s;
    o->n = (size_t)n;
    o->steps = steps;
    if ((s = read_tensor(r, "init", o->n, &o->init)) != DESCENT_OK)
        return s;
    /* Grow the trajectory a step at a time, so that a file claiming a huge
     * step count but holding few lines fails on the missing line. */
    for (long t = 1; t <= steps; t++) {
        float *g = realloc(o->grads, (size_t)t * o->n * sizeof(float) + sizeof(float));
        if (g)
            o->grads = g;
        float *p = realloc(o->params, (size_t)t * o->n * sizeof(float) + sizeof(float));
        if (p)
            o->params = p;
        if (!g || !p)
            return descent_fail(DESCENT_ERR_NOMEM, "%s:%ld: out of memory at step %ld",
                                r->name, r->lineno, t);
        if ((s = read_step_row(r, "grad", t, o->n, o->grads + (size_t)(t - 1) * o->n)) ||
            (s = read_step_row(r, "param", t, o->n, o->params + (size_t)(t - 1) * o->n)))
            return s;
    }
    return DESCENT_OK;
}

static descent_status parse_mlp(reader *r, golden_mlp *m)
{
    descent_status s;
    char *model = token(&r->rest);
    if (!model || strcmp(model, "mlp") != 0)
        return bad(r, "unknown model", model ? model : "(missing)");
    if ((s = expect_end_of_record(r)) != DESCENT_OK)
        return s;
    if ((s = expect_key(r, "layers")) != DESCENT_OK)
        return s;
    int count = 0;
    for (char *tok; (tok = token(&r->rest));) {
        double v;
        if ((s = parse_double_token(r, tok, &v)) != DESCENT_OK)
            return s;
        if (count > GOLDEN_MAX_LAYERS)
            return bad(r, "too many layers", NULL);
        if (!(v >= 1 && v <= 1e6) || v != (double)(int)v)
            return bad(r, "layer size must be an integer in [1, 1000000]", tok);
        m->sizes[count++] = (int)v;
    }
    if (count < 2)
        return bad(r, "'layers' needs at least an input and an output size", NULL);
    m->layers = count - 1;

    if ((s = expect_key(r, "activation")) != DESCENT_OK)
        return s;
    char *act = token(&r->rest);
    if (!act || (strcmp(act, "relu") && strcmp(act, "tanh") && strcmp(act, "sigmoid")))
        return bad(r, "activation must be relu, tanh or sigmoid", act);
    if ((s = expect_end_of_record(r)) != DESCENT_OK)
        return s;
    snprintf(m->activation, sizeof m->activation, "%s", act);
    if ((s = expect_key(r, "loss")) != DESCENT_OK)
        return s;
    char *loss = token(&r->rest);
    if (!loss || (strcmp(loss, "cross_entropy") && strcmp(loss, "mse")))
        return bad(r, "loss must be cross_entropy or mse", loss);
    if ((s = expect_end_of_record(r)) != DESCENT_OK)
        return s;
    snprintf(m->loss, sizeof m->loss, "%s", loss);
    long batch;
    if ((s = read_count(r, "batch", 1, &batch)) != DESCENT_OK)
        return s;
    if (batch > 1000000)
        return bad(r, "batch must be at most 1000000", NULL);
    m->batch = (int)batch;

    char key[16];
    for (int l = 0; l < m->layers; l++) {
        size_t in = (size_t)m->sizes[l], out = (size_t)m->sizes[l + 1];
        snprintf(key, sizeof key, "W%d", l + 1);
        if ((s = read_tensor(r, key, out * in, &m->W[l])) != DESCENT_OK)
            return s;
        snprintf(key, sizeof key, "b%d", l + 1);
        if ((s = read_tensor(r, key, out, &m->b[l])) != DESCENT_OK)
            return s;
    }
    const size_t in0 = (size_t)m->sizes[0], outL = (size_t)m->sizes[m->layers];
    if ((s = read_tensor(r, "x", (size_t)m->batch * in0, &m->x)) != DESCENT_OK)
        return s;
    if (!strcmp(m->loss, "mse")) {
        if ((s = read_tensor(r, "y", (size_t)m->batch * outL, &m->target)) != DESCENT_OK)
            return s;
    } else {
        if ((s = read_tensor(r, "y", (size_t)m->batch, &m->target)) != DESCENT_OK)
            return s;
        m->labels = malloc((size_t)m->batch * sizeof(int));
        if (!m->labels)
            return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", r->name);
        for (int i = 0; i < m->batch; i++) {
            float v = m->target[i];
            if (!(v >= 0 && v < (float)outL) || v != (float)(int)v)
                return bad(r, "label must be an integer class in [0, outputs)", NULL);
            m->labels[i] = (int)v;
        }
        free(m->target);
        m->target = NULL;
    }
    /* loss_value is a float32 value like the tensors (FORMAT.md). */
    if ((s = read_number_as(r, "loss_value", 1, &m->loss_value)) != DESCENT_OK)
        return s;
    for (int l = 0; l < m->layers; l++) {
        size_t in = (size_t)m->sizes[l], out = (size_t)m->sizes[l + 1];
        snprintf(key, sizeof key, "dW%d", l + 1);
        if ((s = read_tensor(r, key, out * in, &m->dW[l])) != DESCENT_OK)
            return s;
        snprintf(key, sizeof key, "db%d", l + 1);
        if ((s = read_tensor(r, key, out, &m->db[l])) != DESCENT_OK)
            return s;
    }
    return DESCENT_OK;
}

/* Every record ends with a newline, so a file cut short anywhere (even in
 * its last number, which would still parse) ends without one. */
static descent_status check_not_truncated(reader *r, const char *text, size_t len)
{
    if (len == 0 || text[len - 1] == '\n')
        return DESCENT_OK;
    r->lineno = 1;
    for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
        r->lineno++;
    return bad(r, "truncated: the last line does not end with a newline", NULL);
}

descent_status golden_parse(const char *name, const char *text, size_t len, golden_file *out)
{
    memset(out, 0, sizeof *out);
    if (memchr(text, '\0', len))
        return descent_fail(DESCENT_ERR_FORMAT, "%s: binary data (NUL byte) in a text file",
                            name);
    reader r = {.name = name};
    descent_status s = check_not_truncated(&r, text, len);
    if (s != DESCENT_OK)
        return s;
    r.text = malloc(len + 1);
    if (!r.text)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", name);
    memcpy(r.text, text, len);
    r.text[len] = '\0';
    r.next = r.text;

    if (!next_record(&r)) {
        s = bad(&r, "empty file: expected 'optimizer' or 'model'", NULL);
    } else if (!strcmp(r.key, "optimizer")) {
        s = parse_optim(&r, &out->optim);
    } else if (!strcmp(r.key, "model")) {
        out->is_mlp = 1;
        s = parse_mlp(&r, &out->mlp);
    } else {
        s = bad(&r, "expected 'optimizer' or 'model'", r.key);
    }
    if (s == DESCENT_OK && next_record(&r))
        s = bad(&r, "unexpected record after the last expected one", r.key);
    free(r.text);
    if (s != DESCENT_OK)
        golden_free(out);
    return s;
}

static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO"
         : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device"
         : S_ISSOCK(mode) ? "a socket" : "of an unknown type";
}

/* Reads all of fd into a new buffer (*buf NULL when the file is empty). */
static descent_status read_all(const char *path, int fd, char **buf, size_t *len)
{
    size_t cap = 0;
    *buf = NULL;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            if (cap >= GOLDEN_MAX_BYTES)
                return descent_fail(DESCENT_ERR_FORMAT, "%s: larger than %zu bytes", path,
                                    GOLDEN_MAX_BYTES);
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(*buf, cap);
            if (!grown)
                return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory reading", path);
            *buf = grown;
        }
        ssize_t got = read(fd, *buf + *len, cap - *len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return descent_fail(DESCENT_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
        if (got == 0)
            return DESCENT_OK;
        *len += (size_t)got;
    }
}

descent_status golden_load(const char *path, golden_file *out)
{
    memset(out, 0, sizeof *out);
    /* O_NONBLOCK so that opening a FIFO cannot wait for a writer; the type
     * is then checked on the open file itself (no race with a rename), and
     * only a regular file is read (which O_NONBLOCK does not affect). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: not a regular file (%s)", path,
                            file_kind(st.st_mode));
    }
    char *buf;
    size_t len;
    descent_status s = read_all(path, fd, &buf, &len);
    close(fd);
    if (s == DESCENT_OK)
        s = golden_parse(path, buf ? buf : "", len, out);
    free(buf);
    return s;
}

void golden_free(golden_file *g)
{
    if (!g)
        return;
    free(g->optim.init);
    free(g->optim.grads);
    free(g->optim.params);
    golden_mlp *m = &g->mlp;
    for (int l = 0; l < GOLDEN_MAX_LAYERS; l++) {
        free(m->W[l]);
        free(m->b[l]);
        free(m->dW[l]);
        free(m->db[l]);
    }
    free(m->x);
    free(m->labels);
    free(m->target);
    memset(g, 0, sizeof *g);
}
