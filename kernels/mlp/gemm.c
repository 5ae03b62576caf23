/*
 * The MLP's matrix product over the vector layer (contract and the scalar
 * version: kernels/mlp_kernel.h, src/mlp_gemm.c), compiled once per ISA as
 * descent_<isa>_gemm.
 *
 * Register tile: MR rows of C by two vectors of columns, 2*MR accumulators
 * (12 of AVX-512's 32, AVX2's 16, NEON's 32 registers).  Per k it loads two
 * vectors of row k of B, broadcasts MR values of A and issues 2*MR FMAs.
 * K is cut into panels of KC so that the B panel being swept stays in L2.
 * Column edges use partial vectors; row edges a one-row tile.  Every C
 * element sums its products in increasing k with FMA, so the bits depend on
 * K and KC only, never on the tiling the caller or the thread count picks.
 */
#include "../mlp_kernel.h"
#include "../vec/vec.h"

#define MR 6
#define NV 2 /* vectors per tile row */
#define NR (NV * VEC_WIDTH)
#define KC 256

/* Lanes of vector v (0 or 1) in a tile row of nr columns. */
static inline size_t tile_lanes(int nr, int v)
{
    const int rest = nr - v * VEC_WIDTH;
    return rest <= 0 ? 0 : (rest >= VEC_WIDTH ? VEC_WIDTH : (size_t)rest);
}

static void tile_rows6(int nr, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                       const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate)
{
    const size_t l0 = tile_lanes(nr, 0), l1 = tile_lanes(nr, 1);
    vf c[MR][NV];
    for (int i = 0; i < MR; i++) {
        c[i][0] = accumulate ? vf_load_n(C + i * ldc, l0) : vf_zero();
        c[i][1] = accumulate ? vf_load_n(C + i * ldc + VEC_WIDTH, l1) : vf_zero();
    }
    for (int k = 0; k < kc; k++) {
        const vf b0 = vf_load_n(B + k * ldb, l0);
        const vf b1 = vf_load_n(B + k * ldb + VEC_WIDTH, l1);
        const float *a = A + k * csa;
        for (int i = 0; i < MR; i++) {
            const vf ai = vf_set1(a[i * rsa]);
            c[i][0] = vf_fma(ai, b0, c[i][0]);
            c[i][1] = vf_fma(ai, b1, c[i][1]);
        }
    }
    for (int i = 0; i < MR; i++) {
        vf_store_n(C + i * ldc, c[i][0], l0);
        vf_store_n(C + i * ldc + VEC_WIDTH, c[i][1], l1);
    }
}

static void tile_row1(int nr, int kc, const float *A, ptrdiff_t csa, const float *B,
                      ptrdiff_t ldb, float *C, int accumulate)
{
    const size_t l0 = tile_lanes(nr, 0), l1 = tile_lanes(nr, 1);
    vf c0 = accumulate ? vf_load_n(C, l0) : vf_zero();
    vf c1 = accumulate ? vf_load_n(C + VEC_WIDTH, l1) : vf_zero();
    for (int k = 0; k < kc; k++) {
        const vf a = vf_set1(A[k * csa]);
        c0 = vf_fma(a, vf_load_n(B + k * ldb, l0), c0);
        c1 = vf_fma(a, vf_load_n(B + k * ldb + VEC_WIDTH, l1), c1);
    }
    vf_store_n(C, c0, l0);
    vf_store_n(C + VEC_WIDTH, c1, l1);
}

void VEC_FN(gemm)(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                  const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate)
{
    if (K == 0) {
        if (!accumulate)
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
        for (int n0 = 0; n0 < N; n0 += NR) {
            const int nr = N - n0 < NR ? N - n0 : NR;
            int m0 = 0;
            for (; m0 + MR <= M; m0 += MR)
                tile_rows6(nr, kc, Ak + m0 * rsa, rsa, csa, Bk + n0, ldb, C + m0 * ldc + n0,
                           ldc, acc);
            for (; m0 < M; m0++)
                tile_row1(nr, kc, Ak + m0 * rsa, csa, Bk + n0, ldb, C + m0 * ldc + n0, acc);
        }
    }
}
