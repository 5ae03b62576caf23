/*
 * The MLP's two matrix products over the vector layer (contract and the
 * scalar versions: kernels/mlp_kernel.h, src/mlp_gemm.c), compiled once per
 * ISA as descent_<isa>_gemm and descent_<isa>_gemm_nt.
 *
 * gemm (C = A B, B's rows contiguous): register tile of up to MR rows of C
 * by two vectors of columns, 2*MR accumulators.  Per k it loads two
 * vectors of row k of B, broadcasts MR values of A and issues 2*MR FMAs.
 * K is cut into panels of KC so that the B panel being swept stays in L2.
 * Every C element sums its products in increasing k with FMA, so the bits
 * depend on K and KC only, never on the tiling.
 *
 * gemm_nt (C = A B^T, both operands' rows contiguous along k: the forward
 * X W^T with W in PyTorch's [out][in] layout, so no transpose is needed):
 * register tile of NT_MR rows by NT_NR columns of dot products, one vector
 * accumulator each.  Per vector of k it loads NT_MR vectors of A and NT_NR
 * of B and issues NT_MR*NT_NR FMAs; at the end each accumulator is reduced
 * across its lanes.  Lane j of an accumulator sums k = j, j + W, j + 2W, ...
 * (W = VEC_WIDTH; the last partial vector loads zeros beyond K), so the bits
 * depend on K and the ISA only, never on the tiling.
 *
 * Tiles at the edges use the same code with smaller (compile-time) row and
 * column counts: the tile functions are always inlined into a switch over
 * the sizes, so every accumulator stays in a register.
 */
#include "../mlp_kernel.h"
#include "../vec/vec.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ---------------------------------------------------------------- gemm */

#define MR 6
#define NR (2 * VEC_WIDTH) /* two vectors per tile row */
#define KC 256

/* Lanes of vector v (0 or 1) in a tile row of nr columns. */
static inline size_t tile_lanes(int nr, int v)
{
    const int rest = nr - v * VEC_WIDTH;
    return rest <= 0 ? 0 : (rest >= VEC_WIDTH ? VEC_WIDTH : (size_t)rest);
}

/* mr x (two vectors) of C over kc values of k.  `full` (a constant after
 * inlining) says both vectors are whole, so the k loop has no lane checks. */
static ALWAYS_INLINE void tile(const int mr, const int full, int nr, int kc, const float *A,
                               ptrdiff_t rsa, ptrdiff_t csa, const float *B, ptrdiff_t ldb,
                               float *C, ptrdiff_t ldc, int accumulate)
{
    const size_t l0 = full ? VEC_WIDTH : tile_lanes(nr, 0);
    const size_t l1 = full ? VEC_WIDTH : tile_lanes(nr, 1);
    vf c[MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
        c[i][0] = accumulate ? vf_load_n(C + i * ldc, l0) : vf_zero();
        c[i][1] = accumulate ? vf_load_n(C + i * ldc + VEC_WIDTH, l1) : vf_zero();
    }
    for (int k = 0; k < kc; k++) {
        const float *b = B + k * ldb;
        const vf b0 = full ? vf_load(b) : vf_load_n(b, l0);
        const vf b1 = full ? vf_load(b + VEC_WIDTH) : vf_load_n(b + VEC_WIDTH, l1);
        const float *a = A + k * csa;
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            const vf ai = vf_set1(a[i * rsa]);
            c[i][0] = vf_fma(ai, b0, c[i][0]);
            c[i][1] = vf_fma(ai, b1, c[i][1]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
        vf_store_n(C + i * ldc, c[i][0], l0);
        vf_store_n(C + i * ldc + VEC_WIDTH, c[i][1], l1);
    }
}

#define TILE_CASE(mr)                                                                    \
    case mr:                                                                             \
        if (nr == NR)                                                                    \
            tile(mr, 1, nr, kc, A, rsa, csa, B, ldb, C, ldc, acc);                       \
        else                                                                             \
            tile(mr, 0, nr, kc, A, rsa, csa, B, ldb, C, ldc, acc);                       \
        break
static void tile_rows(int mr, int nr, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                      const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int acc)
{
    switch (mr) {
        TILE_CASE(6); TILE_CASE(5); TILE_CASE(4); TILE_CASE(3); TILE_CASE(2);
    default: TILE_CASE(1);
    }
}

void VEC_FN(gemm)(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                  const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate)
{
    if (K == 0) { /* nothing to multiply: the scalar gemm zeroes C (or leaves it) */
        descent_gemm_scalar(M, N, 0, A, rsa, csa, B, ldb, C, ldc, accumulate);
        return;
    }
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kc = K - k0 < KC ? K - k0 : KC;
        const int acc = accumulate || k0 > 0; /* later panels add to the sums so far */
        for (int n0 = 0; n0 < N; n0 += NR) {
            const int nr = N - n0 < NR ? N - n0 : NR;
            for (int m0 = 0; m0 < M; m0 += MR)
                tile_rows(M - m0 < MR ? M - m0 : MR, nr, kc, A + k0 * csa + m0 * rsa, rsa, csa,
                          B + k0 * ldb + n0, ldb, C + m0 * ldc + n0, ldc, acc);
        }
    }
}

