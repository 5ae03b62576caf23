/* IDX loader (see idx.h).  Files are read through stdio: one that starts
 * with the gzip magic is inflated with zlib's inflate (a build without zlib
 * refuses it), member after member, and nothing but another member may
 * follow one (zlib's gzread would silently ignore such trailing bytes); any
 * other file is the data as it is. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "idx.h"
#include "internal.h"

#if DESCENT_HAVE_ZLIB
#include <zlib.h>
#endif

/* ---------------------------------------------------------------- reader */

#define READER_BUFFER ((size_t)1 << 17)

typedef struct reader {
    const char *path;
    FILE *f;
    unsigned char *buffer;     /* READER_BUFFER bytes read from f, */
    const unsigned char *next; /* of which `avail` bytes from `next` on are unread */
    size_t avail;
#if DESCENT_HAVE_ZLIB
    int gzip;         /* the file is gzip members, inflated through z */
    int member_ended; /* z reached the end of a member */
    z_stream z;
#endif
} reader;

/* Makes at least `want` (<= READER_BUFFER) unread bytes available, fewer
 * only where the file ends. */
static descent_status reader_fill(reader *r, size_t want)
{
    if (r->avail >= want || feof(r->f))
        return DESCENT_OK;
    memmove(r->buffer, r->next, r->avail);
    r->next = r->buffer;
    r->avail += fread(r->buffer + r->avail, 1, READER_BUFFER - r->avail, r->f);
    if (ferror(r->f))
        return descent_fail(DESCENT_ERR_IO, "%s: read error: %s", r->path, strerror(errno));
    return DESCENT_OK;
}

static int starts_with_gzip_magic(const reader *r)
{
    return r->avail >= 2 && r->next[0] == 0x1f && r->next[1] == 0x8b;
}

static void reader_close(reader *r)
{
#if DESCENT_HAVE_ZLIB
    if (r->gzip)
        inflateEnd(&r->z);
    r->gzip = 0;
#endif
    if (r->f)
        fclose(r->f);
    r->f = NULL;
    free(r->buffer);
    r->buffer = NULL;
}

static descent_status reader_open(reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    struct stat st;
    if (stat(path, &st) != 0)
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: not a regular file", path);
    r->f = fopen(path, "rb");
    if (!r->f)
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    r->buffer = malloc(READER_BUFFER);
    r->next = r->buffer;
    descent_status s = r->buffer ? reader_fill(r, 2)
                                 : descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", path);
    if (s == DESCENT_OK && starts_with_gzip_magic(r)) {
#if DESCENT_HAVE_ZLIB
        if (inflateInit2(&r->z, 16 + MAX_WBITS) == Z_OK) /* gzip only */
            r->gzip = 1;
        else
            s = descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory for zlib", path);
#else
        s = descent_fail(DESCENT_ERR_FORMAT,
                         "%s: gzip-compressed, but this build has no zlib (decompress it "
                         "with gunzip, or install zlib1g-dev and re-run ./configure)",
                         path);
#endif
    }
    if (s != DESCENT_OK)
        reader_close(r);
    return s;
}

/* An uncompressed file: its bytes as they are; *n = 0 only at its end. */
static descent_status copy_some(reader *r, unsigned char *out, size_t len, size_t *n)
{
    *n = 0;
    descent_status s = reader_fill(r, 1);
    if (s != DESCENT_OK)
        return s;
    *n = r->avail < len ? r->avail : len;
    memcpy(out, r->next, *n);
    r->next += *n, r->avail -= *n;
    return DESCENT_OK;
}

#if DESCENT_HAVE_ZLIB
/* After a member: the file may end, or another member follow (RFC 1952;
 * `cat a.gz b.gz`); anything else is an error.  *more says which. */
static descent_status next_member(reader *r, int *more)
{
    *more = 0;
    descent_status s = reader_fill(r, 2);
    if (s != DESCENT_OK || r->avail == 0)
        return s;
    if (starts_with_gzip_magic(r)) {
        inflateReset(&r->z);
        r->member_ended = 0;
        *more = 1;
        return DESCENT_OK;
    }
    size_t trailing = 0;
    while (s == DESCENT_OK && r->avail > 0) {
        trailing += r->avail;
        r->avail = 0;
        s = reader_fill(r, 1);
    }
    if (s != DESCENT_OK)
        return s;
    return descent_fail(DESCENT_ERR_FORMAT,
                        "%s: %zu bytes of trailing data after the gzip stream", r->path,
                        trailing);
}

