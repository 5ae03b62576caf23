/*
 * The IDX loader: every malformed file (missing, empty, truncated, wrong
 * magic or dimensions, counts that disagree, trailing bytes, corrupt or cut
 * gzip, bytes after the gzip stream, labels out of range, absurd counts) is
 * an error naming the file, never a crash or a partial load; a good file
 * loads exactly, compressed (in one gzip member or several) or not; and the
 * real Fashion-MNIST files load when installed.  The fixtures
 * are written at run time into a temporary directory.
 */
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "descent.h"
#include "idx.h"

#if DESCENT_HAVE_ZLIB
#include <zlib.h>
#endif

static char tmpdir[256];
static char created[64][320];
static int n_created;

static const char *path_of(const char *name)
{
    static char buf[8][320];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 320, "%s/%s", tmpdir, name);
    return p;
}

static void remember(const char *path)
{
    for (int i = 0; i < n_created; i++)
        if (!strcmp(created[i], path))
            return;
    if (n_created < 64)
        snprintf(created[n_created++], sizeof created[0], "%s", path);
}

static void write_raw(const char *name, const void *data, size_t len)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        printf("# cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
    remember(path);
}

#if DESCENT_HAVE_ZLIB
static void write_gz(const char *name, const void *data, size_t len)
{
    const char *path = path_of(name);
    gzFile f = gzopen(path, "wb");
    if (!f || gzwrite(f, data, (unsigned)len) != (int)len) {
        printf("# cannot write %s\n", path);
        exit(1);
    }
    gzclose(f);
    remember(path);
}

static unsigned char *slurp(const char *name, size_t *len)
{
    FILE *f = fopen(path_of(name), "rb");
    static unsigned char buf[1 << 16];
    *len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    return buf;
}
#endif

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* An image file of `count` rows x cols images with pixel (n, i) = (n*7+i) % 256;
 * `extra` bytes are appended (trailing garbage), `cut` bytes removed. */
static size_t make_images(unsigned char *buf, uint32_t magic, uint32_t count, uint32_t rows,
                          uint32_t cols, int extra, int cut)
{
    put32(buf, magic), put32(buf + 4, count), put32(buf + 8, rows), put32(buf + 12, cols);
    size_t len = 16;
    for (uint32_t n = 0; n < count; n++)
        for (uint32_t i = 0; i < rows * cols; i++)
            buf[len++] = (unsigned char)((n * 7 + i) % 256);
    for (int e = 0; e < extra; e++)
        buf[len++] = 0xAB;
    return len - (size_t)cut;
}

static size_t make_labels(unsigned char *buf, uint32_t count, int bad_index, int bad_value)
{
    put32(buf, DESCENT_IDX_MAGIC_LABELS), put32(buf + 4, count);
    size_t len = 8;
    for (uint32_t n = 0; n < count; n++)
        buf[len++] = (unsigned char)((int)n == bad_index ? bad_value : (int)(n % 10));
    return len;
}

static unsigned char image_buf[16 + 5 * 28 * 28 + 64], label_buf[64];

/* A good pair: 5 images of 28x28 and 5 labels, raw and gzip. */
static void write_good(void)
{
    size_t len = make_images(image_buf, DESCENT_IDX_MAGIC_IMAGES, 5, 28, 28, 0, 0);
    write_raw("good-images", image_buf, len);
    size_t llen = make_labels(label_buf, 5, -1, 0);
    write_raw("good-labels", label_buf, llen);
#if DESCENT_HAVE_ZLIB
    write_gz("good-images.gz", image_buf, len);
    write_gz("good-labels.gz", label_buf, llen);
#endif
}

/* Loads images `img` with the good labels (or labels `lab`) and expects
 * failure `status` with a message containing the file name and `needle`. */
