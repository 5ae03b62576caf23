/* The built-in training problems of descent_train.h: linear regressions and
 * the 2-D functions (problems.c), sparse logistic regression (sparse.c), and
 * Fashion-MNIST (idx.c) on the fast MLP object.  Each fills a
 * descent_train_problem of callbacks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idx.h"
#include "internal.h"
#include "problems.h"

typedef enum { KIND_LINREG, KIND_MNIST, KIND_FUNC, KIND_SPARSE } problem_kind;

struct descent_problem {
    problem_kind kind;
    descent_train_problem cb;
    descent_isa isa;
    int threads;
    /* data problems: an MLP (linear regression: one layer, MSE) */
    descent_mlp_shape shape;
    descent_mlp *mlp;
    int max_batch;          /* the MLP's; grows to the largest batch asked for */
    descent_linreg lin;
    descent_sparse_set sparse; /* sparse-logreg: its data, no MLP */
    descent_dataset train_set, test_set;
    long n_train, n_val, n_test;
    int in, out;
    const float *x, *y;     /* training examples (y: linreg targets) */
    const int *labels;
    float *logits;
    /* 2-D functions */
    const descent_func2d *func;
    double optimum[DESCENT_LINREG_MAX_FEATURES + 1], optimum_value;
    int metric_on_validation;
    unsigned long long seed;
    descent_init init;
    /* the MLP's tensors W1 b1 W2 b2 ... (torch's model.parameters()) */
    size_t tensor_sizes[2 * DESCENT_MLP_MAX_LAYERS];
    unsigned char tensor_is_bias[2 * DESCENT_MLP_MAX_LAYERS];
    char describe[640]; /* a 64-layer model spelled out fits */
};

/* The MLP and the batch buffers for batches of up to count examples;
 * evaluations run in chunks of the MLP's max batch (at least 1000). */
static descent_status ensure_batch(descent_problem *p, long count)
{
    if (p->mlp && count <= p->max_batch)
        return DESCENT_OK;
    const int size = count > 1000 ? (int)count : 1000;
    descent_mlp_free(p->mlp);
    p->mlp = NULL;
    free(p->logits);
    p->logits = malloc((size_t)size * (size_t)p->out * sizeof(float));
    if (!p->logits)
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory for batches of %d", size);
    descent_status s = descent_mlp_create(&p->shape, size, &p->mlp);
    if (s == DESCENT_OK)
        s = descent_mlp_set_isa(p->mlp, p->isa);
    if (s == DESCENT_OK)
        s = descent_mlp_set_threads(p->mlp, p->threads);
    p->max_batch = s == DESCENT_OK ? size : 0;
    return s;
}

static descent_status func_loss_grad(void *ctx, const float *params, const long *idx,
                                     long count, float *grad, double *loss)
{
    const descent_problem *p = ctx;
    (void)idx, (void)count;
    const double at[2] = {params[0], params[1]};
    double g[2];
    const double f = p->func->f(at, g);
    if (grad) { /* a step sees float values, as the MLP's loss */
        grad[0] = (float)g[0], grad[1] = (float)g[1];
        *loss = (float)f;
    } else {
        *loss = f;
    }
    return DESCENT_OK;
}

/* The mean loss over all training examples, in chunks. */
static descent_status data_full_loss(descent_problem *p, const float *params, double *loss)
{
    descent_status s = ensure_batch(p, 0);
    double total = 0;
    for (long start = 0; start < p->n_train && s == DESCENT_OK; start += p->max_batch) {
        const int count = (int)(p->n_train - start < p->max_batch ? p->n_train - start
                                                                   : p->max_batch);
        float part = NAN;
        s = descent_mlp_loss_grad(p->mlp, params, count, p->x + (size_t)start * p->in,
                                  p->labels ? p->labels + start : NULL,
                                  p->y ? p->y + (size_t)start * p->out : NULL, NULL, &part);
        total += (double)part * count;
    }
    *loss = total / (double)p->n_train;
    return s;
}

/* next_batch: the rows of the step after, for the MLP to load into the
 * caches while this step computes (descent_mlp_prefetch_rows): otherwise
 * its gather finds every row in memory, 27 us of the Fashion-MNIST step's
 * 200 (a batch of 64 random rows of 3 KiB from 188 MB of images).  A hint:
 * a row list it refuses is dropped. */
