/*
 * bench.h — shared by the descent-bench sources (bench/bench_main.c,
 * bench/bench_mlp.c, bench/ceiling.c).  Internal to the benchmark programs.
 */
#ifndef DESCENT_BENCH_BENCH_H
#define DESCENT_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "descent.h"

/*
 * Memory-access patterns of the optimizer kernels: each reads `reads` fp32
 * arrays and writes `writes` of them back in place (param and state; the
 * gradient is read only), so one parameter moves 4 * (reads + writes) bytes.
 */
typedef enum bench_pattern {
    PATTERN_2R1W, /* plain SGD: read p, g; write p                     12 B */
    PATTERN_3R2W, /* momentum, Nesterov, RMSprop, Adagrad: + 1 state   20 B */
    PATTERN_4R3W, /* Adam, AdamW, Adamax, NAdam, RAdam, Adadelta: + 2  28 B */
    PATTERN_COUNT
} bench_pattern;

extern const struct bench_pattern_info {
    const char *name; /* "2r1w", ... (benchmark name segment) */
    int reads, writes;
} bench_patterns[PATTERN_COUNT];

/*
 * The ceiling kernels, compiled once per ISA (bench/ceiling.c over
 * kernels/vec/vec.h with the ISA's flags, like kernels/): one table per
 * ISA, bench_scalar_ceiling (the baseline target, no -m flags),
 * bench_avx2_ceiling, bench_avx512_ceiling.  `threads` > 1 runs an OpenMP
 * parallel loop with a static schedule (contiguous halves, as the
 * library's block layer does).
 *
 * rw: the in-place pattern over a[0..reads-1]; a[0] stands for the
 *     parameters, a[reads-1] for the gradient (read only), the others for
 *     state; arithmetic is one multiply-add per array, so the loop is
 *     bound by memory (or cache) bandwidth.  Each written array becomes
 *     itself plus s times a value, so s = 0 moves the same bytes and leaves
 *     every value as it was (how BM_step measures its ceiling on the
 *     optimizer's own arrays).
 * triad: STREAM's a = b + s c (counted as 12 bytes per element; the store
 *     to a also pays a write-allocate read of a, 16 bytes really move).
 * fma: a register-only loop of independent multiply-adds (16 vector
 *     accumulators under AVX-512, 12 under AVX2, 8 4-wide vectors for the
 *     baseline build, which has no FMA: mul + add); returns the
 *     floating-point operations it performed in `iters` iterations (one
 *     thread: call it from each thread of a parallel region).
 */
typedef void (*bench_rw_fn)(bench_pattern p, size_t n, float *const *a, float s, int threads);
typedef void (*bench_triad_fn)(size_t n, float *a, const float *b, const float *c, int threads);
typedef double (*bench_fma_fn)(long iters);
/* The two compute peaks (bench_main.c caches both for the MLP rows). */
typedef enum bench_peak {
    BENCH_PEAK_REGISTERS, /* BM_peak_fma: register-only multiply-adds */
    BENCH_PEAK_TILE,      /* BM_peak_tile: fed from L1 as a GEMM tile is */
    BENCH_PEAK_KINDS
} bench_peak;
typedef struct bench_ceiling_kernels {
    int width; /* floats per vector */
    bench_rw_fn rw;
    bench_triad_fn triad;
    /* Per bench_peak kind: the loop (iterations -> flops) and its label,
     * "16 zmm accumulators, FMA", "8 x 3 zmm tile, operands from L1". */
    bench_fma_fn fma[BENCH_PEAK_KINDS];
    const char *peak_label[BENCH_PEAK_KINDS];
} bench_ceiling_kernels;
extern const bench_ceiling_kernels bench_scalar_ceiling, bench_avx2_ceiling, bench_avx512_ceiling;
/* The table of an ISA (NULL for one not built here). */
const bench_ceiling_kernels *bench_ceiling_for(descent_isa isa);
/* The widest ISA this CPU runs among those with ceiling kernels. */
descent_isa bench_best_isa(void);

/*
 * The optimizer configurations of the benchmarks (BM_step, descent-converge):
 * every optimizer of the registry at its defaults, under its own name, and
 * each branch the registry marks as a benchmark configuration
 * (sgd_momentum, nesterov), in the registry's order.
 */
