/* libFuzzer target: the IDX loader (src/idx.c), which reads files (plain or
 * gzip), so each input is written to one temporary file and read back as
 * an image file and as a label file (Linux: through /proc/self/fd).  Either a read succeeds with the
 * declared count or it fails with a message. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "../src/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char path[64]; /* /proc/self/fd/N of an unlinked temporary file */
static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char name[] = "/tmp/descent-fuzz-idx.XXXXXX";
    fd = mkstemp(name);
    if (fd < 0) {
        perror("idx_read: mkstemp");
        exit(1);
    }
    /* Unlinked at once, so that nothing is left however libFuzzer exits;
     * the loader opens it again through /proc. */
    unlink(name);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;

    float *pixels;
    size_t count;
    int rows, cols;
    if (descent_idx_read_images(path, 0, 0, &pixels, &count, &rows, &cols) == DESCENT_OK) {
        volatile float last = pixels[count * (size_t)rows * (size_t)cols - 1];
        if (!(last >= 0.0f && last <= 1.0f))
            __builtin_trap();
        free(pixels);
    }
    int *labels;
    if (descent_idx_read_labels(path, 10, &labels, &count) == DESCENT_OK) {
        if (count == 0 || labels[count - 1] < 0 || labels[count - 1] >= 10)
            __builtin_trap();
        free(labels);
    }
    return 0;
}
