/*
 * A plain C sgemm with cblas_sgemm's signature (row-major only), summing k
 * in float four terms at a time and the k % 4 rest after, as a register
 * tiled kernel does.  Built as it is, it is correct and `descent validate
 * --gemm` passes it; built with one -D flag it has one mistake that the
 * validator must report (tests/cli_validate.sh):
 *   IGNORE_BETA    treats beta as 0 (C = alpha A B)
 *   IGNORE_TRANSB  reads B as not transposed whatever transb says
 *   K_TAIL         drops the last k % 4 terms of every sum
 *   WRITE_PAST     writes one element past the end of C's last row
 *   READS_C        computes beta * C also when beta = 0 (NaN in C spreads)
 */
enum { NO_TRANS = 111, TRANS = 112 };

void sgemm_port(int order, int transa, int transb, int m, int n, int k, float alpha,
                const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    (void)order;
    const int ta = transa == TRANS;
#ifdef IGNORE_TRANSB
    const int tb = 0;
    (void)transb;
#else
    const int tb = transb == TRANS;
#endif
#ifdef IGNORE_BETA
    beta = 0;
#endif
    const int k4 = k - k % 4;
#ifdef K_TAIL
    const int kend = k4;
#else
    const int kend = k;
#endif
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float s[4] = {0, 0, 0, 0};
            int p = 0;
            for (; p < k4; p += 4)
                for (int q = 0; q < 4; q++)
                    s[q] += (ta ? a[(p + q) * lda + i] : a[i * lda + p + q]) *
                            (tb ? b[j * ldb + p + q] : b[(p + q) * ldb + j]);
            for (; p < kend; p++)
                s[0] += (ta ? a[p * lda + i] : a[i * lda + p]) *
                        (tb ? b[j * ldb + p] : b[p * ldb + j]);
            const float sum = (s[0] + s[1]) + (s[2] + s[3]);
#ifdef READS_C
            c[i * ldc + j] = alpha * sum + beta * c[i * ldc + j];
#else
            c[i * ldc + j] = alpha * sum + (beta != 0 ? beta * c[i * ldc + j] : 0);
#endif
        }
#ifdef WRITE_PAST
    if (m > 0 && n > 0)
        c[(m - 1) * ldc + n] = 0;
#endif
}
