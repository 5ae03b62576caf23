/*
 * descent-bench's MLP rows: the 784-128-10 ReLU classifier (Fashion-MNIST's
 * shape) at batch 64 and 256, every supported variant, 1 and all threads.
 *
 *   BM_mlp/forward/<isa>/batch:B           descent_mlp_forward
 *   BM_mlp/backward/<isa>/batch:B          descent_mlp_backward (loss, output
 *                                          gradient and backprop); each
 *                                          iteration's forward runs with the
 *                                          clocks paused
 *   BM_mlp/forward_backward/<isa>/batch:B  descent_mlp_loss_grad
 *   BM_mlp/train_step/<isa>/batch:B        loss_grad + an Adam step (same
 *                                          variant and threads)
 *   BM_mlp/forward|backward|forward_backward/openblas/batch:B   OpenBLAS cblas_sgemm
 *       on the same GEMM shapes (plus the ReLU), a peer for the GEMM part
 *       (OPENBLAS_CORETYPE=SkylakeX is set by descent-bench when the
 *       variable was unset and the CPU has AVX-512; the label says so).
 *
 * GFLOPS counts 2*M*N*K per GEMM: forward F = 2B(784*128 + 128*10);
 * backward = 2B(784*128 + 128*10) for the weight gradients + 2B(128*10)
 * for the hidden layer's input gradient (no gradient for the input
 * itself); a train step adds Adam's 13 flops per parameter (101 770).
 * Bias, ReLU and softmax are not counted.  peak_fraction = GFLOPS / the
 * BM_peak_fma of the same variant and thread count (OpenBLAS: of the widest
 * variant); tile_fraction = GFLOPS / BM_peak_tile's, the rate a GEMM tile
 * reaches with its operands in L1.
 *
 * arith_intensity = those flops / the bytes a step must move at least,
 * with every intermediate (activations, their gradients) kept in cache:
 * forward reads the batch and the parameters and writes the outputs;
 * backward and forward_backward read the batch and the parameters and
 * write the gradient; train_step adds Adam's 28 B per parameter (p, g, m, v read;
 * p, m, v written) on top.  The roofline plot places the MLP with it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "config.h"
#include "harness.h"

#if DESCENT_HAVE_OPENBLAS
/* The cblas and OpenBLAS entry points used (declared here so that no
 * header package is needed beyond the library). */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c,
                 int ldc);
void openblas_set_num_threads(int threads);
#endif

enum { OP_FORWARD, OP_BACKWARD, OP_FORWARD_BACKWARD, OP_TRAIN_STEP, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"forward", "backward", "forward_backward",
                                               "train_step"};

#define IN 784
#define HID 128
#define OUT 10

typedef struct mlp_case {
    int op;
    descent_isa isa; /* DESCENT_ISA_COUNT: OpenBLAS */
    int batch, tidx;
    const bench_gemm_port *gemm; /* descent's MLP on a --gemm port, or NULL */
} mlp_case;

static double mlp_flops(int op, int batch)
{
    const double b = batch;
    const double fwd = 2 * b * (IN * HID + HID * OUT);
    const double bwd = 2 * b * (IN * HID + HID * OUT) + 2 * b * HID * OUT;
    const double params = (double)IN * HID + HID + (double)HID * OUT + OUT;
    switch (op) {
    case OP_FORWARD: return fwd;
    case OP_BACKWARD: return bwd;
    case OP_FORWARD_BACKWARD: return fwd + bwd;
    default: return fwd + bwd + 13 * params;
    }
}

static double mlp_bytes(int op, int batch)
{
    const double params = (double)IN * HID + HID + (double)HID * OUT + OUT;
    const double input = 4.0 * batch * IN;
    switch (op) {
    case OP_FORWARD: return input + 4 * params + 4.0 * batch * OUT;
    case OP_BACKWARD:
    case OP_FORWARD_BACKWARD: return input + 8 * params;
    default: return input + 8 * params + 28 * params;
    }
}

/* 64-byte aligned, as the library's own buffers and descent train's
 * parameters (glibc's malloc gives large blocks 16-byte alignment, where
 * every 64-byte vector load spans two cache lines), so that the rows time
 * the kernels, not where malloc put the arrays. */
static float *floats(size_t n)
{
    const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

void bench_fill_random(float *a, size_t n, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        a[i] = (float)(x >> 40) * (1.0f / 16777216.0f) - 0.5f;
    }
}

