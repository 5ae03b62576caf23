/* Gradient clipping (descent_clip_grad_norm, descent_clip_grad_value) as
 * torch.nn.utils computes it, on every variant, the same bits for any
 * thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "descent.h"

static void test_l2_by_hand(void)
{
    float g[2] = {3, 4}, norm = 0;
    EXPECT(descent_clip_grad_norm(g, 2, 1.0, 2.0, 0, NULL, &norm) == DESCENT_OK, "%s",
           descent_last_error());
    EXPECT(norm == 5.0f, "norm %.9g", norm);
    const float coef = 1.0f / (5.0f + 1e-6f);
    EXPECT(g[0] == 3 * coef && g[1] == 4 * coef, "scaled by max_norm/(norm + 1e-6): %.9g",
           g[0]);
    float below[2] = {0.3f, -0.4f};
    descent_clip_grad_norm(below, 2, 1.0, 2.0, 0, NULL, &norm);
    EXPECT(below[0] == 0.3f && below[1] == -0.4f, "below the threshold: untouched");
}

/* p = 1, 3 and inf against a double sum, on every variant. */
static void test_norm_types_every_variant(void)
{
    const size_t n = 1001;
    const double types[] = {1.0, 3.0, 0.5, INFINITY};
    float *x = check_randoms(n, 7, 4);
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        const descent_exec exec = {(descent_isa)isa, 1};
        for (int k = 0; k < 4; k++) {
            double want = 0;
            for (size_t i = 0; i < n; i++)
                want = isinf(types[k]) ? fmax(want, fabs(x[i])) : want + pow(fabs(x[i]), types[k]);
            if (!isinf(types[k]))
                want = pow(want, 1.0 / types[k]);
            float *g = malloc(n * sizeof *g), norm;
            memcpy(g, x, n * sizeof *g);
            EXPECT(descent_clip_grad_norm(g, n, 0.5, types[k], 0, &exec, &norm) == DESCENT_OK,
                   "%s", descent_last_error());
            EXPECT(fabs(norm - want) <= 1e-6 * want, "%s p=%g: norm %.9g want %.9g",
                   descent_isa_name((descent_isa)isa), types[k], norm, want);
            const float coef = 0.5f / (norm + 1e-6f);
            EXPECT(g[10] == x[10] * coef, "%s p=%g: scaled", descent_isa_name((descent_isa)isa),
                   types[k]);
            free(g);
        }
    }
    free(x);
}

/* The total norm and the result are the same bits on 1, 2, 3 and 8 threads. */
static void test_any_thread_count_same_bits(void)
{
    const size_t n = 200003;
    float *x = check_randoms(n, 9, 3);
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        float norm1 = 0, *first = NULL;
        const int threads[] = {1, 2, 3, 8};
        for (int k = 0; k < 4; k++) {
            const descent_exec exec = {(descent_isa)isa, threads[k]};
            float *g = malloc(n * sizeof *g), norm;
            memcpy(g, x, n * sizeof *g);
            descent_clip_grad_norm(g, n, 1.0, 2.0, 0, &exec, &norm);
            if (k == 0) {
                norm1 = norm, first = g;
                continue;
            }
            EXPECT(norm == norm1 && memcmp(g, first, n * sizeof *g) == 0,
                   "%s: %d threads give %.9g, 1 thread %.9g", descent_isa_name((descent_isa)isa),
                   threads[k], norm, norm1);
            free(g);
        }
        free(first);
    }
    free(x);
}

static void test_nonfinite(void)
{
    float g[3] = {1, NAN, 2}, norm;
    EXPECT(descent_clip_grad_norm(g, 3, 1.0, 2.0, 1, NULL, &norm) == DESCENT_ERR_NONFINITE,
           "error_if_nonfinite with a NaN");
    EXPECT(g[0] == 1 && g[2] == 2, "left as it is");
    EXPECT(strstr(descent_last_error(), "non-finite") != NULL, "%s", descent_last_error());
    EXPECT(descent_clip_grad_norm(g, 3, 1.0, 2.0, 0, NULL, &norm) == DESCENT_OK, "without");
    EXPECT(isnan(norm) && isnan(g[0]) && isnan(g[2]), "NaN norm scales by NaN, as PyTorch");
    float h[3] = {1, INFINITY, 2};
    descent_clip_grad_norm(h, 3, 1.0, INFINITY, 0, NULL, &norm);
    EXPECT(isinf(norm) && h[0] == 0 && h[2] == 0 && isnan(h[1]),
           "inf norm: scaled by 0 (inf*0 NaN): %g %g %g", h[0], h[1], h[2]);
}

static void test_clip_value(void)
{
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        const descent_exec exec = {(descent_isa)isa, 0};
        float g[11] = {-2, -0.3f, -0.29f, 0, 0.1f, 0.3f, 0.31f, 5, NAN, -INFINITY, INFINITY};
        EXPECT(descent_clip_grad_value(g, 11, 0.3, &exec) == DESCENT_OK, "%s",
               descent_last_error());
        const float want[8] = {-0.3f, -0.3f, -0.29f, 0, 0.1f, 0.3f, 0.3f, 0.3f};
        EXPECT(memcmp(g, want, sizeof want) == 0 && isnan(g[8]) && g[9] == -0.3f &&
               g[10] == 0.3f, "%s: clamped, NaN kept", descent_isa_name((descent_isa)isa));
    }
}

static void test_bad_arguments(void)
{
    float g[2] = {1, 2}, norm;
    EXPECT(descent_clip_grad_norm(g, 2, 1.0, 0.0, 0, NULL, &norm) == DESCENT_ERR_INVALID,
           "norm_type 0");
    EXPECT(descent_clip_grad_norm(g, 2, 1.0, -2.0, 0, NULL, &norm) == DESCENT_ERR_INVALID,
           "norm_type < 0");
    EXPECT(descent_clip_grad_norm(g, 2, 1.0, NAN, 0, NULL, &norm) == DESCENT_ERR_INVALID,
           "norm_type NaN");
    EXPECT(descent_clip_grad_norm(g, 2, NAN, 2.0, 0, NULL, &norm) == DESCENT_ERR_INVALID,
           "max_norm NaN");
    EXPECT(descent_clip_grad_norm(NULL, 2, 1.0, 2.0, 0, NULL, &norm) == DESCENT_ERR_INVALID,
           "NULL grad");
    EXPECT(descent_clip_grad_value(NULL, 2, 1.0, NULL) == DESCENT_ERR_INVALID, "NULL grad");
    EXPECT(descent_clip_grad_value(g, 2, NAN, NULL) == DESCENT_ERR_INVALID, "NaN clip_value");
    const descent_exec bad = {(descent_isa)99, 0};
    EXPECT(descent_clip_grad_value(g, 2, 1.0, &bad) != DESCENT_OK, "unknown variant");
    EXPECT(g[0] == 1 && g[1] == 2, "untouched");
    EXPECT(descent_clip_grad_norm(NULL, 0, 1.0, 2.0, 0, NULL, &norm) == DESCENT_OK && norm == 0,
           "n = 0: norm 0");
}

int main(void)
{
    RUN(test_l2_by_hand);
    RUN(test_norm_types_every_variant);
    RUN(test_any_thread_count_same_bits);
    RUN(test_nonfinite);
    RUN(test_clip_value);
    RUN(test_bad_arguments);
    return CHECK_EXIT_STATUS();
}