static void data_next_batch(void *ctx, const long *idx, long count)
{
    descent_problem *p = ctx;
    if (p->mlp && count <= p->max_batch)
        (void)descent_mlp_prefetch_rows(p->mlp, p->n_train, p->x, (int)count, idx);
}

static descent_status data_loss_grad(void *ctx, const float *params, const long *idx,
                                     long count, float *grad, double *loss)
{
    descent_problem *p = ctx;
    if (!idx && !grad)
        return data_full_loss(p, params, loss);
    if (count < 1 || count > p->n_train || (!idx && count != p->n_train))
        return descent_fail(DESCENT_ERR_INVALID, "problem: a batch of %ld of %ld examples",
                            count, p->n_train);
    descent_status s = ensure_batch(p, count);
    if (s != DESCENT_OK)
        return s;
    float value = NAN;
    s = idx ? descent_mlp_loss_grad_rows(p->mlp, params, p->n_train, p->x, p->labels, p->y,
                                         (int)count, idx, grad, &value)
            : descent_mlp_loss_grad(p->mlp, params, (int)count, p->x, p->labels, p->y, grad,
                                    &value);
    *loss = value;
    return s;
}

/* Fraction of examples [first, first+count) of set classified correctly. */
static descent_status split_accuracy(descent_problem *p, const float *params,
                                     const descent_dataset *set, long first, long count,
                                     double *value)
{
    descent_status s = ensure_batch(p, 0);
    long correct = 0;
    for (long start = 0; start < count && s == DESCENT_OK; start += p->max_batch) {
        const int n = (int)(count - start < p->max_batch ? count - start : p->max_batch);
        const size_t at = (size_t)(first + start);
        s = descent_mlp_forward(p->mlp, params, n, set->images + at * (size_t)p->in,
                                p->logits);
        correct += llround(descent_accuracy(p->logits, set->labels + at, n, p->out) * n);
    }
    *value = count > 0 ? (double)correct / (double)count : NAN;
    return s;
}

static descent_status mnist_metric(void *ctx, const float *params, double *value)
{
    descent_problem *p = ctx;
    if (p->metric_on_validation)
        return split_accuracy(p, params, &p->train_set, p->n_train, p->n_val, value);
    return split_accuracy(p, params, &p->test_set, 0, p->n_test, value);
}

double descent_problem_test_metric(descent_problem *p, const float *params)
{
    double value = NAN;
    if (!p || !params || p->kind != KIND_MNIST ||
        split_accuracy(p, params, &p->test_set, 0, p->n_test, &value) != DESCENT_OK)
        return NAN;
    return value;
}

static descent_status make_linreg(descent_problem *p, const descent_problem_spec *spec)
{
    descent_status s = descent_linreg_make(spec->name, spec->seed, &p->lin);
    if (s != DESCENT_OK)
        return s;
    p->n_train = p->lin.n, p->in = p->lin.features, p->out = 1;
    p->x = p->lin.x, p->y = p->lin.y;
    p->shape = (descent_mlp_shape){.layers = 1, .sizes = {p->in, 1},
                                   .activation = DESCENT_RELU, .loss = DESCENT_MSE};
    for (int f = 0; f < p->lin.features; f++)
        p->optimum[f] = p->lin.w[f];
    p->optimum[p->lin.features] = p->lin.b; /* the bias follows the weights */
    p->optimum_value = p->lin.loss_at_solution;
    snprintf(p->describe, sizeof p->describe, "%s", p->lin.formula);
    return DESCENT_OK;
}

static descent_status sparse_loss_grad(void *ctx, const float *params, const long *idx,
                                       long count, float *grad, double *loss)
{
    const descent_problem *p = ctx;
    return descent_sparse_logreg_loss_grad(&p->sparse.data, params, idx, count, grad, loss);
}

static descent_status make_sparse(descent_problem *p, const descent_problem_spec *spec)
{
    descent_status s = descent_sparse_logreg_make(DESCENT_SPARSE_EXAMPLES,
                                                  DESCENT_SPARSE_FEATURES,
                                                  DESCENT_SPARSE_NONZEROS, spec->seed,
                                                  &p->sparse);
    if (s != DESCENT_OK)
        return s;
    p->kind = KIND_SPARSE;
    p->cb.n_params = (size_t)p->sparse.data.n_features;
    p->cb.n_examples = p->sparse.data.n_examples;
    p->cb.loss_grad = sparse_loss_grad;
    snprintf(p->describe, sizeof p->describe, "%s", p->sparse.formula);
    return DESCENT_OK;
}

