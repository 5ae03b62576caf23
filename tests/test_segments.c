/* Lion and LAMB by hand, and optimizer segments (descent_optimizer_set_segments):
 * each segment stepped with its own lr and weight decay, LAMB's trust ratio
 * per segment, the same bits for any thread count and variant. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "descent.h"
#include "../kernels/kernel.h" /* descent_parallel_splits: the one-thread threshold */

static descent_hparams defaults(descent_optim_kind kind)
{
    descent_hparams h;
    descent_hparams_default(kind, &h);
    return h;
}

/* Lion: decay first, the sign of the interpolation (not of g, nor of the
 * updated momentum), sign(0) = 0, then the momentum with beta2. */
static void test_lion_by_hand(void)
{
    descent_hparams h = defaults(DESCENT_LION);
    h.lr = 0.1, h.weight_decay = 0.5;
    float p = 1.0f, m = 0.0f, g = 2.0f;
    descent_ref_lion(&h, 1, 1, &p, &g, &m);
    EXPECT_NEAR(p, 0.95 - 0.1, 1e-6); /* c = 0.1*2 > 0 */
    EXPECT_NEAR(m, 0.02, 1e-7);
    g = -0.1f; /* c = 0.9*0.02 - 0.01 = 0.008 > 0, though g < 0 */
    descent_ref_lion(&h, 2, 1, &p, &g, &m);
    EXPECT_NEAR(p, 0.85 * 0.95 - 0.1, 1e-6);
    EXPECT_NEAR(m, 0.99 * 0.02 - 0.001, 1e-7);
    float q = 0.5f, mq = 0.0f, zero = 0.0f;
    h.weight_decay = 0;
    descent_ref_lion(&h, 1, 1, &q, &zero, &mq);
    EXPECT(q == 0.5f && mq == 0.0f, "sign(0) = 0: no move (got %.9g)", q);
}

/* LAMB over one tensor: p = (3, 4), g = (1, 1), wd = 0: m^ = g, v^ = g^2,
 * u = g/(|g| + eps), |p| = 5, so p -= lr*5/sqrt(2) per element; a zero
 * tensor has ratio 1. */
static void test_lamb_by_hand(void)
{
    descent_hparams h = defaults(DESCENT_LAMB);
    h.lr = 0.01, h.weight_decay = 0;
    float p[2] = {3, 4}, g[2] = {1, 1}, m[2] = {0}, v[2] = {0};
    descent_ref_lamb(&h, 1, 2, p, g, m, v);
    EXPECT_NEAR(p[0], 3 - 0.05 / sqrt(2.0), 1e-6);
    EXPECT_NEAR(p[1], 4 - 0.05 / sqrt(2.0), 1e-6);
    float z[2] = {0, 0}, mz[2] = {0}, vz[2] = {0};
    descent_ref_lamb(&h, 1, 2, z, g, mz, vz);
    EXPECT_NEAR(z[0], -0.01 / (1 + 1e-6), 1e-9); /* |p| = 0: ratio 1 */
    float q[2] = {3, 4}, mq[2] = {0}, vq[2] = {0};
    const float zero_g[2] = {0, 0};
    h.weight_decay = 0.01;
    descent_ref_lamb(&h, 1, 2, q, zero_g, mq, vq);
    /* u = wd*p, |p|/|u| = 1/wd: p -= lr*p */
    EXPECT_NEAR(q[0], 3 * 0.99, 1e-6);
    EXPECT_NEAR(q[1], 4 * 0.99, 1e-6);
}

/* An elementwise optimizer over segments with their own lr and weight
 * decay gives, bit for bit, what one optimizer per segment gives. */
