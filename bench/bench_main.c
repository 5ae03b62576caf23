/*
 * descent-bench — the throughput benchmarks of libdescent, on the
 * Google-Benchmark-compatible harness (bench/harness.h; the same flags,
 * console, JSON and CSV as GB, so GB's tools/compare.py reads the output).
 *
 * Families (every name is "<family>/<variant...>/<args>/real_time/threads:N"):
 *
 *   BM_step/<optimizer>/<isa>/<level>/<n>      one descent_optimizer_step on
 *       n parameters.  optimizer: every optimizer of the registry at
 *       PyTorch's defaults (sgd adam adamw rmsprop adagrad adadelta adamax
 *       nadam radam), and the registry's benchmark branches, sgd_momentum
 *       and nesterov (momentum 0.9, lr 0.01); isa: every variant
 *       descent_isa_supported() accepts, scalar included; level: the size
 *       class, from the CPU's caches in sysfs — L1 and L2 (3/4 of one
 *       core's cache holds the 4 arrays of Adam), LLC (3/4 of the last
 *       level), mem (the 4 arrays are >= 8x the last level cache).
 *       Counters: items_per_second = parameters/s; bytes_per_second = the
 *       bytes the step must move (table below); GFLOPS (nominal flops per
 *       parameter, table below); arith_intensity = flops/byte;
 *       ceiling_bytes_per_second = what the in-place kernel of the same
 *       access pattern (BM_ceiling's) reached on this row's own arrays and
 *       thread count, with a multiplier of 0 that leaves the values as they
 *       are, measured around the timed loop (half its passes just before,
 *       half just after); ceiling_fraction = achieved bytes/s / that.
 *   BM_ceiling/<pattern>/<level>/<n>            the in-place access pattern
 *       of the optimizers (2r1w, 3r2w, 4r3w: reads R arrays, writes W of
 *       them back) with trivial arithmetic, vectorized with the widest ISA;
 *       BM_ceiling/triad/...: STREAM's triad a = b + s c for reference
 *       (bytes_per_second counts 12 B/element as STREAM does; the store
 *       also pays a write-allocate, so 16 B really move: counter
 *       bytes_moved_per_second).
 *   BM_peak_fma/<isa>                           register-only multiply-adds:
 *       the compute peak (GFLOPS) per core and on all cores.
 *   BM_peak_tile/<isa>                          the same multiply-adds fed
 *       from L1 as a GEMM register tile is (vector loads and broadcasts,
 *       bench/ceiling.c): the ceiling a GEMM kernel can reach.
 *   BM_mlp/<op>/<isa>/batch:<B>                 the 784-128-10 ReLU MLP
 *       (bench_mlp.c): forward, forward_backward, train_step (forward +
 *       backward + Adam step); BM_mlp/<op>/openblas/...: OpenBLAS sgemm on
 *       the same GEMM shapes.
 *
 *   BM_hogwild/sparse_logreg/<epoch|to_target>/batch:1   Hogwild on 1, 2
 *       and all threads (bench_hogwild.c): updates/s, time to a target loss.
 *
 *   BM_step/<name>/port:<symbol>/<level>/<n>    --port NAME=LIB.so:SYMBOL:
 *       someone else's step with the reference's signature, with BM_step's
 *       sizes, threads, counters and ceiling (bench/ports.c, bench/README.md).
 *   BM_mlp/<op>/gemm:<symbol>/batch:<B>         --gemm LIB.so:SYMBOL: the MLP
 *       with every product one call of that cblas_sgemm (bench_mlp.c).
 *
 * Threads: 1 and all cores (omp_get_max_threads()).  Sizes that fit in one
 * block of the library's OpenMP layer (16 Ki elements) always run on one
 * thread, so they are registered for threads:1 only.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "config.h"
#include "harness.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

/* ------------------------------------------------------------ tables */

const struct bench_pattern_info bench_patterns[PATTERN_COUNT] = {
    [PATTERN_2R1W] = {"2r1w", 2, 1},
    [PATTERN_3R2W] = {"3r2w", 3, 2},
    [PATTERN_4R3W] = {"4r3w", 4, 3},
};