typedef struct bench_optim_config {
    const char *name;            /* "adam", "sgd_momentum" */
    descent_optim_kind kind;
    const char *settings;        /* over the defaults: "" or the branch's */
    double flops;                /* nominal flops per parameter */
} bench_optim_config;
#define BENCH_MAX_CONFIGS (2 * DESCENT_OPTIM_COUNT + 8)
/* Fills out[] (BENCH_MAX_CONFIGS) and returns the count. */
static inline int bench_optim_configs(bench_optim_config *out)
{
    int count = 0;
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        out[count++] = (bench_optim_config){info->name, info->kind, "", info->flops};
        for (int b = 0; b < info->branch_count && count < BENCH_MAX_CONFIGS; b++) {
            const descent_optim_branch *br = &info->branches[b];
            if (br->bench_name)
                out[count++] =
                    (bench_optim_config){br->bench_name, info->kind, br->settings, br->bench_flops};
        }
    }
    return count;
}
/* The configuration's hyperparameters: the defaults with its settings. */
static inline descent_status bench_optim_hparams(const bench_optim_config *c, descent_hparams *h)
{
    descent_hparams_default(c->kind, h);
    return descent_hparams_apply(c->kind, h, c->settings);
}

/*
 * The arrays of one benchmark row, kept across its runs.  The harness runs
 * a row's function a dozen times (the iteration-count search, then each
 * repetition); allocating and filling a main-memory row's arrays (up to
 * 8 x 64 MiB) on every run took 90% of its wall time, most of it in page
 * faults (perf, on a PVM guest), and half of make bench's.  Blocks are
 * kept when large enough, so the next row of the same size reuses them,
 * pages and all.  The values go on from run to run, as more iterations
 * would.
 */
#define BENCH_ROW_ARRAYS 8
typedef struct bench_row_arrays {
    const void *owner; /* the row (its case), NULL: none yet */
    void *a[BENCH_ROW_ARRAYS];
    size_t bytes[BENCH_ROW_ARRAYS];
} bench_row_arrays;
/* For the row `owner`, count arrays of bytes[i] bytes (64-byte aligned) in
 * r->a: 1 when owner is not the last call's (a new row: the caller fills
 * them and sets up what else it keeps), 0 when it is (all as the last run
 * left them), -1 out of memory (nothing kept). */
int bench_row_begin(bench_row_arrays *r, const void *owner, int count, const size_t *bytes);
void bench_row_release(bench_row_arrays *r);

/* OpenMP's thread count: the "all cores" of the rows (1 without OpenMP). */
int bench_all_threads(void);
/* Uniform values in [-0.5, 0.5) from a xorshift generator, the same for a
 * seed on every machine (bench_mlp.c). */
void bench_fill_random(float *a, size_t n, uint64_t seed);

/* The measured FMA peaks, cached for the MLP's peak_fraction and
 * tile_fraction (bench_main.c; measured on the spot if the BM_peak_* rows
 * were filtered out).  tidx: 0 = one thread, 1 = all cores. */
double bench_peak_flops(bench_peak kind, descent_isa isa, int tidx, int threads);
void bench_note_peak(bench_peak kind, descent_isa isa, int tidx, double flops_per_s);

/* Ports, from --port NAME=LIB.so:SYMBOL and --gemm LIB.so:SYMBOL
 * (bench/ports.c): bench_take_port_args loads them and removes those
 * arguments from argv (before bench_main reads the rest); 0, or 2 after
 * one message on stderr for a bad one.  bench_close_ports unloads them. */
typedef struct bench_step_port {
    int config;          /* index in bench_optim_configs(): the row's NAME */
    const char *variant; /* the row's "port:SYMBOL" */
    descent_ref_fn fn;   /* the signature of that optimizer's reference */
} bench_step_port;
typedef struct bench_gemm_port {
    const char *variant; /* the row's "gemm:SYMBOL" */
    descent_sgemm_fn fn;
} bench_gemm_port;
#define BENCH_MAX_PORTS 32 /* of each kind */
int bench_take_port_args(int *argc, char **argv);
int bench_step_port_count(void);
const bench_step_port *bench_step_port_at(int i);
int bench_gemm_port_count(void);
const bench_gemm_port *bench_gemm_port_at(int i);
void bench_close_ports(void);

/* MLP benchmarks (bench_mlp.c); the --gemm ports' rows among them. */
void bench_register_mlp(const descent_isa *isas, int nisa, const int *threads, int nthreads,
                        int with_openblas);
/* `passes` calls of rw(p, n, a, 0, threads): their seconds (bench_main.c). */
double bench_time_rw_passes(bench_rw_fn rw, bench_pattern p, size_t n, float *const *a,
                            int threads, long long passes);
/* Mixed-precision Adam steps (bench_mixed.c): BM_mixed/adam/<isa>/<param>-<grad>-<state>
 * [-sr]/<level>/<n> for each precision worth comparing, on `isa`. */
void bench_register_mixed(descent_isa isa, const char *level, size_t n, const int *threads,
                          int nthreads);
/* Frees the arrays BM_mixed keeps (bench_row_arrays). */
void bench_mixed_release(void);
/* The default thread count on an idle and a busy machine (bench_busy.c). */
void bench_register_busy(descent_isa isa);
/* Hogwild's scaling with threads on sparse-logreg (bench_hogwild.c). */
void bench_register_hogwild(void);

#endif
