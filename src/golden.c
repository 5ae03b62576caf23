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
#include "golden_reader.h"
#include "internal.h"

/* Files larger than this are refused before reading (the public ones are a
 * few KiB; 1 GiB leaves room for big generated ones). */
#define GOLDEN_MAX_BYTES ((size_t)1 << 30)

/* A record `key value` for hyperparameter `key`: a flag must be 0 or 1. */
static descent_status read_hparam(golden_reader *r, descent_hparams *h, descent_hparam_key key)
{
    double v;
    descent_status s = golden_read_number(r, descent_hparam_name(key), &v);
    if (s != DESCENT_OK)
        return s;
    if (descent_hparam_is_bool(key) && v != 0.0 && v != 1.0)
        return golden_bad(r, "boolean must be 0 or 1", r->key);
    return descent_hparams_set(h, key, v);
}

static descent_status parse_optim(golden_reader *r, golden_optim *o)
{
    descent_status s;
    char *name = golden_token(&r->rest);
    if (!name || descent_optim_from_name(name, &o->kind) != DESCENT_OK)
        return golden_bad(r, "unknown optimizer", name ? name : "(missing)");
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    descent_hparams_default(o->kind, &o->h);
    /* Every key of the optimizer, in the registry's order (FORMAT.md's). */
    const descent_optim_info *info = descent_optim_info_of(o->kind);
    for (int k = 0; k < info->key_count; k++)
        if ((s = read_hparam(r, &o->h, info->keys[k].key)) != DESCENT_OK)
            return s;
    if (descent_hparams_validate(o->kind, &o->h) != DESCENT_OK)
        return golden_bad(r, "invalid hyperparameters", descent_last_error());
    /* n >= 1: a file must check at least one value. */
    long n, steps;
    if ((s = golden_read_count(r, "n", 1, &n)) != DESCENT_OK ||
        (s = golden_read_count(r, "steps", 1, &steps)) != DESCENT_OK)
        return s;
    o->n = (size_t)n;
    o->steps = steps;
    if ((s = golden_read_tensor(r, "init", o->n, &o->init)) != DESCENT_OK)
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
        if ((s = golden_read_step_row(r, "grad", t, o->n, o->grads + (size_t)(t - 1) * o->n)) ||
            (s = golden_read_step_row(r, "param", t, o->n, o->params + (size_t)(t - 1) * o->n)))
            return s;
    }
    return DESCENT_OK;
}