static void expect_failure(const char *img, const char *lab, descent_status status,
                           const char *needle)
{
    descent_dataset d;
    memset(&d, 0x5A, sizeof d);
    descent_status s =
        descent_idx_load(path_of(img), path_of(lab ? lab : "good-labels"), 28, 28, 10, &d);
    const char *msg = descent_last_error();
    const char *named = lab ? lab : img;
    EXPECT(s == status, "%s/%s: status %d (%s), want %d", img, lab ? lab : "good-labels", s,
           msg, status);
    EXPECT(strstr(msg, needle) != NULL, "%s: message '%s' lacks '%s'", img, msg, needle);
    EXPECT(strstr(msg, named) != NULL || strstr(msg, img) != NULL,
           "message '%s' does not name the file", msg);
    EXPECT(d.images == NULL && d.labels == NULL && d.count == 0,
           "%s: a failed load must leave an empty dataset", img);
}

/* Loads images `img` and labels `lab` and expects exactly the good pair's values. */
static void expect_good_load(const char *img, const char *lab)
{
    descent_dataset d;
    descent_status s = descent_idx_load(path_of(img), path_of(lab), 28, 28, 10, &d);
    EXPECT(s == DESCENT_OK, "%s: %s", img, descent_last_error());
    if (s != DESCENT_OK)
        return;
    EXPECT(d.count == 5 && d.rows == 28 && d.cols == 28, "%s: %zu x %dx%d", img, d.count,
           d.rows, d.cols);
    int bad = 0;
    for (size_t n = 0; n < 5; n++) {
        bad += d.labels[n] != (int)(n % 10);
        for (size_t i = 0; i < 784; i++)
            bad += d.images[n * 784 + i] != (float)((n * 7 + i) % 256) / 255.0f;
    }
    EXPECT(bad == 0, "%s: %d values differ", img, bad);
    descent_dataset_free(&d);
}

static void test_good_file_loads_exactly(void)
{
    expect_good_load("good-images", "good-labels");
#if DESCENT_HAVE_ZLIB
    expect_good_load("good-images.gz", "good-labels.gz");
#endif
}

static void test_missing_file(void)
{
    expect_failure("no-such-file.gz", NULL, DESCENT_ERR_IO, "cannot open: No such file");
    expect_failure("good-images", "no-such-labels", DESCENT_ERR_IO, "cannot open");
}

static void test_directory_is_not_a_file(void)
{
    descent_dataset d;
    descent_status s = descent_idx_load(tmpdir, path_of("good-labels"), 28, 28, 10, &d);
    EXPECT(s == DESCENT_ERR_IO && strstr(descent_last_error(), "not a regular file"),
           "directory: %d %s", s, descent_last_error());
}

static void test_empty_file(void)
{
    write_raw("empty", "", 0);
    expect_failure("empty", NULL, DESCENT_ERR_FORMAT, "empty file");
    expect_failure("good-images", "empty", DESCENT_ERR_FORMAT, "empty file");
#if DESCENT_HAVE_ZLIB
    write_gz("empty.gz", "", 0);
    expect_failure("empty.gz", NULL, DESCENT_ERR_FORMAT, "empty file");
#endif
}

static void test_truncated(void)
{
    size_t len = make_images(image_buf, DESCENT_IDX_MAGIC_IMAGES, 5, 28, 28, 0, 100);
    write_raw("short-images", image_buf, len);
    expect_failure("short-images", NULL, DESCENT_ERR_FORMAT,
                   "truncated: the header declares 5 images of 28x28 (3920 data bytes), the "
                   "file has 3820");
    write_raw("short-header", image_buf, 10);
    expect_failure("short-header", NULL, DESCENT_ERR_FORMAT, "truncated header");
    size_t llen = make_labels(label_buf, 5, -1, 0);
    write_raw("short-labels", label_buf, llen - 1);
    expect_failure("good-images", "short-labels", DESCENT_ERR_FORMAT, "truncated");
#if DESCENT_HAVE_ZLIB
    write_gz("short-images.gz", image_buf, len);
    expect_failure("short-images.gz", NULL, DESCENT_ERR_FORMAT, "truncated");
#endif
}

static void test_wrong_magic(void)
{
    size_t len = make_images(image_buf, 0x00000804, 5, 28, 28, 0, 0);
    write_raw("magic-images", image_buf, len);
    expect_failure("magic-images", NULL, DESCENT_ERR_FORMAT,
                   "magic number 0x00000804, expected 0x00000803");
    /* the files swapped */
    expect_failure("good-labels", "good-images", DESCENT_ERR_FORMAT, "magic number");
}

