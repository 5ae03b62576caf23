/* Sparse logistic regression: the generator of "sparse-logreg", its loss
 * and gradient for the synchronous loop, and the data check (problems.h,
 * descent_hogwild.h). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "problems.h"
#include "rng.h"

void descent_sparse_logreg_free(descent_sparse_set *s)
{
    if (!s)
        return;
    free(s->row_start), free(s->col), free(s->val), free(s->label), free(s->true_w);
    memset(s, 0, sizeof *s);
}

/* `count` distinct features in [0, features), sorted (the CSR order). */
static void draw_features(descent_rng *rng, long features, int count, int *col)
{
    for (int k = 0; k < count; k++) {
        int c, seen;
        do { /* a repeat is rare: features >> count */
            c = (int)descent_rng_below(rng, (uint64_t)features);
            seen = 0;
            for (int j = 0; j < k; j++)
                seen |= col[j] == c;
        } while (seen);
        int j = k; /* insertion into the sorted prefix */
        while (j > 0 && col[j - 1] > c)
            col[j] = col[j - 1], j--;
        col[j] = c;
    }
}

descent_status descent_sparse_logreg_make(long examples, long features, int nonzeros,
                                          unsigned long long seed, descent_sparse_set *out)
{
    memset(out, 0, sizeof *out);
    if (examples < 1 || features < 1 || features > INT_MAX || nonzeros < 1 ||
        nonzeros > features || examples > LONG_MAX / nonzeros)
        return descent_fail(DESCENT_ERR_INVALID,
                            "sparse-logreg: %ld examples, %ld features, %d nonzeros each",
                            examples, features, nonzeros);
    const size_t nnz = (size_t)examples * (size_t)nonzeros;
    out->row_start = malloc((size_t)(examples + 1) * sizeof *out->row_start);
    out->col = malloc(nnz * sizeof *out->col);
    out->val = malloc(nnz * sizeof *out->val);
    out->label = malloc((size_t)examples * sizeof *out->label);
    out->true_w = malloc((size_t)features * sizeof *out->true_w);
    if (!out->row_start || !out->col || !out->val || !out->label || !out->true_w) {
        descent_sparse_logreg_free(out);
        return descent_fail(DESCENT_ERR_NOMEM, "sparse-logreg: out of memory");
    }
    descent_rng rng;
    descent_rng_seed(&rng, seed);
    for (long f = 0; f < features; f++)
        out->true_w[f] = (float)descent_rng_normal(&rng);
    out->row_start[0] = 0;
    for (long i = 0; i < examples; i++) {
        const long at = i * nonzeros;
        draw_features(&rng, features, nonzeros, out->col + at);
        double margin = 0;
        for (int k = 0; k < nonzeros; k++) {
            out->val[at + k] = (float)descent_rng_normal(&rng);
            margin += (double)out->val[at + k] * out->true_w[out->col[at + k]];
        }
        double p_plus;
        descent_softplus(margin, &p_plus); /* sigmoid(margin) */
        out->label[i] = descent_rng_uniform_double(&rng) < p_plus ? 1.0f : -1.0f;
        out->row_start[i + 1] = at + nonzeros;
    }
    out->data = (descent_sparse_logreg){.n_examples = examples, .n_features = features,
                                        .row_start = out->row_start, .col = out->col,
                                        .val = out->val, .label = out->label};
    out->loss_at_truth = descent_sparse_logreg_loss(&out->data, out->true_w);
    snprintf(out->formula, sizeof out->formula,
             "sparse logistic regression, %ld examples x %ld features, %d nonzeros each "
             "(CSR); loss at the true weights %.4f",
             examples, features, nonzeros, out->loss_at_truth);
    return DESCENT_OK;
}

descent_status descent_sparse_logreg_check(const descent_sparse_logreg *d)
{
    if (!d || !d->row_start || !d->col || !d->val || !d->label)
        return descent_fail(DESCENT_ERR_INVALID, "sparse data: NULL array");
    if (d->n_examples < 1 || d->n_examples > INT_MAX || d->n_features < 1 ||
        d->n_features > INT_MAX || d->row_start[0] != 0)
        return descent_fail(DESCENT_ERR_INVALID,
                            "sparse data: %ld examples, %ld features, first offset %ld",
                            d->n_examples, d->n_features, d->row_start[0]);
    for (long i = 0; i < d->n_examples; i++) {
        if (d->row_start[i + 1] < d->row_start[i])
            return descent_fail(DESCENT_ERR_INVALID, "sparse data: offsets fall at example %ld",
                                i);
        if (d->label[i] != 1.0f && d->label[i] != -1.0f)
            return descent_fail(DESCENT_ERR_INVALID, "sparse data: label %g of example %ld "
                                "is not -1 or +1", d->label[i], i);
        for (long k = d->row_start[i]; k < d->row_start[i + 1]; k++)
            if (d->col[k] < 0 || d->col[k] >= d->n_features)
                return descent_fail(DESCENT_ERR_INVALID,
                                    "sparse data: feature %d of example %ld outside [0, %ld)",
                                    d->col[k], i, d->n_features);
    }
    return DESCENT_OK;
}

/* Example i's loss at w, and d loss / d margin in *dmargin. */
static double example_loss(const descent_sparse_logreg *d, const float *w, long i,
                           double *dmargin)
{
    double margin = 0, slope;
    for (long k = d->row_start[i]; k < d->row_start[i + 1]; k++)
        margin += (double)d->val[k] * w[d->col[k]];
    const double loss = descent_softplus(-d->label[i] * margin, &slope);
    *dmargin = -d->label[i] * slope;
    return loss;
}

double descent_sparse_logreg_loss(const descent_sparse_logreg *d, const float *w)
{
    if (!d || !w || d->n_examples < 1)
        return NAN;
    double sum = 0, unused;
    for (long i = 0; i < d->n_examples; i++)
        sum += example_loss(d, w, i, &unused);
    return sum / (double)d->n_examples;
}

descent_status descent_sparse_logreg_loss_grad(const descent_sparse_logreg *d, const float *w,
                                               const long *idx, long count, float *grad,
                                               double *loss)
{
    if (!idx && !grad) {
        *loss = descent_sparse_logreg_loss(d, w);
        return DESCENT_OK;
    }
    if (count < 1 || count > d->n_examples || (!idx && count != d->n_examples))
        return descent_fail(DESCENT_ERR_INVALID, "sparse-logreg: a batch of %ld of %ld examples",
                            count, d->n_examples);
    if (grad)
        memset(grad, 0, (size_t)d->n_features * sizeof *grad);
    double sum = 0;
    for (long e = 0; e < count; e++) {
        const long i = idx ? idx[e] : e;
        double dmargin;
        sum += example_loss(d, w, i, &dmargin);
        if (!grad)
            continue;
        const double scale = dmargin / (double)count;
        for (long k = d->row_start[i]; k < d->row_start[i + 1]; k++)
            grad[d->col[k]] += (float)(scale * d->val[k]);
    }
    *loss = sum / (double)count;
    return DESCENT_OK;
}
