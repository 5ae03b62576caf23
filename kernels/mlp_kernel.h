/*
 * The one matrix product the fast MLP (src/mlp.c) is built on, so that a
 * vector micro-kernel can replace the scalar one without touching the
 * forward/backward driver.
 *
 *   C[m][n]  = sum_k A(m, k) * B[k][n]        (accumulate == 0)
 *   C[m][n] += sum_k A(m, k) * B[k][n]        (accumulate != 0)
 *
 * for 0 <= m < M, 0 <= n < N, 0 <= k < K, where A(m, k) = A[m*rsa + k*csa]
 * (any strides: A or A transposed), B is row-major [K][N] with row stride
 * ldb (rows contiguous, the dimension a vector kernel runs along) and C is
 * row-major [M][N] with row stride ldc.  The driver uses three forms:
 *
 *   forward   Z    = A_prev W^T    A = A_prev [B][in],  B = W^T [in][out]
 *   backward  dW   = dZ^T A_prev   A = dZ^T (rsa 1, csa out), B = A_prev
 *             dA   = dZ W          A = dZ [B][out],     B = W [out][in]
 *
 * The scalar gemm adds the K products of every C element in increasing k
 * order, starting from 0 (or from C), so it gives the same bits as a plain
 * loop.  A vector gemm may reorder or fuse (FMA) as it likes, but must give
 * the same bits for the same arguments on every call: the driver cuts C
 * into tiles whose boundaries do not depend on the thread count, which then
 * keeps results independent of threads.
 */
#ifndef DESCENT_MLP_KERNEL_H
#define DESCENT_MLP_KERNEL_H

#include <stddef.h>

#include "descent.h"

typedef void (*descent_gemm_fn)(int M, int N, int K, const float *A, ptrdiff_t rsa,
                                ptrdiff_t csa, const float *B, ptrdiff_t ldb, float *C,
                                ptrdiff_t ldc, int accumulate);

/* Cache-blocked, register-tiled scalar gemm (src/mlp_gemm.c). */
void descent_gemm_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                         const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
                         int accumulate);

/* The gemm for a resolved ISA (src/mlp.c); never NULL for a compiled ISA. */
descent_gemm_fn descent_gemm_lookup(descent_isa isa);

#endif
