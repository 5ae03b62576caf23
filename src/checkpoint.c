/*
 * Checkpoint files (format in include/descent.h, "checkpoints"): named
 * sections of little-endian numbers, each with its CRC-32, and a CRC-32 of
 * the whole file at the end, so that a truncated, corrupt or foreign file
 * is an error before anything is restored.  Written through the one atomic
 * writer (descent_outfile): a checkpoint is the previous whole file or the
 * new whole file, never a part.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint.c writes the host's bytes: a big-endian host needs byte swaps here"
#endif

static const char magic[8] = {'D', 'S', 'C', 'K', 'P', 'T', '0', '1'};
#define NAME_BYTES 48
#define HEADER_BYTES (8 + 8)                         /* magic, format version */
#define FORMAT_VERSION 1
#define SECTION_HEAD_BYTES (NAME_BYTES + 4 + 4 + 8) /* name, type, 0, count */

static const size_t type_size[DESCENT_CKPT_TYPE_COUNT] = {1, 4, 8, 8};
static const char *const type_names[DESCENT_CKPT_TYPE_COUNT] = {"bytes", "f32", "f64", "i64"};

/* CRC-32 (IEEE 802.3, as zlib and PNG), table built on first use. */
static uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) { /* idempotent: concurrent first calls write the same values */
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ------------------------------------------------------------- writing */

struct descent_ckpt_writer {
    descent_outfile *file;
    FILE *out;
    uint32_t file_crc;
    uint64_t sections;
    int failed;
};

static void put(descent_ckpt_writer *w, const void *data, size_t len)
{
    if (len && fwrite(data, 1, len, w->out) != len)
        w->failed = 1;
    w->file_crc = crc32_update(w->file_crc, data, len);
}

descent_status descent_ckpt_create(const char *path, descent_ckpt_writer **out)
{
    if (!out)
        return descent_fail(DESCENT_ERR_INVALID, "descent_ckpt_create: out is NULL");
    *out = NULL;
    if (!path)
        return descent_fail(DESCENT_ERR_INVALID, "descent_ckpt_create: path is NULL");
    descent_ckpt_writer *w = calloc(1, sizeof *w);
    if (!w)
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory for a checkpoint writer");
    descent_status s = descent_outfile_open(path, &w->file);
    if (s != DESCENT_OK) {
        free(w);
        return s;
    }
    w->out = descent_outfile_stream(w->file);
    *out = w;
    return DESCENT_OK;
}

descent_status descent_ckpt_put(descent_ckpt_writer *w, const char *name, descent_ckpt_type type,
                                const void *data, size_t count)
{
    if (!w || !name || (!data && count) || (unsigned)type >= DESCENT_CKPT_TYPE_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "descent_ckpt_put: invalid argument");
    const size_t len = strlen(name);
    if (len == 0 || len >= NAME_BYTES)
        return descent_fail(DESCENT_ERR_INVALID, "checkpoint section name '%s': 1 to %d bytes",
                            name, NAME_BYTES - 1);
    if (count > SIZE_MAX / type_size[type])
        return descent_fail(DESCENT_ERR_INVALID, "checkpoint section '%s' too large", name);
    unsigned char head[SECTION_HEAD_BYTES] = {0};
    memcpy(head, name, len);
    const uint32_t t = (uint32_t)type;
    const uint64_t c = (uint64_t)count;
    memcpy(head + NAME_BYTES, &t, 4);
    memcpy(head + NAME_BYTES + 8, &c, 8);
    uint32_t crc = crc32_update(0, head, sizeof head);
    crc = crc32_update(crc, data, count * type_size[type]);
    if (w->sections == 0) { /* the header goes before the first section */
        put(w, magic, sizeof magic);
        const uint64_t version = FORMAT_VERSION;
        put(w, &version, 8);
    }
    put(w, head, sizeof head);
    put(w, data, count * type_size[type]);
    put(w, &crc, 4);
    w->sections++;
    return DESCENT_OK;
}

descent_status descent_ckpt_commit(descent_ckpt_writer *w)
{
    if (!w)
        return descent_fail(DESCENT_ERR_INVALID, "descent_ckpt_commit: w is NULL");
    if (w->sections == 0) {
        descent_ckpt_discard(w);
        return descent_fail(DESCENT_ERR_INVALID, "a checkpoint needs at least one section");
    }
    const uint32_t crc = w->file_crc; /* of every byte before it */
    if (fwrite(&crc, 4, 1, w->out) != 1)
        w->failed = 1;
    descent_outfile *file = w->file;
    const int failed = w->failed;
    free(w);
    if (failed) {
        descent_outfile_discard(file);
        return descent_fail(DESCENT_ERR_IO, "cannot write the checkpoint: %s",
                            strerror(errno ? errno : EIO));
    }
    return descent_outfile_commit(file);
}

void descent_ckpt_discard(descent_ckpt_writer *w)
{
    if (!w)
        return;
    descent_outfile_discard(w->file);
    free(w);
}

/* ------------------------------------------------------------- reading */

typedef struct section {
    char name[NAME_BYTES];
    descent_ckpt_type type;
    size_t count;
    const unsigned char *data;
} section;

struct descent_ckpt {
    char *path;
    unsigned char *bytes;
    size_t nsections;
    section *sections;
};

static descent_status corrupt(const char *path, const char *what)
{
    return descent_fail(DESCENT_ERR_FORMAT, "%s: not a valid descent checkpoint: %s", path, what);
}

static descent_status read_file(const char *path, unsigned char **bytes, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: not a regular file", path);
    }
    *len = (size_t)st.st_size;
    *bytes = NULL;
    *bytes = malloc(*len ? *len : 1);
    if (!*bytes) {
        close(fd);
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory (%zu bytes)", path, *len);
    }
    size_t got = 0;
    while (got < *len) {
        ssize_t r = read(fd, *bytes + got, *len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            const int err = r < 0 ? errno : EIO;
            close(fd);
            free(*bytes);
            *bytes = NULL;
            return descent_fail(DESCENT_ERR_IO, "%s: cannot read: %s", path, strerror(err));
        }
        got += (size_t)r;
    }
    close(fd);
    return DESCENT_OK;
}

