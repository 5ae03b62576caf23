/*
 * The GEMM validator as a library (descent_validate_gemm,
 * src/validate_gemm.c): a float GEMM summing in reverse order passes (the
 * bound is not tighter than rounding), one scaling every result by
 * 1 + 1e-4 (far below what a lost term gives, above the bound for any k
 * here) fails, one that reads C at beta = 0 fails with the NaN named, the
 * rerun case of a failure fails alone; a bad case or a NULL port is a
 * usage error (-1).  The broken ports of tests/ports/ are run by
 * tests/cli_validate.sh.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "descent.h"

enum { TRANS = 112 };
static float scale_by = 1.0f;
static int read_c_always;

/* C = alpha op(A) op(B) + beta C in float, the k terms from last to first. */
static void reverse_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha,
                          const float *a, int lda, const float *b, int ldb, float beta, float *c,
                          int ldc)
{
    (void)order;
    const int ta = transa == TRANS, tb = transb == TRANS;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int p = k - 1; p >= 0; p--)
                sum += (ta ? a[p * lda + i] : a[i * lda + p]) *
                       (tb ? b[j * ldb + p] : b[p * ldb + j]);
            const float old = read_c_always || beta != 0 ? beta * c[i * ldc + j] : 0;
            c[i * ldc + j] = (alpha * sum + old) * scale_by;
        }
}

static int validate(const char *only_case, char *report, size_t len)
{
    FILE *out = fmemopen(report, len - 1, "w");
    const descent_validate_options opt = {.port_name = "test:gemm", .only_case = only_case,
                                          .report = out};
    const int failed = descent_validate_gemm(reverse_sgemm, &opt);
    fclose(out);
    return failed;
}

static void test_float_order_passes(void)
{
    static char report[1 << 16];
    scale_by = 1.0f, read_c_always = 0;
    const int failed = validate(NULL, report, sizeof report);
    EXPECT(failed == 0 && strstr(report, "PASS  mlp_shapes") && strstr(report, "PASS  gradient"),
           "%d failed:\n%s", failed, report);
}

static void test_wrong_ports_fail(void)
{
    static char report[1 << 16];
    scale_by = 1.0001f, read_c_always = 0;
    int failed = validate(NULL, report, sizeof report);
    EXPECT(failed > 0 && strstr(report, "FAIL  transpose NN") &&
               strstr(report, "rerun: descent validate --gemm test:gemm --case check=transpose,"),
           "scaled by 1 + 1e-4: %d failed:\n%s", failed, report);
    failed = validate("check=edge,trans=TN,m=3,n=2,k=5,pad=1,alpha=1,beta=1", report,
                      sizeof report);
    EXPECT(failed == 1 && strstr(report, "FAIL  edge (one case)"), "one case: %d\n%s", failed,
           report);
    scale_by = 1.0f, read_c_always = 1;
    failed = validate(NULL, report, sizeof report);
    EXPECT(failed > 0 && strstr(report, "C held NaN, not to be read when beta = 0"),
           "reads C: %d failed:\n%s", failed, report);
    read_c_always = 0;
}

static void test_usage_errors(void)
{
    char report[4096];
    EXPECT(validate("m=", report, sizeof report) == -1 && strstr(descent_last_error(), "--case"),
           "bad case: %s", descent_last_error());
    EXPECT(validate("trans=NX", report, sizeof report) == -1, "bad trans");
    EXPECT(validate("check=golden", report, sizeof report) == -1, "golden without a file");
    const descent_validate_options opt = {0};
    EXPECT(descent_validate_gemm(NULL, &opt) == -1, "NULL port");
}

int main(void)
{
    RUN(test_float_order_passes);
    RUN(test_wrong_ports_fail);
    RUN(test_usage_errors);
    return CHECK_EXIT_STATUS();
}
