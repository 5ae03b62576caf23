/*
 * Gradient noise (src/grad_noise.c):
 *  - Philox4x32-10 gives Random123's known-answer vectors;
 *  - the noise is the same bits for 1, 2 and 3 threads, and for a vector
 *    noised whole or as a prefix (element i depends on (seed, t, i) only);
 *  - its mean and variance match sigma_t^2 = eta / (1 + t)^gamma, steps and
 *    seeds give different noise, eta = 0 changes nothing;
 *  - bad arguments are refused.
 */
#include <string.h>

#include "../src/internal.h"
#include "check.h"
#include "descent.h"

static void test_philox_known_answers(void)
{
    /* Random123's kat_vectors for philox4x32_10. */
    static const struct {
        uint32_t ctr[4], key[2], want[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t k = 0; k < sizeof kat / sizeof kat[0]; k++) {
        uint32_t out[4];
        descent_philox4x32(kat[k].ctr, kat[k].key, out);
        for (int i = 0; i < 4; i++)
            EXPECT(out[i] == kat[k].want[i], "vector %zu word %d: %08x, want %08x", k, i,
                   out[i], kat[k].want[i]);
    }
}

#define N (3 * 16384 + 7) /* several OpenMP blocks and a ragged tail */

static float *noised(size_t n, int threads, long t, unsigned long long seed)
{
    float *g = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        g[i] = (float)(i % 13) * 0.25f - 1.5f;
    EXPECT(descent_grad_noise(g, n, 0.3, 0.55, t, seed, threads) == DESCENT_OK, "%s",
           descent_last_error());
    return g;
}

static void test_same_bits_for_any_thread_count(void)
{
    float *one = noised(N, 1, 7, 42);
    for (int threads = 2; threads <= 3; threads++) {
        float *more = noised(N, threads, 7, 42);
        EXPECT(memcmp(one, more, N * sizeof(float)) == 0, "%d threads differ from 1", threads);
        free(more);
    }
    float *prefix = noised(N - 5, 2, 7, 42); /* a shorter vector: its elements agree */
    EXPECT(memcmp(one, prefix, (N - 5) * sizeof(float)) == 0, "a prefix differs");
    free(prefix);
    free(one);
}

static void test_distribution_steps_and_seeds(void)
{
    const size_t n = 1 << 18;
    float *g = calloc(n, sizeof(float));
    const long t = 9;
    const double eta = 0.3, gamma = 0.55, sigma = descent_grad_noise_sigma(eta, gamma, t);
    EXPECT_NEAR(sigma, sqrt(0.3 / pow(10.0, 0.55)), 1e-15);
    EXPECT(descent_grad_noise(g, n, eta, gamma, t, 1, 0) == DESCENT_OK, "%s",
           descent_last_error());
    double sum = 0, sum_sq = 0;
    long beyond_3_sigma = 0;
    for (size_t i = 0; i < n; i++) {
        sum += g[i], sum_sq += (double)g[i] * g[i];
        beyond_3_sigma += fabs(g[i]) > 3 * sigma;
    }
    const double mean = sum / n, var = sum_sq / n - mean * mean;
    /* Standard errors: sigma/sqrt(n) for the mean, about sigma^2 sqrt(2/n)
     * for the variance; 6 of them is a bound a correct generator never
     * reaches by chance. */
    EXPECT(fabs(mean) < 6 * sigma / sqrt((double)n), "mean %g", mean);
    EXPECT(fabs(var / (sigma * sigma) - 1) < 6 * sqrt(2.0 / n), "variance ratio %g",
           var / (sigma * sigma));
    /* A normal has 0.27% beyond 3 sigma. */
    EXPECT(fabs((double)beyond_3_sigma / n - 0.0027) < 0.0006, "%ld beyond 3 sigma",
           beyond_3_sigma);

    float *a = noised(1000, 1, 3, 5), *b = noised(1000, 1, 4, 5), *c = noised(1000, 1, 3, 6);
    EXPECT(memcmp(a, b, 1000 * sizeof(float)) != 0, "steps 3 and 4 give the same noise");
    EXPECT(memcmp(a, c, 1000 * sizeof(float)) != 0, "seeds 5 and 6 give the same noise");
    free(a), free(b), free(c);

    float before[8] = {1, -2, 3, 0, 5, 6, 7, 8}, after[8];
    memcpy(after, before, sizeof before);
    EXPECT(descent_grad_noise(after, 8, 0.0, 0.55, 1, 1, 1) == DESCENT_OK, "eta 0");
    EXPECT(memcmp(before, after, sizeof before) == 0, "eta 0 changed the gradient");
    free(g);
}

static void test_bad_arguments(void)
{
    float g[4] = {0};
    EXPECT(descent_grad_noise(NULL, 4, 0.3, 0.55, 1, 1, 1) == DESCENT_ERR_INVALID, "NULL");
    EXPECT(descent_grad_noise(g, 4, -1, 0.55, 1, 1, 1) == DESCENT_ERR_INVALID, "eta < 0");
    EXPECT(descent_grad_noise(g, 4, NAN, 0.55, 1, 1, 1) == DESCENT_ERR_INVALID, "eta NaN");
    EXPECT(descent_grad_noise(g, 4, 0.3, -0.1, 1, 1, 1) == DESCENT_ERR_INVALID, "gamma < 0");
    EXPECT(descent_grad_noise(g, 4, 0.3, 0.55, 0, 1, 1) == DESCENT_ERR_INVALID, "t = 0");
    EXPECT(descent_grad_noise(g, 4, 0.3, 0.55, 1, 1, -1) == DESCENT_ERR_INVALID, "threads");
    EXPECT(strstr(descent_last_error(), "threads") != NULL, "message: %s",
           descent_last_error());
}

int main(void)
{
    RUN(test_philox_known_answers);
    RUN(test_same_bits_for_any_thread_count);
    RUN(test_distribution_steps_and_seeds);
    RUN(test_bad_arguments);
    return CHECK_EXIT_STATUS();
}