static void test_wrong_dimensions(void)
{
    size_t len = make_images(image_buf, DESCENT_IDX_MAGIC_IMAGES, 5, 28, 27, 0, 0);
    write_raw("dims-images", image_buf, len);
    expect_failure("dims-images", NULL, DESCENT_ERR_FORMAT, "images are 28x27, expected 28x28");
    len = make_images(image_buf, DESCENT_IDX_MAGIC_IMAGES, 0, 28, 28, 0, 0);
    write_raw("zero-images", image_buf, len);
    expect_failure("zero-images", NULL, DESCENT_ERR_FORMAT, "image count 0");
}

static void test_absurd_count_is_not_allocated(void)
{
    make_images(image_buf, DESCENT_IDX_MAGIC_IMAGES, 1, 28, 28, 0, 0);
    put32(image_buf + 4, 0xFFFFFFFFu);
    write_raw("huge-images", image_buf, 16 + 784);
    expect_failure("huge-images", NULL, DESCENT_ERR_FORMAT, "image count 4294967295");
    make_labels(label_buf, 1, -1, 0);
    put32(label_buf + 4, 0x7FFFFFFFu);
    write_raw("huge-labels", label_buf, 9);
    expect_failure("good-images", "huge-labels", DESCENT_ERR_FORMAT, "label count 2147483647");
}

static void test_count_mismatch(void)
{
    size_t llen = make_labels(label_buf, 4, -1, 0);
    write_raw("four-labels", label_buf, llen);
    expect_failure("good-images", "four-labels", DESCENT_ERR_FORMAT,
                   "has 5 images but");
}

static void test_trailing_garbage(void)
{
    size_t len = make_images(image_buf, DESCENT_IDX_MAGIC_IMAGES, 5, 28, 28, 7, 0);
    write_raw("long-images", image_buf, len);
    expect_failure("long-images", NULL, DESCENT_ERR_FORMAT,
                   "7 bytes of trailing data after the 5 images of 28x28");
    size_t llen = make_labels(label_buf, 5, -1, 0);
    label_buf[llen++] = 1;
    write_raw("long-labels", label_buf, llen);
    expect_failure("good-images", "long-labels", DESCENT_ERR_FORMAT, "1 bytes of trailing");
#if DESCENT_HAVE_ZLIB
    write_gz("long-images.gz", image_buf, len);
    expect_failure("long-images.gz", NULL, DESCENT_ERR_FORMAT, "trailing data");
#endif
}

static void test_corrupt_gzip(void)
{
#if DESCENT_HAVE_ZLIB
    size_t len;
    unsigned char *gz = slurp("good-images.gz", &len);
    EXPECT(len > 40, "fixture good-images.gz has %zu bytes", len);
    /* Damage the deflate data in the middle. */
    for (size_t i = 20; i < 30 && i < len; i++)
        gz[i] ^= 0x5A;
    write_raw("corrupt-images.gz", gz, len);
    expect_failure("corrupt-images.gz", NULL, DESCENT_ERR_FORMAT, "corrupt gzip data");
    /* A stream cut short (ends before its trailer). */
    gz = slurp("good-images.gz", &len);
    write_raw("cut-images.gz", gz, len - 6);
    expect_failure("cut-images.gz", NULL, DESCENT_ERR_FORMAT, "corrupt gzip data");
    /* A wrong CRC in the trailer. */
    gz = slurp("good-images.gz", &len);
    gz[len - 8] ^= 0xFF;
    write_raw("crc-images.gz", gz, len);
    expect_failure("crc-images.gz", NULL, DESCENT_ERR_FORMAT, "corrupt gzip data");
#else
    printf("# built without zlib: gzip cases not run\n");
#endif
}

#if DESCENT_HAVE_ZLIB
/* Appends one gzip member holding data[0..len) to out (of *out_len bytes, at most cap). */
static void append_gzip_member(unsigned char *out, size_t *out_len, size_t cap,
                               const void *data, size_t len)
{
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        printf("# deflateInit2 failed\n");
        exit(1);
    }
    z.next_in = (unsigned char *)data, z.avail_in = (uInt)len;
    z.next_out = out + *out_len, z.avail_out = (uInt)(cap - *out_len);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
        printf("# deflate failed (output buffer too small?)\n");
        exit(1);
    }
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
}
#endif