/* A gzip file: inflates into out[0..len); *n = 0 only after its last
 * member.  A member cut short or failing its CRC or length check is an error. */
static descent_status inflate_some(reader *r, unsigned char *out, size_t len, size_t *n)
{
    *n = 0;
    while (*n == 0) {
        descent_status s;
        int more;
        if (r->member_ended && ((s = next_member(r, &more)) != DESCENT_OK || !more))
            return s;
        if ((s = reader_fill(r, 1)) != DESCENT_OK)
            return s;
        if (r->avail == 0)
            return descent_fail(DESCENT_ERR_FORMAT,
                                "%s: corrupt gzip data: unexpected end of file", r->path);
        const uInt room = len < (1u << 30) ? (uInt)len : 1u << 30;
        r->z.next_in = (Bytef *)r->next, r->z.avail_in = (uInt)r->avail;
        r->z.next_out = out, r->z.avail_out = room;
        const int rc = inflate(&r->z, Z_NO_FLUSH);
        *n = room - r->z.avail_out;
        r->next = r->z.next_in, r->avail = r->z.avail_in;
        if (rc == Z_STREAM_END)
            r->member_ended = 1;
        else if (rc == Z_MEM_ERROR)
            return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory for zlib", r->path);
        else if (rc != Z_OK)
            return descent_fail(DESCENT_ERR_FORMAT, "%s: corrupt gzip data: %s", r->path,
                                r->z.msg ? r->z.msg : "unknown zlib error");
    }
    return DESCENT_OK;
}
#endif

/* Reads up to len bytes; *got < len only at the end of the data.  A read
 * error, or corrupt gzip data (including trailing bytes after the last
 * member), is an error. */
static descent_status reader_read(reader *r, void *buf, size_t len, size_t *got)
{
    unsigned char *p = buf;
    *got = 0;
    while (*got < len) {
        size_t n;
#if DESCENT_HAVE_ZLIB
        descent_status s = r->gzip ? inflate_some(r, p + *got, len - *got, &n)
                                   : copy_some(r, p + *got, len - *got, &n);
#else
        descent_status s = copy_some(r, p + *got, len - *got, &n);
#endif
        if (s != DESCENT_OK)
            return s;
        if (n == 0)
            break;
        *got += n;
    }
    return DESCENT_OK;
}

/* ---------------------------------------------------------------- header */

static uint32_t big_endian(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads magic + dims; dims[] gets `ndims` values. */
static descent_status read_header(reader *r, uint32_t magic_expected, const char *what,
                                  int ndims, uint32_t *dims)
{
    unsigned char header[16];
    const size_t len = 4 + 4 * (size_t)ndims;
    size_t got;
    descent_status s = reader_read(r, header, len, &got);
    if (s != DESCENT_OK)
        return s;
    if (got == 0)
        return descent_fail(DESCENT_ERR_FORMAT, "%s: empty file", r->path);
    if (got < 4)
        return descent_fail(DESCENT_ERR_FORMAT, "%s: truncated header (%zu bytes)", r->path,
                            got);
    const uint32_t magic = big_endian(header);
    if (magic != magic_expected)
        return descent_fail(DESCENT_ERR_FORMAT,
                            "%s: magic number 0x%08x, expected 0x%08x (IDX %s)", r->path,
                            (unsigned)magic, (unsigned)magic_expected, what);
    if (got < len)
        return descent_fail(DESCENT_ERR_FORMAT, "%s: truncated header (%zu of %zu bytes)",
                            r->path, got, len);
    for (int d = 0; d < ndims; d++)
        dims[d] = big_endian(header + 4 + 4 * d);
    return DESCENT_OK;
}

/* Reads exactly `len` data bytes and checks that nothing follows. */
static descent_status read_body(reader *r, unsigned char *data, size_t len,
                                const char *declared)
{
    size_t got;
    descent_status s = reader_read(r, data, len, &got);
    if (s != DESCENT_OK)
        return s;
    if (got < len)
        return descent_fail(DESCENT_ERR_FORMAT,
                            "%s: truncated: the header declares %s (%zu data bytes), the file "
                            "has %zu",
                            r->path, declared, len, got);
    unsigned char extra[4096];
    size_t trailing = 0;
    do {
        if ((s = reader_read(r, extra, sizeof extra, &got)) != DESCENT_OK)
            return s;
        trailing += got;
    } while (got == sizeof extra);
    if (trailing)
        return descent_fail(DESCENT_ERR_FORMAT,
                            "%s: %zu bytes of trailing data after the %s the header declares",
                            r->path, trailing, declared);
    return DESCENT_OK;
}

/* Reads the `len` data bytes the header declares into a new buffer (and
 * checks that nothing follows), growing the buffer as the data arrives: a
 * short or corrupt file whose header claims gigabytes then fails as
 * truncated after allocating about what it really holds, instead of
 * allocating what it claims first (found by fuzz/idx_read.c). */
static descent_status read_body_alloc(reader *r, size_t len, const char *declared,
                                      unsigned char **out)
{
    const size_t first = (size_t)1 << 20;
    size_t cap = len < first ? len : first, have = 0;
    unsigned char *data = malloc(cap ? cap : 1);
    *out = NULL;
    if (!data)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory for %s", r->path, declared);
    for (;;) {
        size_t got;
        descent_status s = reader_read(r, data + have, cap - have, &got);
        if (s != DESCENT_OK) {
            free(data);
            return s;
        }
        have += got;
        if (have < cap || cap == len)
            break;
        const size_t grown_cap = cap < len / 2 ? cap * 2 : len;
        unsigned char *grown = realloc(data, grown_cap);
        if (!grown) {
            free(data);
            return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory for %s", r->path,
                                declared);
        }
        data = grown, cap = grown_cap;
    }
    if (have < len) {
        free(data);
        return descent_fail(DESCENT_ERR_FORMAT,
                            "%s: truncated: the header declares %s (%zu data bytes), the file "
                            "has %zu",
                            r->path, declared, len, have);
    }
    descent_status s = read_body(r, data + len, 0, declared); /* trailing data? */
    if (s != DESCENT_OK) {
        free(data);
        return s;
    }
    *out = data;
    return DESCENT_OK;
}

