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
    float *dz, *da;       /* [max_batch][widest layer] */
    float *example_loss;  /* [max_batch] */
    /* What the activations in out[] were computed from (params, x, batch;
     * params NULL when none), checked by descent_mlp_backward. */
    const float *forward_params, *forward_x;
    int forward_batch;
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

/* Products of fewer multiply-adds than this run on one thread: waking the
 * second costs more than it saves (the 784-128-10 output layer, ~0.3 M at
 * batch 256, is below; the hidden layer's, 6.4 M at batch 64, above). */
#define PARALLEL_MIN_MADDS (1024.0 * 1024.0)
/* Thread blocks start at multiples of this many rows or columns (the
 * register tiles' rows, 8 or 6, and a vector of columns), so that edge
 * tiles are few. */
#define ROW_ALIGN 8
#define COL_ALIGN 16

/* [*start, *start + *count) of n items for thread t of threads, in units
 * of align. */
static void thread_block(int n, int align, int t, int threads, int *start, int *count)
{
    const int units = (n + align - 1) / align;
    const int lo = units * t / threads, hi = units * (t + 1) / threads;
    *start = lo * align < n ? lo * align : n;
    const int end = hi * align < n ? hi * align : n;
    *count = end - *start;
}

/* C = A B (or C += A B) through gemm, or, with b_transposed, C = A B^T
 * through gemm_nt (B is then [N][K] with row stride ldb, and A's k is
 * contiguous: csa 1), then the epilogue (NULL: none) on C.  The threads
 * split the larger of C's dimensions into one block each; gemm and gemm_nt
 * give every element the same bits whichever block computes it, so the
 * result does not depend on the thread count (or one call of the sgemm set
 * by descent_mlp_set_sgemm, which tiles and threads itself). */
static void parallel_gemm(const descent_mlp *mlp, int b_transposed, int M, int N, int K,
                          const float *A, ptrdiff_t rsa, ptrdiff_t csa, const float *B,
                          ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate,
                          const epilogue *epi)
{
    if (mlp->sgemm) { /* whole: the port tiles and threads itself */
        sgemm_product(mlp->sgemm, b_transposed, M, N, K, A, rsa, csa, B, ldb, C, ldc,
                      accumulate);
        if (epi)
            apply_epilogue(mlp, epi, 0, M, 0, N, C, ldc);
        return;
    }
    const int split_rows = M >= N;
    const int align = split_rows ? ROW_ALIGN : COL_ALIGN;
    const int blocks = ((split_rows ? M : N) + align - 1) / align;
    int threads = 1;
#if DESCENT_HAVE_OPENMP
    threads = mlp->run_threads < blocks ? mlp->run_threads : blocks;
    if ((double)M * N * K < PARALLEL_MIN_MADDS)
        threads = 1;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (int t = 0; t < threads; t++) {
        int m0 = 0, mt = M, n0 = 0, nt = N;
        if (split_rows)
            thread_block(M, ROW_ALIGN, t, threads, &m0, &mt);
        else
            thread_block(N, COL_ALIGN, t, threads, &n0, &nt);
        if (mt == 0 || nt == 0)
            continue;
        if (b_transposed)
            mlp->gemm_nt(mt, nt, K, A + m0 * rsa, rsa, B + n0 * ldb, ldb, C + m0 * ldc + n0, ldc);
        else
            mlp->gemm(mt, nt, K, A + m0 * rsa, rsa, csa, B + n0, ldb, C + m0 * ldc + n0, ldc,
                      accumulate);
        if (epi)
            apply_epilogue(mlp, epi, m0, mt, n0, nt, C, ldc);
    }
}

