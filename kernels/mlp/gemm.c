/*
 * The MLP's two matrix products over the vector layer (contract and the
 * scalar versions: kernels/mlp_kernel.h, src/mlp_gemm.c), compiled once per
 * ISA as descent_<isa>_gemm and descent_<isa>_gemm_nt.
 *
 * gemm (C = A B, B's rows contiguous): register tile of up to MR rows of C
 * by NV vectors of columns, MR*NV accumulators (8 x 3 with 32 vector
 * registers, 6 x 2 with 16).  Per k it loads NV vectors of row k of B,
 * broadcasts MR values of A and issues MR*NV FMAs: with 24 accumulators
 * that is 11 loads per 24 FMAs, so the two FMA ports, not the loads,
 * set the pace.
 * K is cut into panels of KC so that the B panel being swept stays in L2.
 * Every C element sums its products in increasing k with FMA (a panel's
 * sums go through C exactly, as floats), so the bits depend on K only,
 * never on the tiling or KC.
 *
 * gemm_nt (C = A B^T, both operands' rows contiguous along k: the forward
 * X W^T with W in PyTorch's [out][in] layout, so no transpose is needed):
 * register tile of NT_MR rows by NT_NR columns of dot products, one vector
 * accumulator each (8 x 3 with 32 registers, 4 x 3 with 16).  Per vector
 * of k it loads NT_MR vectors of A and NT_NR of B and issues NT_MR*NT_NR
 * FMAs (11 loads per 24 FMAs: each A vector is held in a register for its
 * NT_NR FMAs, see IN_REGISTER); at the end each accumulator is reduced
 * across its lanes.  Lane j of an accumulator sums k = j, j + W, j + 2W, ...
 * (W = VEC_WIDTH; the last partial vector loads zeros beyond K), so the bits
 * depend on K and the ISA only, never on the tiling.
 *
 * Tiles at the edges use the same code with smaller (compile-time) row and
 * column counts: the tile functions are always inlined into a switch over
 * the sizes, so every accumulator stays in a register.  The accumulators
 * are named variables (c<row>_<vector>, TILE_ROWS), not arrays: vf may be
 * sizeless (SVE), where W and so NR are run-time values; the code is the
 * same instructions as with arrays on the fixed-width ISAs.
 */
#include "../mlp_kernel.h"
#include "../vec/vec.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Keeps v in a register: without it GCC folds a vector that feeds several
 * FMAs into each of them as a memory operand, one load per FMA, and the
 * dot-product tile then runs out of load slots (27 loads per 24 FMAs). */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define IN_REGISTER(v) __asm__("" : "+v"(v))
#elif defined(__GNUC__) && defined(__aarch64__)
#define IN_REGISTER(v) __asm__("" : "+w"(v))
#else
#define IN_REGISTER(v) ((void)0)
#endif

/* ---------------------------------------------------------------- gemm */

#if VEC_REGISTERS >= 32
#define MR 8 /* 24 accumulators + 3 B vectors + 1 broadcast of 32 registers */
#define NV 3
#else
#define MR 6 /* 12 + 2 + 1 of AVX2's 16 */
#define NV 2
#endif
#define NR ((int)(NV * VEC_WIDTH)) /* columns per tile: a run-time value on SVE */
#define KC 256

/* Lanes of vector v in a tile row of nr columns. */
static inline size_t tile_lanes(int nr, int v)
{
    const int rest = nr - v * (int)VEC_WIDTH;
    return rest <= 0 ? 0 : (rest >= (int)VEC_WIDTH ? VEC_WIDTH : (size_t)rest);
}

/* The rows of the largest tile.  Accumulators are named variables, c<row>_<v>
 * (vf may be sizeless, SVE's: no arrays of it); those of rows >= mr or
 * vectors >= NV are dead code once the tile is inlined with constant sizes. */
#define TILE_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* mr x (NV vectors) of C over kc values of k.  `full` (a constant after
 * inlining) says every vector is whole, so the k loop has no lane checks. */