static descent_status parse_sections(descent_ckpt *c, size_t len)
{
    const unsigned char *b = c->bytes;
    if (len < HEADER_BYTES + 4 || memcmp(b, magic, sizeof magic) != 0)
        return corrupt(c->path, "wrong magic bytes (or an empty file)");
    uint64_t version;
    memcpy(&version, b + 8, 8);
    uint32_t stored;
    memcpy(&stored, b + len - 4, 4);
    if (crc32_update(0, b, len - 4) != stored)
        return corrupt(c->path, "file checksum mismatch (truncated or corrupt)");
    if (version != FORMAT_VERSION)
        return descent_fail(DESCENT_ERR_FORMAT, "%s: checkpoint format version %llu, this build "
                            "reads version %d", c->path, (unsigned long long)version,
                            FORMAT_VERSION);
    /* At most this many sections fit: each has a head and a CRC. */
    const size_t most = (len - 4 - HEADER_BYTES) / (SECTION_HEAD_BYTES + 4);
    c->sections = calloc(most ? most : 1, sizeof *c->sections);
    if (!c->sections)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", c->path);
    size_t at = HEADER_BYTES;
    const size_t end = len - 4;
    while (at < end) {
        if (end - at < SECTION_HEAD_BYTES + 4)
            return corrupt(c->path, "a section runs past the end");
        section *s = &c->sections[c->nsections];
        const unsigned char *head = b + at;
        uint32_t type;
        uint64_t n;
        memcpy(&type, head + NAME_BYTES, 4);
        memcpy(&n, head + NAME_BYTES + 8, 8);
        if (type >= DESCENT_CKPT_TYPE_COUNT || head[NAME_BYTES - 1] != 0 || head[0] == 0)
            return corrupt(c->path, "bad section header");
        const size_t avail = end - at - SECTION_HEAD_BYTES - 4;
        if (n > avail / type_size[type])
            return corrupt(c->path, "a section runs past the end");
        const size_t bytes = (size_t)n * type_size[type];
        uint32_t want;
        memcpy(&want, head + SECTION_HEAD_BYTES + bytes, 4);
        if (crc32_update(0, head, SECTION_HEAD_BYTES + bytes) != want)
            return corrupt(c->path, "section checksum mismatch");
        memcpy(s->name, head, NAME_BYTES);
        s->type = (descent_ckpt_type)type;
        s->count = (size_t)n;
        s->data = head + SECTION_HEAD_BYTES;
        at += SECTION_HEAD_BYTES + bytes + 4;
        c->nsections++;
    }
    if (c->nsections == 0)
        return corrupt(c->path, "no sections");
    return DESCENT_OK;
}

descent_status descent_ckpt_load(const char *path, descent_ckpt **out)
{
    if (!out)
        return descent_fail(DESCENT_ERR_INVALID, "descent_ckpt_load: out is NULL");
    *out = NULL;
    if (!path)
        return descent_fail(DESCENT_ERR_INVALID, "descent_ckpt_load: path is NULL");
    descent_ckpt *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        free(c);
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory loading a checkpoint");
    }
    size_t len = 0;
    descent_status s = read_file(path, &c->bytes, &len);
    if (s == DESCENT_OK)
        s = parse_sections(c, len);
    if (s != DESCENT_OK) {
        descent_ckpt_free(c);
        return s;
    }
    *out = c;
    return DESCENT_OK;
}

void descent_ckpt_free(descent_ckpt *c)
{
    if (!c)
        return;
    free(c->sections);
    free(c->bytes);
    free(c->path);
    free(c);
}

const char *descent_ckpt_path(const descent_ckpt *c)
{
    return c ? c->path : NULL;
}

int descent_ckpt_has(const descent_ckpt *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->nsections; i++)
        if (strcmp(c->sections[i].name, name) == 0)
            return 1;
    return 0;
}

long long descent_ckpt_count(const descent_ckpt *c, const char *name, descent_ckpt_type type)
{
    for (size_t i = 0; c && name && i < c->nsections; i++)
        if (strcmp(c->sections[i].name, name) == 0)
            return c->sections[i].type == type ? (long long)c->sections[i].count : -1;
    return -1;
}

descent_status descent_ckpt_get(const descent_ckpt *c, const char *name, descent_ckpt_type type,
                                void *data, size_t count)
{
    if (!c || !name || (!data && count) || (unsigned)type >= DESCENT_CKPT_TYPE_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "descent_ckpt_get: invalid argument");
    for (size_t i = 0; i < c->nsections; i++) {
        const section *s = &c->sections[i];
        if (strcmp(s->name, name) != 0)
            continue;
        if (s->type != type || s->count != count)
            return descent_fail(DESCENT_ERR_FORMAT,
                                "%s: section '%s' holds %zu %s values, expected %zu %s "
                                "(a checkpoint of another run?)",
                                c->path, name, s->count, type_names[s->type], count,
                                type_names[type]);
        memcpy(data, s->data, count * type_size[type]);
        return DESCENT_OK;
    }
    return descent_fail(DESCENT_ERR_FORMAT, "%s: no section '%s' (a checkpoint of another run?)",
                        c->path, name);
}
