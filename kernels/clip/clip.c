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
    float buffer[VEC_MAX_WIDTH], *lanes = vec_lane_buffer(buffer);
    vf_store(lanes, a);
    for (size_t k = 0; k < VEC_WIDTH; k++)
        lanes[k] = powf(lanes[k], (float)p);
    return vf_load(lanes);
}

/* The accumulator acc with the vector x[0, lanes) added in. */
static inline vf norm_add(vf acc, const float *x, size_t lanes, int is_max, double p)
{
    const vf a = vf_abs(vf_load_n(x, lanes));
    return is_max ? vf_max(a, acc) : vf_add(acc, pow_lanes(a, p));
}

/* One chunk [start, end): the sum of |x|^p or the max of |x|.  Vector j of
 * the chunk goes to accumulator j mod 4 (four named variables: vf may be
 * sizeless, so no array of them). */
static double chunk_norm(const float *x, size_t start, size_t end, double p)
{
    const int is_max = isinf(p);
    const size_t w = VEC_WIDTH;
    vf acc0 = vf_zero(), acc1 = vf_zero(), acc2 = vf_zero(), acc3 = vf_zero();
    size_t i = start;
    for (; i + 4 * w <= end; i += 4 * w) {
        acc0 = norm_add(acc0, x + i, w, is_max, p);
        acc1 = norm_add(acc1, x + i + w, w, is_max, p);
        acc2 = norm_add(acc2, x + i + 2 * w, w, is_max, p);
        acc3 = norm_add(acc3, x + i + 3 * w, w, is_max, p);
    }
    if (i < end) {
        acc0 = norm_add(acc0, x + i, vec_lanes(end, i), is_max, p);
        i += w;
    }
    if (i < end) {
        acc1 = norm_add(acc1, x + i, vec_lanes(end, i), is_max, p);
        i += w;
    }
    if (i < end) {
        acc2 = norm_add(acc2, x + i, vec_lanes(end, i), is_max, p);
        i += w;
    }
    if (i < end) /* fewer than 4 w elements remained: at most four vectors */
        acc3 = norm_add(acc3, x + i, vec_lanes(end, i), is_max, p);
    if (!is_max)
        return vf_reduce_add(vf_add(vf_add(acc0, acc1), vf_add(acc2, acc3)));
    float buffer[4 * VEC_MAX_WIDTH], *lanes = vec_lane_buffer(buffer);
    vf_store(lanes, acc0);
    vf_store(lanes + w, acc1);
    vf_store(lanes + 2 * w, acc2);
    vf_store(lanes + 3 * w, acc3);
    float m = 0;
    for (size_t j = 0; j < 4 * w; j++)
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
