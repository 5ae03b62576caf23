/*
 * The port validator as a library (descent_validate, src/validate.c):
 * descent's own kernels of every supported ISA, behind the reference
 * signature (descent_isa_port), pass every check of every optimizer; a
 * port with a wrong result and one that writes past its arrays fail and
 * are reported with a rerun line; a bad case is a usage error (-1).  The
 * broken ports of tests/ports/ are run by tests/cli_validate.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "descent.h"


static void test_own_kernels_pass(void)
{
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!descent_isa_supported((descent_isa)isa))
            continue;
        descent_isa best;
        descent_isa_resolve(DESCENT_ISA_BEST, &best);
        /* the scalar variant is the reference itself: checked when it is the only one;
         * the sanitizer run (quick): the best variant only */
        if ((isa == DESCENT_ISA_SCALAR && best != DESCENT_ISA_SCALAR) ||
            (check_quick() && isa != (int)best))
            continue;
        for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
            const descent_ref_fn fn = descent_isa_port((descent_optim_kind)k, (descent_isa)isa);
            EXPECT(fn, "%s %s: no adapter", descent_isa_name((descent_isa)isa),
                   descent_optim_name((descent_optim_kind)k));
            if (!fn)
                continue;
            char report[1 << 14] = "";
            FILE *out = fmemopen(report, sizeof report - 1, "w");
            const descent_validate_options opt = {.port_name = descent_isa_name((descent_isa)isa),
                                                  .report = out};
            const int failed = descent_validate((descent_optim_kind)k, fn, &opt);
            fclose(out);
            EXPECT(failed == 0, "%s %s: %d checks failed:\n%s", descent_isa_name((descent_isa)isa),
                   descent_optim_name((descent_optim_kind)k), failed, report);
        }
    }
}

/* SGD ports with one mistake each. */
static void sgd_lr_off(const descent_hparams *h, long t, size_t n, float *param,
                       const float *grad, float *momentum_buffer)
{
    descent_hparams wrong = *h;
    wrong.lr *= 1.01;
    descent_ref_sgd(&wrong, t, n, param, grad, momentum_buffer);
}
static void sgd_writes_past(const descent_hparams *h, long t, size_t n, float *param,
                            const float *grad, float *momentum_buffer)
{
    descent_ref_sgd(h, t, n, param, grad, momentum_buffer);
    if (n > 20)
        param[n] = 0; /* one past the end */
}

static int validate_sgd(descent_ref_state1_fn fn, const char *only_case, char *report,
                        size_t len)
{
    FILE *out = fmemopen(report, len - 1, "w");
    const descent_validate_options opt = {.port_name = "test:sgd", .only_case = only_case,
                                          .report = out};
    const int failed = descent_validate(DESCENT_SGD, (descent_ref_fn)fn, &opt);
    fclose(out);
    return failed;
}

static void test_broken_ports_fail(void)
{
    static char report[1 << 16];
    int failed = validate_sgd(sgd_lr_off, NULL, report, sizeof report);
    EXPECT(failed > 0 && strstr(report, "FAIL  branch plain") &&
               strstr(report, "rerun: descent validate --optimizer sgd test:sgd --case "
                              "check=branch,branch=plain,n=1,"),
           "lr 1%% off: %d failed:\n%s", failed, report);
    failed = validate_sgd(sgd_writes_past, NULL, report, sizeof report);
    EXPECT(failed > 0 && strstr(report, "n=21,") &&
               strstr(report, "the port wrote element 21 of param, outside 0..20"),
           "write past the end: %d failed:\n%s", failed, report);
    /* the one case of the rerun line fails alone, and a good case passes */
    failed = validate_sgd(sgd_writes_past, "check=branch,branch=plain,n=21,offset=1", report,
                          sizeof report);
    EXPECT(failed == 1 && strstr(report, "wrote element 21 of param"), "rerun: %d\n%s", failed,
           report);
    failed = validate_sgd(sgd_writes_past, "check=branch,branch=plain,n=20,side=before", report,
                          sizeof report);
    EXPECT(failed == 0, "n=20 is fine: %d\n%s", failed, report);
}

static void test_usage_errors(void)
{
    char report[4096];
    EXPECT(validate_sgd(sgd_lr_off, "n=", report, sizeof report) == -1 &&
               strstr(descent_last_error(), "--case"),
           "bad case: %s", descent_last_error());
    EXPECT(validate_sgd(sgd_lr_off, "branch=nope", report, sizeof report) == -1,
           "unknown branch");
    const descent_validate_options opt = {0};
    EXPECT(descent_validate(DESCENT_OPTIM_COUNT, (descent_ref_fn)sgd_lr_off, &opt) == -1,
           "unknown kind");
    EXPECT(descent_validate(DESCENT_SGD, NULL, &opt) == -1, "NULL port");
    EXPECT(descent_isa_port(DESCENT_SGD, DESCENT_ISA_COUNT) == NULL, "bad isa");
}

int main(void)
{
    RUN(test_own_kernels_pass);
    RUN(test_broken_ports_fail);
    RUN(test_usage_errors);
    return CHECK_EXIT_STATUS();
}
