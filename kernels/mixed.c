/*
 * Mixed-precision steps over any variant's fp32 kernels (kernel.h,
 * include/descent_precision.h).  Per block of the OpenMP layer, CHUNK
 * elements at a time: the 16-bit arrays are widened into fp32 scratch that
 * stays in L1 (fp32 arrays are used in place), the variant's fp32 kernel
 * steps the chunk, and the scratch is rounded back.  So each optimizer
 * keeps one definition per ISA, and since the kernels are elementwise, a
 * chunk gets the bits the whole array would.  A per-tensor optimizer
 * (LAMB's trust ratio reduces over the tensor) is widened whole instead,
 * into heap scratch, and stepped in one call.  Stochastic rounding draws
 * per global element index, so no split changes its bits.
 *
 * Where the ISA has a fused kernel for the optimizer and the dtypes
 * (kernel.h: descent_fused_kernel; Adam and AdamW, nearest rounding), each
 * block is stepped by it instead: the same operations on the values loaded
 * straight from the 16-bit arrays, so the same bits without the scratch
 * passes, which cost more than the bytes they save.
 */
#include <stdlib.h>
#include <string.h>

#include "../reference/ref_internal.h"
#include "kernel.h"

/* 1024 elements: five fp32 arrays of scratch are 20 KiB, within L1 (32-48
 * KiB); a multiple of every vector width, so only a block's last chunk has a
 * tail.  Each chunk is one kernel call, which computes the step's scalars
 * (bias corrections: pow) again: with 512 that was 13% of an in-cache bf16
 * Adam step, 7% with 1024. */
#define CHUNK 1024
#define SCRATCH_ARRAYS 5 /* param, grad, three states */

typedef struct mixed_call {
    const descent_isa_kernels *isa;
    const descent_step *step;
    size_t n;
    void *param;
    const void *grad;
    void *state[3]; /* NULL when unused */
    const descent_precision *p;
    descent_fused_kernel_fn fused; /* NULL: the chunked path */
} mixed_call;

static void widen(const descent_convert_kernels *cv, descent_dtype dtype, const void *base,
                  size_t start, size_t len, float *out)
{
    const uint16_t *h = (const uint16_t *)base + start;
    if (dtype == DESCENT_BF16)
        cv->widen_bf16(len, h, out);
    else if (dtype == DESCENT_FP16)
        cv->widen_fp16(len, h, out);
    else
        memcpy(out, (const float *)base + start, len * sizeof *out);
}

static void narrow(const descent_convert_kernels *cv, descent_dtype dtype, const float *x,
                   void *base, size_t start, size_t len)
{
    uint16_t *h = (uint16_t *)base + start;
    if (dtype == DESCENT_BF16)
        cv->narrow_bf16(len, x, h);
    else if (dtype == DESCENT_FP16)
        cv->narrow_fp16(len, x, h);
}

/* An fp32 array's own elements, or scratch holding the widened ones. */
static float *fp32_view(const descent_convert_kernels *cv, descent_dtype dtype, void *base,
                        size_t start, size_t len, float *scratch)
{
    if (dtype == DESCENT_FP32)
        return (float *)base + start;
    widen(cv, dtype, base, start, len, scratch);
    return scratch;
}

/* Steps [start, start + len) in pieces of `chunk` elements, with scratch
 * of SCRATCH_ARRAYS * chunk floats. */
static void step_range(const mixed_call *c, size_t start, size_t len, float *scratch,
                       size_t chunk)
{
    const descent_convert_kernels *cv = &c->isa->convert;
    const descent_precision *p = c->p;
    const descent_kernel_fn kernel = c->isa->optim[c->step->kind];
    for (size_t at = start; at < start + len; at += chunk) {
        const size_t m = start + len - at < chunk ? start + len - at : chunk;
        float *param = fp32_view(cv, p->param, c->param, at, m, scratch);
        const float *grad;
        if (p->grad == DESCENT_FP32 && p->inv_scale == 1.0f) {
            grad = (const float *)c->grad + at;
        } else { /* widened (or copied: grad is read only), then unscaled */
            widen(cv, p->grad, c->grad, at, m, scratch + chunk);
            if (p->inv_scale != 1.0f)
                c->isa->scale(m, scratch + chunk, p->inv_scale);
            grad = scratch + chunk;
        }
        float *state[3];
        for (int k = 0; k < 3; k++)
            state[k] = c->state[k] ? fp32_view(cv, p->state, c->state[k], at, m,
                                               scratch + (2 + k) * chunk)
                                   : NULL;
        kernel(c->step, m, param, grad, state);
        if (p->stochastic_rounding)
            descent_ref_narrow_bf16_stochastic(m, param, (uint16_t *)c->param + at, p->seed,
                                               c->step->t, at);
        else
            narrow(cv, p->param, param, c->param, at, m);
        for (int k = 0; k < 3; k++)
            if (state[k])
                narrow(cv, p->state, state[k], c->state[k], at, m);
    }
}

