/*
 * BM_mixed/adam/<isa>/<param>-<grad>-<state>[-sr|-scaled]/<level>/<n>: one
 * descent_mixed_step of Adam (defaults) with parameters, gradients and state
 * stored in those dtypes (include/descent_precision.h), out of cache.
 * -sr: bf16 parameters rounded stochastically; -scaled: a loss-scaled fp16
 * step (inv_scale 2^-10 and the found_inf check, one more pass over the
 * gradients).
 *
 * Counters: items_per_second (parameters/s), bytes_per_param (what a step
 * must move: parameters read and written, gradients read, both moments read
 * and written: 2 Bp + Bg + 4 Bs, so 28 all fp32, 22 with bf16 parameters and
 * gradients and fp32 state, 14 all bf16; the -scaled check's extra gradient
 * read not counted), bytes_per_second, and the ceiling as BM_step's: the
 * 4r3w in-place kernel's bytes/s on fp32 arrays holding the same bytes as
 * the row's (the pattern cannot run on 16-bit arrays), half its passes
 * just before the timed loop and half just after, and ceiling_fraction,
 * the row's bytes/s over it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "harness.h"

typedef struct mixed_case {
    descent_isa isa;
    descent_precision p;
    int scaled; /* found_inf check and inv_scale */
    size_t n;
} mixed_case;

/* n values uniform in [lo, hi) into out, stored as `dtype`. */
static void fill_as(void *out, descent_dtype dtype, size_t n, uint64_t seed, float lo, float hi)
{
    float buf[1024];
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i += 1024) {
        const size_t m = n - i < 1024 ? n - i : 1024;
        for (size_t k = 0; k < m; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[k] = lo + (hi - lo) * (float)(x >> 40) * (1.0f / 16777216.0f);
        }
        descent_convert(m, DESCENT_FP32, buf, dtype, (char *)out + i * descent_dtype_size(dtype));
    }
}

/* A row's arrays (bench_row_arrays: param, grad, the two states, then the
 * ceiling's four) and its step count, set up and first stepped (the first
 * touch) on its first run. */
static bench_row_arrays mixed_arrays;
static struct mixed_row {
    double mu_product;
    long t;
} mixed_row;

/* The ceiling's fp32 arrays: the same bytes in the 4r3w pattern's 28 per element. */
static size_t ceiling_elements(size_t n, double per_param)
{
    return (size_t)((double)n * per_param / 28.0) / 64 * 64 + 64;
}

static int begin_mixed_row(bench_state *s, const mixed_case *c, const descent_hparams *h,
                           const descent_exec *exec, int *check, double per_param)
{
    const descent_precision *p = &c->p;
    const size_t n = c->n, ceiling_n = ceiling_elements(n, per_param);
    const size_t state_bytes = n * descent_dtype_size(p->state);
    const size_t bytes[8] = {n * descent_dtype_size(p->param), n * descent_dtype_size(p->grad),
                             state_bytes, state_bytes, 4 * ceiling_n, 4 * ceiling_n,
                             4 * ceiling_n, 4 * ceiling_n};
    const int fresh = bench_row_begin(&mixed_arrays, c, 8, bytes);
    if (fresh < 0) {
        bench_skip_with_error(s, "out of memory (%zu parameters)", n);
        return -1;
    }
    if (fresh == 0)
        return 0;
    void **a = mixed_arrays.a;
    fill_as(a[0], p->param, n, 1, -1.0f, 1.0f);
    fill_as(a[1], p->grad, n, 2, -1.0f, 1.0f);
    fill_as(a[2], p->state, n, 3, 0.0f, 0.0f);
    fill_as(a[3], p->state, n, 4, 0.0f, 0.0f);
    for (int k = 0; k < 4; k++)
        fill_as(a[4 + k], DESCENT_FP32, ceiling_n, 5 + (uint64_t)k, -1.0f, 1.0f);
    mixed_row = (struct mixed_row){.mu_product = 1.0, .t = 0};
    void *state[3] = {a[2], a[3], NULL};
    if (descent_mixed_step(DESCENT_ADAM, h, ++mixed_row.t, &mixed_row.mu_product, n, a[0], a[1],
                           state, p, exec, check) != DESCENT_OK) { /* also first touch */
        bench_skip_with_error(s, "%s", descent_last_error());
        mixed_arrays.owner = NULL; /* the next run tries again */
        return -1;
    }
    return 0;
}

void bench_mixed_release(void)
{
    bench_row_release(&mixed_arrays);
}