/* ---------------------------------------------------------------- files */

descent_status descent_idx_read_images(const char *path, int rows_expected, int cols_expected,
                                       float **pixels, size_t *count, int *rows, int *cols)
{
    *pixels = NULL;
    reader r = {0};
    descent_status s = reader_open(&r, path);
    if (s != DESCENT_OK)
        return s;
    uint32_t dims[3];
    if ((s = read_header(&r, DESCENT_IDX_MAGIC_IMAGES, "unsigned-byte images, 3 dimensions", 3,
                         dims)) != DESCENT_OK) {
        reader_close(&r);
        return s;
    }
    if (dims[0] == 0 || dims[0] > DESCENT_IDX_MAX_COUNT) {
        reader_close(&r);
        return descent_fail(DESCENT_ERR_FORMAT, "%s: image count %u is not in 1..%u", path,
                            (unsigned)dims[0], (unsigned)DESCENT_IDX_MAX_COUNT);
    }
    if (dims[1] == 0 || dims[2] == 0 || dims[1] > 4096 || dims[2] > 4096 ||
        (rows_expected && dims[1] != (uint32_t)rows_expected) ||
        (cols_expected && dims[2] != (uint32_t)cols_expected)) {
        reader_close(&r);
        if (rows_expected && cols_expected)
            return descent_fail(DESCENT_ERR_FORMAT, "%s: images are %ux%u, expected %dx%d", path,
                                (unsigned)dims[1], (unsigned)dims[2], rows_expected,
                                cols_expected);
        return descent_fail(DESCENT_ERR_FORMAT, "%s: image size %ux%u is not in 1..4096", path,
                            (unsigned)dims[1], (unsigned)dims[2]);
    }
    const size_t n = (size_t)dims[0] * dims[1] * dims[2];
    char declared[96];
    snprintf(declared, sizeof declared, "%u images of %ux%u", (unsigned)dims[0],
             (unsigned)dims[1], (unsigned)dims[2]);
    unsigned char *bytes;
    s = read_body_alloc(&r, n, declared, &bytes);
    reader_close(&r);
    if (s != DESCENT_OK)
        return s;
    float *out = malloc(n * sizeof(float));
    if (!out) {
        free(bytes);
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory for %u images", path,
                            (unsigned)dims[0]);
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (float)bytes[i] / 255.0f;
    free(bytes);
    *pixels = out;
    *count = dims[0];
    *rows = (int)dims[1];
    *cols = (int)dims[2];
    return DESCENT_OK;
}