/* zlib's gzread ignores whatever follows a gzip member when it is not
 * another member: the loader must not. */
static void test_gzip_trailing_garbage(void)
{
#if DESCENT_HAVE_ZLIB
    static unsigned char gz[1 << 16];
    const struct {
        const char *name;
        size_t count;
        unsigned char byte;
        const char *needle;
    } cases[] = {
        {"gz-junk1.gz", 1, 0xAB, "1 bytes of trailing data after the gzip stream"},
        {"gz-junk100.gz", 100, 0xAB, "100 bytes of trailing data after the gzip stream"},
        {"gz-zero.gz", 1, 0x00, "1 bytes of trailing data after the gzip stream"},
        {"gz-half-magic.gz", 1, 0x1f, "1 bytes of trailing data after the gzip stream"},
        {"gz-padding.gz", 4000, 0x00, "4000 bytes of trailing data after the gzip stream"},
    };
    const size_t image_len = make_images(image_buf, DESCENT_IDX_MAGIC_IMAGES, 5, 28, 28, 0, 0);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len = 0;
        append_gzip_member(gz, &len, sizeof gz, image_buf, image_len);
        memset(gz + len, cases[c].byte, cases[c].count);
        write_raw(cases[c].name, gz, len + cases[c].count);
        expect_failure(cases[c].name, NULL, DESCENT_ERR_FORMAT, cases[c].needle);
    }
    /* The label file goes through the same reader. */
    const size_t label_len = make_labels(label_buf, 5, -1, 0);
    size_t len = 0;
    append_gzip_member(gz, &len, sizeof gz, label_buf, label_len);
    gz[len++] = 0;
    write_raw("gz-zero-labels.gz", gz, len);
    expect_failure("good-images.gz", "gz-zero-labels.gz", DESCENT_ERR_FORMAT,
                   "1 bytes of trailing data after the gzip stream");
#else
    printf("# built without zlib: gzip cases not run\n");
#endif
}

/* Concatenated gzip members are one gzip file (RFC 1952, `cat a.gz b.gz`):
 * they load as the concatenation of their data, split anywhere (here inside
 * the header, with an empty member between); a cut second member is an error. */
static void test_gzip_members(void)
{
#if DESCENT_HAVE_ZLIB
    static unsigned char gz[1 << 16];
    const size_t image_len = make_images(image_buf, DESCENT_IDX_MAGIC_IMAGES, 5, 28, 28, 0, 0);
    size_t len = 0;
    append_gzip_member(gz, &len, sizeof gz, image_buf, 10);
    append_gzip_member(gz, &len, sizeof gz, image_buf, 0);
    append_gzip_member(gz, &len, sizeof gz, image_buf + 10, image_len - 10);
    write_raw("members-images.gz", gz, len);
    const size_t label_len = make_labels(label_buf, 5, -1, 0);
    size_t llen = 0;
    append_gzip_member(gz, &llen, sizeof gz, label_buf, 9);
    append_gzip_member(gz, &llen, sizeof gz, label_buf + 9, label_len - 9);
    write_raw("members-labels.gz", gz, llen);
    expect_good_load("members-images.gz", "members-labels.gz");

    /* The first member whole, the second cut before its trailer... */
    len = 0;
    append_gzip_member(gz, &len, sizeof gz, image_buf, 100);
    append_gzip_member(gz, &len, sizeof gz, image_buf + 100, image_len - 100);
    write_raw("members-cut.gz", gz, len - 6);
    expect_failure("members-cut.gz", NULL, DESCENT_ERR_FORMAT, "corrupt gzip data");
    /* ...or nothing of it but the gzip magic. */
    len = 0;
    append_gzip_member(gz, &len, sizeof gz, image_buf, image_len);
    gz[len++] = 0x1f, gz[len++] = 0x8b;
    write_raw("members-magic-only.gz", gz, len);
    expect_failure("members-magic-only.gz", NULL, DESCENT_ERR_FORMAT, "corrupt gzip data");
#else
    printf("# built without zlib: gzip cases not run\n");
#endif
}

