/*
 * The fast MLP object: the reference's forward/backward (reference/mlp.c)
 * over preallocated workspace, with every matrix product going through one
 * gemm (kernels/mlp_kernel.h) and OpenMP over blocks of the output, with
 * the elementwise parts fused into each block's epilogue through the ISA's
 * row kernels (ReLU branch-free, tanh and sigmoid on vf_tanh/vf_exp), and
 * the softmax cross-entropy through its row kernel.
 *
 * Determinism: each matrix product is cut into one block of its output per
 * thread; gemm and gemm_nt give an element of C the same bits whichever
 * block it is in (kernels/mlp_kernel.h), the elementwise kernels are
 * elementwise (column blocks start at multiples of 16, so vector tails fall
 * where a whole row's do), and sums over the batch (dW, db, the loss) are
 * never split between threads.  So the results are the same bits for any
 * number of threads.
 *
 * Threads: a call (forward, loss_grad, backward) is one OpenMP region, its
 * products and row passes stages of it (see "the team" below), so a train
 * step forks once instead of once per product.
 */
#include <stdlib.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "config.h"
#include "internal.h"
#include "thread_tuner.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

struct descent_mlp {
    descent_mlp_shape shape;
    int max_batch;
    descent_isa isa;
    const descent_isa_kernels *kernels; /* isa's: the elementwise parts */
    descent_gemm_fn gemm;
    descent_gemm_nt_fn gemm_nt;
    descent_sgemm_fn sgemm; /* NULL, or every product is one call of it */
    int threads;        /* 0: chosen by the tuner, 1 or all (thread_tuner.h) */
    thread_tuner tuner; /* times whole calls (forward, backward, loss_grad) */
    int run_threads;    /* of the call running now, for each of its regions */
    /* out[l], l = 1..L: [max_batch][sizes[l]]; a_l = act(z_l) for hidden
     * layers (relu'(z) = [a > 0], tanh' and sigmoid' come from a), and z_L. */
    float *out[DESCENT_MLP_MAX_LAYERS + 1];
    size_t widest;        /* the widest layer's size */
    float *dz, *da;       /* [max_batch][widest] */
    float *dzt;           /* [2][widest][max_batch]: dz transposed, for dW (two
                           * layers' at once: run_backward) */
    float *example_loss;  /* [max_batch] */
    /* What the activations in out[] were computed from (params, x, batch;
     * params NULL when none), checked by descent_mlp_backward. */
    const float *forward_params, *forward_x;
    int forward_batch;
    /* descent_mlp_loss_grad_rows's batch, gathered in the call's region
     * (allocated by its first call, [max_batch] rows), and the rows that
     * descent_mlp_prefetch_rows named for the call after ([max_batch]). */
    float *batch_x, *batch_targets;
    int *batch_labels;
    const float *prefetch_x;
    long *prefetch_rows;
    int prefetch_count;
};

/* ------------------------------------------------------------------ gemm */

/* The same product as one cblas_sgemm-signature call: A has one stride 1
 * (A or A^T stored row-major), B^T is Trans.  Both strides are 1 only for
 * a single row (K = 1) or a single column (M = 1): NoTrans then needs
 * lda >= K, Trans lda >= M, so the one of them that holds. */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
static void sgemm_product(descent_sgemm_fn sgemm, int b_transposed, int M, int N, int K,
                          const float *A, ptrdiff_t rsa, ptrdiff_t csa, const float *B,
                          ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate)
{
    const int a_transposed = csa != 1 || (rsa == 1 && K > 1);
    sgemm(CBLAS_ROW_MAJOR, a_transposed ? CBLAS_TRANS : CBLAS_NO_TRANS,
          b_transposed ? CBLAS_TRANS : CBLAS_NO_TRANS, M, N, K, 1.0f, A,
          (int)(a_transposed ? csa : rsa), B, (int)ldb, accumulate ? 1.0f : 0.0f, C, (int)ldc);
}

/* --------------------------------------------------------- elementwise */

/* What a product does to its own block of C right after computing it, while
 * the block is still in cache (one element at a time, so a block gives the
 * same bits as a whole pass): nothing, z += bias then the activation
 * (forward), or times act'(z) from a = act(z) (backward, dA). */
typedef enum { EPILOGUE_NONE, EPILOGUE_BIAS, EPILOGUE_BIAS_ACT, EPILOGUE_ACT_GRAD } epilogue_kind;
typedef struct epilogue {
    epilogue_kind kind;
    descent_activation act;
    const float *bias; /* [N], EPILOGUE_BIAS* */
    const float *a;    /* [M][lda] activations, EPILOGUE_ACT_GRAD */
    ptrdiff_t lda;
} epilogue;

/* The epilogue through the ISA's row kernels: branch-free ReLU (a
 * data-dependent branch per element mispredicts on about half of them),
 * tanh and sigmoid on vf_tanh/vf_exp, the output layer's bias alone. */