/*
 * The optimizer configurations: every optimizer of the registry at its
 * defaults and the branches it marks for benchmarks (bench.h), each with
 * the access pattern its state arrays make (found by creating one:
 * find_patterns) and the registry's nominal flops per parameter.  bytes/param
 * = 4 * (reads + writes) of its pattern; the flops count the arithmetic of
 * PyTorch's algorithm per element (each +, -, *, /, sqrt, max, abs counts 1;
 * an FMA counts 2; per-step scalars such as bias corrections are not
 * counted):
 *
 *   optimizer     pattern  B/param  flops/param
 *   sgd           2r1w     12       2   p -= lr g
 *   sgd_momentum  3r2w     20       4   b = mu b + g; p -= lr b
 *   nesterov      3r2w     20       6   b = mu b + g; d = g + mu b; p -= lr d
 *   rmsprop       3r2w     20       9   v = a v + (1-a) g^2; p -= lr g / (sqrt(v) + eps)
 *   adagrad       3r2w     20       7   s += g^2; p -= clr g / (sqrt(s) + eps)
 *   adam          4r3w     28      13   m, v updates (3 + 4); denom = sqrt(v)/sqrt(bc2) + eps (3);
 *                                       p -= step m / denom (3)
 *   adamw         4r3w     28      14   adam + p *= 1 - lr wd
 *   adamax        4r3w     28      10   m (3); u = max(b2 u, |g| + eps) (4); p -= clr m / u (3)
 *   nadam         4r3w     28      16   m, v (7); denom (3); p -= c1 g/denom + c2 m/denom (6)
 *   radam         4r3w     28      14   m, v (7); rectified: sqrt(v)+eps, r / denom (4); p (3)
 *   adadelta      4r3w     28      16   v (4); std = sqrt(v+eps) (2); delta = sqrt(u+eps)/std g (4);
 *                                       u = rho u + (1-rho) delta^2 (4); p -= lr delta (2)
 *   rprop         4r3w     28       6   g*prev (1); eta*factor, clamp (3); p -= sign(g) eta (2)
 *   asgd          3r2w     20       3   p *= 1 - lambd eta (1); p -= eta g (2); ax = p while
 *                                       mu = 1 (0; 3 more once it averages)
 */
typedef struct optcfg {
    bench_optim_config c;
    bench_pattern pattern;
} optcfg;

static optcfg optcfgs[BENCH_MAX_CONFIGS];
static size_t n_optcfg;

static double pattern_bytes(bench_pattern p)
{
    return 4.0 * (bench_patterns[p].reads + bench_patterns[p].writes);
}

/* -------------------------------------------------------------- sizes */

#define N_LEVELS 4
static const char *const level_names[N_LEVELS] = {"L1", "L2", "LLC", "mem"};
static size_t level_n[N_LEVELS];

static long long read_cache_size(int want_level, int want_data)
{
    long long best = 0;
    for (int i = 0; i < 16; i++) {
        char path[128], buf[64];
        FILE *f;
        int level = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        if ((f = fopen(path, "r")) == NULL)
            break;
        if (fscanf(f, "%d", &level) != 1)
            level = 0;
        fclose(f);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        if (fscanf(f, "%63s", buf) != 1)
            buf[0] = '\0';
        fclose(f);
        if (strcmp(buf, "Instruction") == 0 || (want_data && strcmp(buf, "Data") != 0 &&
                                                strcmp(buf, "Unified") != 0))
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        long long kib = 0;
        char unit = 'K';
        if (fscanf(f, "%lld%c", &kib, &unit) >= 1) {
            long long bytes = kib * (unit == 'M' ? 1024 * 1024 : unit == 'K' ? 1024 : 1);
            if ((want_level > 0 && level == want_level) ||
                (want_level == 0 && bytes > best)) /* 0: the last level */
                best = bytes;
        }
        fclose(f);
    }
    return best;
}

static size_t pow2_floor(double x)
{
    size_t n = 64;
    while ((double)(n * 2) <= x)
        n *= 2;
    return n;
}

static void choose_sizes(void)
{
    long long l1 = read_cache_size(1, 1), l2 = read_cache_size(2, 1), llc = read_cache_size(0, 1);
    if (l1 <= 0)
        l1 = 32 << 10;
    if (l2 <= 0)
        l2 = 1 << 20;
    if (llc <= 0)
        llc = 32 << 20;
    /* 16 bytes per parameter: Adam's 4 arrays, the largest footprint. */
    level_n[0] = pow2_floor(0.75 * (double)l1 / 16);
    level_n[1] = pow2_floor(0.75 * (double)l2 / 16);
    level_n[2] = pow2_floor(0.75 * (double)llc / 16);
    size_t mem = pow2_floor(8.0 * (double)llc / 16);
    if ((double)mem * 16 < 8.0 * (double)llc)
        mem *= 2;
    /* At most 1/256 of the machine's memory in parameters: the run keeps
     * each ceiling pattern's arrays (12 of n floats in all) beside a step's
     * (up to 6), about 70 bytes per parameter.  Without the cap a 480 MiB
     * LLC (the 2-core Intel Xeon VM) asked for 2^28 parameters, 1 GiB per
     * array, and make bench was killed for memory on 24 GiB; capped, that
     * machine's memory rows have 2^26 (1 GiB for Adam's four arrays, still
     * twice that LLC). */
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) {
        const size_t cap = pow2_floor((double)pages * (double)page / 256.0);
        if (mem > cap)
            mem = cap;
    }
    level_n[3] = mem > level_n[2] ? mem : 2 * level_n[2];
}

