/*
 * The two matrix products the fast MLP (src/mlp.c) is built on, so that a
 * vector micro-kernel can replace the scalar one without touching the
 * forward/backward driver.
 *
 * gemm:
 *   C[m][n]  = sum_k A(m, k) * B[k][n]        (accumulate == 0)
 *   C[m][n] += sum_k A(m, k) * B[k][n]        (accumulate != 0)
 *
 * for 0 <= m < M, 0 <= n < N, 0 <= k < K, where A(m, k) = A[m*rsa + k*csa]
 * (any strides: A or A transposed), B is row-major [K][N] with row stride
 * ldb (rows contiguous, the dimension a vector kernel runs along) and C is
 * row-major [M][N] with row stride ldc.  The backward uses two forms:
 *
 *   dW = dZ^T A_prev   A = dZ^T (rsa 1, csa out), B = A_prev [B][in]
 *   dA = dZ W          A = dZ [B][out],           B = W [out][in]
 *
 * gemm_nt:
 *
 *   C[m][n] = sum_k A[m*lda + k] * B[n*ldb + k]
 *
 * both operands with k contiguous: the forward Z = A_prev W^T, A = A_prev
 * [B][in], B = W [out][in] as stored (PyTorch's layout), no transpose.
 *
 * The scalar versions add the K products of every C element in increasing
 * k order, starting from 0 (or from C), so they give the same bits as a
 * plain loop.  A vector version may reorder or fuse (FMA) as it likes, but
 * must give the same bits for the same arguments on every call, whichever
 * part of C it is asked for: the driver cuts C into tiles whose boundaries
 * do not depend on the thread count, which then keeps results independent
 * of threads.
 */
#ifndef DESCENT_MLP_KERNEL_H
#define DESCENT_MLP_KERNEL_H

#include <stddef.h>

#include "descent.h"

typedef void descent_gemm(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                          const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
                          int accumulate);
typedef descent_gemm *descent_gemm_fn;

typedef void descent_gemm_nt(int M, int N, int K, const float *A, ptrdiff_t lda,
                             const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc);
typedef descent_gemm_nt *descent_gemm_nt_fn;

/*
 * The MLP's elementwise parts, one row (one example) per call, so that the
 * driver's threads split the batch by rows and every row gets the same bits
 * whichever thread computes it.  The scalar versions (kernels/scalar.c) are
 * the reference's own formulas with libm's tanhf/expf/logf; the vector ones
 * (kernels/mlp/elementwise.c) use the layer's vf_tanh/vf_exp (SLEEF where
 * it is installed, else vec_math.h) and agree with them to a few ulp.
 *
 * bias_act:    z[i] = act(z[i] + bias[i]), i < n; act DESCENT_MLP_LINEAR
 *              (the output layer) adds the bias only.
 * act_grad:    d[i] *= act'(z[i]), from a[i] = act(z[i]) (relu' = [a > 0]).
 * softmax_xent: softmax cross-entropy of one example with n logits z and
 *              class `label`: g[i] = (softmax(z)[i] - [i == label]) / batch,
 *              returns logsumexp(z) - z[label].
 */
#define DESCENT_MLP_LINEAR DESCENT_ACTIVATION_COUNT
typedef void descent_mlp_bias_act(descent_activation act, size_t n, const float *bias,
                                  float *z);
typedef descent_mlp_bias_act *descent_mlp_bias_act_fn;
typedef void descent_mlp_act_grad(descent_activation act, size_t n, const float *a, float *d);
typedef descent_mlp_act_grad *descent_mlp_act_grad_fn;
typedef float descent_mlp_softmax_xent(size_t n, const float *z, int label, int batch,
                                       float *g);
typedef descent_mlp_softmax_xent *descent_mlp_softmax_xent_fn;

/* transpose:   dst[j*ldd + i] = src[i*lds + j], i < rows, j < cols (values
 *              moved, not computed: every ISA gives the same bits).  The
 *              weight gradient's dZ^T (kernels/mlp/transpose.c says why). */
typedef void descent_mlp_transpose(size_t rows, size_t cols, const float *src, ptrdiff_t lds,
                                   float *dst, ptrdiff_t ldd);
typedef descent_mlp_transpose *descent_mlp_transpose_fn;

/* Cache-blocked, register-tiled scalar versions (kernels/scalar_gemm.c);
 * the vector ones are kernels/mlp/gemm.c.  Each ISA's pair is in its table
 * (kernel.h: descent_isa_table). */
descent_gemm descent_gemm_scalar;
descent_gemm_nt descent_gemm_nt_scalar;
/* Value by value (kernels/scalar.c): the scalar table's, and the vector
 * ones' edges and their version on ISAs without a register transpose. */
descent_mlp_transpose descent_mlp_transpose_scalar;

#endif