static void bias_act_rows(const descent_mlp *mlp, const epilogue *e, int m0, int mt, int n0,
                          int nt, float *C, ptrdiff_t ldc)
{
    const descent_activation act = e->kind == EPILOGUE_BIAS ? DESCENT_MLP_LINEAR : e->act;
    for (int m = m0; m < m0 + mt; m++)
        mlp->kernels->mlp_bias_act(act, (size_t)nt, e->bias + n0, C + m * ldc + n0);
}

static void act_grad_rows(const descent_mlp *mlp, const epilogue *e, int m0, int mt, int n0,
                          int nt, float *C, ptrdiff_t ldc)
{
    for (int m = m0; m < m0 + mt; m++)
        mlp->kernels->mlp_act_grad(e->act, (size_t)nt, e->a + m * e->lda + n0,
                                   C + m * ldc + n0);
}

static void apply_epilogue(const descent_mlp *mlp, const epilogue *e, int m0, int mt, int n0,
                           int nt, float *C, ptrdiff_t ldc)
{
    if (e->kind == EPILOGUE_BIAS || e->kind == EPILOGUE_BIAS_ACT)
        bias_act_rows(mlp, e, m0, mt, n0, nt, C, ldc);
    else if (e->kind == EPILOGUE_ACT_GRAD)
        act_grad_rows(mlp, e, m0, mt, n0, nt, C, ldc);
}

/* Products of fewer multiply-adds than this run on thread 0 alone: below
 * it a second thread costs more than it saves.  Measured on the 2-core
 * AVX-512 development machine (AMD EPYC), idle, the fastest of 7
 * repetitions of
 *   descent-bench --benchmark_filter=BM_threshold/forward --benchmark_repetitions=7
 *       --benchmark_min_time=0.05
 * in a build with EXTRA_CFLAGS=-DPARALLEL_MIN_MADDS=0 (bench/README.md): one
 * forward product, batch 64 x in x 128 outputs, in = 8 ... 512:
 *   multiply-adds   64 Ki  128 Ki  256 Ki  512 Ki    1 Mi    2 Mi    4 Mi
 *   1 thread, us     6.44    5.69    6.91    9.37   13.81   26.59   44.46
 *   2 threads, us    5.95    6.37    6.53    8.62   12.24   15.90   25.86
 * so 2 threads pay from 256 Ki on (1.06x there, 1.7x at 2 Mi; at 128 Ki
 * 12% slower in this run, 1.2x faster in another: the crossover).  The
 * 784-128-10 output layer's products (82 Ki at batch 64) stay on one
 * thread, the hidden layer's (6.4 Mi) are shared; 1 Mi before, a guess. */
#ifndef PARALLEL_MIN_MADDS
#define PARALLEL_MIN_MADDS (256.0 * 1024.0)
#endif
/* Thread blocks start at multiples of this many rows or columns (the
 * register tiles' rows, 8 or 6, and a vector of columns), so that edge
 * tiles are few. */
#define ROW_ALIGN 8
#define COL_ALIGN 16

/* ------------------------------------------------------------- the team */

/* A call runs in one OpenMP region (run_call): every thread of the team
 * goes through the same forward and backward, takes its own block of each
 * product, and waits at a barrier for the others before the next product
 * reads the result; what is too small to share is done by thread 0 alone.
 * One fork and join per call, not one per product.  Outside a region
 * (one thread) the team is that thread and the barriers do nothing. */