/* ------------------------------------------------------------ helpers */

int bench_all_threads(void)
{
#if DESCENT_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static float *alloc_floats(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes);
}

/* Uniform in [lo, hi), a cheap generator (the values do not matter). */
static void fill(float *a, size_t n, uint64_t seed, float lo, float hi)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        a[i] = lo + (hi - lo) * (float)(x >> 40) * (1.0f / 16777216.0f);
    }
}

const bench_ceiling_kernels *bench_ceiling_for(descent_isa isa)
{
    static const bench_ceiling_kernels *const tables[DESCENT_ISA_COUNT] = {
        [DESCENT_ISA_SCALAR] = &bench_scalar_ceiling,
#if DESCENT_BUILD_AVX2
        [DESCENT_ISA_AVX2] = &bench_avx2_ceiling,
#endif
#if DESCENT_BUILD_AVX512
        [DESCENT_ISA_AVX512] = &bench_avx512_ceiling,
#endif
    };
    return (unsigned)isa < DESCENT_ISA_COUNT ? tables[isa] : NULL;
}

descent_isa bench_best_isa(void)
{
    descent_isa best = DESCENT_ISA_SCALAR;
    for (int i = 0; i < DESCENT_ISA_COUNT; i++) {
        const bench_ceiling_kernels *c = bench_ceiling_for((descent_isa)i);
        if (c && descent_isa_supported((descent_isa)i) &&
            c->width > bench_ceiling_for(best)->width)
            best = (descent_isa)i;
    }
    return best;
}

/* ------------------------------------------------ ceiling arrays */

/* BM_ceiling's arrays, one set per pattern (PATTERN_COUNT = triad) and
 * size class, allocated and filled on first use and kept for the run, so
 * the memory size's arrays (choose_sizes) are filled once, not per
 * repetition. */
static struct ceiling_arrays {
    size_t n;
    float *a[4];
} ceiling_arrays[PATTERN_COUNT + 1][N_LEVELS];

static int pattern_arrays(int pattern)
{
    return pattern == PATTERN_COUNT ? 3 : bench_patterns[pattern].reads;
}

static float *const *ceiling_arrays_for(int pattern, int level, size_t n)
{
    struct ceiling_arrays *c = &ceiling_arrays[pattern][level];
    if (c->n == n && c->a[0] != NULL)
        return c->a;
    for (int i = 0; i < 4; i++) {
        free(c->a[i]);
        c->a[i] = NULL;
    }
    c->n = n;
    for (int i = 0; i < pattern_arrays(pattern); i++) {
        if ((c->a[i] = alloc_floats(n)) == NULL)
            return NULL;
        fill(c->a[i], n, (uint64_t)i + 7, -1.0f, 1.0f);
    }
    return c->a;
}

static void free_ceiling_arrays(void)
{
    for (int p = 0; p <= PATTERN_COUNT; p++)
        for (int l = 0; l < N_LEVELS; l++)
            for (int i = 0; i < 4; i++)
                free(ceiling_arrays[p][l].a[i]);
}

int bench_row_begin(bench_row_arrays *r, const void *owner, int count, const size_t *bytes)
{
    if (owner == r->owner)
        return 0;
    r->owner = NULL;
    for (int i = 0; i < count && i < BENCH_ROW_ARRAYS; i++) {
        if (r->a[i] != NULL && r->bytes[i] >= bytes[i])
            continue;
        free(r->a[i]);
        r->bytes[i] = (bytes[i] + 63) / 64 * 64;
        if ((r->a[i] = aligned_alloc(64, r->bytes[i] ? r->bytes[i] : 64)) == NULL) {
            bench_row_release(r);
            return -1;
        }
    }
    r->owner = owner;
    return 1;
}

void bench_row_release(bench_row_arrays *r)
{
    for (int i = 0; i < BENCH_ROW_ARRAYS; i++)
        free(r->a[i]);
    *r = (bench_row_arrays){0};
}

/* Runs `passes` passes of the rw pattern with multiplier 0 (values kept)
 * and returns the seconds taken. */
double bench_time_rw_passes(bench_rw_fn rw, bench_pattern p, size_t n, float *const *a,
                             int threads, long long passes)
{
    double t0 = descent_seconds();
    for (long long k = 0; k < passes; k++) {
        rw(p, n, a, 0.0f, threads);
        bench_clobber_memory();
    }
    return descent_seconds() - t0;
}

/* The best rate seen of each peak (bench_peak kind), ISA and thread
 * index: the BM_peak_* rows note theirs, the MLP rows divide by them. */