static int threads_for_rows(const descent_mlp *mlp, int rows, int cols)
{
#if DESCENT_HAVE_OPENMP
    const int threads = mlp->run_threads;
    if ((double)rows * cols < 32768.0)
        return 1;
    return threads < rows ? threads : rows;
#else
    (void)mlp, (void)rows, (void)cols;
    return 1;
#endif
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
    descent_free_floats(mlp->example_loss);
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
    mlp->example_loss = descent_alloc_floats((size_t)max_batch);
    if (failed || !mlp->dz || !mlp->da || !mlp->example_loss) {
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

static void run_forward(descent_mlp *mlp, const float *params, int batch, const float *x)
{
    const descent_mlp_shape *s = &mlp->shape;
    const float *a_prev = x;
    for (int l = 1; l <= s->layers; l++) {
        const int in = s->sizes[l - 1], out = s->sizes[l];
        /* Z = A_prev W^T, W [out][in] as stored */
        const float *W = params + descent_mlp_weight_offset(s, l);
        const epilogue bias_act = {
            .kind = l < s->layers ? EPILOGUE_BIAS_ACT : EPILOGUE_BIAS,
            .act = s->activation,
            .bias = params + descent_mlp_bias_offset(s, l),
        };
        parallel_gemm(mlp, 1, batch, out, in, a_prev, in, 1, W, in, mlp->out[l], out, 0,
                      &bias_act);
        a_prev = mlp->out[l];
    }
    mlp->forward_params = params, mlp->forward_x = x, mlp->forward_batch = batch;
}

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
    run_forward(mlp, params, batch, x);
    thread_tuner_done(&mlp->tuner, &plan, (double)batch * WORK_FORWARD);
    const int L = mlp->shape.layers;
    memcpy(out, mlp->out[L], (size_t)batch * (size_t)mlp->shape.sizes[L] * sizeof(float));
    return DESCENT_OK;
}

/* Per example: dloss/dz_L into dz and, for cross-entropy, the example's
 * loss into example_loss[b], with this ISA's softmax kernel (the scalar
 * one is the reference's function) or the reference's MSE gradient (the
 * MSE total is summed by the caller). */
static void loss_and_output_gradient(descent_mlp *mlp, int batch, const int *labels,
                                     const float *targets)
{
    const descent_mlp_shape *s = &mlp->shape;
    const int outputs = s->sizes[s->layers];
    const float *logits = mlp->out[s->layers];
    const int threads = threads_for_rows(mlp, batch, outputs * 8);
    (void)threads;
#if DESCENT_HAVE_OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
#endif
    for (int b = 0; b < batch; b++) {
        const float *z = logits + (size_t)b * outputs;
        float *g = mlp->dz + (size_t)b * outputs;
        mlp->example_loss[b] =
            s->loss == DESCENT_CROSS_ENTROPY
                ? mlp->kernels->mlp_softmax_xent((size_t)outputs, z, labels[b], batch, g)
                : descent_mlp_output_gradient(s, batch, z, 0, targets + (size_t)b * outputs, g);
    }
}

/* The loss and, if grad is not NULL, the gradient, from the activations
 * that run_forward left for these params, batch and x. */
static void run_backward(descent_mlp *mlp, const float *params, int batch, const float *x,
                         const int *labels, const float *targets, float *grad, float *loss)
{
    const descent_mlp_shape *s = &mlp->shape;
    const int L = s->layers, outputs = s->sizes[L];
    loss_and_output_gradient(mlp, batch, labels, targets);

    /* The batch loss: a sequential sum in double, as the reference. */
    double total = 0.0;
    if (s->loss == DESCENT_CROSS_ENTROPY) {
        for (int b = 0; b < batch; b++)
            total += (double)mlp->example_loss[b];
        *loss = (float)(total / batch);
    } else {
        const float *z = mlp->out[L];
        for (size_t k = 0; k < (size_t)batch * outputs; k++) {
            const float diff = z[k] - targets[k];
            total += (double)(diff * diff);
        }
        *loss = (float)(total / ((double)batch * outputs));
    }
    if (!grad)
        return;

    float *dz = mlp->dz, *da = mlp->da;
    for (int l = L; l >= 1; l--) {
        const int in = s->sizes[l - 1], out = s->sizes[l];
        const float *a_prev = l > 1 ? mlp->out[l - 1] : x;
        const float *W = params + descent_mlp_weight_offset(s, l);
        float *dW = grad + descent_mlp_weight_offset(s, l);
        float *db = grad + descent_mlp_bias_offset(s, l);
        /* dW = dZ^T A_prev: A(m = o, k = b) = dz[b*out + o] */
        parallel_gemm(mlp, 0, out, in, batch, dz, 1, out, a_prev, in, dW, in, 0, NULL);
        /* db = column sums of dZ, over b in order */
        for (int o = 0; o < out; o++)
            db[o] = 0.0f;
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < out; o++)
                db[o] += dz[(size_t)b * out + o];
        if (l == 1)
            break;
        /* dA = dZ W, then times act'(z_{l-1}) */
        const epilogue act_grad = {
            .kind = EPILOGUE_ACT_GRAD, .act = s->activation, .a = a_prev, .lda = in};
        parallel_gemm(mlp, 0, batch, in, out, dz, out, 1, W, in, da, in, 0, &act_grad);
        float *swap = dz;
        dz = da, da = swap;
    }
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
    run_forward(mlp, params, batch, x);
    run_backward(mlp, params, batch, x, labels, targets, grad, loss);
    thread_tuner_done(&mlp->tuner, &plan,
                      (double)batch * (WORK_FORWARD + (grad ? WORK_BACKWARD : 0)));
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
    run_backward(mlp, params, batch, x, labels, targets, grad, loss);
    thread_tuner_done(&mlp->tuner, &plan, grad ? (double)batch * WORK_BACKWARD : 0);
    return DESCENT_OK;
}