static void report(bench_state *s, const mlp_case *c, double elapsed, int threads)
{
    const double flops = (double)bench_iterations(s) * mlp_flops(c->op, c->batch);
    bench_set_items_processed(s, (double)bench_iterations(s) * c->batch); /* examples/s */
    bench_set_counter(s, "GFLOPS", flops * 1e-9, BENCH_COUNTER_RATE);
    bench_set_counter(s, "arith_intensity", mlp_flops(c->op, c->batch) / mlp_bytes(c->op, c->batch),
                      0);
    descent_isa peak_isa = c->isa == DESCENT_ISA_COUNT ? bench_best_isa() : c->isa;
    double peak = bench_peak_flops(BENCH_PEAK_REGISTERS, peak_isa, c->tidx, threads);
    double tile = bench_peak_flops(BENCH_PEAK_TILE, peak_isa, c->tidx, threads);
    if (peak > 0 && elapsed > 0)
        bench_set_counter(s, "peak_fraction", flops / elapsed / peak, 0);
    if (tile > 0 && elapsed > 0)
        bench_set_counter(s, "tile_fraction", flops / elapsed / tile, 0);
}

static void bm_mlp(bench_state *s)
{
    const mlp_case *c = bench_data(s);
    const int threads = bench_threads(s) > 0 ? bench_threads(s) : 1;
    descent_mlp_shape shape = {.layers = 2, .sizes = {IN, HID, OUT},
                               .activation = DESCENT_RELU, .loss = DESCENT_CROSS_ENTROPY};
    const size_t n = descent_mlp_param_count(&shape);
    float *params = floats(n), *grad = floats(n);
    float *x = floats((size_t)c->batch * IN);
    float *out = floats((size_t)c->batch * OUT);
    int *labels = malloc((size_t)c->batch * sizeof *labels);
    descent_mlp *mlp = NULL;
    descent_optimizer *opt = NULL;
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    if (!params || !grad || !x || !out || !labels) {
        bench_skip_with_error(s, "out of memory");
        goto done;
    }
    bench_fill_random(x, (size_t)c->batch * IN, 3);
    for (int i = 0; i < c->batch; i++)
        labels[i] = i % OUT;
    float loss;
    if (descent_mlp_init_params(&shape, params, 1) != DESCENT_OK ||
        descent_mlp_create(&shape, c->batch, &mlp) != DESCENT_OK ||
        descent_mlp_set_isa(mlp, c->isa) != DESCENT_OK ||
        descent_mlp_set_threads(mlp, threads) != DESCENT_OK ||
        descent_mlp_set_sgemm(mlp, c->gemm ? c->gemm->fn : NULL) != DESCENT_OK ||
        descent_optimizer_create(DESCENT_ADAM, &h, n, &opt) != DESCENT_OK ||
        descent_optimizer_set_isa(opt, c->isa) != DESCENT_OK ||
        descent_optimizer_set_threads(opt, threads) != DESCENT_OK ||
        descent_mlp_loss_grad(mlp, params, c->batch, x, labels, NULL, grad, &loss) != DESCENT_OK) {
        bench_skip_with_error(s, "%s", descent_last_error());
        goto done;
    }
    /* Both peaks measured before the loop if not yet. */
    bench_peak_flops(BENCH_PEAK_REGISTERS, c->isa, c->tidx, threads);
    bench_peak_flops(BENCH_PEAK_TILE, c->isa, c->tidx, threads);
    double t0 = descent_seconds(), backward_seconds = -1;
    switch (c->op) {
    case OP_FORWARD:
        while (bench_keep_running(s)) {
            descent_mlp_forward(mlp, params, c->batch, x, out);
            bench_clobber_memory();
        }
        break;
    case OP_BACKWARD: /* the clocks run for the backward calls only */
        backward_seconds = 0;
        while (bench_keep_running(s)) {
            bench_pause_timing(s);
            descent_mlp_forward(mlp, params, c->batch, x, out);
            bench_resume_timing(s);
            const double b0 = descent_seconds();
            descent_mlp_backward(mlp, params, c->batch, x, labels, NULL, grad, &loss);
            backward_seconds += descent_seconds() - b0;
            bench_clobber_memory();
        }
        break;
    case OP_FORWARD_BACKWARD:
        while (bench_keep_running(s)) {
            descent_mlp_loss_grad(mlp, params, c->batch, x, labels, NULL, grad, &loss);
            bench_clobber_memory();
        }
        break;
    default:
        while (bench_keep_running(s)) {
            descent_mlp_loss_grad(mlp, params, c->batch, x, labels, NULL, grad, &loss);
            descent_optimizer_step(opt, params, grad);
            bench_clobber_memory();
        }
        break;
    }
    report(s, c, backward_seconds >= 0 ? backward_seconds : descent_seconds() - t0, threads);
done:
    descent_optimizer_free(opt);
    descent_mlp_free(mlp);
    free(params);
    free(grad);
    free(x);
    free(out);
    free(labels);
}