static double peak_cache[BENCH_PEAK_KINDS][DESCENT_ISA_COUNT][2];

static double run_fma_parallel(bench_fma_fn fma, long iters, int threads)
{
    double flops = 0;
#if DESCENT_HAVE_OPENMP
    if (threads > 1) {
#pragma omp parallel num_threads(threads) reduction(+ : flops)
        flops += fma(iters);
        return flops;
    }
#endif
    (void)threads;
    return fma(iters);
}

/* The family of each bench_peak kind's rows. */
static const char *const peak_families[BENCH_PEAK_KINDS] = {"BM_peak_fma", "BM_peak_tile"};

void bench_note_peak(bench_peak kind, descent_isa isa, int tidx, double flops_per_s)
{
    if (flops_per_s > peak_cache[kind][isa][tidx])
        peak_cache[kind][isa][tidx] = flops_per_s;
}

double bench_peak_flops(bench_peak kind, descent_isa isa, int tidx, int threads)
{
    if (peak_cache[kind][isa][tidx] > 0)
        return peak_cache[kind][isa][tidx];
    const bench_ceiling_kernels *ceiling = bench_ceiling_for(isa);
    if (ceiling == NULL)
        return 0;
    const bench_fma_fn fma = ceiling->fma[kind];
    run_fma_parallel(fma, 10000, threads);
    double start = descent_seconds();
    do {
        double t0 = descent_seconds();
        double flops = run_fma_parallel(fma, 200000, threads);
        bench_note_peak(kind, isa, tidx, flops / (descent_seconds() - t0));
    } while (descent_seconds() - start < 0.05);
    return peak_cache[kind][isa][tidx];
}

/* ------------------------------------------------------ benchmarks */

typedef struct bench_case {
    int opt;          /* index in optcfgs, or pattern for ceilings */
    descent_isa isa;
    int level;
    size_t n;
    int tidx;
    const bench_step_port *port; /* BM_step: NULL for descent's own step */
} bench_case;

/*
 * What a BM_step row times, behind one call: descent's optimizer object
 * (its variant and threads), or a port called through
 * descent_call_reference_signature with state arrays allocated here as
 * the registry describes them.  state[] lists the state arrays in use (for
 * the ceiling, which runs on the row's own arrays).
 */
typedef struct step_runner {
    descent_status (*step)(struct step_runner *r, float *p, const float *g);
    float *state[3]; /* in the reference's argument order, NULL when unused */
    size_t n;
    int threads;
    descent_optimizer *opt;
    const bench_step_port *port;
    descent_optim_kind kind;
    descent_hparams h;
    long t;
    double product; /* NAdam's running product, for the shape that carries it */
} step_runner;

static descent_status descent_step(step_runner *r, float *p, const float *g)
{
    return descent_optimizer_step(r->opt, p, g);
}

/* The port on the blocks of the OpenMP layer (descent_parallel_for_blocks):
 * a port of an elementwise optimizer is elementwise by contract, so slices
 * of the arrays at the same step t give the whole call's values (a
 * per-tensor one, LAMB, is called once, whole).  Each block starts from
 * the step's running product and the first one's result is kept (all
 * compute the same). */
typedef struct port_call {
    step_runner *r;
    long t;
    float *p;
    const float *g;
    double product_before, product_after;
} port_call;

static void port_block(void *ctx, size_t start, size_t len)
{
    port_call *c = ctx;
    step_runner *r = c->r;
    float *const slice[3] = {r->state[0] ? r->state[0] + start : NULL,
                             r->state[1] ? r->state[1] + start : NULL,
                             r->state[2] ? r->state[2] + start : NULL};
    double block_product = c->product_before;
    descent_call_reference_signature(r->kind, r->port->fn, &r->h, c->t, len, c->p + start,
                                     c->g + start, slice, &block_product);
    if (start == 0)
        c->product_after = block_product;
}

static descent_status port_step(step_runner *r, float *p, const float *g)
{
    port_call c = {.r = r, .t = ++r->t, .p = p, .g = g, .product_before = r->product,
                   .product_after = r->product};
    if (descent_optim_per_tensor(r->kind)) /* one tensor (LAMB): the port's call is whole */
        port_block(&c, 0, r->n);
    else
        descent_parallel_for_blocks(r->n, r->threads, port_block, &c);
    r->product = c.product_after;
    return DESCENT_OK;
}

/* Sets r up for the row (the first step done: also the first touch);
 * 0, or -1 with the reason in `why`. */
