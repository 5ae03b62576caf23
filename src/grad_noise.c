/*
 * Gradient noise (Neelakantan et al. 2015, "Adding gradient noise improves
 * learning for very deep networks"): g_i += N(0, sigma_t^2) with
 * sigma_t^2 = eta / (1 + t)^gamma.
 *
 * The noise of element i at step t is a pure function of (seed, t, i):
 * Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as
 * 1, 2, 3") keyed by the seed, with the counter (i / 4, t), gives four
 * 32-bit words, which the Box-Muller transform (in double) turns into the
 * normals of elements 4*(i/4) .. 4*(i/4)+3.  So the bits do not depend on
 * the thread count, on how the vector is split, or on the ISA: this file
 * is compiled once, and each block computes its own counters.
 */
#include <math.h>
#include <stdint.h>

#include "../kernels/philox.h"
#include "internal.h"

/* Philox4x32-10: four random words from a 128-bit counter and a 64-bit key
 * (the one generator, kernels/philox.h). */
void descent_philox4x32(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4])
{
    descent_philox4x32_10(counter, key, out);
}

/* A uniform in (0, 1] from 32 random bits: never 0, so log() is finite. */
static double open_uniform(uint32_t bits)
{
    return ((double)bits + 1.0) * (1.0 / 4294967296.0);
}

/* The four standard normals of group `group` at step t. */
static void normals4(uint64_t seed, long t, uint64_t group, double z[4])
{
    const uint32_t counter[4] = {(uint32_t)group, (uint32_t)(group >> 32), (uint32_t)t,
                                 (uint32_t)((uint64_t)t >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    uint32_t r[4];
    descent_philox4x32(counter, key, r);
    for (int pair = 0; pair < 2; pair++) {
        const double radius = sqrt(-2.0 * log(open_uniform(r[2 * pair])));
        const double angle = 2.0 * 3.14159265358979323846 * open_uniform(r[2 * pair + 1]);
        z[2 * pair] = radius * cos(angle);
        z[2 * pair + 1] = radius * sin(angle);
    }
}

typedef struct noise_job {
    float *grad;
    double sigma;
    uint64_t seed;
    long t;
} noise_job;

/* Blocks start at multiples of 16 Ki elements, so each group of four lies in
 * one block, yet a block may still start inside a group when a caller's n
 * is split differently: the group is recomputed, never assumed. */
static void noise_block(void *ctx, size_t start, size_t len)
{
    const noise_job *job = ctx;
    double z[4];
    uint64_t have = UINT64_MAX;
    for (size_t i = start; i < start + len; i++) {
        const uint64_t group = (uint64_t)i / 4;
        if (group != have) {
            normals4(job->seed, job->t, group, z);
            have = group;
        }
        job->grad[i] = (float)((double)job->grad[i] + job->sigma * z[i % 4]);
    }
}

double descent_grad_noise_sigma(double eta, double gamma, long t)
{
    return sqrt(eta / pow(1.0 + (double)t, gamma));
}

descent_status descent_grad_noise(float *grad, size_t n, double eta, double gamma, long t,
                                  unsigned long long seed, int threads)
{
    if (!grad && n)
        return descent_fail(DESCENT_ERR_INVALID, "grad_noise: grad is NULL");
    if (!(eta >= 0) || !isfinite(eta))
        return descent_fail(DESCENT_ERR_INVALID, "grad_noise: invalid eta %g (need >= 0)", eta);
    if (!(gamma >= 0) || !isfinite(gamma))
        return descent_fail(DESCENT_ERR_INVALID, "grad_noise: invalid gamma %g (need >= 0)",
                            gamma);
    if (t < 1)
        return descent_fail(DESCENT_ERR_INVALID, "grad_noise: step %ld (steps are 1-based)", t);
    if (threads < 0)
        return descent_fail(DESCENT_ERR_INVALID, "grad_noise: threads %d < 0", threads);
    if (eta == 0 || n == 0)
        return DESCENT_OK;
    noise_job job = {grad, descent_grad_noise_sigma(eta, gamma, t), seed, t};
    descent_parallel_for_blocks(n, threads, noise_block, &job);
    return DESCENT_OK;
}
