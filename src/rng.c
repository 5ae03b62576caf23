/* xoshiro256** (Blackman and Vigna, 2018) seeded by splitmix64; see rng.h. */
#include <math.h>

#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void descent_rng_seed(descent_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t descent_rng_u64(descent_rng *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float descent_rng_uniform(descent_rng *rng)
{
    return (float)(descent_rng_u64(rng) >> 40) * 0x1.0p-24f;
}

double descent_rng_uniform_double(descent_rng *rng)
{
    return (double)(descent_rng_u64(rng) >> 11) * 0x1.0p-53;
}

uint64_t descent_rng_below(descent_rng *rng, uint64_t n)
{
    /* Rejection: drop the top partial copy of [0, n) so every value is
     * equally likely. */
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do
        r = descent_rng_u64(rng);
    while (r >= limit);
    return r % n;
}

double descent_rng_normal(descent_rng *rng)
{
    /* Each call uses two uniforms and returns one of the pair: no hidden
     * cached value, so the state is just the four words. */
    /* u1 in (0, 1] so that log(u1) is finite. */
    const double u1 = 1.0 - descent_rng_uniform_double(rng);
    const double u2 = descent_rng_uniform_double(rng);
    const double two_pi = 6.283185307179586476925286766559;
    return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}

void descent_rng_shuffle(descent_rng *rng, int *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)descent_rng_below(rng, i);
        int tmp = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = tmp;
    }
}