static int open_runner(step_runner *r, const bench_case *c, const descent_hparams *h,
                       char *why, size_t why_size)
{
    const optcfg *cfg = &optcfgs[c->opt];
    const descent_optim_info *info = descent_optim_info_of(cfg->c.kind);
    r->kind = cfg->c.kind;
    r->h = *h;
    if (c->port == NULL) {
        r->step = descent_step;
        if (descent_optimizer_create(cfg->c.kind, h, r->n, &r->opt) != DESCENT_OK ||
            descent_optimizer_set_isa(r->opt, c->isa) != DESCENT_OK ||
            descent_optimizer_set_threads(r->opt, r->threads) != DESCENT_OK) {
            snprintf(why, why_size, "%s", descent_last_error());
            return -1;
        }
        /* The optimizer's own arrays, read through its public accessor
         * (the ceiling writes them back unchanged). */
        for (int k = 0; k < info->state_count; k++)
            r->state[k] = (float *)descent_optimizer_state(r->opt, k);
    } else {
        r->step = port_step;
        r->port = c->port;
        r->product = 1.0;
        for (int k = 0; k < info->state_count; k++) {
            if (!descent_optim_state_used(cfg->c.kind, h, k))
                continue;
            if ((r->state[k] = alloc_floats(r->n)) == NULL) {
                snprintf(why, why_size, "out of memory (%zu parameters)", r->n);
                return -1;
            }
            const descent_hparam_key init = info->states[k].initial;
            const float v = init == DESCENT_HP_NONE ? 0.0f : (float)descent_hparams_get(h, init);
            for (size_t i = 0; i < r->n; i++)
                r->state[k][i] = v;
        }
    }
    return 0;
}

static void close_runner(step_runner *r)
{
    if (r->opt)
        descent_optimizer_free(r->opt);
    else
        for (int k = 0; k < 3; k++)
            free(r->state[k]);
}

/* BM_step's row: its p and g (bench_row_arrays) and its runner, set up and
 * first stepped (the first touch) on the row's first run. */
static bench_row_arrays step_arrays;
static step_runner step_run;

static void release_step_row(void)
{
    close_runner(&step_run);
    step_run = (step_runner){0};
    bench_row_release(&step_arrays);
}

/* Whether a and b are one row but for the thread count: its threads:1 and
 * threads:2 twins share their arrays and runner, so that their repetitions
 * taken in turn (make bench's --benchmark_interleave_family) do not set up
 * and first-touch a gigabyte at each turn. */
static int same_step_row(const bench_case *a, const bench_case *b)
{
    return a->opt == b->opt && a->isa == b->isa && a->level == b->level && a->n == b->n &&
           a->port == b->port;
}

/* 0, or -1 after skipping the run with the reason. */
static int begin_step_row(bench_state *s, const bench_case *c, int threads)
{
    const bench_case *last = step_arrays.owner;
    if (last != NULL && last != c && same_step_row(last, c)) {
        step_arrays.owner = c;
        step_run.threads = threads;
        if (step_run.opt == NULL ||
            descent_optimizer_set_threads(step_run.opt, threads) == DESCENT_OK)
            return 0;
        bench_skip_with_error(s, "%s", descent_last_error());
        step_arrays.owner = NULL;
        return -1;
    }
    const size_t bytes[2] = {c->n * sizeof(float), c->n * sizeof(float)};
    const int fresh = bench_row_begin(&step_arrays, c, 2, bytes);
    if (fresh == 0)
        return 0;
    close_runner(&step_run);
    step_run = (step_runner){.n = c->n, .threads = threads};
    if (fresh < 0) {
        bench_skip_with_error(s, "out of memory (%zu parameters)", c->n);
        return -1;
    }
    float *p = step_arrays.a[0], *g = step_arrays.a[1];
    fill(p, c->n, 1, -1.0f, 1.0f);
    fill(g, c->n, 2, -1.0f, 1.0f);
    descent_hparams h;
    bench_optim_hparams(&optcfgs[c->opt].c, &h); /* checked by find_patterns */
    char why[256];
    if (open_runner(&step_run, c, &h, why, sizeof why) != 0) {
        bench_skip_with_error(s, "%s", why);
    } else if (step_run.step(&step_run, p, g) != DESCENT_OK) { /* also first touch */
        bench_skip_with_error(s, "%s", descent_last_error());
    } else {
        return 0;
    }
    step_arrays.owner = NULL; /* the next run tries again (and says why again) */
    return -1;
}