static int team_size(void)
{
#if DESCENT_HAVE_OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

static int team_rank(void)
{
#if DESCENT_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static void team_barrier(void)
{
#if DESCENT_HAVE_OPENMP
#pragma omp barrier
#endif
}

/* Each thread's view of the call's stages (a product, the loss rows, the
 * loss sum), the same on every thread since it follows the shapes only.  A
 * stage waits for the one before unless both are thread 0's alone (its own
 * program order suffices): the 784-128-10 step at batch 64 then has two
 * barriers, after the hidden layer's forward and before its dW. */
typedef struct team {
    int started, prev_shared;
} team;

static void team_stage(team *tm, int shared)
{
    if (tm->started && (tm->prev_shared || shared))
        team_barrier();
    tm->started = 1;
    tm->prev_shared = shared;
}

/* [*start, *start + *count) of n items for thread t of threads, in units
 * of align (descent_thread_share, as the optimizer steps share theirs). */
static void thread_block(int n, int align, int t, int threads, int *start, int *count)
{
    size_t lo, hi;
    descent_thread_share((size_t)n, (size_t)align, t, threads, &lo, &hi);
    *start = (int)lo, *count = (int)(hi - lo);
}

/* Which of C's dimensions the threads cut into blocks: the larger, except
 * for the weight gradient dW [out][in], cut along its rows (out) whatever
 * its shape, so that each thread writes the rows of the gradient that its
 * share of the optimizer step after the call reads (kernels/parallel.c: a
 * contiguous equal share per thread), in its own core's cache; the
 * forward's columns are the same rows of W at batch 64.  (Cutting the
 * batch-256 forward along W's rows too was 15% slower on 2 threads.) */
typedef enum { SPLIT_LARGER, SPLIT_ROWS } gemm_split;

static int splits_rows(gemm_split split, int M, int N)
{
    return split == SPLIT_ROWS || (split == SPLIT_LARGER && M >= N);
}

/* The threads a product of M x N x K is shared by: 1 below
 * PARALLEL_MIN_MADDS or with a set sgemm, else one block per thread. */
static int gemm_threads(const descent_mlp *mlp, gemm_split split, int M, int N, int K)
{
    const int split_rows = splits_rows(split, M, N);
    const int align = split_rows ? ROW_ALIGN : COL_ALIGN;
    const int blocks = ((split_rows ? M : N) + align - 1) / align;
    const int team = team_size();
    if (mlp->sgemm || (double)M * N * K < PARALLEL_MIN_MADDS)
        return 1;
    return team < blocks ? team : blocks;
}

/* The block [m0, m0 + mt) x [n0, n0 + nt) of the product (through the set
 * sgemm, or this ISA's gemm or gemm_nt), then the epilogue (NULL: none) on
 * it. */
static void block_product(const descent_mlp *mlp, int b_transposed, int m0, int mt, int n0,
                          int nt, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                          const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate,
                          const epilogue *epi)
{
    const float *a = A + m0 * rsa, *b = B + n0 * (b_transposed ? ldb : 1);
    float *c = C + m0 * ldc + n0;
    if (mlp->sgemm)
        sgemm_product(mlp->sgemm, b_transposed, mt, nt, K, a, rsa, csa, b, ldb, c, ldc,
                      accumulate);
    else if (b_transposed)
        mlp->gemm_nt(mt, nt, K, a, rsa, b, ldb, c, ldc);
    else
        mlp->gemm(mt, nt, K, a, rsa, csa, b, ldb, c, ldc, accumulate);
    if (epi)
        apply_epilogue(mlp, epi, m0, mt, n0, nt, C, ldc);
}

/* This thread's block of the product on `threads` threads (gemm_threads),
 * with no wait before or after; a set sgemm gets the whole product (the
 * port tiles and threads itself). */
static void gemm_share(const descent_mlp *mlp, int threads, gemm_split split, int b_transposed,
                       int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                       const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate,
                       const epilogue *epi)
{
    const int t = team_rank();
    if (t >= threads)
        return;
    int m0 = 0, mt = M, n0 = 0, nt = N;
    if (!mlp->sgemm && splits_rows(split, M, N))
        thread_block(M, ROW_ALIGN, t, threads, &m0, &mt);
    else if (!mlp->sgemm)
        thread_block(N, COL_ALIGN, t, threads, &n0, &nt);
    if (mt > 0 && nt > 0)
        block_product(mlp, b_transposed, m0, mt, n0, nt, K, A, rsa, csa, B, ldb, C, ldc,
                      accumulate, epi);
}

/* C = A B (or C += A B) through gemm, or, with b_transposed, C = A B^T
 * through gemm_nt (B is then [N][K] with row stride ldb, and A's k is
 * contiguous: csa 1), then the epilogue (NULL: none) on C, as one stage of the
 * call (team_stage, then this thread's block).  The threads split the
 * larger of C's dimensions into one block each; gemm and gemm_nt give
 * every element the same bits whichever block computes it, so the result
 * does not depend on the thread count (or one call of the sgemm set by
 * descent_mlp_set_sgemm, which tiles and threads itself; the call then
 * runs on one thread, run_call). */
static void parallel_gemm(const descent_mlp *mlp, team *tm, gemm_split split, int b_transposed,
                          int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                          const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate,
                          const epilogue *epi)
{
    const int threads = gemm_threads(mlp, split, M, N, K);
    team_stage(tm, threads > 1);
    gemm_share(mlp, threads, split, b_transposed, M, N, K, A, rsa, csa, B, ldb, C, ldc, accumulate,
               epi);
}

/* This thread's share [*first, *first + *count) of `rows` rows of `cols`
 * elementwise work, in blocks of `align` rows: all of it on thread 0 below
 * 32 Ki elements (a barrier costs more than the work), else one block per
 * thread. */
static void rows_of_team(team *tm, int rows, double cols, int align, int *first, int *count)
{
    const int size = team_size(), t = team_rank();
    const int threads = (double)rows * cols < 32768.0 ? 1 : (size < rows ? size : rows);
    team_stage(tm, threads > 1);
    if (t >= threads) {
        *first = *count = 0;
        return;
    }
    thread_block(rows, align, t, threads, first, count);
}

/* A stage that reads nothing the stage before it writes, so it starts
 * without waiting for it; the stage after waits for both. */
static void team_continue(team *tm, int shared)
{
    tm->started = 1;
    tm->prev_shared |= shared;
}

/* ---------------------------------------------------------- the object */

void descent_mlp_free(descent_mlp *mlp)
{
    if (!mlp)
        return;
    for (int l = 0; l <= DESCENT_MLP_MAX_LAYERS; l++)
        descent_free_floats(mlp->out[l]);
    descent_free_floats(mlp->dz);
    descent_free_floats(mlp->da);
    descent_free_floats(mlp->dzt);
    descent_free_floats(mlp->example_loss);
    descent_free_floats(mlp->batch_x);
    descent_free_floats(mlp->batch_targets);
    free(mlp->batch_labels);
    free(mlp->prefetch_rows);
    free(mlp);
}

descent_status descent_mlp_create(const descent_mlp_shape *shape, int max_batch,
                                  descent_mlp **out)
{
    if (!out)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mlp_create: out is NULL");
    *out = NULL;
    descent_status s = descent_mlp_shape_validate(shape);
    if (s != DESCENT_OK)
        return s;
    if (max_batch < 1)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mlp_create: max_batch %d, expected >= 1",
                            max_batch);
    descent_mlp *mlp = calloc(1, sizeof *mlp);
    if (!mlp)
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory creating an MLP");
    mlp->shape = *shape;
    mlp->max_batch = max_batch;
    thread_tuner_init(&mlp->tuner);
    const int L = shape->layers;
    size_t widest = 0;
    int failed = 0;
    for (int l = 0; l <= L; l++) {
        const size_t size = (size_t)shape->sizes[l];
        widest = size > widest ? size : widest;
        if (l >= 1) {
            mlp->out[l] = descent_alloc_floats((size_t)max_batch * size);
            failed |= !mlp->out[l];
        }
    }
    /* size_t products: max_batch and sizes are at most 2^31 and 2^24. */
    mlp->dz = descent_alloc_floats((size_t)max_batch * widest);
    mlp->da = descent_alloc_floats((size_t)max_batch * widest);
    mlp->dzt = descent_alloc_floats(2 * (size_t)max_batch * widest);
    mlp->widest = widest;
    mlp->example_loss = descent_alloc_floats((size_t)max_batch);
    if (failed || !mlp->dz || !mlp->da || !mlp->dzt || !mlp->example_loss) {
        descent_mlp_free(mlp);
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory: MLP workspace for batch %d",
                            max_batch);
    }
    s = descent_mlp_set_isa(mlp, DESCENT_ISA_BEST);
    if (s != DESCENT_OK) {
        descent_mlp_free(mlp);
        return s;
    }
    *out = mlp;
    return DESCENT_OK;
}