static void test_segments_are_param_groups(void)
{
    static const size_t sizes[] = {5, 40000, 0, 17};
    const double lrs[] = {0.1, NAN, 0.02, 0.003}, wds[] = {0.5, 0.01, NAN, NAN};
    const size_t n = 5 + 40000 + 17;
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        descent_optim_kind kinds[] = {DESCENT_ADAM, DESCENT_SGD, DESCENT_LION};
        for (int k = 0; k < 3; k++) {
            descent_hparams h = defaults(kinds[k]);
            h.lr = 0.01, h.weight_decay = 0.1;
            if (kinds[k] == DESCENT_SGD)
                h.momentum = 0.9;
            float *p = check_randoms(n, 1, 2), *want = check_randoms(n, 1, 2), *g = check_randoms(n, 2, 1);
            descent_optimizer *opt, *part[4];
            descent_optimizer_create(kinds[k], &h, n, &opt);
            descent_optimizer_set_isa(opt, (descent_isa)isa);
            descent_optimizer_set_threads(opt, 3);
            EXPECT(descent_optimizer_set_segments(opt, 4, sizes) == DESCENT_OK, "%s",
                   descent_last_error());
            for (size_t s = 0; s < 4; s++) {
                EXPECT(descent_optimizer_set_segment_hparams(opt, s, lrs[s], wds[s]) == DESCENT_OK,
                       "%s", descent_last_error());
                descent_hparams hs = h;
                if (!isnan(lrs[s]))
                    hs.lr = lrs[s];
                if (!isnan(wds[s]))
                    hs.weight_decay = wds[s];
                descent_optimizer_create(kinds[k], &hs, sizes[s], &part[s]);
                descent_optimizer_set_isa(part[s], (descent_isa)isa);
            }
            for (int t = 0; t < 3; t++) {
                descent_optimizer_step(opt, p, g);
                for (size_t s = 0, start = 0; s < 4; start += sizes[s++])
                    descent_optimizer_step(part[s], want + start, g + start);
            }
            EXPECT(memcmp(p, want, n * sizeof *p) == 0, "%s %s: segments differ from groups",
                   descent_optim_name(kinds[k]), descent_isa_name((descent_isa)isa));
            descent_optimizer_free(opt);
            for (int s = 0; s < 4; s++)
                descent_optimizer_free(part[s]);
            free(p), free(want), free(g);
        }
    }
}

/* LAMB takes its trust ratio per segment: the object equals the reference
 * on each segment alone, with 1 or 4 threads the same bits, and differs
 * from one tensor over everything.  The first segment and the whole are
 * above the one-thread threshold, so their two passes are shared out; the
 * small segments are shared out whole. */
static void test_lamb_ratio_per_segment_any_threads(void)
{
    static const size_t sizes[] = {70000, 3, 0, 20000};
    const size_t n = 90003;
    EXPECT(descent_parallel_splits(sizes[0]) && !descent_parallel_splits(sizes[3]),
           "the segments no longer straddle the one-thread threshold");
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (!CHECK_VARIANT_RUNS((descent_isa)isa))
            continue;
        descent_hparams h = defaults(DESCENT_LAMB);
        h.lr = 0.01;
        /* runs: segments on 1 and 4 threads; one tensor on 4 and 1 threads */
        float *g = check_randoms(n, 4, 1), *runs[4];
        for (int r = 0; r < 4; r++) {
            runs[r] = check_randoms(n, 3, 2);
            descent_optimizer *opt;
            descent_optimizer_create(DESCENT_LAMB, &h, n, &opt);
            descent_optimizer_set_isa(opt, (descent_isa)isa);
            descent_optimizer_set_threads(opt, r == 0 || r == 3 ? 1 : 4);
            if (r < 2)
                descent_optimizer_set_segments(opt, 4, sizes);
            for (int t = 0; t < 3; t++)
                descent_optimizer_step(opt, runs[r], g);
            descent_optimizer_free(opt);
        }
        EXPECT(memcmp(runs[0], runs[1], n * sizeof(float)) == 0, "%s: 1 and 4 threads differ",
               descent_isa_name((descent_isa)isa));
        EXPECT(memcmp(runs[0], runs[2], n * sizeof(float)) != 0, "segments made no difference");
        EXPECT(memcmp(runs[2], runs[3], n * sizeof(float)) == 0,
               "%s: one tensor on 1 and 4 threads differs (its norm cut into blocks)",
               descent_isa_name((descent_isa)isa));
        float *want = check_randoms(n, 3, 2), *m = calloc(n, sizeof(float)), *v = calloc(n, sizeof(float));
        for (int t = 1; t <= 3; t++)
            for (size_t s = 0, start = 0; s < 4; start += sizes[s++])
                descent_ref_lamb(&h, t, sizes[s], want + start, g + start, m + start, v + start);
        double worst = 0;
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs((double)runs[0][i] - want[i]));
        EXPECT(worst <= 1e-6, "%s: %.3g from the per-segment reference",
               descent_isa_name((descent_isa)isa), worst);
        for (int r = 0; r < 4; r++)
            free(runs[r]);
        free(g), free(want), free(m), free(v);
    }
}