static void bm_step(bench_state *s)
{
    const bench_case *c = bench_data(s);
    const optcfg *cfg = &optcfgs[c->opt];
    const int threads = bench_threads(s) > 0 ? bench_threads(s) : 1;
    const size_t n = c->n;
    if (begin_step_row(s, c, threads) != 0)
        return;
    step_runner *run = &step_run;
    float *p = step_arrays.a[0], *g = step_arrays.a[1];
    /* The ceiling of this access pattern, measured on this row's own
     * arrays (the same pages and cache state; multiplier 0, so the values
     * stay as they are) and around the timed loop on the same thread
     * count: half its passes just before the loop, half just after.  The
     * memory and shared last-level cache bandwidth of this machine drift by
     * +-20% over tens of seconds with other tenants' load, and a second
     * set of arrays competed with these for the last-level cache, so a
     * ceiling measured elsewhere or on other arrays gave fractions above
     * 1. */
    float *arrays[4];
    int na = 0;
    arrays[na++] = p;
    for (int k = 0; k < 3; k++)
        if (run->state[k] != NULL)
            arrays[na++] = run->state[k];
    arrays[na++] = g;
    const bench_rw_fn rw = bench_ceiling_for(bench_best_isa())->rw;
    const long long passes = (bench_iterations(s) + 1) / 2;
    double ceiling_time = bench_time_rw_passes(rw, cfg->pattern, n, arrays, threads, passes);
    double t0 = descent_seconds();
    while (bench_keep_running(s)) {
        run->step(run, p, g);
        bench_clobber_memory();
    }
    double elapsed = descent_seconds() - t0;
    ceiling_time += bench_time_rw_passes(rw, cfg->pattern, n, arrays, threads, passes);
    double items = (double)bench_iterations(s) * (double)n;
    double bytes = items * pattern_bytes(cfg->pattern);
    bench_set_items_processed(s, items);
    bench_set_bytes_processed(s, bytes);
    bench_set_counter(s, "GFLOPS", items * cfg->c.flops * 1e-9, BENCH_COUNTER_RATE);
    bench_set_counter(s, "arith_intensity", cfg->c.flops / pattern_bytes(cfg->pattern), 0);
    if (ceiling_time > 0 && elapsed > 0) {
        const double ceiling_bytes = 2.0 * (double)passes * (double)n * pattern_bytes(cfg->pattern);
        const double ceiling = ceiling_bytes / ceiling_time;
        bench_set_counter(s, "ceiling_bytes_per_second", ceiling, BENCH_COUNTER_BINARY);
        bench_set_counter(s, "ceiling_fraction", bytes / elapsed / ceiling, 0);
    }
}

static void bm_ceiling(bench_state *s)
{
    const bench_case *c = bench_data(s);
    const int threads = bench_threads(s) > 0 ? bench_threads(s) : 1;
    const size_t n = c->n;
    const int triad = c->opt == PATTERN_COUNT;
    const descent_isa isa = bench_best_isa();
    float *const *a = ceiling_arrays_for(c->opt, c->level, n);
    if (a == NULL) {
        bench_skip_with_error(s, "out of memory");
        return;
    }
    const bench_rw_fn rw = bench_ceiling_for(isa)->rw;
    const bench_triad_fn tr = bench_ceiling_for(isa)->triad;
    if (triad)
        tr(n, a[0], a[1], a[2], threads); /* into cache (or memory's pages) */
    else
        rw((bench_pattern)c->opt, n, a, 1e-7f, threads);
    if (triad) {
        while (bench_keep_running(s)) {
            tr(n, a[0], a[1], a[2], threads);
            bench_clobber_memory();
        }
    } else {
        while (bench_keep_running(s)) {
            rw((bench_pattern)c->opt, n, a, 1e-7f, threads);
            bench_clobber_memory();
        }
    }
    double items = (double)bench_iterations(s) * (double)n;
    double per = triad ? 12.0 : pattern_bytes((bench_pattern)c->opt);
    bench_set_items_processed(s, items);
    bench_set_bytes_processed(s, items * per);
    if (triad)
        bench_set_counter(s, "bytes_moved_per_second", items * 16.0,
                          BENCH_COUNTER_RATE | BENCH_COUNTER_BINARY);
    bench_set_label(s, descent_isa_name(isa));
}

/* BM_peak_fma and BM_peak_tile: c->opt is the bench_peak kind. */
static void bm_peak(bench_state *s)
{
    const bench_case *c = bench_data(s);
    const int threads = bench_threads(s) > 0 ? bench_threads(s) : 1;
    const bench_peak kind = (bench_peak)c->opt;
    const bench_ceiling_kernels *ceiling = bench_ceiling_for(c->isa);
    const bench_fma_fn fma = ceiling->fma[kind];
    const long inner = 100000;
    run_fma_parallel(fma, 1000, threads);
    double flops = 0, t0 = descent_seconds();
    while (bench_keep_running(s))
        flops += run_fma_parallel(fma, inner, threads);
    double elapsed = descent_seconds() - t0;
    bench_set_counter(s, "GFLOPS", flops * 1e-9, BENCH_COUNTER_RATE);
    bench_set_label(s, ceiling->peak_label[kind]);
    if (elapsed > 0)
        bench_note_peak(kind, c->isa, c->tidx, flops / elapsed);
}