static ALWAYS_INLINE void tile(const int mr, const int full, int nr, int kc, const float *A,
                               ptrdiff_t rsa, ptrdiff_t csa, const float *B, ptrdiff_t ldb,
                               float *C, ptrdiff_t ldc, int accumulate)
{
    const size_t w = VEC_WIDTH;
    const size_t l0 = full ? w : tile_lanes(nr, 0), l1 = full ? w : tile_lanes(nr, 1),
                 l2 = full ? w : tile_lanes(nr, 2);
#define TILE_LOAD(i)                                                                     \
    vf c##i##_0 = vf_zero(), c##i##_1 = vf_zero(), c##i##_2 = vf_zero();                 \
    if ((i) < mr && accumulate) {                                                        \
        c##i##_0 = vf_load_n(C + (i) * ldc, l0);                                         \
        if (NV > 1)                                                                      \
            c##i##_1 = vf_load_n(C + (i) * ldc + w, l1);                                 \
        if (NV > 2)                                                                      \
            c##i##_2 = vf_load_n(C + (i) * ldc + 2 * w, l2);                             \
    }
    TILE_ROWS(TILE_LOAD)
#undef TILE_LOAD
    for (int k = 0; k < kc; k++) {
        const float *b = B + k * ldb;
        const vf b0 = full ? vf_load(b) : vf_load_n(b, l0);
        const vf b1 = NV > 1 ? (full ? vf_load(b + w) : vf_load_n(b + w, l1)) : vf_zero();
        const vf b2 = NV > 2 ? (full ? vf_load(b + 2 * w) : vf_load_n(b + 2 * w, l2)) : vf_zero();
        const float *a = A + k * csa;
#define TILE_FMA(i)                                                                      \
        if ((i) < mr) {                                                                  \
            const vf ai = vf_set1(a[(i) * rsa]);                                         \
            c##i##_0 = vf_fma(ai, b0, c##i##_0);                                         \
            if (NV > 1)                                                                  \
                c##i##_1 = vf_fma(ai, b1, c##i##_1);                                     \
            if (NV > 2)                                                                  \
                c##i##_2 = vf_fma(ai, b2, c##i##_2);                                     \
        }
        TILE_ROWS(TILE_FMA)
#undef TILE_FMA
    }
#define TILE_STORE(i)                                                                    \
    if ((i) < mr) {                                                                      \
        vf_store_n(C + (i) * ldc, c##i##_0, l0);                                         \
        if (NV > 1)                                                                      \
            vf_store_n(C + (i) * ldc + w, c##i##_1, l1);                                 \
        if (NV > 2)                                                                      \
            vf_store_n(C + (i) * ldc + 2 * w, c##i##_2, l2);                             \
    }
    TILE_ROWS(TILE_STORE)
#undef TILE_STORE
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
#if MR == 8
        TILE_CASE(8); TILE_CASE(7);
#endif
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

#if VEC_REGISTERS >= 32
#define NT_MR 8 /* 24 accumulators + 3 B vectors + 1 A of 32 registers */
#define NT_NR 3
#else
#define NT_MR 4 /* 12 + 3 + 1: AVX2's 16 registers */
#define NT_NR 3
#endif

/* One vector of k (step_lanes of them real, from k) into the mr x nr
 * accumulators c<row>_<column> of tile_nt. */
#define NT_STEP()                                                                        \
    do {                                                                                 \
        const vf b0 = vf_load_n(B + k, step_lanes);                                      \
        const vf b1 = nr > 1 ? vf_load_n(B + ldb + k, step_lanes) : vf_zero();           \
        const vf b2 = nr > 2 ? vf_load_n(B + 2 * ldb + k, step_lanes) : vf_zero();       \
        TILE_ROWS(NT_ROW_FMA)                                                            \
    } while (0)
#define NT_ROW_FMA(i)                                                                    \
    if ((i) < mr) {                                                                      \
        vf a = vf_load_n(A + (i) * lda + k, step_lanes);                                 \
        IN_REGISTER(a);                                                                  \
        c##i##_0 = vf_fma(a, b0, c##i##_0);                                              \
        if (nr > 1)                                                                      \
            c##i##_1 = vf_fma(a, b1, c##i##_1);                                          \
        if (nr > 2)                                                                      \
            c##i##_2 = vf_fma(a, b2, c##i##_2);                                          \
    }

#if DESCENT_VEC_ISA == DESCENT_VEC_AVX512
/* vf_reduce_add of a, b, c and d in lanes 0-3, with its pairing of lanes
 * (i + 8, then + 4, + 2, + 1; GCC's _mm512_reduce_add_ps), so each sum has
 * the same bits as one vf_reduce_add, in 15 shuffles and adds for the four
 * instead of about 9 each.  test_mlp_gemm_blocks compares it with the edge
 * tiles, which reduce one at a time. */
static inline __m128 reduce_add4(vf a, vf b, vf c, vf d)
{
    const __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44),  /* lanes 0-7 */
                                    _mm512_shuffle_f32x4(a, b, 0xEE)); /* 8-15 */
    const __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, 0x44),
                                    _mm512_shuffle_f32x4(c, d, 0xEE));
    const __m512 x = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, 0x88),  /* lanes 0-3 */
                                   _mm512_shuffle_f32x4(ab, cd, 0xDD)); /* 4-7 */
    const __m512 y = _mm512_add_ps(x, _mm512_shuffle_ps(x, x, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m512 z = _mm512_add_ps(y, _mm512_shuffle_ps(y, y, _MM_SHUFFLE(0, 0, 0, 1)));
    return _mm512_castps512_ps128(_mm512_maskz_compress_ps(0x1111, z));
}

/* The sums of four accumulators into C at the four offsets. */
static inline void store_reduce4(float *C, ptrdiff_t o0, ptrdiff_t o1, ptrdiff_t o2,
                                 ptrdiff_t o3, vf a, vf b, vf c, vf d)
{
    float sums[4];
    _mm_storeu_ps(sums, reduce_add4(a, b, c, d));
    C[o0] = sums[0], C[o1] = sums[1], C[o2] = sums[2], C[o3] = sums[3];
}
#endif

static ALWAYS_INLINE void tile_nt(const int mr, const int nr, int K, const float *A,
                                  ptrdiff_t lda, const float *B, ptrdiff_t ldb, float *C,
                                  ptrdiff_t ldc)
{
#define NT_ZERO(i) vf c##i##_0 = vf_zero(), c##i##_1 = vf_zero(), c##i##_2 = vf_zero();
    TILE_ROWS(NT_ZERO)
#undef NT_ZERO
    const size_t w = VEC_WIDTH;
    int k = 0;
    for (; k + (int)w <= K; k += (int)w) {
        const size_t step_lanes = w;
        NT_STEP();
    }
    if (k < K) {
        const size_t step_lanes = (size_t)(K - k);
        NT_STEP();
    }
#if DESCENT_VEC_ISA == DESCENT_VEC_AVX512
    /* Four reductions at a time, the same sums (any four: each lane's sum
     * is paired as one vf_reduce_add pairs it), taken in row order as far
     * as the names allow.  Three columns: four rows' 12 sums. */
    if (nr == 3 && mr % 4 == 0) {
        float sums[NT_MR * NT_NR];
#define NT_ROWS4(q, r0, r1, r2, r3)                                                      \
    _mm_storeu_ps(sums + (q), reduce_add4(c##r0##_0, c##r0##_1, c##r0##_2, c##r1##_0));   \
    _mm_storeu_ps(sums + (q) + 4, reduce_add4(c##r1##_1, c##r1##_2, c##r2##_0, c##r2##_1)); \
    _mm_storeu_ps(sums + (q) + 8, reduce_add4(c##r2##_2, c##r3##_0, c##r3##_1, c##r3##_2))
        NT_ROWS4(0, 0, 1, 2, 3);
        if (mr > 4) {
            NT_ROWS4(12, 4, 5, 6, 7);
        }
        for (int i = 0; i < mr; i++)
            for (int j = 0; j < 3; j++)
                C[i * ldc + j] = sums[i * 3 + j];
        return;
    }
    /* One or two columns: a column of four rows. */
    if (mr % 4 == 0) {
#define NT_QUAD(r, j)                                                                    \
    store_reduce4(C, (r) * ldc + (j), ((r) + 1) * ldc + (j), ((r) + 2) * ldc + (j),       \
                  ((r) + 3) * ldc + (j), c##r##_##j, NT_NEXT_ROWS_##r(j))
#define NT_NEXT_ROWS_0(j) c1_##j, c2_##j, c3_##j
#define NT_NEXT_ROWS_4(j) c5_##j, c6_##j, c7_##j
        NT_QUAD(0, 0);
        if (nr > 1) NT_QUAD(0, 1);
        if (mr > 4) {
            NT_QUAD(4, 0);
            if (nr > 1) NT_QUAD(4, 1);
        }
        return;
    }
    /* Two rows of two columns. */
    if (nr == 2 && mr % 2 == 0) {
#define NT_PAIR(r, s)                                                                    \
    store_reduce4(C, (r) * ldc, (r) * ldc + 1, (s) * ldc, (s) * ldc + 1, c##r##_0, c##r##_1, \
                  c##s##_0, c##s##_1)
        NT_PAIR(0, 1);
        if (mr > 2) NT_PAIR(2, 3);
        if (mr > 4) NT_PAIR(4, 5);
        if (mr > 6) NT_PAIR(6, 7);
        return;
    }
#endif
#define NT_STORE(i)                                                                      \
    if ((i) < mr) {                                                                      \
        C[(i) * ldc] = vf_reduce_add(c##i##_0);                                          \
        if (nr > 1)                                                                      \
            C[(i) * ldc + 1] = vf_reduce_add(c##i##_1);                                  \
        if (nr > 2)                                                                      \
            C[(i) * ldc + 2] = vf_reduce_add(c##i##_2);                                  \
    }
    TILE_ROWS(NT_STORE)
#undef NT_STORE
}

#define NT_CASE(mr, nr)                                                                  \
    case (mr) * 16 + (nr): tile_nt(mr, nr, K, A, lda, B, ldb, C, ldc); break
static void tile_nt_any(int mr, int nr, int K, const float *A, ptrdiff_t lda, const float *B,
                        ptrdiff_t ldb, float *C, ptrdiff_t ldc)
{
    switch (mr * 16 + nr) {
#if NT_MR == 8
        NT_CASE(8, 3); NT_CASE(8, 2); NT_CASE(8, 1);
        NT_CASE(7, 3); NT_CASE(7, 2); NT_CASE(7, 1);
        NT_CASE(6, 3); NT_CASE(6, 2); NT_CASE(6, 1);
        NT_CASE(5, 3); NT_CASE(5, 2); NT_CASE(5, 1);
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
