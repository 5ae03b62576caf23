/* The gradient-clipping kernels (descent_clip_grad_norm, _value) over the
 * vector layer, compiled once per ISA like kernels/optim/: yields
 * descent_avx2_norm_sum, descent_avx2_scale, descent_avx2_clamp, ...
 *
 * norm_sum sums |x|^p in float per chunk of vectors, four independent
 * accumulators, then in double across chunks (torch sums a float32 norm in
 * float); p = 1, 2 and inf are vector operations, any other p takes powf
 * per element, in double order-free per chunk as well.  The tail is a
 * partial load, whose zero lanes add 0 (|0|^p = 0 for p > 0) and leave the
 * max alone (max|x| >= 0). */
#include <math.h>

#include "../kernel.h"
#include "../vec/vec.h"
#include "sum_squares.h"

#define CHUNK (16 * VEC_WIDTH)

static inline vf pow_lanes(vf a, double p)
{
    if (p == 1.0)
        return a;
    if (p == 2.0)
        return vf_mul(a, a);
    float lanes[VEC_WIDTH];
    vf_store(lanes, a);
    for (int k = 0; k < VEC_WIDTH; k++)
        lanes[k] = powf(lanes[k], (float)p);
    return vf_load(lanes);
}

/* One chunk [start, end): the sum of |x|^p or the max of |x|. */
static double chunk_norm(const float *x, size_t start, size_t end, double p)
{
    const int is_max = isinf(p);
    vf acc[4] = {vf_zero(), vf_zero(), vf_zero(), vf_zero()};
    int k = 0;
    for (size_t i = start; i < end; i += VEC_WIDTH, k = (k + 1) & 3) {
        const vf a = vf_abs(vf_load_n(x + i, vec_lanes(end, i)));
        acc[k] = is_max ? vf_max(a, acc[k]) : vf_add(acc[k], pow_lanes(a, p));
    }
    if (!is_max)
        return vf_reduce_add(vf_add(vf_add(acc[0], acc[1]), vf_add(acc[2], acc[3])));
    float lanes[4 * VEC_WIDTH];
    for (int j = 0; j < 4; j++)
        vf_store(lanes + j * VEC_WIDTH, acc[j]);
    float m = 0;
    for (int j = 0; j < 4 * VEC_WIDTH; j++)
        m = lanes[j] != lanes[j] || m != m ? NAN : (lanes[j] > m ? lanes[j] : m);
    return m;
}

double VEC_FN(norm_sum)(size_t n, const float *x, double p)
{
    double total = 0;
    for (size_t start = 0; start < n; start += CHUNK) {
        const size_t end = n - start < CHUNK ? n : start + CHUNK;
        const double part = chunk_norm(x, start, end, p);
        if (isinf(p))
            total = part != part || total != total ? NAN : (part > total ? part : total);
        else
            total += part;
    }
    return total;
}

void VEC_FN(scale)(size_t n, float *x, float factor)
{
    const vf f = vf_set1(factor);
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        vf_store_n(x + i, vf_mul(vf_load_n(x + i, lanes), f), lanes);
    }
}

void VEC_FN(clamp)(size_t n, float *x, float lo, float hi)
{
    const vf vlo = vf_set1(lo), vhi = vf_set1(hi);
    for (size_t i = 0; i < n; i += VEC_WIDTH) {
        const size_t lanes = vec_lanes(n, i);
        /* the element first: vf_min/vf_max keep a NaN in their first operand */
        vf_store_n(x + i, vf_max(vf_min(vf_load_n(x + i, lanes), vhi), vlo), lanes);
    }
}

double VEC_FN(sum_squares)(size_t n, const float *x)
{
    return sum_squares_double(n, x);
}
