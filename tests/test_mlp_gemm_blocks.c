/*
 * The contract src/mlp.c's thread split rests on (kernels/mlp_kernel.h):
 * every ISA's gemm and gemm_nt give an element of C the same bits whichever
 * block of C a call is asked for, so cutting a product into one block per
 * thread cannot change the result.  Shapes cross the register tiles' edges
 * (8 x 3 vectors with 32 registers, 6 x 2 with 16; 8 x 3 or 4 x 3 dot
 * products), a partial vector of k and more than one KC = 256 panel; each
 * whole product is also checked against the scalar one.  And the ReLU
 * epilogue kernels give the scalar ones' bits, and the transpose moves
 * every value where it belongs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "check.h"
#include "descent.h"

static void fill(float *x, size_t n, unsigned seed)
{
    unsigned s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
}

typedef struct product {
    int M, N, K, transposed_a, accumulate;
} product;

/* C (ldc = N) of the product, the whole of it or the block [m0, m0+mt) x
 * [n0, n0+nt) only; gemm_nt when nt_form (B then [N][K]). */
static void compute(const descent_isa_kernels *t, int nt_form, const product *p,
                    const float *A, const float *B, float *C, int m0, int mt, int n0, int nt)
{
    const ptrdiff_t rsa = nt_form || !p->transposed_a ? p->K : 1;
    const ptrdiff_t csa = nt_form || !p->transposed_a ? 1 : p->M;
    if (nt_form)
        t->gemm_nt(mt, nt, p->K, A + m0 * rsa, rsa, B + (size_t)n0 * p->K, p->K,
                   C + (size_t)m0 * p->N + n0, p->N);
    else
        t->gemm(mt, nt, p->K, A + m0 * rsa, rsa, csa, B + n0, p->N, C + (size_t)m0 * p->N + n0,
                p->N, p->accumulate);
}

static void check_product(descent_isa isa, int nt_form, const product *p)
{
    const descent_isa_kernels *t = descent_isa_table(isa);
    const size_t na = (size_t)p->M * p->K, nb = (size_t)p->K * p->N, nc = (size_t)p->M * p->N;
    float *A = malloc(na * sizeof *A), *B = malloc(nb * sizeof *B);
    float *whole = malloc(nc * sizeof *whole), *blocks = malloc(nc * sizeof *blocks);
    float *scalar = malloc(nc * sizeof *scalar);
    fill(A, na, 1), fill(B, nb, 2), fill(whole, nc, 3);
    memcpy(blocks, whole, nc * sizeof *blocks);
    memcpy(scalar, whole, nc * sizeof *scalar);
    compute(t, nt_form, p, A, B, whole, 0, p->M, 0, p->N);
    compute(descent_isa_table(DESCENT_ISA_SCALAR), nt_form, p, A, B, scalar, 0, p->M, 0, p->N);
    /* Uneven blocks on both axes: cuts at 1, 5 and 11 rows, 3 and 17 columns. */
    const int mcut[] = {0, 1, 5, 11, p->M}, ncut[] = {0, 3, 17, p->N};
    for (int i = 0; i + 1 < 5; i++)
        for (int j = 0; j + 1 < 4; j++) {
            const int m0 = mcut[i] < p->M ? mcut[i] : p->M;
            const int m1 = mcut[i + 1] < p->M ? mcut[i + 1] : p->M;
            const int n0 = ncut[j] < p->N ? ncut[j] : p->N;
            const int n1 = ncut[j + 1] < p->N ? ncut[j + 1] : p->N;
            if (m1 > m0 && n1 > n0)
                compute(t, nt_form, p, A, B, blocks, m0, m1 - m0, n0, n1 - n0);
        }
    EXPECT(memcmp(whole, blocks, nc * sizeof *whole) == 0,
           "%s %s %dx%dx%d (A^T %d, acc %d): blocks differ from the whole product",
           descent_isa_name(isa), nt_form ? "gemm_nt" : "gemm", p->M, p->N, p->K,
           p->transposed_a, p->accumulate);
    double err = 0;
    for (size_t i = 0; i < nc; i++)
        err = fmax(err, fabs((double)whole[i] - scalar[i]));
    EXPECT(err <= 1e-5 * (p->K + 1), "%s %s %dx%dx%d: off the scalar product by %g",
           descent_isa_name(isa), nt_form ? "gemm_nt" : "gemm", p->M, p->N, p->K, err);
    free(A), free(B), free(whole), free(blocks), free(scalar);
}

static void test_blocks_give_the_same_bits(void)
{
    const int Ms[] = {1, 7, 8, 9, 17, 26}, Ns[] = {1, 3, 16, 47, 49, 100}, Ks[] = {1, 15, 33, 300};
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        for (int a = 0; a < 6; a++)
            for (int b = 0; b < 6; b++)
                for (int c = 0; c < 4; c++)
                    for (int form = 0; form < 4; form++) {
                        const product p = {Ms[a], Ns[b], Ks[c], form & 1, form >> 1};
                        check_product((descent_isa)isa, 0, &p);
                        if (form == 0)
                            check_product((descent_isa)isa, 1, &p);
                    }
    }
}