descent_status descent_mlp_set_isa(descent_mlp *mlp, descent_isa isa)
{
    if (!mlp)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mlp_set_isa: mlp is NULL");
    descent_isa chosen;
    descent_status s = descent_isa_resolve(isa, &chosen);
    if (s != DESCENT_OK)
        return s;
    mlp->isa = chosen;
    const descent_isa_kernels *table = descent_isa_table(chosen); /* every entry set */
    mlp->kernels = table;
    mlp->gemm = table->gemm;
    mlp->gemm_nt = table->gemm_nt;
    return DESCENT_OK;
}

descent_status descent_mlp_set_sgemm(descent_mlp *mlp, descent_sgemm_fn fn)
{
    if (!mlp)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mlp_set_sgemm: mlp is NULL");
    mlp->sgemm = fn;
    return DESCENT_OK;
}

descent_isa descent_mlp_isa(const descent_mlp *mlp)
{
    return mlp ? mlp->isa : DESCENT_ISA_COUNT;
}

descent_status descent_mlp_set_threads(descent_mlp *mlp, int threads)
{
    if (!mlp)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mlp_set_threads: mlp is NULL");
    if (threads < 0)
        return descent_fail(DESCENT_ERR_INVALID, "invalid thread count %d", threads);
    mlp->threads = threads;
    return DESCENT_OK;
}

const descent_mlp_shape *descent_mlp_get_shape(const descent_mlp *mlp)
{
    return mlp ? &mlp->shape : NULL;
}

int descent_mlp_max_batch(const descent_mlp *mlp)
{
    return mlp ? mlp->max_batch : 0;
}

/* ------------------------------------------------------ forward/backward */

/* The work of a call per example, for the thread tuner: the backward pass
 * makes two products per layer to the forward's one. */
#define WORK_FORWARD 1.0
#define WORK_BACKWARD 2.0

/* The thread count for every region of the call that starts now. */
static thread_plan begin_call(descent_mlp *mlp)
{
    const thread_plan plan = thread_tuner_plan(&mlp->tuner, mlp->threads);
    mlp->run_threads = plan.threads;
    return plan;
}

/* The hidden layers' forward, one shared product per layer: Z = A_prev
 * W^T (W [out][in] as stored), then z + bias and the activation. */
static void run_hidden_forward(descent_mlp *mlp, team *tm, const float *params, int batch,
                               const float *x)
{
    const descent_mlp_shape *s = &mlp->shape;
    const float *a_prev = x;
    for (int l = 1; l < s->layers; l++) {
        const int in = s->sizes[l - 1], out = s->sizes[l];
        const float *W = params + descent_mlp_weight_offset(s, l);
        const epilogue bias_act = {
            .kind = EPILOGUE_BIAS_ACT,
            .act = s->activation,
            .bias = params + descent_mlp_bias_offset(s, l),
        };
        parallel_gemm(mlp, tm, SPLIT_LARGER, 1, batch, out, in, a_prev, in, 1, W, in,
                      mlp->out[l], out, 0, &bias_act);
        a_prev = mlp->out[l];
    }
}

