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

/* The MLP's ReLU epilogues over rows x n elements of a row-major block:
 *   relu_bias: z[r][j] = (z + bias[j]) > 0 ? z + bias[j] : 0   (the forward)
 *   relu_grad: d[r][j] = d[r][j] * (a[r][j] > 0 ? 1 : 0)        (the backward)
 * the reference's operations exactly, so every version gives the same bits
 * (kernels/mlp/elementwise.c per ISA, kernels/scalar_gemm.c). */
typedef void descent_relu_bias(int rows, int n, float *z, ptrdiff_t ldz, const float *bias);
typedef descent_relu_bias *descent_relu_bias_fn;
typedef void descent_relu_grad(int rows, int n, float *d, ptrdiff_t ldd, const float *a,
                               ptrdiff_t lda);
typedef descent_relu_grad *descent_relu_grad_fn;
descent_relu_bias descent_relu_bias_scalar;
descent_relu_grad descent_relu_grad_scalar;

/* Cache-blocked, register-tiled scalar versions (kernels/scalar_gemm.c);
 * the vector ones are kernels/mlp/gemm.c.  Each ISA's pair is in its table
 * (kernel.h: descent_isa_table). */
descent_gemm descent_gemm_scalar;
descent_gemm_nt descent_gemm_nt_scalar;

#endif