/* The ReLU epilogue (the row kernels with DESCENT_RELU): every ISA's rows
 * give the scalar table's bits (the reference's z + b > 0 ? z + b : 0 and
 * d * [a > 0]), NaN, +-0 and +-inf included, on row tails of every length. */
static void relu_rows(const descent_isa_kernels *t, int n, float *z, const float *bias,
                      float *d, const float *a)
{
    for (int r = 0; r < 3; r++) {
        t->mlp_bias_act(DESCENT_RELU, (size_t)n, bias, z + r * 41);
        t->mlp_act_grad(DESCENT_RELU, (size_t)n, a + r * 41, d + r * 41);
    }
}

static void test_relu_epilogues_match_scalar(void)
{
    enum { ROWS = 3, N = 37, LD = 41 };
    const float special[] = {NAN, -NAN, 0.0f, -0.0f, INFINITY, -INFINITY, 1e-40f, -1e-40f};
    float z0[ROWS * LD], bias[N], a[ROWS * LD];
    fill(z0, ROWS * LD, 5), fill(bias, N, 6), fill(a, ROWS * LD, 7);
    for (int i = 0; i < 8; i++) {
        z0[3 * i] = special[i], a[5 * i + 1] = special[i], bias[4 * i + 2] = special[7 - i];
        z0[3 * i + 1] = -bias[(3 * i + 1) % LD % N]; /* a sum of exactly 0 */
    }
    const descent_isa_kernels *scalar = descent_isa_table(DESCENT_ISA_SCALAR);
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        const descent_isa_kernels *t = descent_isa_table((descent_isa)isa);
        for (int n = 0; n <= N; n++) {
            float want_z[ROWS * LD], got_z[ROWS * LD], want_d[ROWS * LD], got_d[ROWS * LD];
            memcpy(want_z, z0, sizeof want_z), memcpy(got_z, z0, sizeof got_z);
            memcpy(want_d, z0, sizeof want_d), memcpy(got_d, z0, sizeof got_d);
            relu_rows(scalar, n, want_z, bias, want_d, a);
            relu_rows(t, n, got_z, bias, got_d, a);
            EXPECT(memcmp(want_z, got_z, sizeof got_z) == 0, "%s relu bias+act n %d: bits differ",
                   descent_isa_name((descent_isa)isa), n);
            EXPECT(memcmp(want_d, got_d, sizeof got_d) == 0, "%s relu grad n %d: bits differ",
                   descent_isa_name((descent_isa)isa), n);
        }
    }
    /* The scalar version is the reference's operation. */
    float z = -0.0f, b = 0.0f;
    scalar->mlp_bias_act(DESCENT_RELU, 1, &b, &z);
    EXPECT(z == 0.0f && !signbit(z), "relu(-0 + 0) is +0");
}

/* The transpose moves every value to its place on every ISA, NaN payloads
 * and -0 included, across the register blocks' edges (16 and 8 values), with
 * row strides wider than the rows, and writes nothing else of dst. */
static void test_transpose_moves_every_value(void)
{
    enum { MAX = 40, LDS = 43, LDD = 45, SENTINEL = 0x7fc01234 };
    const int sizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 33, 40};
    float src[MAX * LDS], dst[MAX * LDD];
    fill(src, sizeof src / sizeof *src, 9);
    src[3] = -0.0f, src[LDS + 5] = NAN, src[2 * LDS + 17] = -INFINITY;
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        const descent_isa_kernels *t = descent_isa_table((descent_isa)isa);
        for (int a = 0; a < 10; a++)
            for (int b = 0; b < 10; b++) {
                const int rows = sizes[a], cols = sizes[b];
                const unsigned sentinel = SENTINEL;
                for (size_t k = 0; k < sizeof dst / sizeof *dst; k++)
                    memcpy(&dst[k], &sentinel, sizeof sentinel);
                t->mlp_transpose((size_t)rows, (size_t)cols, src, LDS, dst, LDD);
                int bad = 0;
                for (int j = 0; j < MAX; j++)
                    for (int i = 0; i < LDD; i++) {
                        const float *want = i < rows && j < cols ? &src[i * LDS + j] : NULL;
                        bad += want ? memcmp(&dst[j * LDD + i], want, sizeof *want) != 0
                                    : memcmp(&dst[j * LDD + i], &sentinel, sizeof sentinel) != 0;
                    }
                EXPECT(bad == 0, "%s transpose %d x %d: %d values wrong",
                       descent_isa_name((descent_isa)isa), rows, cols, bad);
            }
    }
}

int main(void)
{
    RUN(test_blocks_give_the_same_bits);
    RUN(test_relu_epilogues_match_scalar);
    RUN(test_transpose_moves_every_value);
    return CHECK_EXIT_STATUS();
}
