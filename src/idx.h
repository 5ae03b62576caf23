/*
 * Loader for IDX files (the MNIST / Fashion-MNIST format: a big-endian
 * header — magic 0x00000803 for 3-D unsigned-byte images, 0x00000801 for
 * 1-D unsigned-byte labels — then the dimensions and the bytes), gzip
 * compressed (one or more gzip members, and nothing after them) or not.
 * Strict: the magic, the dimensions, the declared size
 * against the actual bytes (short → error, anything after → error), the
 * label range and the image/label counts are all checked, and a failure is
 * an error naming the file, never a partial load.  Internal; used by the
 * `train` command and the tests.
 */
#ifndef DESCENT_IDX_H
#define DESCENT_IDX_H

#include <stddef.h>

#include "descent.h"

#define DESCENT_IDX_MAGIC_IMAGES 0x00000803u
#define DESCENT_IDX_MAGIC_LABELS 0x00000801u
/* Counts above this are treated as a corrupt header (Fashion-MNIST has 60000). */
#define DESCENT_IDX_MAX_COUNT 10000000u

/* Images and their labels. */
typedef struct descent_dataset {
    size_t count;   /* examples */
    int rows, cols; /* image size; features = rows * cols */
    float *images;  /* [count][rows*cols], pixel/255 in [0, 1] (until standardized) */
    int *labels;    /* [count], each in [0, classes) */
} descent_dataset;

/* Reads an image file: *pixels gets count*rows*cols floats pixel/255
 * (free with free()).  rows_expected/cols_expected of 0 accept any size.
 * Errors: DESCENT_ERR_IO (cannot open/read), DESCENT_ERR_FORMAT (bad magic,
 * dimensions, size, gzip data), DESCENT_ERR_NOMEM. */
descent_status descent_idx_read_images(const char *path, int rows_expected, int cols_expected,
                                       float **pixels, size_t *count, int *rows, int *cols);
/* Reads a label file: *labels gets count ints, each checked to be in
 * [0, classes). */
descent_status descent_idx_read_labels(const char *path, int classes, int **labels,
                                       size_t *count);
/* Both files, checked to hold the same number of examples. */
descent_status descent_idx_load(const char *images_path, const char *labels_path, int rows,
                                int cols, int classes, descent_dataset *out);
/* Fashion-MNIST from `dir` as Debian's dataset-fashion-mnist installs it:
 * {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (or without .gz);
 * 28x28 images, labels 0..9.  `train` selects the 60000 training examples,
 * else the 10000 test examples. */
descent_status descent_fashion_mnist_load(const char *dir, int train, descent_dataset *out);
void descent_dataset_free(descent_dataset *d);

/* Mean and standard deviation of every pixel of the set (for standardizing
 * with the training set's statistics). */
void descent_dataset_pixel_stats(const descent_dataset *d, double *mean, double *std);
/* pixel <- (pixel - mean) / std for every pixel; std must be > 0. */
void descent_dataset_standardize(descent_dataset *d, double mean, double std);

#endif