static void test_label_out_of_range(void)
{
    size_t llen = make_labels(label_buf, 5, 3, 10);
    write_raw("bad-labels", label_buf, llen);
    expect_failure("good-images", "bad-labels", DESCENT_ERR_FORMAT,
                   "label 10 of example 3 is not in 0..9");
    llen = make_labels(label_buf, 5, 0, 255);
    write_raw("bad-labels2", label_buf, llen);
    expect_failure("good-images", "bad-labels2", DESCENT_ERR_FORMAT, "label 255 of example 0");
}

static void test_standardize(void)
{
    descent_dataset d;
    if (descent_idx_load(path_of("good-images"), path_of("good-labels"), 28, 28, 10, &d) !=
        DESCENT_OK) {
        EXPECT(0, "%s", descent_last_error());
        return;
    }
    double mean, std;
    descent_dataset_pixel_stats(&d, &mean, &std);
    EXPECT(mean > 0.3 && mean < 0.7 && std > 0.1, "mean %g std %g", mean, std);
    descent_dataset_standardize(&d, mean, std);
    double m2, s2;
    descent_dataset_pixel_stats(&d, &m2, &s2);
    EXPECT_NEAR(m2, 0.0, 1e-5);
    EXPECT_NEAR(s2, 1.0, 1e-5);
    descent_dataset_free(&d);
}

static const char *data_dir(void)
{
    const char *env = getenv("DESCENT_DATA_DIR");
    if (env && *env)
        return env;
    return DESCENT_DATA_DIR;
}

static void test_fashion_mnist(void)
{
    const size_t want[2] = {10000, 60000};
    for (int train = 0; train <= 1; train++) {
        descent_dataset d;
        descent_status s = descent_fashion_mnist_load(data_dir(), train, &d);
        EXPECT(s == DESCENT_OK, "%s", descent_last_error());
        if (s != DESCENT_OK)
            continue;
        EXPECT(d.count == want[train] && d.rows == 28 && d.cols == 28, "%zu x %dx%d", d.count,
               d.rows, d.cols);
        size_t per_class[10] = {0};
        float lo = 1, hi = 0;
        for (size_t n = 0; n < d.count; n++)
            per_class[d.labels[n]]++;
        for (size_t i = 0; i < d.count * 784; i++) {
            lo = d.images[i] < lo ? d.images[i] : lo;
            hi = d.images[i] > hi ? d.images[i] : hi;
        }
        for (int c = 0; c < 10; c++)
            EXPECT(per_class[c] == want[train] / 10, "class %d has %zu examples", c,
                   per_class[c]);
        EXPECT(lo == 0.0f && hi == 1.0f, "pixels span [%g, %g], want [0, 1]", lo, hi);
        descent_dataset_free(&d);
    }
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/descent-idx-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        printf("not ok 1 - cannot create a temporary directory %s\n", tmpdir);
        return 1;
    }
    write_good();
    RUN(test_good_file_loads_exactly);
    RUN(test_missing_file);
    RUN(test_directory_is_not_a_file);
    RUN(test_empty_file);
    RUN(test_truncated);
    RUN(test_wrong_magic);
    RUN(test_wrong_dimensions);
    RUN(test_absurd_count_is_not_allocated);
    RUN(test_count_mismatch);
    RUN(test_trailing_garbage);
    RUN(test_corrupt_gzip);
    RUN(test_gzip_trailing_garbage);
    RUN(test_gzip_members);
    RUN(test_label_out_of_range);
    RUN(test_standardize);

    char probe[4096];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte.gz", data_dir());
    if (*data_dir() && stat(probe, &st) == 0 && DESCENT_HAVE_ZLIB) {
        RUN(test_fashion_mnist);
    } else {
        check_tests_run++;
        printf("ok %d - test_fashion_mnist # SKIP Fashion-MNIST not installed (%s; "
               "apt-get install dataset-fashion-mnist)\n",
               check_tests_run, *data_dir() ? probe : "configure found no data directory");
    }

    for (int i = 0; i < n_created; i++)
        remove(created[i]);
    rmdir(tmpdir);
    return CHECK_EXIT_STATUS();
}
