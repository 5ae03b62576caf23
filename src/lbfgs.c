/*
 * torch.optim.LBFGS (PyTorch 1.13.1, torch/optim/lbfgs.py): the object, its
 * options and step().  The algorithm is here once; its vector work goes
 * through the ISA table (kernel.h's descent_lbfgs_kernels) on the blocks of
 * the OpenMP layer, with reductions combined in block order, so that the
 * result does not depend on the thread count.
 *
 * Precision follows torch: vectors and the scalars torch gets from tensors
 * (dot products, |g| max and sum, ro, H_diag) are float32; the losses and
 * the constants torch keeps as Python floats are double; the step length
 * can be either (lbfgs_scalar).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lbfgs_internal.h"

/* ------------------------------------------------------------ scalars */

lbfgs_scalar lbfgs_py(double v)
{
    return (lbfgs_scalar){v, 0};
}

lbfgs_scalar lbfgs_tensor(float v)
{
    return (lbfgs_scalar){v, 1};
}

lbfgs_scalar lbfgs_add(lbfgs_scalar a, lbfgs_scalar b)
{
    if (a.is_tensor || b.is_tensor)
        return lbfgs_tensor((float)a.value + (float)b.value);
    return lbfgs_py(a.value + b.value);
}

lbfgs_scalar lbfgs_sub(lbfgs_scalar a, lbfgs_scalar b)
{
    if (a.is_tensor || b.is_tensor)
        return lbfgs_tensor((float)a.value - (float)b.value);
    return lbfgs_py(a.value - b.value);
}

lbfgs_scalar lbfgs_mul(lbfgs_scalar a, lbfgs_scalar b)
{
    if (a.is_tensor || b.is_tensor)
        return lbfgs_tensor((float)a.value * (float)b.value);
    return lbfgs_py(a.value * b.value);
}

lbfgs_scalar lbfgs_div(lbfgs_scalar a, lbfgs_scalar b)
{
    if (b.is_tensor && !a.is_tensor) /* Tensor.__rtruediv__: reciprocal, then times */
        return lbfgs_tensor((1.0f / (float)b.value) * (float)a.value);
    if (a.is_tensor)
        return lbfgs_tensor((float)a.value / (float)b.value);
    return lbfgs_py(a.value / b.value);
}

lbfgs_scalar lbfgs_abs(lbfgs_scalar a)
{
    a.value = fabs(a.value);
    return a;
}

int lbfgs_lt(lbfgs_scalar a, lbfgs_scalar b)
{
    if (a.is_tensor || b.is_tensor)
        return (float)a.value < (float)b.value;
    return a.value < b.value;
}

int lbfgs_le(lbfgs_scalar a, lbfgs_scalar b)
{
    if (a.is_tensor || b.is_tensor)
        return (float)a.value <= (float)b.value;
    return a.value <= b.value;
}

lbfgs_scalar lbfgs_max(lbfgs_scalar a, lbfgs_scalar b)
{
    return lbfgs_lt(a, b) ? b : a;
}

lbfgs_scalar lbfgs_min(lbfgs_scalar a, lbfgs_scalar b)
{
    return lbfgs_lt(b, a) ? b : a;
}

/* --------------------------------------------------------- vector work */

typedef struct vector_call {
    const descent_lbfgs_kernels *k;
    float a;
    const float *x, *y;
    float *out;
} vector_call;

static float dot_block(void *ctx, size_t start, size_t len)
{
    const vector_call *c = ctx;
    return c->k->dot(len, c->x + start, c->y + start);
}

static float abs_sum_block(void *ctx, size_t start, size_t len)
{
    const vector_call *c = ctx;
    return c->k->abs_sum(len, c->x + start);
}

static float abs_max_block(void *ctx, size_t start, size_t len)
{
    const vector_call *c = ctx;
    return c->k->abs_max(len, c->x + start);
}

/* The blocks' partial sums, added in block order. */
static float sum_blocks(descent_lbfgs *L, float (*reduce)(void *, size_t, size_t),
                        vector_call *c)
{
    descent_parallel_reduce_blocks(L->n, L->threads, reduce, c, L->partial);
    const size_t blocks = descent_parallel_block_count(L->n);
    float sum = L->partial[0];
    for (size_t b = 1; b < blocks; b++)
        sum += L->partial[b];
    return sum;
}

float lbfgs_dot(descent_lbfgs *L, const float *x, const float *y)
{
    vector_call c = {.k = L->k, .x = x, .y = y};
    return sum_blocks(L, dot_block, &c);
}

