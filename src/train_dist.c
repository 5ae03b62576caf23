/* Data-parallel training inside the one loop (descent_train_config.comm):
 * every rank computes the gradient on its share of each global batch, the
 * shares are weighted by their sizes and summed through the comm's
 * fixed-order collectives, and every rank takes the same step; under
 * shard_state (ZeRO stage 1) each steps only its part of the parameters
 * and the parts are all-gathered.  No MPI here: the comm is callbacks
 * (src/mpi/dist_mpi.c makes them over MPI). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "train_internal.h"

/* Parts start on a 16-float (64-byte) boundary when there are enough
 * parameters, so that a part's vector loop has the alignment and the tail
 * of the whole vector's. */
#define PART_ALIGN 16

static int distributed(const descent_train_config *c)
{
    return c->comm && c->comm->size > 1;
}

descent_status descent_train_dist_check(const descent_train_problem *p,
                                        const descent_train_config *c)
{
    const descent_train_comm *m = c->comm;
    if (!m)
        return c->shard_state ? descent_fail(DESCENT_ERR_INVALID,
                                             "descent_train: shard_state needs a comm")
                              : DESCENT_OK;
    if (m->size < 1 || m->rank < 0 || m->rank >= m->size || !m->reduce_scatter ||
        !m->allgather || !m->sum)
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_train: a comm needs 0 <= rank < size and its 3 collectives");
    if (!distributed(c))
        return DESCENT_OK;
    const char *refused = c->lbfgs ? "L-BFGS (its closure is the whole batch)"
                          : c->save_state || c->resume ? "checkpoints (--save-state, --resume)"
                          : p->n_examples == 0 ? "a problem without examples to share" : NULL;
    if (refused)
        return descent_fail(DESCENT_ERR_INVALID, "distributed training (%d processes) does not "
                            "take %s", m->size, refused);
    if ((size_t)m->size > p->n_params)
        return descent_fail(DESCENT_ERR_INVALID, "distributed training: %zu parameters cannot "
                            "be cut into %d parts", p->n_params, m->size);
    if (!c->shard_state)
        return DESCENT_OK;
    if (descent_optim_per_tensor(c->optim))
        return descent_fail(DESCENT_ERR_INVALID,
                            "--shard-state: %s reduces over whole tensors (its trust ratio), "
                            "which a part of the parameters does not hold",
                            descent_optim_name(c->optim));
    if (c->grad_noise_eta > 0 || c->clip_grad_norm > 0 || c->nonfinite_set)
        return descent_fail(DESCENT_ERR_INVALID,
                            "--shard-state: gradient noise, norm clipping and --on-nonfinite "
                            "need the whole gradient on every process (not sharded)");
    return DESCENT_OK;
}

descent_status descent_train_dist_setup(run *r)
{
    const size_t n = r->p->n_params;
    r->step_lo = 0, r->step_n = n;
    if (!distributed(r->c))
        return DESCENT_OK;
    const descent_train_comm *m = r->comm = r->c->comm;
    const size_t size = (size_t)m->size;
    r->parts = malloc((size + 1) * sizeof *r->parts);
    if (r->n_ex > 0 && !r->order)
        r->all_idx = malloc((size_t)r->n_ex * sizeof *r->all_idx);
    if (!r->parts || (r->n_ex > 0 && !r->order && !r->all_idx))
        return descent_fail(DESCENT_ERR_NOMEM, "descent_train: out of memory");
    for (long i = 0; r->all_idx && i < r->n_ex; i++)
        r->all_idx[i] = i;
    const size_t align = n >= PART_ALIGN * size ? PART_ALIGN : 1;
    for (size_t k = 0; k <= size; k++)
        r->parts[k] = k == size ? n : n * k / size / align * align;
    if (r->c->shard_state)
        r->step_lo = r->parts[m->rank], r->step_n = r->parts[m->rank + 1] - r->step_lo;
    return DESCENT_OK;
}

/* The problem's tensors cut to this part, each piece a segment (with its
 * tensor's bias flag): the elementwise optimizers give the same bits. */