/* ------------------------------------------------------------ main */

/* Every case is also listed here, to be freed once bench_main returns (so
 * that LeakSanitizer in `make test SANITIZE=1` sees no leak). */
static bench_case **all_cases;
static size_t n_cases;

static bench_case *new_case(bench_case c)
{
    bench_case *p = malloc(sizeof *p);
    bench_case **grown = realloc(all_cases, (n_cases + 1) * sizeof *grown);
    if (grown)
        all_cases = grown;
    if (p == NULL || grown == NULL) {
        fprintf(stderr, "descent-bench: out of memory\n");
        exit(1);
    }
    all_cases[n_cases++] = p;
    *p = c;
    return p;
}

/* The configurations, each with the access pattern of the state arrays it
 * uses (read from an optimizer created with its hyperparameters). */
static int find_patterns(void)
{
    bench_optim_config configs[BENCH_MAX_CONFIGS];
    n_optcfg = (size_t)bench_optim_configs(configs);
    for (size_t i = 0; i < n_optcfg; i++) {
        descent_hparams h;
        descent_optimizer *opt;
        if (bench_optim_hparams(&configs[i], &h) != DESCENT_OK ||
            descent_optimizer_create(configs[i].kind, &h, 64, &opt) != DESCENT_OK) {
            fprintf(stderr, "descent-bench: %s: %s\n", configs[i].name, descent_last_error());
            return -1;
        }
        int states = 0;
        for (int k = 0; k < descent_optim_state_count(configs[i].kind); k++)
            states += descent_optimizer_state(opt, k) != NULL;
        descent_optimizer_free(opt);
        int p = 0;
        while (p < PATTERN_COUNT && bench_patterns[p].reads != states + 2)
            p++;
        if (p == PATTERN_COUNT) {
            fprintf(stderr, "descent-bench: %s uses %d state arrays: no access pattern\n",
                    configs[i].name, states);
            return -1;
        }
        optcfgs[i] = (optcfg){configs[i], (bench_pattern)p};
    }
    return 0;
}

/* BM_threshold/adam/<isa>/<n>: Adam's step (BM_step's timing) on the
 * widest variant from 16 Ki to 512 Ki parameters, on 1 and all threads:
 * where a second thread starts to pay, the crossover kernels/parallel.c's
 * PARALLEL_MIN_ELEMENTS was measured with (its comment has the command). */
static void register_threshold_rows(descent_isa isa, const int *thread_counts, int ntc)
{
    size_t adam = 0;
    while (adam < n_optcfg && strcmp(optcfgs[adam].c.name, "adam") != 0)
        adam++;
    if (adam == n_optcfg)
        return;
    for (size_t n = 16384; n <= 524288; n *= 2)
        for (int t = 0; t < ntc; t++)
            bench_register("BM_threshold", bm_step,
                           &(bench_args){.variant = {"adam", descent_isa_name(isa)},
                                         .arg = {(long long)n}, .nargs = 1,
                                         .threads = thread_counts[t], .use_real_time = 1,
                                         .data = new_case((bench_case){
                                             .opt = (int)adam, .isa = isa, .level = 1, .n = n,
                                             .tidx = t})});
}

/* BM_step/<name>/port:<symbol>/<level>/<n>: every --port, at every size
 * class, on 1 and all threads like descent's rows. */
static void register_step_ports(const int *thread_counts, int ntc)
{
    for (int i = 0; i < bench_step_port_count(); i++) {
        const bench_step_port *port = bench_step_port_at(i);
        for (int l = 0; l < N_LEVELS; l++)
            for (int t = 0; t < ntc; t++) {
                if (t > 0 && level_n[l] <= 16384)
                    continue;
                bench_register("BM_step", bm_step,
                               &(bench_args){.variant = {optcfgs[port->config].c.name,
                                                         port->variant, level_names[l]},
                                             .arg = {(long long)level_n[l]}, .nargs = 1,
                                             .threads = thread_counts[t], .use_real_time = 1,
                                             .data = new_case((bench_case){
                                                 .opt = port->config, .level = l,
                                                 .n = level_n[l], .tidx = t, .port = port})});
            }
    }
}