static void bm_mixed(bench_state *s)
{
    const mixed_case *c = bench_data(s);
    const int threads = bench_threads(s) > 0 ? bench_threads(s) : 1;
    const size_t n = c->n;
    const descent_precision *p = &c->p;
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    const double per_param = 2.0 * (double)descent_dtype_size(p->param) +
                             (double)descent_dtype_size(p->grad) +
                             4.0 * (double)descent_dtype_size(p->state);
    const size_t ceiling_n = ceiling_elements(n, per_param);
    const descent_exec exec = {c->isa, threads};
    int found_inf = 0;
    int *check = c->scaled ? &found_inf : NULL;
    if (begin_mixed_row(s, c, &h, &exec, check, per_param) != 0)
        return;
    void *param = mixed_arrays.a[0], *grad = mixed_arrays.a[1];
    void *state[3] = {mixed_arrays.a[2], mixed_arrays.a[3], NULL};
    float *ceiling[4];
    for (int k = 0; k < 4; k++)
        ceiling[k] = mixed_arrays.a[4 + k];
    const bench_rw_fn rw = bench_ceiling_for(bench_best_isa())->rw;
    const long long passes = (bench_iterations(s) + 1) / 2;
    double ceiling_time =
        bench_time_rw_passes(rw, PATTERN_4R3W, ceiling_n, ceiling, threads, passes);
    const double t0 = descent_seconds();
    while (bench_keep_running(s)) {
        descent_mixed_step(DESCENT_ADAM, &h, ++mixed_row.t, &mixed_row.mu_product, n, param,
                           grad, state, p, &exec, check);
        bench_clobber_memory();
    }
    const double elapsed = descent_seconds() - t0;
    ceiling_time += bench_time_rw_passes(rw, PATTERN_4R3W, ceiling_n, ceiling, threads, passes);
    const double items = (double)bench_iterations(s) * (double)n;
    bench_set_items_processed(s, items);
    bench_set_bytes_processed(s, items * per_param);
    bench_set_counter(s, "bytes_per_param", per_param, 0);
    if (ceiling_time > 0 && elapsed > 0) {
        const double ceiling_bytes = 2.0 * (double)passes * (double)ceiling_n * 28.0;
        bench_set_counter(s, "ceiling_bytes_per_second", ceiling_bytes / ceiling_time,
                          BENCH_COUNTER_BINARY);
        bench_set_counter(s, "ceiling_fraction",
                          items * per_param / elapsed / (ceiling_bytes / ceiling_time), 0);
    }
}

/* The precisions compared: fp32 (the fp32 step's bits and speed), bf16
 * parameters and gradients with fp32 and with bf16 state, stochastic
 * rounding, and fp16 plain and loss-scaled. */
static const struct {
    const char *name;
    descent_dtype param, grad, state;
    int stochastic, scaled;
} precisions[] = {
    {"fp32-fp32-fp32", DESCENT_FP32, DESCENT_FP32, DESCENT_FP32, 0, 0},
    {"bf16-bf16-fp32", DESCENT_BF16, DESCENT_BF16, DESCENT_FP32, 0, 0},
    {"bf16-bf16-bf16", DESCENT_BF16, DESCENT_BF16, DESCENT_BF16, 0, 0},
    {"bf16-bf16-bf16-sr", DESCENT_BF16, DESCENT_BF16, DESCENT_BF16, 1, 0},
    {"fp16-fp16-fp32", DESCENT_FP16, DESCENT_FP16, DESCENT_FP32, 0, 0},
    {"fp16-fp16-fp32-scaled", DESCENT_FP16, DESCENT_FP16, DESCENT_FP32, 0, 1},
    {"fp16-fp16-bf16", DESCENT_FP16, DESCENT_FP16, DESCENT_BF16, 0, 0},
};
#define N_PRECISIONS (sizeof precisions / sizeof precisions[0])

static mixed_case cases[N_PRECISIONS];

void bench_register_mixed(descent_isa isa, const char *level, size_t n, const int *threads,
                          int nthreads)
{
    for (size_t i = 0; i < N_PRECISIONS; i++) {
        mixed_case *c = &cases[i];
        *c = (mixed_case){.isa = isa, .scaled = precisions[i].scaled, .n = n};
        descent_precision_default(&c->p);
        c->p.param = precisions[i].param;
        c->p.grad = precisions[i].grad;
        c->p.state = precisions[i].state;
        c->p.stochastic_rounding = precisions[i].stochastic;
        c->p.seed = 1;
        if (c->scaled)
            c->p.inv_scale = 0x1p-10f;
        for (int t = 0; t < nthreads; t++)
            bench_register("BM_mixed", bm_mixed,
                           &(bench_args){.variant = {"adam", descent_isa_name(isa),
                                                     precisions[i].name, level},
                                         .arg = {(long long)n}, .nargs = 1,
                                         .threads = threads[t], .use_real_time = 1,
                                         .data = c});
    }
}