static descent_status parse_mlp(golden_reader *r, golden_mlp *m)
{
    descent_status s;
    char *model = golden_token(&r->rest);
    if (!model || strcmp(model, "mlp") != 0)
        return golden_bad(r, "unknown model", model ? model : "(missing)");
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    if ((s = golden_expect_key(r, "layers")) != DESCENT_OK)
        return s;
    int count = 0;
    for (char *tok; (tok = golden_token(&r->rest));) {
        double v;
        if ((s = golden_parse_double_token(r, tok, &v)) != DESCENT_OK)
            return s;
        if (count > GOLDEN_MAX_LAYERS)
            return golden_bad(r, "too many layers", NULL);
        if (!(v >= 1 && v <= 1e6) || v != (double)(int)v)
            return golden_bad(r, "layer size must be an integer in [1, 1000000]", tok);
        m->sizes[count++] = (int)v;
    }
    if (count < 2)
        return golden_bad(r, "'layers' needs at least an input and an output size", NULL);
    m->layers = count - 1;

    if ((s = golden_expect_key(r, "activation")) != DESCENT_OK)
        return s;
    char *act = golden_token(&r->rest);
    if (!act || (strcmp(act, "relu") && strcmp(act, "tanh") && strcmp(act, "sigmoid")))
        return golden_bad(r, "activation must be relu, tanh or sigmoid", act);
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    snprintf(m->activation, sizeof m->activation, "%s", act);
    if ((s = golden_expect_key(r, "loss")) != DESCENT_OK)
        return s;
    char *loss = golden_token(&r->rest);
    if (!loss || (strcmp(loss, "cross_entropy") && strcmp(loss, "mse")))
        return golden_bad(r, "loss must be cross_entropy or mse", loss);
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    snprintf(m->loss, sizeof m->loss, "%s", loss);
    long batch;
    if ((s = golden_read_count(r, "batch", 1, &batch)) != DESCENT_OK)
        return s;
    if (batch > 1000000)
        return golden_bad(r, "batch must be at most 1000000", NULL);
    m->batch = (int)batch;

    char key[16];
    for (int l = 0; l < m->layers; l++) {
        size_t in = (size_t)m->sizes[l], out = (size_t)m->sizes[l + 1];
        snprintf(key, sizeof key, "W%d", l + 1);
        if ((s = golden_read_tensor(r, key, out * in, &m->W[l])) != DESCENT_OK)
            return s;
        snprintf(key, sizeof key, "b%d", l + 1);
        if ((s = golden_read_tensor(r, key, out, &m->b[l])) != DESCENT_OK)
            return s;
    }
    const size_t in0 = (size_t)m->sizes[0], outL = (size_t)m->sizes[m->layers];
    if ((s = golden_read_tensor(r, "x", (size_t)m->batch * in0, &m->x)) != DESCENT_OK)
        return s;
    if (!strcmp(m->loss, "mse")) {
        if ((s = golden_read_tensor(r, "y", (size_t)m->batch * outL, &m->target)) != DESCENT_OK)
            return s;
    } else {
        if ((s = golden_read_tensor(r, "y", (size_t)m->batch, &m->target)) != DESCENT_OK)
            return s;
        m->labels = malloc((size_t)m->batch * sizeof(int));
        if (!m->labels)
            return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", r->name);
        for (int i = 0; i < m->batch; i++) {
            float v = m->target[i];
            if (!(v >= 0 && v < (float)outL) || v != (float)(int)v)
                return golden_bad(r, "label must be an integer class in [0, outputs)", NULL);
            m->labels[i] = (int)v;
        }
        free(m->target);
        m->target = NULL;
    }
    /* loss_value is a float32 value like the tensors (FORMAT.md). */
    if ((s = golden_read_number_as(r, "loss_value", 1, &m->loss_value)) != DESCENT_OK)
        return s;
    for (int l = 0; l < m->layers; l++) {
        size_t in = (size_t)m->sizes[l], out = (size_t)m->sizes[l + 1];
        snprintf(key, sizeof key, "dW%d", l + 1);
        if ((s = golden_read_tensor(r, key, out * in, &m->dW[l])) != DESCENT_OK)
            return s;
        snprintf(key, sizeof key, "db%d", l + 1);
        if ((s = golden_read_tensor(r, key, out, &m->db[l])) != DESCENT_OK)
            return s;
    }
    return DESCENT_OK;
}

/* Every record ends with a newline, so a file cut short anywhere (even in
 * its last number, which would still parse) ends without one. */
static descent_status check_not_truncated(golden_reader *r, const char *text, size_t len)
{
    if (len == 0 || text[len - 1] == '\n')
        return DESCENT_OK;
    r->lineno = 1;
    for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
        r->lineno++;
    return golden_bad(r, "truncated: the last line does not end with a newline", NULL);
}

descent_status golden_parse(const char *name, const char *text, size_t len, golden_file *out)
{
    memset(out, 0, sizeof *out);
    if (memchr(text, '\0', len))
        return descent_fail(DESCENT_ERR_FORMAT, "%s: binary data (NUL byte) in a text file",
                            name);
    golden_reader r = {.name = name};
    descent_status s = check_not_truncated(&r, text, len);
    if (s != DESCENT_OK)
        return s;
    r.text = malloc(len + 1);
    if (!r.text)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", name);
    memcpy(r.text, text, len);
    r.text[len] = '\0';
    r.next = r.text;

    if (!golden_next_record(&r)) {
        s = golden_bad(&r, "empty file: expected 'optimizer', 'model' or 'scheduler'", NULL);
    } else if (!strcmp(r.key, "optimizer")) {
        s = parse_optim(&r, &out->optim);
    } else if (!strcmp(r.key, "model")) {
        out->is_mlp = 1;
        s = parse_mlp(&r, &out->mlp);
    } else if (!strcmp(r.key, "scheduler")) {
        out->is_sched = 1;
        s = golden_parse_sched(&r, &out->sched);
    } else {
        s = golden_bad(&r, "expected 'optimizer', 'model' or 'scheduler'", r.key);
    }
    if (s == DESCENT_OK && golden_next_record(&r))
        s = golden_bad(&r, "unexpected record after the last expected one", r.key);
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
    golden_sched_free(&g->sched);
    memset(g, 0, sizeof *g);
}