int main(int argc, char **argv)
{
#if DESCENT_HAVE_OPENBLAS
    /* OpenBLAS reads its environment when the library is loaded, before
     * main, so set what we need and start again:
     * - Debian's OpenBLAS 0.3.21 does not recognise recent CPUs and falls
     *   back to generic kernels: OPENBLAS_CORETYPE=SkylakeX picks its
     *   AVX-512 ones;
     * - at load it starts a worker per core that spins for a while, which
     *   took a core from the first benchmarks of the run (their CPU time
     *   read twice their real time): with OPENBLAS_NUM_THREADS=1 there is
     *   no worker until the OpenBLAS rows ask for threads. */
    if (getenv("DESCENT_BENCH_REEXEC") == NULL) {
        int again = 0;
        const char *why = "openblas";
        if (getenv("OPENBLAS_CORETYPE") == NULL && descent_isa_supported(DESCENT_ISA_AVX512)) {
            setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
            why = "coretype"; /* the OpenBLAS rows' label says who set it */
            again = 1;
        }
        if (getenv("OPENBLAS_NUM_THREADS") == NULL) {
            setenv("OPENBLAS_NUM_THREADS", "1", 1);
            again = 1;
        }
        if (again) {
            setenv("DESCENT_BENCH_REEXEC", why, 1);
            execv("/proc/self/exe", argv);
            unsetenv("OPENBLAS_CORETYPE"); /* exec failed: go on as we are */
        }
    }
#endif
    if (find_patterns() != 0)
        return 1;
    const int port_status = bench_take_port_args(&argc, argv);
    if (port_status != 0) {
        bench_close_ports();
        return port_status;
    }
    choose_sizes();
    const int all = bench_all_threads();
    const int thread_counts[2] = {1, all};
    const int ntc = all > 1 ? 2 : 1;

    descent_isa isas[DESCENT_ISA_COUNT];
    int nisa = 0;
    for (int i = 0; i < DESCENT_ISA_COUNT; i++)
        if (descent_isa_supported((descent_isa)i))
            isas[nisa++] = (descent_isa)i;

    /* The peaks and ceilings first: the ratios of the later rows use them. */
    for (int i = 0; i < nisa; i++) {
        if (bench_ceiling_for(isas[i]) == NULL)
            continue;
        for (int kind = 0; kind < BENCH_PEAK_KINDS; kind++)
            for (int t = 0; t < ntc; t++)
                bench_register(peak_families[kind], bm_peak,
                               &(bench_args){.variant = {descent_isa_name(isas[i])},
                                             .threads = thread_counts[t], .use_real_time = 1,
                                             .data = new_case((bench_case){
                                                 .opt = kind, .isa = isas[i], .tidx = t})});
    }
    for (int p = 0; p <= PATTERN_COUNT; p++)
        for (int l = 0; l < N_LEVELS; l++)
            for (int t = 0; t < ntc; t++) {
                if (t > 0 && level_n[l] <= 16384)
                    continue;
                bench_register("BM_ceiling", bm_ceiling,
                               &(bench_args){.variant = {p == PATTERN_COUNT ? "triad"
                                                                            : bench_patterns[p].name,
                                                         level_names[l]},
                                             .arg = {(long long)level_n[l]}, .nargs = 1,
                                             .threads = thread_counts[t], .use_real_time = 1,
                                             .data = new_case((bench_case){
                                                 .opt = p, .level = l, .n = level_n[l], .tidx = t})});
            }
    for (size_t o = 0; o < n_optcfg; o++)
        for (int i = 0; i < nisa; i++)
            for (int l = 0; l < N_LEVELS; l++)
                for (int t = 0; t < ntc; t++) {
                    if (t > 0 && level_n[l] <= 16384)
                        continue;
                    bench_register("BM_step", bm_step,
                                   &(bench_args){.variant = {optcfgs[o].c.name,
                                                             descent_isa_name(isas[i]),
                                                             level_names[l]},
                                                 .arg = {(long long)level_n[l]}, .nargs = 1,
                                                 .threads = thread_counts[t], .use_real_time = 1,
                                                 .data = new_case((bench_case){
                                                     .opt = (int)o, .isa = isas[i], .level = l,
                                                     .n = level_n[l], .tidx = t})});
                }
    register_threshold_rows(isas[nisa - 1], thread_counts, ntc);
    register_step_ports(thread_counts, ntc);
    bench_register_mixed(bench_best_isa(), level_names[N_LEVELS - 1], level_n[N_LEVELS - 1],
                         thread_counts, ntc);
    /* Before the MLP rows, whose OpenBLAS rows come last (its workers
     * would take a core from any row after them). */
    bench_register_hogwild();
    bench_register_busy(bench_best_isa());
    bench_register_mlp(isas, nisa, thread_counts, ntc, DESCENT_HAVE_OPENBLAS);
    /* The bench_case allocations live until bench_main returns (the
     * harness keeps pointers to them). */
    const int status = bench_main(argc, argv);
    for (size_t i = 0; i < n_cases; i++)
        free(all_cases[i]);
    free(all_cases);
    free_ceiling_arrays();
    release_step_row();
    bench_mixed_release();
    bench_close_ports();
    return status;
}