static void test_segment_errors(void)
{
    descent_hparams h = defaults(DESCENT_ADAM);
    descent_optimizer *opt;
    descent_optimizer_create(DESCENT_ADAM, &h, 10, &opt);
    const size_t short_sizes[] = {3, 4}, long_sizes[] = {6, 6}, ok[] = {4, 6};
    EXPECT(descent_optimizer_set_segments(opt, 2, short_sizes) == DESCENT_ERR_INVALID,
           "segments adding up to less than n");
    EXPECT(descent_optimizer_set_segments(opt, 2, long_sizes) == DESCENT_ERR_INVALID,
           "segments past n");
    EXPECT(descent_optimizer_set_segments(opt, 2, NULL) == DESCENT_ERR_INVALID, "NULL sizes");
    EXPECT(descent_optimizer_set_segments(NULL, 0, NULL) == DESCENT_ERR_INVALID, "NULL opt");
    EXPECT(descent_optimizer_segment_count(opt) == 1, "one segment by default");
    EXPECT(descent_optimizer_set_segments(opt, 2, ok) == DESCENT_OK, "%s", descent_last_error());
    EXPECT(descent_optimizer_segment_count(opt) == 2, "two segments");
    EXPECT(descent_optimizer_set_segment_hparams(opt, 2, 0.1, 0) == DESCENT_ERR_INVALID,
           "index past the segments");
    EXPECT(descent_optimizer_set_segment_hparams(opt, 0, -1, 0) == DESCENT_ERR_INVALID,
           "negative lr");
    EXPECT(strstr(descent_last_error(), "Invalid learning rate") != NULL, "message: %s",
           descent_last_error());
    EXPECT(descent_optimizer_set_segment_hparams(opt, 1, NAN, -0.5) == DESCENT_ERR_INVALID,
           "negative weight decay");
    EXPECT(descent_optimizer_set_segment_hparams(opt, 1, NAN, NAN) == DESCENT_OK,
           "NAN inherits");
    EXPECT(descent_optimizer_set_segments(opt, 0, NULL) == DESCENT_OK, "back to one segment");
    EXPECT(descent_optimizer_segment_count(opt) == 1, "one segment again");
    descent_optimizer_free(opt);
}

/* set_lr moves the segments that inherit the lr, not those with their own. */
static void test_set_lr_and_own_lr(void)
{
    descent_hparams h = defaults(DESCENT_SGD);
    h.lr = 0.1;
    descent_optimizer *opt;
    descent_optimizer_create(DESCENT_SGD, &h, 2, &opt);
    const size_t sizes[] = {1, 1};
    descent_optimizer_set_segments(opt, 2, sizes);
    descent_optimizer_set_segment_hparams(opt, 1, 0.5, NAN);
    descent_optimizer_set_lr(opt, 0.2);
    float p[2] = {1, 1};
    const float g[2] = {1, 1};
    descent_optimizer_step(opt, p, g);
    EXPECT_NEAR(p[0], 0.8, 1e-7);
    EXPECT_NEAR(p[1], 0.5, 1e-7);
    descent_optimizer_free(opt);
}

int main(void)
{
    RUN(test_lion_by_hand);
    RUN(test_lamb_by_hand);
    RUN(test_segments_are_param_groups);
    RUN(test_lamb_ratio_per_segment_any_threads);
    RUN(test_segment_errors);
    RUN(test_set_lr_and_own_lr);
    return CHECK_EXIT_STATUS();
}
