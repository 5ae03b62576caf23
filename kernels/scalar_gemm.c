/*
 * The scalar gemm and gemm_nt of the fast MLP (contract:
 * kernels/mlp_kernel.h).
 *
 * Blocking: K is cut into panels of KC so that the panel of B being swept
 * stays in L2, and C into MR x NR register tiles whose MR*NR sums are
 * independent (the compiler may keep them in vector registers).  Every C
 * element still adds its products in increasing k order, one rounding per
 * multiply and per add (the build forbids contraction to FMA), so the result
 * is the same bits as the plain triple loop whatever the blocking.
 */
#include "mlp_kernel.h"

#define MR 4
#define NR 8
#define KC 256

/* One full MR x NR tile over kc values of k. */
static void tile_full(int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa, const float *B,
                      ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate)
{
    float c[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++)
            c[i][j] = accumulate ? C[i * ldc + j] : 0.0f;
    for (int k = 0; k < kc; k++) {
        const float *b = B + k * ldb;
        for (int i = 0; i < MR; i++) {
            const float a = A[i * rsa + k * csa];
            for (int j = 0; j < NR; j++)
                c[i][j] += a * b[j];
        }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++)
            C[i * ldc + j] = c[i][j];
}

/* A partial tile (mr <= MR, nr <= NR) at the right or bottom edge. */
static void tile_edge(int mr, int nr, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                      const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate)
{
    for (int i = 0; i < mr; i++) {
        for (int j = 0; j < nr; j++) {
            float sum = accumulate ? C[i * ldc + j] : 0.0f;
            for (int k = 0; k < kc; k++)
                sum += A[i * rsa + k * csa] * B[k * ldb + j];
            C[i * ldc + j] = sum;
        }
    }
}

void descent_gemm_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                         const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate)
{
    if (K == 0 && !accumulate) {
        for (int m = 0; m < M; m++)
            for (int n = 0; n < N; n++)
                C[m * ldc + n] = 0.0f;
        return;
    }
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kc = K - k0 < KC ? K - k0 : KC;
        const int acc = accumulate || k0 > 0; /* later panels add to the sums so far */
        const float *Ak = A + k0 * csa;
        const float *Bk = B + k0 * ldb;
        for (int m0 = 0; m0 < M; m0 += MR) {
            const int mr = M - m0 < MR ? M - m0 : MR;
            for (int n0 = 0; n0 < N; n0 += NR) {
                const int nr = N - n0 < NR ? N - n0 : NR;
                const float *a = Ak + m0 * rsa;
                float *c = C + m0 * ldc + n0;
                if (mr == MR && nr == NR)
                    tile_full(kc, a, rsa, csa, Bk + n0, ldb, c, ldc, acc);
                else
                    tile_edge(mr, nr, kc, a, rsa, csa, Bk + n0, ldb, c, ldc, acc);
            }
        }
    }
}

/* C = A B^T through gemm above, on B packed panel by panel: each KC x NR
 * block of B^T is copied into a row-major buffer (the packing BLAS does)
 * and multiplied as a KC-deep product that adds to the panels before it;
 * every sum still runs over k in order, so the bits are those of the plain
 * loop. */
void descent_gemm_nt_scalar(int M, int N, int K, const float *A, ptrdiff_t lda, const float *B,
                            ptrdiff_t ldb, float *C, ptrdiff_t ldc)
{
    float panel[KC * NR];
    if (K == 0) {
        descent_gemm_scalar(M, N, 0, A, lda, 1, B, NR, C, ldc, 0);
        return;
    }
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kc = K - k0 < KC ? K - k0 : KC;
        for (int n0 = 0; n0 < N; n0 += NR) {
            const int nr = N - n0 < NR ? N - n0 : NR;
            for (int k = 0; k < kc; k++)
                for (int j = 0; j < nr; j++)
                    panel[k * NR + j] = B[(n0 + j) * ldb + k0 + k];
            descent_gemm_scalar(M, nr, kc, A + k0, lda, 1, panel, NR, C + n0, ldc, k0 > 0);
        }
    }
}

void descent_relu_bias_scalar(int rows, int n, float *z, ptrdiff_t ldz, const float *bias)
{
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++) {
            const float v = z[r * ldz + j] + bias[j];
            z[r * ldz + j] = v > 0.0f ? v : 0.0f;
        }
}

void descent_relu_grad_scalar(int rows, int n, float *d, ptrdiff_t ldd, const float *a,
                              ptrdiff_t lda)
{
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++)
            d[r * ldd + j] = d[r * ldd + j] * (a[r * lda + j] > 0.0f ? 1.0f : 0.0f);
}
