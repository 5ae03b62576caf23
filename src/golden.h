/* Reader for the oracle files of ../shared/golden (format: FORMAT.md there):
 * optimizer trajectories, MLP forward/backward results and schedules. */
#ifndef DESCENT_GOLDEN_H
#define DESCENT_GOLDEN_H

#include <stddef.h>

#include "descent.h"
#include "golden_sched.h"

#define GOLDEN_MAX_LAYERS 16

typedef struct golden_optim {
    descent_optim_kind kind;
    descent_hparams h;
    size_t n;
    long steps;
    float *init;   /* n */
    float *grads;  /* steps x n, row t-1 is `grad t` */
    float *params; /* steps x n, row t-1 is `param t` */
} golden_optim;

typedef struct golden_mlp {
    int layers;                       /* number of linear layers, L */
    int sizes[GOLDEN_MAX_LAYERS + 1]; /* input first */
    char activation[16];              /* relu, tanh, sigmoid */
    char loss[16];                    /* cross_entropy, mse */
    int batch;
    float *W[GOLDEN_MAX_LAYERS], *b[GOLDEN_MAX_LAYERS];
    float *x;      /* batch x sizes[0] */
    int *labels;   /* cross_entropy: batch labels */
    float *target; /* mse: batch x sizes[L] */
    double loss_value;
    float *dW[GOLDEN_MAX_LAYERS], *db[GOLDEN_MAX_LAYERS];
} golden_mlp;

typedef struct golden_file {
    int is_mlp;
    golden_optim optim;
    golden_mlp mlp;
    int is_sched;
    golden_sched sched;
} golden_file;

/* Parses `path`, which must be a regular file (a FIFO, device or directory
 * is refused without reading it).  Every number must be complete and finite,
 * every record hold exactly its values and end with a newline, and a file
 * must hold at least one value to check.  On error returns DESCENT_ERR_IO or
 * DESCENT_ERR_FORMAT and descent_last_error() reads "PATH:LINE: what is wrong". */
descent_status golden_load(const char *path, golden_file *out);
/* Parses a file already in memory (`name` is used in messages). */
descent_status golden_parse(const char *name, const char *text, size_t len, golden_file *out);
void golden_free(golden_file *g);

#endif
