/* The training loop's checkpoints (descent_train_config.save_state and
 * .resume): everything a run needs to go on with the same bits, as
 * sections of a descent_ckpt file:
 *   train.meta      i64: format 1, n_params, n_examples, optimizer, batch, seed,
 *                   schedule state size (a state of another run is refused)
 *   train.counters  i64: steps, epochs done, skipped, skipped in a row, the
 *                   position in the epoch under way (0: none), its steps
 *   train.epoch_loss f64: that epoch's loss sum (reduce_lr_on_plateau's)
 *   train.params    f32, train.rng i64 x 4 (the shuffling), train.order
 *                   i64 x n_examples (the permutation the next shuffle
 *                   permutes; mini-batches only), train.sched f64, opt.*
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "train_internal.h"

enum { META_COUNT = 7, COUNTER_COUNT = 6 };

static void meta_of(const run *r, int64_t meta[META_COUNT])
{
    meta[0] = 1;
    meta[1] = (int64_t)r->p->n_params;
    meta[2] = r->n_ex;
    meta[3] = r->c->optim;
    meta[4] = r->c->batch;
    meta[5] = (int64_t)r->c->seed;
    meta[6] = r->sched ? (int64_t)descent_schedule_state_size(r->sched) : -1;
}

static void counters_of(const run *r, int64_t k[COUNTER_COUNT])
{
    const descent_train_result *out = r->out;
    k[0] = out->steps;
    k[1] = r->pos ? out->epochs - 1 : out->epochs; /* epochs finished */
    k[2] = out->skipped;
    k[3] = r->skipped_in_a_row;
    k[4] = r->pos;
    k[5] = r->epoch_steps;
}

descent_status descent_train_save_state(const run *r)
{
    if (r->lbfgs)
        return descent_fail(DESCENT_ERR_INVALID, "save_state: L-BFGS runs have no saved state");
    if (r->sched && descent_schedule_state_size(r->sched) > 64)
        return descent_fail(DESCENT_ERR_INVALID, "save_state: schedule state too large");
    descent_ckpt_writer *w = NULL;
    descent_status s = descent_ckpt_create(r->c->save_state, &w);
    if (s != DESCENT_OK)
        return s;
    int64_t meta[META_COUNT], counters[COUNTER_COUNT], rng[4];
    meta_of(r, meta);
    counters_of(r, counters);
    for (int i = 0; i < 4; i++)
        rng[i] = (int64_t)r->rng.s[i];
    s = descent_ckpt_put(w, "train.meta", DESCENT_CKPT_I64, meta, META_COUNT);
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, "train.counters", DESCENT_CKPT_I64, counters, COUNTER_COUNT);
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, "train.epoch_loss", DESCENT_CKPT_F64, &r->epoch_loss, 1);
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, "train.params", DESCENT_CKPT_F32, r->params, r->p->n_params);
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, "train.rng", DESCENT_CKPT_I64, rng, 4);
    if (s == DESCENT_OK && r->order) {
        int64_t *order = malloc((size_t)r->n_ex * sizeof *order);
        for (long i = 0; order && i < r->n_ex; i++)
            order[i] = r->order[i];
        s = order ? descent_ckpt_put(w, "train.order", DESCENT_CKPT_I64, order, (size_t)r->n_ex)
                  : descent_fail(DESCENT_ERR_NOMEM, "save_state: out of memory");
        free(order);
    }
    if (s == DESCENT_OK && r->sched) {
        double state[64];
        descent_schedule_get_state(r->sched, state);
        s = descent_ckpt_put(w, "train.sched", DESCENT_CKPT_F64, state, (size_t)meta[6]);
    }
    if (s == DESCENT_OK)
        s = descent_optimizer_save(r->opt, w, "opt");
    if (s != DESCENT_OK) {
        descent_ckpt_discard(w);
        return s;
    }
    return descent_ckpt_commit(w);
}

/* The file's meta against this run's: which of them differs. */
static descent_status check_meta(const run *r, const descent_ckpt *f)
{
    static const char *const what[META_COUNT] = {
        "format", "parameter count (another model)", "example count (another problem)",
        "optimizer", "batch", "seed (other data or initial weights)",
        "schedule (its state size)"};
    int64_t mine[META_COUNT], theirs[META_COUNT];
    meta_of(r, mine);
    descent_status s = descent_ckpt_get(f, "train.meta", DESCENT_CKPT_I64, theirs, META_COUNT);
    if (s == DESCENT_OK && mine[3] != theirs[3])
        return descent_fail(DESCENT_ERR_FORMAT, "%s: a state of another run: its optimizer is "
                            "%s, this run's %s", descent_ckpt_path(f),
                            descent_optim_name((descent_optim_kind)theirs[3]),
                            descent_optim_name((descent_optim_kind)mine[3]));
    for (int i = 0; i < META_COUNT && s == DESCENT_OK; i++)
        if (mine[i] != theirs[i])
            s = descent_fail(DESCENT_ERR_FORMAT,
                             "%s: a state of another run: its %s is %lld, this run's %lld",
                             descent_ckpt_path(f), what[i], (long long)theirs[i],
                             (long long)mine[i]);
    return s;
}

