/*
 * A small seeded random number generator for everything in descent that
 * needs randomness (parameter initialization, synthetic data, shuffling):
 * xoshiro256** seeded through splitmix64.  Internal; not part of the
 * public API.  The sequences depend only on the seed, never on the
 * platform, the compiler or the thread count, so runs are reproducible.
 */
#ifndef DESCENT_RNG_H
#define DESCENT_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct descent_rng {
    uint64_t s[4];
} descent_rng;

/* Seeds the state from one 64-bit value (any value, 0 included). */
void descent_rng_seed(descent_rng *rng, uint64_t seed);
/* Next 64 random bits. */
uint64_t descent_rng_u64(descent_rng *rng);
/* Uniform in [0, 1) with 24 random bits (every value an exact float). */
float descent_rng_uniform(descent_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double descent_rng_uniform_double(descent_rng *rng);
/* Uniform integer in [0, n), without modulo bias; n >= 1. */
uint64_t descent_rng_below(descent_rng *rng, uint64_t n);
/* Standard normal N(0, 1) by the Box-Muller transform (double precision;
 * two uniforms per call). */
double descent_rng_normal(descent_rng *rng);
/* Fisher-Yates shuffle of idx[0..n). */
void descent_rng_shuffle(descent_rng *rng, int *idx, size_t n);

#endif
