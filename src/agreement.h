/*
 * The agreement metric of a variant (or a port) against the reference, step
 * by step, the one definition that tests/test_agreement.c and the port
 * validator (src/validate.c) both use.
 *
 * After every step, |got_i - want_i| <= rtol * S_i, where
 *  - for the parameters (array 0), S_i is the largest |want_i| so far (its
 *    initial value included) plus the sum over the steps of |change of
 *    want_i|: each step can add a few ulp of the values it combines, which
 *    are at most this large, so the test stays meaningful when a parameter
 *    crosses zero or a small one takes large steps;
 *  - for the state arrays, S_i is the largest |want| of the whole array so
 *    far (the S_t of ../shared/golden/README.md): where the L2 weight decay
 *    wd*p nearly cancels g, the ~1e-7 relative difference the variants have
 *    in p becomes a large relative one in g^2, legitimately; a wrong state
 *    still shows through the parameters, checked per element.
 * A non-finite value agrees only with a non-finite value (NaN or either
 * infinity: the port's arrays must be non-finite exactly where the
 * reference's are); against a finite one its ratio is infinite.
 */
#ifndef DESCENT_AGREEMENT_H
#define DESCENT_AGREEMENT_H

#include <stddef.h>

#define AGREEMENT_ARRAYS 4 /* param and up to three state arrays */

typedef struct agreement {
    size_t n;
    int arrays;                   /* param + state arrays compared (1..4) */
    double *track;                /* per array and element: max |want|, sum |change|, previous */
    double array_max[AGREEMENT_ARRAYS];
    /* The worst element so far, as a fraction of its scale. */
    double worst;
    long worst_step;
    size_t worst_index;
    int worst_array;              /* 0 param, k state k-1 */
    float worst_got, worst_want;
    long long worst_ulp;          /* float32 ulps between worst_got and worst_want */
} agreement;

/* want[k], k < arrays: the reference's arrays before the first step (NULL
 * for a state array not in use, which is then not compared).  0 on
 * success, -1 out of memory. */
int agreement_init(agreement *a, size_t n, int arrays, const float *const want[]);
/* Compares the arrays after step t and keeps the worst element. */
void agreement_step(agreement *a, long t, const float *const got[], const float *const want[]);
void agreement_free(agreement *a);
/* Float32 ulps between x and y (a large number when one is not finite). */
long long agreement_ulps(float x, float y);

#endif