static long limit(long n, long lim)
{
    return lim > 0 && lim < n ? lim : n;
}

static descent_status make_mnist(descent_problem *p, const descent_problem_spec *spec)
{
    if (!spec->data_dir || !*spec->data_dir)
        return descent_fail(DESCENT_ERR_INVALID, "fashion-mnist: no data folder given");
    descent_status s = descent_fashion_mnist_load(spec->data_dir, 1, &p->train_set);
    if (s == DESCENT_OK)
        s = descent_fashion_mnist_load(spec->data_dir, 0, &p->test_set);
    if (s != DESCENT_OK) { /* the message is copied: descent_fail writes over it */
        char why[256];
        snprintf(why, sizeof why, "%s", descent_last_error());
        return descent_fail(s, "fashion-mnist: %s", why);
    }
    const long used = limit((long)p->train_set.count, spec->train_limit);
    if (spec->validation < 0 || spec->validation >= used)
        return descent_fail(DESCENT_ERR_INVALID, "validation: %ld of %ld training images",
                            spec->validation, used);
    p->n_val = spec->validation;
    p->n_train = used - p->n_val;
    p->n_test = limit((long)p->test_set.count, spec->test_limit);
    p->metric_on_validation = spec->metric_on_validation;
    if (p->metric_on_validation && p->n_val == 0)
        return descent_fail(DESCENT_ERR_INVALID, "the metric on a validation split of 0");
    if (spec->standardize) { /* with the statistics of the training part only */
        descent_dataset subset = p->train_set;
        subset.count = (size_t)p->n_train;
        double mean, std;
        descent_dataset_pixel_stats(&subset, &mean, &std);
        if (!(std > 0))
            return descent_fail(DESCENT_ERR_INVALID,
                                "--standardize: the training pixels have no spread");
        descent_dataset_standardize(&p->train_set, mean, std);
        descent_dataset_standardize(&p->test_set, mean, std);
    }
    p->x = p->train_set.images, p->labels = p->train_set.labels;
    const char *model = spec->model ? spec->model : "784-128-10";
    if ((s = descent_mlp_shape_parse(model, &p->shape)) != DESCENT_OK)
        return s;
    p->shape.activation = spec->activation;
    p->shape.loss = DESCENT_CROSS_ENTROPY;
    if (p->shape.sizes[0] != 784 || p->shape.sizes[p->shape.layers] != 10)
        return descent_fail(DESCENT_ERR_INVALID,
                            "--model %s: fashion-mnist needs 784 inputs and 10 outputs (e.g. "
                            "784-128-10)", model);
    p->in = 784, p->out = 10;
    p->cb.metric = mnist_metric;
    p->cb.metric_name = p->metric_on_validation ? "validation_accuracy" : "test_accuracy";
    int len = snprintf(p->describe, sizeof p->describe,
                       "model %s %s, %ld train / %ld test examples, pixels %s", model,
                       descent_activation_name(p->shape.activation), p->n_train, p->n_test,
                       spec->standardize ? "standardized" : "in [0, 1]");
    if (p->n_val && len > 0 && (size_t)len < sizeof p->describe)
        snprintf(p->describe + len, sizeof p->describe - (size_t)len, ", %ld validation",
                 p->n_val);
    return DESCENT_OK;
}

/* The MLP's layers as tensors, each weight then its bias, so that LAMB's
 * trust ratio is per tensor and biases can be told apart. */
static void set_tensors(descent_problem *p)
{
    const descent_mlp_shape *s = &p->shape;
    for (int l = 1; l <= s->layers; l++) {
        const size_t w = descent_mlp_weight_offset(s, l), b = descent_mlp_bias_offset(s, l);
        p->tensor_sizes[2 * l - 2] = b - w;
        p->tensor_sizes[2 * l - 1] = descent_mlp_weight_offset(s, l + 1) - b;
        p->tensor_is_bias[2 * l - 1] = 1;
    }
    p->cb.n_tensors = 2 * (size_t)s->layers;
    p->cb.tensor_sizes = p->tensor_sizes;
    p->cb.tensor_is_bias = p->tensor_is_bias;
}