descent_status descent_idx_read_labels(const char *path, int classes, int **labels,
                                       size_t *count)
{
    *labels = NULL;
    reader r = {0};
    descent_status s = reader_open(&r, path);
    if (s != DESCENT_OK)
        return s;
    uint32_t dims[1];
    if ((s = read_header(&r, DESCENT_IDX_MAGIC_LABELS, "unsigned-byte labels, 1 dimension", 1,
                         dims)) != DESCENT_OK) {
        reader_close(&r);
        return s;
    }
    if (dims[0] == 0 || dims[0] > DESCENT_IDX_MAX_COUNT) {
        reader_close(&r);
        return descent_fail(DESCENT_ERR_FORMAT, "%s: label count %u is not in 1..%u", path,
                            (unsigned)dims[0], (unsigned)DESCENT_IDX_MAX_COUNT);
    }
    const size_t n = dims[0];
    char declared[64];
    snprintf(declared, sizeof declared, "%zu labels", n);
    unsigned char *bytes;
    s = read_body_alloc(&r, n, declared, &bytes);
    reader_close(&r);
    if (s != DESCENT_OK)
        return s;
    int *out = malloc(n * sizeof(int));
    if (!out) {
        free(bytes);
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory for %zu labels", path, n);
    }
    for (size_t i = 0; s == DESCENT_OK && i < n; i++) {
        if (bytes[i] >= classes)
            s = descent_fail(DESCENT_ERR_FORMAT, "%s: label %d of example %zu is not in 0..%d",
                             path, bytes[i], i, classes - 1);
        out[i] = bytes[i];
    }
    free(bytes);
    if (s != DESCENT_OK) {
        free(out);
        return s;
    }
    *labels = out;
    *count = n;
    return DESCENT_OK;
}

void descent_dataset_free(descent_dataset *d)
{
    if (!d)
        return;
    free(d->images);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

descent_status descent_idx_load(const char *images_path, const char *labels_path, int rows,
                                int cols, int classes, descent_dataset *out)
{
    memset(out, 0, sizeof *out);
    size_t n_images, n_labels;
    descent_status s = descent_idx_read_images(images_path, rows, cols, &out->images, &n_images,
                                               &out->rows, &out->cols);
    if (s != DESCENT_OK)
        return s;
    s = descent_idx_read_labels(labels_path, classes, &out->labels, &n_labels);
    if (s != DESCENT_OK) {
        descent_dataset_free(out);
        return s;
    }
    if (n_images != n_labels) {
        descent_dataset_free(out);
        return descent_fail(DESCENT_ERR_FORMAT, "%s has %zu images but %s has %zu labels",
                            images_path, n_images, labels_path, n_labels);
    }
    out->count = n_images;
    return DESCENT_OK;
}

/* dir/name.gz if it exists, else dir/name if that exists, else dir/name.gz
 * (for the error message). */
static void pick_file(char *buf, size_t len, const char *dir, const char *name)
{
    struct stat st;
    snprintf(buf, len, "%s/%s.gz", dir, name);
    if (stat(buf, &st) == 0)
        return;
    snprintf(buf, len, "%s/%s", dir, name);
    if (stat(buf, &st) == 0)
        return;
    snprintf(buf, len, "%s/%s.gz", dir, name);
}

descent_status descent_fashion_mnist_load(const char *dir, int train, descent_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (!dir || !*dir)
        return descent_fail(DESCENT_ERR_IO, "no Fashion-MNIST directory given");
    const char *set = train ? "train" : "t10k";
    char images[4096], labels[4096], name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", set);
    pick_file(images, sizeof images, dir, name);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", set);
    pick_file(labels, sizeof labels, dir, name);
    return descent_idx_load(images, labels, 28, 28, 10, out);
}

void descent_dataset_pixel_stats(const descent_dataset *d, double *mean, double *std)
{
    const size_t n = d->count * (size_t)d->rows * (size_t)d->cols;
    double sum = 0, sum_sq = 0;
    for (size_t i = 0; i < n; i++) {
        sum += d->images[i];
        sum_sq += (double)d->images[i] * d->images[i];
    }
    *mean = n ? sum / (double)n : 0.0;
    const double var = n ? sum_sq / (double)n - *mean * *mean : 0.0;
    *std = var > 0 ? sqrt(var) : 0.0;
}

void descent_dataset_standardize(descent_dataset *d, double mean, double std)
{
    const size_t n = d->count * (size_t)d->rows * (size_t)d->cols;
    const float m = (float)mean, inv = (float)(1.0 / std);
    for (size_t i = 0; i < n; i++)
        d->images[i] = (d->images[i] - m) * inv;
}