/* The order as saved, if it is a permutation of the examples. */
static descent_status read_order(run *r, const descent_ckpt *f)
{
    if (!r->order)
        return DESCENT_OK;
    const size_t n = (size_t)r->n_ex;
    int64_t *order = malloc(n * sizeof *order);
    unsigned char *seen = calloc(n, 1);
    descent_status s = order && seen ? descent_ckpt_get(f, "train.order", DESCENT_CKPT_I64,
                                                        order, n)
                                     : descent_fail(DESCENT_ERR_NOMEM, "resume: out of memory");
    for (size_t i = 0; i < n && s == DESCENT_OK; i++) {
        if (order[i] < 0 || order[i] >= r->n_ex || seen[order[i]]++)
            s = descent_fail(DESCENT_ERR_FORMAT, "%s: train.order is not a permutation",
                             descent_ckpt_path(f));
    }
    for (size_t i = 0; i < n && s == DESCENT_OK; i++)
        r->order[i] = (int)order[i];
    free(order), free(seen);
    return s;
}

static descent_status read_counters(run *r, const descent_ckpt *f)
{
    int64_t k[COUNTER_COUNT];
    descent_status s = descent_ckpt_get(f, "train.counters", DESCENT_CKPT_I64, k, COUNTER_COUNT);
    if (s == DESCENT_OK)
        s = descent_ckpt_get(f, "train.epoch_loss", DESCENT_CKPT_F64, &r->epoch_loss, 1);
    if (s != DESCENT_OK)
        return s;
    if (k[0] < 0 || k[1] < 0 || k[2] < 0 || k[3] < 0 || k[5] < 0 || k[4] < 0 ||
        k[4] >= (r->n_ex ? r->n_ex : 1) || (k[4] && !r->order))
        return descent_fail(DESCENT_ERR_FORMAT, "%s: train.counters out of range",
                            descent_ckpt_path(f));
    if (k[1] + (k[4] > 0) > r->c->epochs || (k[1] >= r->c->epochs))
        return descent_fail(DESCENT_ERR_FORMAT,
                            "%s: %lld epochs are done already; resume with more epochs than that",
                            descent_ckpt_path(f), (long long)k[1]);
    r->out->steps = k[0], r->out->epochs = k[1], r->out->skipped = k[2]; /* the loop adds 1 */
    r->skipped_in_a_row = k[3], r->pos = k[4], r->epoch_steps = k[5];
    return DESCENT_OK;
}

descent_status descent_train_load_state(run *r)
{
    if (r->lbfgs)
        return descent_fail(DESCENT_ERR_INVALID, "resume: L-BFGS runs have no saved state");
    descent_ckpt *f = NULL;
    descent_status s = descent_ckpt_load(r->c->resume, &f);
    if (s != DESCENT_OK)
        return s;
    int64_t rng[4];
    double state[64];
    /* the params go to the scratch gradient first: a failure changes nothing */
    if ((s = check_meta(r, f)) == DESCENT_OK)
        s = descent_ckpt_get(f, "train.params", DESCENT_CKPT_F32, r->grad, r->p->n_params);
    if (s == DESCENT_OK)
        s = descent_ckpt_get(f, "train.rng", DESCENT_CKPT_I64, rng, 4);
    if (s == DESCENT_OK && r->sched && descent_schedule_state_size(r->sched) > 64)
        s = descent_fail(DESCENT_ERR_INVALID, "resume: schedule state too large");
    if (s == DESCENT_OK && r->sched)
        s = descent_ckpt_get(f, "train.sched", DESCENT_CKPT_F64, state,
                             descent_schedule_state_size(r->sched));
    if (s == DESCENT_OK)
        s = read_order(r, f);
    if (s == DESCENT_OK)
        s = read_counters(r, f);
    if (s == DESCENT_OK && r->sched)
        s = descent_schedule_set_state(r->sched, state);
    if (s == DESCENT_OK)
        s = descent_optimizer_load(r->opt, f, "opt");
    if (s == DESCENT_OK) {
        memcpy(r->params, r->grad, r->p->n_params * sizeof *r->params);
        for (int i = 0; i < 4; i++)
            r->rng.s[i] = (uint64_t)rng[i];
    }
    descent_ckpt_free(f);
    return s;
}