static descent_status make_problem(descent_problem *p, const descent_problem_spec *spec)
{
    if ((unsigned)spec->init >= DESCENT_INIT_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "descent_problem_create: init %d unknown",
                            (int)spec->init);
    p->isa = spec->isa, p->threads = spec->threads, p->seed = spec->seed, p->init = spec->init;
    p->cb.ctx = p;
    if ((p->func = descent_func2d_find(spec->name))) {
        p->kind = KIND_FUNC;
        p->cb.n_params = 2;
        p->cb.loss_grad = func_loss_grad;
        p->optimum[0] = p->func->minimum[0], p->optimum[1] = p->func->minimum[1];
        p->optimum_value = p->func->min_value;
        snprintf(p->describe, sizeof p->describe, "%s", p->func->formula);
        return DESCENT_OK;
    }
    if (!strcmp(spec->name, "sparse-logreg"))
        return make_sparse(p, spec);
    descent_status s;
    if (descent_linreg_known(spec->name)) {
        p->kind = KIND_LINREG;
        s = make_linreg(p, spec);
    } else if (!strcmp(spec->name, "fashion-mnist")) {
        p->kind = KIND_MNIST;
        s = make_mnist(p, spec);
    } else {
        return descent_fail(DESCENT_ERR_INVALID,
                            "unknown problem '%s' (expected linreg, linreg-2x1, linreg-4-3x, "
                            "linreg-multi, fashion-mnist, sparse-logreg, quadratic, rosenbrock or "
                            "beale)",
                            spec->name);
    }
    if (s != DESCENT_OK)
        return s;
    p->cb.n_params = descent_mlp_param_count(&p->shape);
    p->cb.n_examples = p->n_train;
    p->cb.loss_grad = data_loss_grad;
    p->cb.next_batch = data_next_batch;
    set_tensors(p);
    return ensure_batch(p, 0);
}

void descent_problem_spec_default(const char *name, descent_problem_spec *spec)
{
    if (!spec)
        return;
    memset(spec, 0, sizeof *spec);
    spec->name = name;
    spec->seed = 1;
    spec->activation = DESCENT_RELU;
    spec->isa = DESCENT_ISA_BEST;
    spec->threads = 0;
}

descent_status descent_problem_create(const descent_problem_spec *spec, descent_problem **out)
{
    if (!out || !spec || !spec->name)
        return descent_fail(DESCENT_ERR_INVALID, "descent_problem_create: NULL argument");
    *out = NULL;
    descent_problem *p = calloc(1, sizeof *p);
    if (!p)
        return descent_fail(DESCENT_ERR_NOMEM, "descent_problem_create: out of memory");
    descent_status s = make_problem(p, spec);
    if (s != DESCENT_OK) {
        descent_problem_free(p);
        return s;
    }
    *out = p;
    return DESCENT_OK;
}

void descent_problem_free(descent_problem *p)
{
    if (!p)
        return;
    descent_mlp_free(p->mlp);
    descent_dataset_free(&p->train_set);
    descent_dataset_free(&p->test_set);
    descent_linreg_free(&p->lin);
    descent_sparse_logreg_free(&p->sparse);
    free(p->logits);
    free(p);
}

const descent_train_problem *descent_problem_callbacks(const descent_problem *p)
{
    return p ? &p->cb : NULL;
}

descent_status descent_problem_init_params(const descent_problem *p, float *params)
{
    if (!p || !params)
        return descent_fail(DESCENT_ERR_INVALID, "descent_problem_init_params: NULL argument");
    if (p->kind == KIND_FUNC) {
        params[0] = (float)p->func->start[0], params[1] = (float)p->func->start[1];
        return DESCENT_OK;
    }
    if (p->kind == KIND_SPARSE) { /* w = 0: every example's loss log 2 */
        memset(params, 0, p->cb.n_params * sizeof *params);
        return DESCENT_OK;
    }
    return descent_mlp_init_params_as(&p->shape, p->init, params, p->seed);
}

const char *descent_problem_describe(const descent_problem *p)
{
    return p ? p->describe : "";
}

const double *descent_problem_optimum(const descent_problem *p, double *value)
{
    if (!p || p->kind == KIND_MNIST || p->kind == KIND_SPARSE)
        return NULL;
    if (value)
        *value = p->optimum_value;
    return p->optimum;
}

const descent_sparse_logreg *descent_problem_sparse(const descent_problem *p)
{
    return p && p->kind == KIND_SPARSE ? &p->sparse.data : NULL;
}