/* ------------------------------------------------------------- gemm_nt */

#define NT_MR 4
#if VEC_REGISTERS >= 32
#define NT_NR 4 /* 16 accumulators + 4 B vectors + 1 A */
#else
#define NT_NR 3 /* 12 + 3 + 1: AVX2's 16 registers */
#endif

/* One vector of k (`lanes` of them real) into the mr x nr accumulators. */
static ALWAYS_INLINE void nt_step(const int mr, const int nr, vf c[NT_MR][NT_NR], int k,
                                  size_t lanes, const float *A, ptrdiff_t lda, const float *B,
                                  ptrdiff_t ldb)
{
    vf b[NT_NR];
    for (int j = 0; j < nr; j++)
        b[j] = vf_load_n(B + j * ldb + k, lanes);
    for (int i = 0; i < mr; i++) {
        const vf a = vf_load_n(A + i * lda + k, lanes);
        for (int j = 0; j < nr; j++)
            c[i][j] = vf_fma(a, b[j], c[i][j]);
    }
}

static ALWAYS_INLINE void tile_nt(const int mr, const int nr, int K, const float *A,
                                  ptrdiff_t lda, const float *B, ptrdiff_t ldb, float *C,
                                  ptrdiff_t ldc)
{
    vf c[NT_MR][NT_NR];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            c[i][j] = vf_zero();
    int k = 0;
    for (; k + VEC_WIDTH <= K; k += VEC_WIDTH)
        nt_step(mr, nr, c, k, VEC_WIDTH, A, lda, B, ldb);
    if (k < K)
        nt_step(mr, nr, c, k, (size_t)(K - k), A, lda, B, ldb);
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            C[i * ldc + j] = vf_reduce_add(c[i][j]);
}

#define NT_CASE(mr, nr)                                                                  \
    case (mr) * 8 + (nr): tile_nt(mr, nr, K, A, lda, B, ldb, C, ldc); break
static void tile_nt_any(int mr, int nr, int K, const float *A, ptrdiff_t lda, const float *B,
                        ptrdiff_t ldb, float *C, ptrdiff_t ldc)
{
    switch (mr * 8 + nr) {
#if NT_NR == 4
        NT_CASE(4, 4); NT_CASE(3, 4); NT_CASE(2, 4); NT_CASE(1, 4);
#endif
        NT_CASE(4, 3); NT_CASE(4, 2); NT_CASE(4, 1);
        NT_CASE(3, 3); NT_CASE(3, 2); NT_CASE(3, 1);
        NT_CASE(2, 3); NT_CASE(2, 2); NT_CASE(2, 1);
        NT_CASE(1, 3); NT_CASE(1, 2); NT_CASE(1, 1);
    default: break; /* mr <= NT_MR, nr <= NT_NR: never reached */
    }
}

void VEC_FN(gemm_nt)(int M, int N, int K, const float *A, ptrdiff_t lda, const float *B,
                     ptrdiff_t ldb, float *C, ptrdiff_t ldc)
{
    for (int m0 = 0; m0 < M; m0 += NT_MR)
        for (int n0 = 0; n0 < N; n0 += NT_NR)
            tile_nt_any(M - m0 < NT_MR ? M - m0 : NT_MR, N - n0 < NT_NR ? N - n0 : NT_NR, K,
                        A + m0 * lda, lda, B + n0 * ldb, ldb, C + m0 * ldc + n0, ldc);
}