/* What a call computes, run by every thread of its team.  With rows, the
 * batch is those rows of x, labels and targets, gathered first. */
typedef struct call {
    descent_mlp *mlp;
    const float *params, *x, *targets;
    const int *labels;
    const long *rows;
    int batch, forward, backward;
    float *grad, *loss;
} call;

static void run_call(const call *c);

/* The object, batch <= max_batch, then the shape and arguments as the
 * reference checks them (descent_mlp_check_call). */
static descent_status check(const char *fn, descent_mlp *mlp, const float *params, int batch,
                            const float *x, int want_loss, const int *labels,
                            const float *targets, const float *loss_or_out)
{
    if (!mlp)
        return descent_fail(DESCENT_ERR_INVALID, "%s: mlp is NULL", fn);
    if (batch > mlp->max_batch)
        return descent_fail(DESCENT_ERR_INVALID,
                            "%s: batch %d is larger than this MLP's max_batch %d", fn, batch,
                            mlp->max_batch);
    return descent_mlp_check_call(fn, &mlp->shape, params, batch, x, want_loss, labels,
                                  targets, loss_or_out);
}

descent_status descent_mlp_forward(descent_mlp *mlp, const float *params, int batch,
                                   const float *x, float *out)
{
    descent_status s = check("descent_mlp_forward", mlp, params, batch, x, 0, NULL, NULL, out);
    if (s != DESCENT_OK)
        return s;
    const thread_plan plan = begin_call(mlp);
    run_call(&(call){.mlp = mlp, .params = params, .x = x, .batch = batch, .forward = 1});
    thread_tuner_done(&mlp->tuner, &plan, (double)batch * WORK_FORWARD);
    const int L = mlp->shape.layers;
    memcpy(out, mlp->out[L], (size_t)batch * (size_t)mlp->shape.sizes[L] * sizeof(float));
    return DESCENT_OK;
}

/* The head: what the output layer L does for each example on its own, in
 * one stage, each thread a block of the batch's rows (so no thread waits
 * for another inside it; the output layer's products, 82 Ki multiply-adds
 * each at 784-128-10 and batch 64, are below PARALLEL_MIN_MADDS, and cut
 * by rows every thread has a part of them):
 *   forward:  Z_L = A_{L-1} W_L^T + b_L;
 *   backward: dloss/dZ_L into dz and, for cross-entropy, the example's loss
 *             into example_loss[b], with this ISA's softmax kernel (the
 *             scalar one is the reference's function) or the reference's
 *             MSE gradient (the MSE total is summed by the caller); then,
 *             with a gradient and a hidden layer, dZ_{L-1} = (dZ_L W_L) *
 *             act'(z_{L-1}) into da.
 * Every row gets the same bits whichever thread computes it. */
static void run_head(descent_mlp *mlp, team *tm, const call *c, const float *x,
                     const int *labels, const float *targets)
{
    const descent_mlp_shape *s = &mlp->shape;
    const int L = s->layers, in = s->sizes[L - 1], out = s->sizes[L], batch = c->batch;
    const int hidden_grad = c->backward && c->grad && L > 1;
    const float *a_prev = L > 1 ? mlp->out[L - 1] : x;
    const float *W = c->params + descent_mlp_weight_offset(s, L);
    const double work = (c->forward ? (double)in * out : 0.0) +
                        (c->backward ? out * 8.0 : 0.0) + (hidden_grad ? (double)in * out : 0.0);
    int first, count;
    rows_of_team(tm, batch, work, ROW_ALIGN, &first, &count);
    if (count == 0)
        return;
    if (c->forward) {
        const epilogue bias = {.kind = EPILOGUE_BIAS,
                               .bias = c->params + descent_mlp_bias_offset(s, L)};
        block_product(mlp, 1, first, count, 0, out, in, a_prev, in, 1, W, in, mlp->out[L], out, 0,
                      &bias);
    }
    if (!c->backward)
        return;
    for (int b = first; b < first + count; b++) {
        const float *z = mlp->out[L] + (size_t)b * out;
        float *g = mlp->dz + (size_t)b * out;
        mlp->example_loss[b] =
            s->loss == DESCENT_CROSS_ENTROPY
                ? mlp->kernels->mlp_softmax_xent((size_t)out, z, labels[b], batch, g)
                : descent_mlp_output_gradient(s, batch, z, 0, targets + (size_t)b * out, g);
    }
    if (hidden_grad) {
        const epilogue act_grad = {
            .kind = EPILOGUE_ACT_GRAD, .act = s->activation, .a = a_prev, .lda = in};
        block_product(mlp, 0, first, count, 0, in, out, mlp->dz, out, 1, W, in, mlp->da, in, 0,
                      &act_grad);
    }
}