static float lbfgs_abs_sum(descent_lbfgs *L, const float *x)
{
    vector_call c = {.k = L->k, .x = x};
    return sum_blocks(L, abs_sum_block, &c);
}

float lbfgs_abs_max(descent_lbfgs *L, const float *x)
{
    vector_call c = {.k = L->k, .x = x};
    descent_parallel_reduce_blocks(L->n, L->threads, abs_max_block, &c, L->partial);
    const size_t blocks = descent_parallel_block_count(L->n);
    float best = L->partial[0];
    for (size_t b = 1; b < blocks; b++)
        if (!(L->partial[b] <= best))
            best = L->partial[b];
    return best;
}

static void axpy_block(void *ctx, size_t start, size_t len)
{
    const vector_call *c = ctx;
    c->k->axpy(len, c->a, c->x + start, c->out + start);
}

static void scale_block(void *ctx, size_t start, size_t len)
{
    const vector_call *c = ctx;
    c->k->scale(len, c->a, c->x + start, c->out + start);
}

static void sub_block(void *ctx, size_t start, size_t len)
{
    const vector_call *c = ctx;
    c->k->sub(len, c->x + start, c->y + start, c->out + start);
}

/* y += a x (torch's y.add_(x, alpha=a)). */
void lbfgs_axpy(descent_lbfgs *L, float a, const float *x, float *y)
{
    vector_call c = {.k = L->k, .a = a, .x = x, .out = y};
    descent_parallel_for_blocks(L->n, L->threads, axpy_block, &c);
}

static void lbfgs_scale(descent_lbfgs *L, float a, const float *x, float *out)
{
    vector_call c = {.k = L->k, .a = a, .x = x, .out = out};
    descent_parallel_for_blocks(L->n, L->threads, scale_block, &c);
}

static void lbfgs_subtract(descent_lbfgs *L, const float *a, const float *b, float *out)
{
    vector_call c = {.k = L->k, .x = a, .y = b, .out = out};
    descent_parallel_for_blocks(L->n, L->threads, sub_block, &c);
}

/* ------------------------------------------------------------- options */

static const char *const line_search_names[DESCENT_LBFGS_LINE_SEARCH_COUNT] = {
    [DESCENT_LBFGS_LINE_SEARCH_NONE] = "none",
    [DESCENT_LBFGS_STRONG_WOLFE] = "strong_wolfe",
};

const char *descent_lbfgs_line_search_name(descent_lbfgs_line_search ls)
{
    return (unsigned)ls < DESCENT_LBFGS_LINE_SEARCH_COUNT ? line_search_names[ls] : NULL;
}

descent_status descent_lbfgs_line_search_from_name(const char *name,
                                                   descent_lbfgs_line_search *ls)
{
    if (!name || !ls)
        return descent_fail(DESCENT_ERR_INVALID, "descent_lbfgs_line_search_from_name: %s is NULL",
                            !name ? "name" : "ls");
    int i = descent_name_index("line search", line_search_names,
                               DESCENT_LBFGS_LINE_SEARCH_COUNT, name, DESCENT_ERR_INVALID);
    if (i < 0)
        return DESCENT_ERR_INVALID;
    *ls = (descent_lbfgs_line_search)i;
    return DESCENT_OK;
}

void descent_lbfgs_options_default(descent_lbfgs_options *o)
{
    if (!o)
        return;
    *o = (descent_lbfgs_options){
        .lr = 1,
        .max_iter = 20,
        .max_eval = 0,
        .tolerance_grad = 1e-7,
        .tolerance_change = 1e-9,
        .history_size = 100,
        .line_search_fn = DESCENT_LBFGS_LINE_SEARCH_NONE,
    };
}

descent_status descent_lbfgs_options_validate(const descent_lbfgs_options *o)
{
    if (!o)
        return descent_fail(DESCENT_ERR_INVALID, "descent_lbfgs_options_validate: NULL options");
    if (!(o->lr >= 0 && o->lr < INFINITY))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid learning rate: %g", o->lr);
    if (o->max_iter < 1)
        return descent_fail(DESCENT_ERR_INVALID, "Invalid max_iter: %ld (must be >= 1)",
                            o->max_iter);
    if (o->max_eval < 0)
        return descent_fail(DESCENT_ERR_INVALID,
                            "Invalid max_eval: %ld (must be >= 1, or 0 for max_iter * 5 // 4)",
                            o->max_eval);
    if (!(o->tolerance_grad >= 0))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid tolerance_grad: %g",
                            o->tolerance_grad);
    if (!(o->tolerance_change >= 0))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid tolerance_change: %g",
                            o->tolerance_change);
    if (o->history_size < 1 || o->history_size > (1L << 24))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid history_size: %ld (must be >= 1)",
                            o->history_size);
    if ((unsigned)o->line_search_fn >= DESCENT_LBFGS_LINE_SEARCH_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "only 'strong_wolfe' is supported");
    return DESCENT_OK;
}

