/*
 * Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as
 * 1, 2, 3"): four random 32-bit words from a 128-bit counter and a 64-bit
 * key, a pure function of both.  The one copy of the generator: gradient
 * noise (src/grad_noise.c) and the stochastic rounding of mixed-precision
 * steps (kernels/mixed.c, reference/precision.c) draw from it, so their
 * numbers depend on (key, counter) only, never on threads or blocks.
 * Header-only so that kernels/ and reference/ can use it (they include
 * nothing from src/).
 */
#ifndef DESCENT_PHILOX_H
#define DESCENT_PHILOX_H

#include <stdint.h>

#define DESCENT_PHILOX_M0 0xD2511F53u
#define DESCENT_PHILOX_M1 0xCD9E8D57u
#define DESCENT_PHILOX_W0 0x9E3779B9u /* the golden ratio, the key's bump per round */
#define DESCENT_PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */
#define DESCENT_PHILOX_ROUNDS 10

static inline void descent_philox_mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    const uint64_t p = (uint64_t)a * b;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}

static inline void descent_philox4x32_10(const uint32_t counter[4], const uint32_t key[2],
                                         uint32_t out[4])
{
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < DESCENT_PHILOX_ROUNDS; round++) {
        uint32_t hi0, lo0, hi1, lo1;
        descent_philox_mulhilo(DESCENT_PHILOX_M0, c0, &hi0, &lo0);
        descent_philox_mulhilo(DESCENT_PHILOX_M1, c2, &hi1, &lo1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += DESCENT_PHILOX_W0;
        k1 += DESCENT_PHILOX_W1;
    }
    out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

#endif