static void step_block(void *ctx, size_t start, size_t len)
{
    _Alignas(64) float scratch[SCRATCH_ARRAYS * CHUNK];
    step_range(ctx, start, len, scratch, CHUNK);
}

/* A fused call's arrays from element `start` on. */
static void fused_block(void *ctx, size_t start, size_t len)
{
    const mixed_call *c = ctx;
    const descent_precision *p = c->p;
    const size_t pb = descent_dtype_size(p->param), sb = descent_dtype_size(p->state);
    void *state[3];
    for (int k = 0; k < 3; k++)
        state[k] = c->state[k] ? (char *)c->state[k] + start * sb : NULL;
    c->fused(c->step, len, (char *)c->param + start * pb,
             (const char *)c->grad + start * descent_dtype_size(p->grad), state, p->inv_scale);
}

/* isa's fused kernel for this step, or NULL: the chunked path then. */
static descent_fused_kernel_fn fused_kernel(const descent_isa_kernels *isa,
                                            const descent_step *step, const descent_precision *p)
{
    if (!isa->fused || p->stochastic_rounding || descent_kernel_per_tensor(step->kind))
        return NULL;
    const descent_fused_table *table = isa->fused(step->kind, 1);
    if (!table)
        return NULL;
    return (*table)[p->param][p->grad][p->state];
}

static void mixed_step(const descent_isa_kernels *isa, const descent_step *step, size_t n,
                       void *param, const void *grad, void *const state[3],
                       const descent_precision *p, int threads, int allow_fused)
{
    mixed_call c = {isa, step, n, param, grad, {NULL, NULL, NULL}, p, NULL};
    for (int k = 0; k < descent_optim_state_count(step->kind); k++)
        if (descent_optim_state_used(step->kind, step->h, k))
            c.state[k] = state ? state[k] : NULL; /* NULL only with n = 0 */
    c.fused = allow_fused ? fused_kernel(isa, step, p) : NULL;
    if (c.fused) {
        descent_parallel_for_blocks(n, threads, fused_block, &c);
        return;
    }
    if (!descent_kernel_per_tensor(step->kind)) {
        descent_parallel_for_blocks(n, threads, step_block, &c);
        return;
    }
    /* One tensor, one call: scratch for all of it.  Without memory, the
     * chunked path would cut the reduction, so fall back to the reference
     * definition's own copies instead (the same step, on one thread). */
    float *scratch = malloc(SCRATCH_ARRAYS * (n ? n : 1) * sizeof *scratch);
    if (scratch) {
        step_range(&c, 0, n, scratch, n ? n : 1);
        free(scratch);
    } else {
        double product = step->mu_product_before;
        descent_ref_mixed_step(step->kind, step->h, step->t, &product, n, param, grad, c.state,
                               p, NULL);
    }
}

void descent_parallel_mixed_step(const descent_isa_kernels *isa, const descent_step *step,
                                 size_t n, void *param, const void *grad, void *const state[3],
                                 const descent_precision *p, int threads)
{
    mixed_step(isa, step, n, param, grad, state, p, threads, 1);
}

void descent_parallel_mixed_step_chunked(const descent_isa_kernels *isa,
                                         const descent_step *step, size_t n, void *param,
                                         const void *grad, void *const state[3],
                                         const descent_precision *p, int threads)
{
    mixed_step(isa, step, n, param, grad, state, p, threads, 0);
}

typedef struct check_call {
    const descent_isa_kernels *isa;
    descent_dtype dtype;
    const void *grad;
} check_call;

static float block_nonfinite(void *ctx, size_t start, size_t len)
{
    const check_call *c = ctx;
    if (c->dtype == DESCENT_FP32)
        return c->isa->first_nonfinite(len, (const float *)c->grad + start) < len;
    _Alignas(64) float scratch[CHUNK];
    for (size_t at = start; at < start + len; at += CHUNK) {
        const size_t m = start + len - at < CHUNK ? start + len - at : CHUNK;
        widen(&c->isa->convert, c->dtype, c->grad, at, m, scratch);
        if (c->isa->first_nonfinite(m, scratch) < m)
            return 1;
    }
    return 0;
}

int descent_parallel_mixed_nonfinite(const descent_isa_kernels *isa, size_t n,
                                     descent_dtype dtype, const void *grad, int threads)
{
    const size_t blocks = descent_parallel_block_count(n);
    float one, *partial = blocks > 1 ? malloc(blocks * sizeof *partial) : &one;
    if (!partial)
        return -1;
    check_call c = {isa, dtype, grad};
    descent_parallel_reduce_blocks(n, threads, block_nonfinite, &c, partial);
    int found = 0;
    for (size_t b = 0; b < blocks; b++)
        found |= partial[b] != 0;
    if (partial != &one)
        free(partial);
    return found;
}
