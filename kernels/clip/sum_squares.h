/*
 * The sum of squares of x[0, n) in double, the same bits on every ISA: the
 * trainer's gradient norm (src/train.c) once per step, which as one chain
 * of dependent double adds (4 cycles each) cost more than the optimizer
 * step itself over the 101770 parameters of the 784-128-10 MLP.
 *
 * Element i goes to lane i % 32 of 32 double accumulators, the lanes are
 * combined in one fixed tree, and each square and add is one IEEE double
 * operation (no FMA: -ffp-contract=off), so vectors of 8 doubles (one
 * AVX-512 register, two AVX2 or four SSE/NEON ones: GCC's vector extension
 * cuts them for the target) give the same bits as 32 scalar variables.
 * Included by kernels/clip/clip.c (once per ISA) and kernels/scalar.c.
 */
#ifndef DESCENT_SUM_SQUARES_H
#define DESCENT_SUM_SQUARES_H

#include <stddef.h>
#include <string.h>

/* Four vectors of eight, so that four adds are in flight (one chain of
 * vector adds waits 4 cycles per 8 elements). */
#define SUM_SQUARES_LANES 32

/* Lanes j, j + 8, j + 16, j + 24 into j, then the eight in a tree. */
static inline double sum_squares_combine(const double lane[SUM_SQUARES_LANES])
{
    double v[8];
    for (int j = 0; j < 8; j++)
        v[j] = (lane[j] + lane[j + 8]) + (lane[j + 16] + lane[j + 24]);
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

#if defined(__GNUC__)
typedef float sum_squares_vf __attribute__((vector_size(32)));
typedef double sum_squares_vd __attribute__((vector_size(64)));

static inline double sum_squares_double(size_t n, const float *x)
{
    sum_squares_vd acc[4] = {{0}, {0}, {0}, {0}};
    size_t i = 0;
    for (; i + SUM_SQUARES_LANES <= n; i += SUM_SQUARES_LANES)
        for (int q = 0; q < 4; q++) { /* no vector-typed function: no ABI for it */
            sum_squares_vf f;
            memcpy(&f, x + i + 8 * q, sizeof f); /* x need not be aligned */
            const sum_squares_vd d = __builtin_convertvector(f, sum_squares_vd);
            acc[q] += d * d;
        }
    double lane[SUM_SQUARES_LANES];
    memcpy(lane, acc, sizeof lane);
    for (size_t j = 0; i + j < n; j++)
        lane[j] += (double)x[i + j] * (double)x[i + j];
    return sum_squares_combine(lane);
}
#else
static inline double sum_squares_double(size_t n, const float *x)
{
    double lane[SUM_SQUARES_LANES] = {0};
    for (size_t i = 0; i < n; i++)
        lane[i % SUM_SQUARES_LANES] += (double)x[i] * (double)x[i];
    return sum_squares_combine(lane);
}
#endif

#endif
