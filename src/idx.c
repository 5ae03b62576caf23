/* IDX loader (see idx.h): zlib's gzread when the build has zlib (it reads
 * uncompressed files as they are), plain stdio otherwise. */
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

typedef struct reader {
    const char *path;
#if DESCENT_HAVE_ZLIB
    gzFile gz;
#else
    FILE *f;
#endif
} reader;

static descent_status reader_open(reader *r, const char *path)
{
    r->path = path;
    struct stat st;
    if (stat(path, &st) != 0)
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: not a regular file", path);
    errno = 0;
#if DESCENT_HAVE_ZLIB
    r->gz = gzopen(path, "rb");
    if (!r->gz)
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: %s", path,
                            errno ? strerror(errno) : "out of memory");
    gzbuffer(r->gz, 1 << 17);
#else
    r->f = fopen(path, "rb");
    if (!r->f)
        return descent_fail(DESCENT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
#endif
    return DESCENT_OK;
}

static void reader_close(reader *r)
{
#if DESCENT_HAVE_ZLIB
    if (r->gz)
        gzclose(r->gz);
    r->gz = NULL;
#else
    if (r->f)
        fclose(r->f);
    r->f = NULL;
#endif
}

/* Reads up to len bytes; *got < len only at the end of the data.  A read
 * error or corrupt compressed data (including a compressed stream that ends
 * early or fails its CRC) is an error. */
static descent_status reader_read(reader *r, void *buf, size_t len, size_t *got)
{
    unsigned char *p = buf;
    *got = 0;
    while (*got < len) {
        size_t want = len - *got;
#if DESCENT_HAVE_ZLIB
        if (want > (1u << 30))
            want = 1u << 30;
        int n = gzread(r->gz, p + *got, (unsigned)want);
        int errnum = Z_OK;
        const char *msg = gzerror(r->gz, &errnum);
        if (n < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
            if (errnum == Z_ERRNO)
                return descent_fail(DESCENT_ERR_IO, "%s: read error: %s", r->path,
                                    strerror(errno));
            return descent_fail(DESCENT_ERR_FORMAT, "%s: corrupt gzip data: %s", r->path,
                                msg && *msg ? msg : "unknown zlib error");
        }
        if (n == 0)
            break;
        *got += (size_t)n;
#else
        size_t n = fread(p + *got, 1, want, r->f);
        *got += n;
        if (n < want) {
            if (ferror(r->f))
                return descent_fail(DESCENT_ERR_IO, "%s: read error: %s", r->path,
                                    strerror(errno));
            break;
        }
#endif
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
#if !DESCENT_HAVE_ZLIB
    if (got >= 2 && header[0] == 0x1f && header[1] == 0x8b)
        return descent_fail(DESCENT_ERR_FORMAT,
                            "%s: gzip-compressed, but this build has no zlib (decompress it "
                            "with gunzip, or install zlib1g-dev and re-run ./configure)",
                            r->path);
#endif
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