/* The batch loss: a sequential sum in double, as the reference. */
static float batch_loss(const descent_mlp *mlp, int batch, const float *targets)
{
    const descent_mlp_shape *s = &mlp->shape;
    const int outputs = s->sizes[s->layers];
    double total = 0.0;
    if (s->loss == DESCENT_CROSS_ENTROPY) {
        for (int b = 0; b < batch; b++)
            total += (double)mlp->example_loss[b];
        return (float)(total / batch);
    }
    const float *z = mlp->out[s->layers];
    for (size_t k = 0; k < (size_t)batch * outputs; k++) {
        const float diff = z[k] - targets[k];
        total += (double)(diff * diff);
    }
    return (float)(total / ((double)batch * outputs));
}

/* db[o] = the sum of dz[b][o] over b in order, o in [o0, o0 + ot): the
 * same sequential sum whichever thread owns the rows, one row of dZ at a
 * time through the ISA's axpy (y + 1 * x is y + x, rounded once). */
static void bias_gradient(const descent_mlp *mlp, int batch, int out, int o0, int ot,
                          const float *dz, float *db)
{
    memset(db + o0, 0, (size_t)ot * sizeof *db);
    for (int b = 0; b < batch; b++)
        mlp->kernels->lbfgs.axpy((size_t)ot, 1.0f, dz + (size_t)b * out + o0, db + o0);
}

/* This thread's rows [o0, o0 + ot) of db and of dW = dZ^T A_prev, on
 * `threads` threads (gemm_threads, SPLIT_ROWS: each thread the rows its
 * share of the optimizer step reads).  The gemm's A operand is those rows
 * of dZ^T, transposed from dZ by the same thread first (kernels/mlp/
 * transpose.c says why); a set sgemm gets dZ as it is. */
static void weight_gradient_share(const descent_mlp *mlp, int t, int threads, int batch,
                                  int in, int out, const float *dz, float *dzt,
                                  const float *a_prev, float *dW, float *db)
{
    if (t < 0 || t >= threads)
        return;
    int o0 = 0, ot = out;
    if (!mlp->sgemm)
        thread_block(out, ROW_ALIGN, t, threads, &o0, &ot);
    if (ot == 0)
        return;
    bias_gradient(mlp, batch, out, o0, ot, dz, db);
    if (mlp->sgemm) {
        sgemm_product(mlp->sgemm, 0, out, in, batch, dz, 1, out, a_prev, in, dW, in, 0);
        return;
    }
    dzt += (size_t)o0 * (size_t)batch;
    mlp->kernels->mlp_transpose((size_t)batch, (size_t)ot, dz + o0, out, dzt, batch);
    mlp->gemm(ot, in, batch, dzt, batch, 1, a_prev, in, dW + (size_t)o0 * (size_t)in, in, 0);
}

/* The loss and, if grad is not NULL, the gradient, from what run_head
 * left (dZ_L, the examples' losses, dZ_{L-1}) and the activations of the
 * forward for these params, batch and x.  One stage after the head: the
 * loss by thread 0 and the output layer's dW (on the last thread when it
 * is not shared); then the hidden layers, from dZ_{L-1}, whose first dW
 * reads nothing of that stage and so does not wait for it. */
static void run_backward(descent_mlp *mlp, team *tm, const float *params, int batch,
                         const float *x, const float *targets, float *grad, float *loss)
{
    const descent_mlp_shape *s = &mlp->shape;
    const int L = s->layers, size = team_size(), t = team_rank();
    team_stage(tm, size > 1);
    if (t == 0)
        *loss = batch_loss(mlp, batch, targets);
    if (!grad)
        return;
    const size_t dzt_half = (size_t)mlp->max_batch * mlp->widest;
    float *dz = mlp->dz, *da = mlp->da;
    for (int l = L; l >= 1; l--) {
        const int in = s->sizes[l - 1], out = s->sizes[l];
        const float *a_prev = l > 1 ? mlp->out[l - 1] : x;
        const float *W = params + descent_mlp_weight_offset(s, l);
        float *dW = grad + descent_mlp_weight_offset(s, l);
        float *db = grad + descent_mlp_bias_offset(s, l);
        /* Each thread's rows of db and dW (both only read dZ, complete once
         * the stage began), dZ^T in the half of dzt that the layer after
         * this one did not use (its dW may still run) */
        const int threads = gemm_threads(mlp, SPLIT_ROWS, out, in, batch);
        int rank = t;
        if (l == L && threads == 1)
            rank = t == size - 1 ? 0 : -1; /* thread 0 sums the loss */
        else if (l == L - 1)
            team_continue(tm, threads > 1);
        else if (l < L)
            team_stage(tm, threads > 1);
        weight_gradient_share(mlp, rank, threads, batch, in, out, dz, mlp->dzt + (l & 1) * dzt_half,
                              a_prev, dW, db);
        if (l == 1)
            break;
        float *swap = dz;
        dz = da, da = swap; /* dZ_{l-1} is in da: the head's, or the product below */
        if (l == L)
            continue;
        /* dA = dZ W, then times act'(z_{l-1}) */
        const epilogue act_grad = {
            .kind = EPILOGUE_ACT_GRAD, .act = s->activation, .a = a_prev, .lda = in};
        parallel_gemm(mlp, tm, SPLIT_LARGER, 0, batch, in, out, da, out, 1, W, in, dz, in, 0,
                      &act_grad);
    }
}