descent_status descent_train_dist_segments(const run *r)
{
    const descent_train_problem *p = r->p;
    const size_t lo = r->step_lo, hi = r->step_lo + r->step_n;
    size_t *sizes = calloc(p->n_tensors, sizeof *sizes);
    size_t *tensor = malloc(p->n_tensors * sizeof *tensor);
    if (!sizes || !tensor) {
        free(sizes), free(tensor);
        return descent_fail(DESCENT_ERR_NOMEM, "descent_train: out of memory");
    }
    size_t count = 0, at = 0;
    for (size_t k = 0; k < p->n_tensors; at += p->tensor_sizes[k++]) {
        const size_t a = at > lo ? at : lo, b = at + p->tensor_sizes[k] < hi
                                                    ? at + p->tensor_sizes[k] : hi;
        if (a < b)
            sizes[count] = b - a, tensor[count++] = k;
    }
    descent_status s = descent_optimizer_set_segments(r->opt, count, sizes);
    for (size_t j = 0; j < count && s == DESCENT_OK; j++)
        if (r->c->no_bias_decay && p->tensor_is_bias && p->tensor_is_bias[tensor[j]])
            s = descent_optimizer_set_segment_hparams(r->opt, j, NAN, 0);
    free(sizes), free(tensor);
    return s;
}

/* This rank's share of the batch: its gradient weighted by share / count
 * (the weights add up to 1: the sum over the ranks is the batch mean), and
 * so its loss in *weighted_loss. */
static descent_status share_gradient(run *r, const long *idx, long count,
                                     double *weighted_loss)
{
    const descent_train_comm *m = r->comm;
    const long lo = count * m->rank / m->size, hi = count * (m->rank + 1) / m->size;
    const size_t n = r->p->n_params;
    *weighted_loss = 0;
    if (hi == lo) {
        memset(r->grad, 0, n * sizeof *r->grad);
        return DESCENT_OK;
    }
    double loss = NAN;
    const descent_status s = r->p->loss_grad(r->p->ctx, r->params, (idx ? idx : r->all_idx) + lo,
                                             hi - lo, r->grad, &loss);
    const double weight = (double)(hi - lo) / (double)count;
    for (size_t i = 0; i < n; i++)
        r->grad[i] = (float)(r->grad[i] * weight);
    *weighted_loss = loss * weight;
    return s;
}

/* The norm is the square root of the parts' sums of squares added in rank
 * order, computed the same way sharded or not (the same rows). */
descent_status descent_train_dist_gradient(run *r, const long *idx, long count, double *loss,
                                           double *gnorm)
{
    const descent_train_comm *m = r->comm;
    double sums[2] = {0, 0}; /* the weighted loss, this part's sum of squares */
    descent_status s = share_gradient(r, idx, count, &sums[0]);
    if (s != DESCENT_OK)
        return s;
    const double t0 = descent_seconds();
    s = m->reduce_scatter(m->ctx, r->grad, r->parts);
    if (s == DESCENT_OK && !r->c->shard_state)
        s = m->allgather(m->ctx, r->grad, r->parts);
    const size_t own = r->parts[m->rank], own_n = r->parts[m->rank + 1] - own;
    sums[1] = r->sum_squares(own_n, r->grad + own);
    if (s == DESCENT_OK)
        s = m->sum(m->ctx, sums, r->c->shard_state ? 2 : 1);
    r->out->comm_seconds += descent_seconds() - t0;
    if (!r->c->shard_state) {
        sums[1] = r->sum_squares(r->parts[1], r->grad);
        for (int k = 1; k < m->size; k++)
            sums[1] += r->sum_squares(r->parts[k + 1] - r->parts[k], r->grad + r->parts[k]);
    }
    *loss = sums[0], *gnorm = sqrt(sums[1]);
    return s;
}

descent_status descent_train_dist_gather(run *r)
{
    if (!r->comm || !r->c->shard_state)
        return DESCENT_OK;
    const double t0 = descent_seconds();
    const descent_status s = r->comm->allgather(r->comm->ctx, r->params, r->parts);
    r->out->comm_seconds += descent_seconds() - t0;
    return s;
}

void descent_train_dist_teardown(run *r)
{
    free(r->parts), free(r->all_idx);
}