/* -------------------------------------------------------------- object */

descent_status descent_lbfgs_create(const descent_lbfgs_options *o, size_t n,
                                    descent_lbfgs **out)
{
    if (!out)
        return descent_fail(DESCENT_ERR_INVALID, "descent_lbfgs_create: out is NULL");
    *out = NULL;
    descent_status s = descent_lbfgs_options_validate(o);
    if (s != DESCENT_OK)
        return s;
    if (n == 0)
        return descent_fail(DESCENT_ERR_INVALID, "descent_lbfgs_create: n must be >= 1");
    descent_lbfgs *L = calloc(1, sizeof *L);
    if (!L)
        return descent_fail(DESCENT_ERR_NOMEM, "descent_lbfgs_create: out of memory");
    L->o = *o;
    if (L->o.max_eval == 0)
        L->o.max_eval = L->o.max_iter / 4 * 5 + L->o.max_iter % 4 * 5 / 4; /* no overflow */
    L->n = n;
    const size_t hs = (size_t)L->o.history_size;
    L->partial = malloc(descent_parallel_block_count(n) * sizeof(float));
    L->old_dirs = calloc(hs, sizeof(float *));
    L->old_stps = calloc(hs, sizeof(float *));
    L->ro = calloc(hs, sizeof(float));
    L->al = calloc(hs, sizeof(float));
    float **vectors[] = {&L->d, &L->prev_flat_grad, &L->flat_grad, &L->y, &L->s, &L->x_init,
                         &L->g_prev, &L->g_new, &L->bracket_g[0], &L->bracket_g[1]};
    int ok = L->partial && L->old_dirs && L->old_stps && L->ro && L->al;
    for (size_t v = 0; ok && v < sizeof vectors / sizeof *vectors; v++)
        ok = (*vectors[v] = descent_alloc_floats(n)) != NULL;
    if (ok)
        s = descent_lbfgs_set_isa(L, DESCENT_ISA_BEST);
    if (!ok || s != DESCENT_OK) {
        descent_lbfgs_free(L);
        return ok ? s : descent_fail(DESCENT_ERR_NOMEM, "descent_lbfgs_create: out of memory");
    }
    L->h_diag = 1;
    *out = L;
    return DESCENT_OK;
}

void descent_lbfgs_free(descent_lbfgs *L)
{
    if (!L)
        return;
    for (long i = 0; i < L->allocated; i++) {
        descent_free_floats(L->old_dirs[i]);
        descent_free_floats(L->old_stps[i]);
    }
    float *vectors[] = {L->d, L->prev_flat_grad, L->flat_grad, L->y, L->s, L->x_init,
                        L->g_prev, L->g_new, L->bracket_g[0], L->bracket_g[1]};
    for (size_t v = 0; v < sizeof vectors / sizeof *vectors; v++)
        descent_free_floats(vectors[v]);
    free(L->old_dirs);
    free(L->old_stps);
    free(L->ro);
    free(L->al);
    free(L->partial);
    free(L);
}

const descent_lbfgs_options *descent_lbfgs_get_options(const descent_lbfgs *L)
{
    return L ? &L->o : NULL;
}

descent_status descent_lbfgs_set_isa(descent_lbfgs *L, descent_isa isa)
{
    if (!L)
        return descent_fail(DESCENT_ERR_INVALID, "descent_lbfgs_set_isa: opt is NULL");
    descent_isa chosen;
    descent_status s = descent_isa_resolve(isa, &chosen);
    if (s != DESCENT_OK)
        return s;
    L->isa = chosen;
    L->k = &descent_isa_table(chosen)->lbfgs;
    return DESCENT_OK;
}

descent_isa descent_lbfgs_isa(const descent_lbfgs *L)
{
    return L ? L->isa : DESCENT_ISA_COUNT;
}

descent_status descent_lbfgs_set_threads(descent_lbfgs *L, int threads)
{
    if (!L)
        return descent_fail(DESCENT_ERR_INVALID, "descent_lbfgs_set_threads: opt is NULL");
    if (threads < 0)
        return descent_fail(DESCENT_ERR_INVALID, "invalid thread count %d", threads);
    L->threads = threads;
    return DESCENT_OK;
}