/* The batch's rows of the data set into the object's batch buffers, each
 * thread a share of the rows (a stage of its own: the forward waits for
 * all of them), then this thread's share of the rows named for the next
 * call loaded into the caches: they arrive while this call computes. */
static void gather_rows(descent_mlp *mlp, team *tm, const call *c)
{
    const descent_mlp_shape *s = &mlp->shape;
    const size_t in = (size_t)s->sizes[0], out = (size_t)s->sizes[s->layers];
    int first, count;
    rows_of_team(tm, c->batch, (double)in, 1, &first, &count);
    for (int k = first; k < first + count; k++) {
        const size_t e = (size_t)c->rows[k];
        memcpy(mlp->batch_x + k * in, c->x + e * in, in * sizeof(float));
        if (c->labels)
            mlp->batch_labels[k] = c->labels[e];
        if (c->targets)
            memcpy(mlp->batch_targets + k * out, c->targets + e * out, out * sizeof(float));
    }
#if defined(__GNUC__)
    int pf_first, pf_count;
    thread_block(mlp->prefetch_count, 1, team_rank(), team_size(), &pf_first, &pf_count);
    for (int k = pf_first; k < pf_first + pf_count; k++) {
        const char *row = (const char *)(mlp->prefetch_x + (size_t)mlp->prefetch_rows[k] * in);
        for (size_t at = 0; at < in * sizeof(float); at += 64)
            __builtin_prefetch(row + at);
    }
#endif
}

static void call_body(const call *c)
{
    team tm = {0};
    descent_mlp *mlp = c->mlp;
    const float *x = c->x, *targets = c->targets;
    const int *labels = c->labels;
    if (c->rows) {
        gather_rows(mlp, &tm, c);
        x = mlp->batch_x;
        targets = c->targets ? mlp->batch_targets : NULL;
        labels = c->labels ? mlp->batch_labels : NULL;
    }
    if (c->forward)
        run_hidden_forward(mlp, &tm, c->params, c->batch, x);
    run_head(mlp, &tm, c, x, labels, targets);
    if (c->forward && team_rank() == 0)
        mlp->forward_params = c->params, mlp->forward_x = x, mlp->forward_batch = c->batch;
    if (c->backward)
        run_backward(mlp, &tm, c->params, c->batch, x, targets, c->grad, c->loss);
}

/* The call in one region of mlp->run_threads threads (none for one, or
 * with a set sgemm, which threads itself). */
static void run_call(const call *c)
{
    const int threads = c->mlp->sgemm ? 1 : c->mlp->run_threads;
    if (threads <= 1) {
        call_body(c);
        return;
    }
#if DESCENT_HAVE_OPENMP
#pragma omp parallel num_threads(threads)
#endif
    call_body(c);
}

descent_status descent_mlp_loss_grad(descent_mlp *mlp, const float *params, int batch,
                                     const float *x, const int *labels, const float *targets,
                                     float *grad, float *loss)
{
    descent_status st =
        check("descent_mlp_loss_grad", mlp, params, batch, x, 1, labels, targets, loss);
    if (st != DESCENT_OK)
        return st;
    const thread_plan plan = begin_call(mlp);
    run_call(&(call){.mlp = mlp, .params = params, .x = x, .targets = targets,
                     .labels = labels, .batch = batch, .forward = 1, .backward = 1,
                     .grad = grad, .loss = loss});
    thread_tuner_done(&mlp->tuner, &plan,
                      (double)batch * (WORK_FORWARD + (grad ? WORK_BACKWARD : 0)));
    return DESCENT_OK;
}

/* The batch buffers and the prefetch list, allocated once. */
static descent_status ensure_row_buffers(descent_mlp *mlp, const char *fn)
{
    const descent_mlp_shape *s = &mlp->shape;
    const size_t rows = (size_t)mlp->max_batch;
    if (!mlp->batch_x) {
        mlp->batch_x = descent_alloc_floats(rows * (size_t)s->sizes[0]);
        mlp->batch_targets = descent_alloc_floats(rows * (size_t)s->sizes[s->layers]);
        mlp->batch_labels = malloc(rows * sizeof *mlp->batch_labels);
        mlp->prefetch_rows = malloc(rows * sizeof *mlp->prefetch_rows);
    }
    if (!mlp->batch_x || !mlp->batch_targets || !mlp->batch_labels || !mlp->prefetch_rows) {
        descent_free_floats(mlp->batch_x);
        descent_free_floats(mlp->batch_targets);
        free(mlp->batch_labels);
        free(mlp->prefetch_rows);
        mlp->batch_x = mlp->batch_targets = NULL, mlp->batch_labels = NULL;
        mlp->prefetch_rows = NULL;
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory for a batch of %d", fn,
                            mlp->max_batch);
    }
    return DESCENT_OK;
}