#if DESCENT_HAVE_OPENBLAS
static void bm_openblas(bench_state *s)
{
    const mlp_case *c = bench_data(s);
    const int threads = bench_threads(s) > 0 ? bench_threads(s) : 1;
    const int b = c->batch;
    float *x = floats((size_t)b * IN), *w1 = floats((size_t)HID * IN);
    float *w2 = floats((size_t)OUT * HID), *z1 = floats((size_t)b * HID);
    float *a1 = floats((size_t)b * HID), *z2 = floats((size_t)b * OUT);
    float *dw1 = floats((size_t)HID * IN);
    float *dw2 = floats((size_t)OUT * HID);
    float *da1 = floats((size_t)b * HID);
    if (!x || !w1 || !w2 || !z1 || !a1 || !z2 || !dw1 || !dw2 || !da1) {
        bench_skip_with_error(s, "out of memory");
        goto done;
    }
    bench_fill_random(x, (size_t)b * IN, 3);
    bench_fill_random(w1, (size_t)HID * IN, 4);
    bench_fill_random(w2, (size_t)OUT * HID, 5);
    openblas_set_num_threads(threads);
    bench_peak_flops(BENCH_PEAK_REGISTERS, bench_best_isa(), c->tidx, threads);
    bench_peak_flops(BENCH_PEAK_TILE, bench_best_isa(), c->tidx, threads);
    const int backward = c->op != OP_FORWARD;
    const int forward_timed = c->op != OP_BACKWARD; /* else the clocks pause for it */
    double t0 = 0, timed = 0;
    for (int warm = 1; warm >= 0; warm--) {
        if (!warm)
            t0 = descent_seconds(), timed = 0;
        while (warm || bench_keep_running(s)) {
            if (!forward_timed && !warm)
                bench_pause_timing(s);
            cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, b, HID, IN, 1.0f, x, IN, w1, IN, 0.0f, z1, HID);
            for (int i = 0; i < b * HID; i++)
                a1[i] = z1[i] > 0 ? z1[i] : 0;
            cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, b, OUT, HID, 1.0f, a1, HID, w2, HID, 0.0f, z2,
                        OUT);
            if (!forward_timed && !warm)
                bench_resume_timing(s);
            const double b0 = descent_seconds();
            if (backward) { /* z2 stands in for dL/dz2 */
                cblas_sgemm(ROW_MAJOR, TRANS, NO_TRANS, OUT, HID, b, 1.0f, z2, OUT, a1, HID, 0.0f,
                            dw2, HID);
                cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, b, HID, OUT, 1.0f, z2, OUT, w2, HID,
                            0.0f, da1, HID);
                for (int i = 0; i < b * HID; i++)
                    da1[i] = z1[i] > 0 ? da1[i] : 0;
                cblas_sgemm(ROW_MAJOR, TRANS, NO_TRANS, HID, IN, b, 1.0f, da1, HID, x, IN, 0.0f,
                            dw1, IN);
            }
            timed += descent_seconds() - b0;
            bench_clobber_memory();
            if (warm)
                break;
        }
    }
    report(s, c, forward_timed ? descent_seconds() - t0 : timed, threads);
    const char *core = getenv("OPENBLAS_CORETYPE");
    char label[96];
    snprintf(label, sizeof label, "OpenBLAS sgemm only%s%s%s", core ? ", OPENBLAS_CORETYPE=" : "",
             core ? core : "",
             core && getenv("DESCENT_BENCH_REEXEC") &&
                     strcmp(getenv("DESCENT_BENCH_REEXEC"), "coretype") == 0
                 ? " (set by descent-bench)"
                 : "");
    bench_set_label(s, label);
    openblas_set_num_threads(1);
done:
    free(x);
    free(w1);
    free(w2);
    free(z1);
    free(a1);
    free(z2);
    free(dw1);
    free(dw2);
    free(da1);
}
#endif

/* BM_mlp/<op>/gemm:SYMBOL/batch:B: descent's MLP (the widest variant for
 * the rest of its work and the train step's Adam) with every product one
 * call of the --gemm port; last, as a port may spin threads of its own
 * like OpenBLAS.  threads:N is the MLP's and Adam's; the port threads as
 * it does, and peak_fraction is of the N-thread peak. */
static void register_gemm_ports(const int *threads, int nthreads)
{
    static const int batches[2] = {64, 256};
    static mlp_case cases[BENCH_MAX_PORTS * OP_COUNT * 2 * 2];
    int k = 0;
    for (int i = 0; i < bench_gemm_port_count(); i++)
        for (int op = 0; op < OP_COUNT; op++)
            for (int bi = 0; bi < 2; bi++)
                for (int t = 0; t < nthreads; t++) {
                    mlp_case *c = &cases[k++];
                    *c = (mlp_case){.op = op, .isa = bench_best_isa(), .batch = batches[bi],
                                    .tidx = t, .gemm = bench_gemm_port_at(i)};
                    bench_register("BM_mlp", bm_mlp,
                                   &(bench_args){.variant = {op_names[op], c->gemm->variant},
                                                 .arg = {batches[bi]}, .nargs = 1,
                                                 .arg_name = {"batch"}, .threads = threads[t],
                                                 .use_real_time = 1, .data = c});
                }
}