descent_status descent_lbfgs_set_lr(descent_lbfgs *L, double lr)
{
    if (!L)
        return descent_fail(DESCENT_ERR_INVALID, "descent_lbfgs_set_lr: opt is NULL");
    if (!(lr >= 0 && lr < INFINITY))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid learning rate: %g", lr);
    L->o.lr = lr;
    return DESCENT_OK;
}

long descent_lbfgs_func_evals(const descent_lbfgs *L)
{
    return L ? L->func_evals : 0;
}

long descent_lbfgs_iterations(const descent_lbfgs *L)
{
    return L ? L->n_iter : 0;
}

/* ---------------------------------------------------------- evaluation */

descent_status lbfgs_evaluate(descent_lbfgs *L, float *grad, double *f)
{
    const float loss = L->closure(L->ctx, L->params, grad);
    L->func_evals++;
    *f = loss;
    if (!isfinite(loss))
        return descent_fail(DESCENT_ERR_NONFINITE,
                            "L-BFGS: the closure returned a non-finite loss (%g) at call %ld",
                            (double)loss, L->func_evals);
    const descent_finite_fn check = descent_isa_table(L->isa)->first_nonfinite;
    const size_t bad = descent_parallel_first_nonfinite(check, L->n, grad, L->threads);
    if (bad < L->n)
        return descent_fail(DESCENT_ERR_NONFINITE,
                            "L-BFGS: the closure returned a non-finite gradient "
                            "(element %zu is %g) at call %ld",
                            bad, (double)grad[bad], L->func_evals);
    return DESCENT_OK;
}

descent_status lbfgs_evaluate_at(descent_lbfgs *L, lbfgs_scalar t, float *grad, double *f)
{
    memcpy(L->params, L->x_init, L->n * sizeof(float));
    lbfgs_axpy(L, (float)t.value, L->d, L->params);
    return lbfgs_evaluate(L, grad, f);
}

/* ---------------------------------------------------------------- step */

/* Stores y = L->y, s = L->s as the newest pair, dropping the oldest when
 * the history is full (the vectors are swapped, not copied). */
static descent_status push_history(descent_lbfgs *L, float ys)
{
    const long hs = L->o.history_size;
    if (L->num_old == hs) {
        float *y0 = L->old_dirs[0], *s0 = L->old_stps[0];
        memmove(L->old_dirs, L->old_dirs + 1, (size_t)(hs - 1) * sizeof(float *));
        memmove(L->old_stps, L->old_stps + 1, (size_t)(hs - 1) * sizeof(float *));
        memmove(L->ro, L->ro + 1, (size_t)(hs - 1) * sizeof(float));
        L->old_dirs[hs - 1] = y0;
        L->old_stps[hs - 1] = s0;
        L->num_old--;
    } else if (L->num_old == L->allocated) {
        float *y0 = descent_alloc_floats(L->n), *s0 = descent_alloc_floats(L->n);
        if (!y0 || !s0) {
            descent_free_floats(y0);
            descent_free_floats(s0);
            return descent_fail(DESCENT_ERR_NOMEM, "L-BFGS: out of memory for the history");
        }
        L->old_dirs[L->allocated] = y0;
        L->old_stps[L->allocated] = s0;
        L->allocated++;
    }
    const long i = L->num_old++;
    float *swap = L->old_dirs[i];
    L->old_dirs[i] = L->y, L->y = swap;
    swap = L->old_stps[i];
    L->old_stps[i] = L->s, L->s = swap;
    L->ro[i] = 1.0f / ys; /* torch: 1. / ys, a reciprocal times 1 */
    return DESCENT_OK;
}

/* The direction d from the gradient g and the history (torch's "compute
 * gradient descent direction"), updating the history with the last step. */
