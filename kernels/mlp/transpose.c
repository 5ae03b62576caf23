/*
 * The MLP's transpose (contract: kernels/mlp_kernel.h), compiled once per ISA
 * as descent_<isa>_mlp_transpose:
 *
 *   dst[j * ldd + i] = src[i * lds + j]     for i < rows, j < cols.
 *
 * Why the MLP transposes at all: the weight gradient dW = dZ^T A_prev is a
 * gemm whose A operand is dZ^T.  Read from dZ [batch][out] as it is stored,
 * each k (example) of a tile's 8 rows is a different line of dZ; from dZ^T
 * [out][batch], each row of the tile is one sequential run.  On the 2-core
 * Intel Xeon (AVX-512) development machine that took the 784-128-10
 * backward from 150 to 160 GFLOP/s at batch 64 and from 136 to 148 at batch
 * 256, one thread (BM_mlp/backward/avx512, medians of 3, old and new build
 * alternating), for a transpose of out x batch values: about 1/in of the
 * product's work.
 *
 * AVX-512 moves 16 x 16 blocks and AVX2 8 x 8 blocks through registers
 * (unpack, in-lane shuffles, then 128-bit lane moves: log2(16) = 4 rounds of
 * 16 shuffles per 256 values); the edges, and every other ISA (no
 * permutations in the vector layer), go value by value through
 * descent_mlp_transpose_scalar.  Values are moved, never computed, so every
 * ISA gives the same bits.
 */
#include "../mlp_kernel.h"
#include "../vec/vec.h"

#if DESCENT_VEC_ISA == DESCENT_VEC_AVX512
#define BLOCK 16
/* One 16 x 16 block.  After the unpacks and in-lane shuffles, r[4g + c]
 * holds, in 128-bit lane L, column 4L + c of rows 4g .. 4g + 3; the two
 * rounds of lane shuffles then gather column j's four lanes into r[j]. */
static inline void block(const float *src, ptrdiff_t lds, float *dst, ptrdiff_t ldd)
{
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++)
        r[i] = _mm512_loadu_ps(src + i * lds);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int g = 0; g < 16; g += 8) /* lanes 0, 2 and 1, 3 of row groups g/4, g/4 + 1 */
        for (int c = 0; c < 4; c++) {
            t[g + c] = _mm512_shuffle_f32x4(r[g + c], r[g + 4 + c], 0x88);
            t[g + 4 + c] = _mm512_shuffle_f32x4(r[g + c], r[g + 4 + c], 0xDD);
        }
    for (int c = 0; c < 8; c++) {
        r[c] = _mm512_shuffle_f32x4(t[c], t[c + 8], 0x88);
        r[c + 8] = _mm512_shuffle_f32x4(t[c], t[c + 8], 0xDD);
    }
    for (int j = 0; j < 16; j++)
        _mm512_storeu_ps(dst + j * ldd, r[j]);
}
#elif DESCENT_VEC_ISA == DESCENT_VEC_AVX2
#define BLOCK 8
/* One 8 x 8 block: the same rounds on 8-lane registers (two 128-bit lanes). */
static inline void block(const float *src, ptrdiff_t lds, float *dst, ptrdiff_t ldd)
{
    __m256 r[8], t[8];
    for (int i = 0; i < 8; i++)
        r[i] = _mm256_loadu_ps(src + i * lds);
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int c = 0; c < 4; c++) { /* lane 0 of rows 0-3 with lane 0 of rows 4-7, ... */
        _mm256_storeu_ps(dst + c * ldd, _mm256_permute2f128_ps(r[c], r[4 + c], 0x20));
        _mm256_storeu_ps(dst + (4 + c) * ldd, _mm256_permute2f128_ps(r[c], r[4 + c], 0x31));
    }
}
#endif

void VEC_FN(mlp_transpose)(size_t rows, size_t cols, const float *src, ptrdiff_t lds, float *dst,
                           ptrdiff_t ldd)
{
#ifdef BLOCK
    size_t i = 0;
    for (; i + BLOCK <= rows; i += BLOCK) {
        size_t j = 0;
        for (; j + BLOCK <= cols; j += BLOCK)
            block(src + i * lds + j, lds, dst + j * ldd + i, ldd);
        descent_mlp_transpose_scalar(BLOCK, cols - j, src + i * lds + j, lds, dst + j * ldd + i,
                                     ldd);
    }
    descent_mlp_transpose_scalar(rows - i, cols, src + i * lds, lds, dst + i, ldd);
#else
    descent_mlp_transpose_scalar(rows, cols, src, lds, dst, ldd);
#endif
}