/* BM_threshold/forward/<isa>/madds:<n>: one product of n multiply-adds,
 * batch 64 through one layer of `in` inputs and 128 outputs (the forward,
 * n = 64 x in x 128, in = 4 ... 512), on 1 and all
 * threads: where a second thread starts to pay for a product, the
 * crossover src/mlp.c's PARALLEL_MIN_MADDS was measured with. */
typedef struct threshold_case {
    descent_isa isa;
    int in;
} threshold_case;

static void bm_forward_threshold(bench_state *s)
{
    const threshold_case *c = bench_data(s);
    const int threads = bench_threads(s) > 0 ? bench_threads(s) : 1, batch = 64;
    const descent_mlp_shape shape = {.layers = 1, .sizes = {c->in, HID},
                                     .activation = DESCENT_RELU, .loss = DESCENT_MSE};
    const size_t n = descent_mlp_param_count(&shape);
    float *params = floats(n);
    float *x = floats((size_t)batch * c->in);
    float *out = floats((size_t)batch * HID);
    descent_mlp *mlp = NULL;
    if (!params || !x || !out) {
        bench_skip_with_error(s, "out of memory");
        goto done;
    }
    bench_fill_random(params, n, 1);
    bench_fill_random(x, (size_t)batch * c->in, 3);
    if (descent_mlp_create(&shape, batch, &mlp) != DESCENT_OK ||
        descent_mlp_set_isa(mlp, c->isa) != DESCENT_OK ||
        descent_mlp_set_threads(mlp, threads) != DESCENT_OK) {
        bench_skip_with_error(s, "%s", descent_last_error());
        goto done;
    }
    descent_mlp_forward(mlp, params, batch, x, out);
    while (bench_keep_running(s)) {
        descent_mlp_forward(mlp, params, batch, x, out);
        bench_clobber_memory();
    }
    const double flops = 2.0 * batch * c->in * HID * (double)bench_iterations(s);
    bench_set_counter(s, "GFLOPS", flops * 1e-9, BENCH_COUNTER_RATE);
done:
    descent_mlp_free(mlp);
    free(params);
    free(x);
    free(out);
}

static void register_thresholds(descent_isa isa, const int *threads, int nthreads)
{
    static threshold_case cases[8];
    for (int k = 0; k < 8; k++) {
        cases[k] = (threshold_case){.isa = isa, .in = 4 << k};
        for (int t = 0; t < nthreads; t++)
            bench_register("BM_threshold", bm_forward_threshold,
                           &(bench_args){.variant = {"forward", descent_isa_name(isa)},
                                         .arg = {64LL * (4 << k) * HID}, .nargs = 1,
                                         .arg_name = {"madds"}, .threads = threads[t],
                                         .use_real_time = 1, .data = &cases[k]});
    }
}

void bench_register_mlp(const descent_isa *isas, int nisa, const int *threads, int nthreads,
                        int with_openblas)
{
    register_thresholds(isas[nisa - 1], threads, nthreads);
    static const int batches[2] = {64, 256};
    static mlp_case cases[OP_COUNT * (DESCENT_ISA_COUNT + 1) * 2 * 2];
    int k = 0;
    /* The OpenBLAS rows last: its worker threads spin for a while after
     * each threaded call and would take a core from the rows after them. */
    for (int blas = 0; blas <= 1; blas++)
        for (int op = 0; op < OP_COUNT; op++)
            for (int i = 0; i < (blas ? 1 : nisa); i++) {
                if (blas && (!with_openblas || op == OP_TRAIN_STEP))
                    continue;
                for (int bi = 0; bi < 2; bi++)
                    for (int t = 0; t < nthreads; t++) {
                        mlp_case *c = &cases[k++];
                        *c = (mlp_case){.op = op, .isa = blas ? DESCENT_ISA_COUNT : isas[i],
                                        .batch = batches[bi], .tidx = t};
#if DESCENT_HAVE_OPENBLAS
                        bench_fn fn = blas ? bm_openblas : bm_mlp;
#else
                        bench_fn fn = bm_mlp;
#endif
                        const char *variant = blas ? "openblas" : descent_isa_name(isas[i]);
                        bench_register("BM_mlp", fn,
                                       &(bench_args){.variant = {op_names[op], variant},
                                                     .arg = {batches[bi]}, .nargs = 1,
                                                     .arg_name = {"batch"}, .threads = threads[t],
                                                     .use_real_time = 1, .data = c});
                    }
            }
    register_gemm_ports(threads, nthreads);
}