static descent_status compute_direction(descent_lbfgs *L, const float *g)
{
    if (L->n_iter == 1) {
        lbfgs_scale(L, -1.0f, g, L->d);
        L->num_old = 0;
        L->h_diag = 1;
        return DESCENT_OK;
    }
    lbfgs_subtract(L, g, L->prev_flat_grad, L->y);
    lbfgs_scale(L, L->t, L->d, L->s);
    const float ys = lbfgs_dot(L, L->y, L->s);
    if (ys > 1e-10f) {
        const float yy = lbfgs_dot(L, L->y, L->y);
        descent_status st = push_history(L, ys);
        if (st != DESCENT_OK)
            return st;
        L->h_diag = ys / yy;
    }
    /* The two-loop recursion with one buffer: q, then r, are L->d. */
    float *q = L->d;
    lbfgs_scale(L, -1.0f, g, q);
    for (long i = L->num_old - 1; i >= 0; i--) {
        L->al[i] = lbfgs_dot(L, L->old_stps[i], q) * L->ro[i];
        lbfgs_axpy(L, -L->al[i], L->old_dirs[i], q);
    }
    lbfgs_scale(L, L->h_diag, q, q);
    for (long i = 0; i < L->num_old; i++) {
        const float be_i = lbfgs_dot(L, L->old_dirs[i], q) * L->ro[i];
        lbfgs_axpy(L, L->al[i] - be_i, L->old_stps[i], q);
    }
    return DESCENT_OK;
}

/* The initial step length: min(1, 1/|g|_1) * lr on the very first
 * iteration (a float32 tensor when 1/|g|_1 < 1), else lr. */
static lbfgs_scalar initial_step(descent_lbfgs *L, const float *g)
{
    if (L->n_iter != 1)
        return lbfgs_py(L->o.lr);
    const float inverse = 1.0f / lbfgs_abs_sum(L, g);
    if (inverse < 1.0f)
        return lbfgs_tensor(inverse * (float)L->o.lr);
    return lbfgs_py(1.0 * L->o.lr);
}

descent_status descent_lbfgs_step(descent_lbfgs *L, float *params,
                                  descent_lbfgs_closure closure, void *ctx, float *loss_out)
{
    if (!L || !params || !closure)
        return descent_fail(DESCENT_ERR_INVALID, "descent_lbfgs_step: %s is NULL",
                            !L ? "opt" : !params ? "params" : "closure");
    const descent_lbfgs_options *o = &L->o;
    L->closure = closure, L->ctx = ctx, L->params = params;
    float *g = L->flat_grad;
    double loss;
    descent_status st = lbfgs_evaluate(L, g, &loss);
    if (loss_out)
        *loss_out = (float)loss;
    if (st != DESCENT_OK)
        return st;
    long current_evals = 1;
    const float tolerance_grad = (float)o->tolerance_grad;
    const float tolerance_change = (float)o->tolerance_change;
    if (lbfgs_abs_max(L, g) <= tolerance_grad)
        return DESCENT_OK;

    for (long n_iter = 1; n_iter <= o->max_iter; n_iter++) {
        L->n_iter++;
        if ((st = compute_direction(L, g)) != DESCENT_OK)
            break;
        memcpy(L->prev_flat_grad, g, L->n * sizeof(float));
        L->prev_loss = loss;

        lbfgs_scalar t = initial_step(L, g);
        L->t = (float)t.value;
        const float gtd = lbfgs_dot(L, g, L->d);
        if (gtd > -tolerance_change)
            break;

        /* Where a failed evaluation takes params back to. */
        memcpy(L->x_init, params, L->n * sizeof(float));
        long ls_func_evals = 0;
        int opt_cond = 0;
        if (o->line_search_fn == DESCENT_LBFGS_STRONG_WOLFE) {
            st = lbfgs_strong_wolfe(L, &t, &loss, gtd, &ls_func_evals);
            memcpy(params, L->x_init, L->n * sizeof(float));
            if (st != DESCENT_OK)
                break;
            lbfgs_axpy(L, (float)t.value, L->d, params);
            L->t = (float)t.value;
            opt_cond = lbfgs_abs_max(L, g) <= tolerance_grad;
        } else {
            lbfgs_axpy(L, (float)t.value, L->d, params);
            if (n_iter != o->max_iter) {
                st = lbfgs_evaluate(L, g, &loss);
                if (st != DESCENT_OK) {
                    memcpy(params, L->x_init, L->n * sizeof(float));
                    break;
                }
                opt_cond = lbfgs_abs_max(L, g) <= tolerance_grad;
                ls_func_evals = 1;
            }
        }
        current_evals += ls_func_evals;

        if (n_iter == o->max_iter || current_evals >= o->max_eval || opt_cond)
            break;
        /* d.mul(t).abs().max(): rounding is monotonic, so it is |t| max|d|. */
        if (fabsf((float)t.value) * lbfgs_abs_max(L, L->d) <= tolerance_change)
            break;
        if (fabs(loss - L->prev_loss) < o->tolerance_change)
            break;
    }
    return st;
}