/* Every row in [0, n): the message names the first that is not. */
static descent_status check_rows(const char *fn, long n, int count, const long *rows)
{
    if (count > 0 && !rows)
        return descent_fail(DESCENT_ERR_INVALID, "%s: rows is NULL", fn);
    for (int k = 0; k < count; k++)
        if (rows[k] < 0 || rows[k] >= n)
            return descent_fail(DESCENT_ERR_INVALID,
                                "%s: rows[%d] = %ld is not an example of the %ld", fn, k,
                                rows[k], n);
    return DESCENT_OK;
}

/* The loss's arguments for the examples rows[0..batch): cross-entropy's
 * labels in [0, outputs), mean squared error's targets present. */
static descent_status check_row_targets(const char *fn, const descent_mlp_shape *s, int batch,
                                        const long *rows, const int *labels,
                                        const float *targets)
{
    const int outputs = s->sizes[s->layers];
    if (s->loss != DESCENT_CROSS_ENTROPY)
        return targets ? DESCENT_OK
                       : descent_fail(DESCENT_ERR_INVALID, "%s: mse needs targets", fn);
    if (!labels)
        return descent_fail(DESCENT_ERR_INVALID, "%s: cross_entropy needs labels", fn);
    for (int k = 0; k < batch; k++)
        if (labels[rows[k]] < 0 || labels[rows[k]] >= outputs)
            return descent_fail(DESCENT_ERR_INVALID,
                                "%s: label %d of example %ld is not in [0, %d)", fn,
                                labels[rows[k]], rows[k], outputs);
    return DESCENT_OK;
}

descent_status descent_mlp_loss_grad_rows(descent_mlp *mlp, const float *params, long n,
                                          const float *x, const int *labels,
                                          const float *targets, int batch, const long *rows,
                                          float *grad, float *loss)
{
    static const char fn[] = "descent_mlp_loss_grad_rows";
    /* NULLs and batch as descent_mlp_loss_grad, then the rows, then the
     * loss's arguments at those rows (labels of the batch's examples) */
    descent_status st = check(fn, mlp, params, batch, x, 0, NULL, NULL, loss);
    if (st == DESCENT_OK)
        st = check_rows(fn, n, batch, rows);
    if (st == DESCENT_OK)
        st = check_row_targets(fn, &mlp->shape, batch, rows, labels, targets);
    if (st == DESCENT_OK)
        st = ensure_row_buffers(mlp, fn);
    if (st != DESCENT_OK)
        return st;
    if (mlp->prefetch_x != x) /* named for another data set */
        mlp->prefetch_count = 0;
    const thread_plan plan = begin_call(mlp);
    run_call(&(call){.mlp = mlp, .params = params, .x = x, .targets = targets,
                     .labels = labels, .rows = rows, .batch = batch, .forward = 1,
                     .backward = 1, .grad = grad, .loss = loss});
    thread_tuner_done(&mlp->tuner, &plan,
                      (double)batch * (WORK_FORWARD + (grad ? WORK_BACKWARD : 0)));
    mlp->prefetch_count = 0;
    return DESCENT_OK;
}

descent_status descent_mlp_prefetch_rows(descent_mlp *mlp, long n, const float *x, int count,
                                         const long *rows)
{
    static const char fn[] = "descent_mlp_prefetch_rows";
    if (!mlp)
        return descent_fail(DESCENT_ERR_INVALID, "%s: mlp is NULL", fn);
    if (!x || count < 0 || count > mlp->max_batch)
        return descent_fail(DESCENT_ERR_INVALID, "%s: x NULL or count %d outside 0..%d", fn,
                            count, mlp->max_batch);
    descent_status st = check_rows(fn, n, count, rows);
    if (st == DESCENT_OK)
        st = ensure_row_buffers(mlp, fn);
    if (st != DESCENT_OK)
        return st;
    memcpy(mlp->prefetch_rows, rows, (size_t)count * sizeof *rows);
    mlp->prefetch_x = x, mlp->prefetch_count = count;
    return DESCENT_OK;
}

descent_status descent_mlp_backward(descent_mlp *mlp, const float *params, int batch,
                                    const float *x, const int *labels, const float *targets,
                                    float *grad, float *loss)
{
    descent_status st =
        check("descent_mlp_backward", mlp, params, batch, x, 1, labels, targets, loss);
    if (st != DESCENT_OK)
        return st;
    if (mlp->forward_params != params || mlp->forward_x != x || mlp->forward_batch != batch)
        return descent_fail(DESCENT_ERR_INVALID,
                            "descent_mlp_backward: the last descent_mlp_forward on this MLP "
                            "was not with these params, x and batch %d", batch);
    const thread_plan plan = begin_call(mlp);
    run_call(&(call){.mlp = mlp, .params = params, .x = x, .targets = targets,
                     .labels = labels, .batch = batch, .backward = 1, .grad = grad,
                     .loss = loss});
    thread_tuner_done(&mlp->tuner, &plan, grad ? (double)batch * WORK_BACKWARD : 0);
    return DESCENT_OK;
}
