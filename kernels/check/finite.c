/* The non-finite gradient check (descent_optimizer_set_nonfinite) over the
 * vector layer, compiled once per ISA like kernels/optim/: yields
 * descent_avx2_first_nonfinite, descent_avx512_first_nonfinite, ...
 *
 * x - x is +0 for every finite x and NaN for NaN, +Inf and -Inf, so the sum
 * of x - x over a chunk is NaN exactly when the chunk holds a non-finite
 * value (NaN + anything stays NaN; the finite terms are all zero, so no
 * overflow can create an Inf).  Two adds per element, four independent
 * accumulators; only a chunk that fails is scanned element by element to
 * locate the first bad index.  The build never uses -ffinite-math-only, so
 * the compiler must keep x - x. */
#include <math.h>

#include "../kernel.h"
#include "../vec/vec.h"

#define CHUNK (64 * VEC_WIDTH)

size_t VEC_FN(first_nonfinite)(size_t n, const float *x)
{
    for (size_t start = 0; start < n; start += CHUNK) {
        const size_t end = n - start < CHUNK ? n : start + CHUNK;
        vf acc0 = vf_zero(), acc1 = vf_zero(), acc2 = vf_zero(), acc3 = vf_zero();
        size_t i = start;
        for (; i + 4 * VEC_WIDTH <= end; i += 4 * VEC_WIDTH) {
            const vf a = vf_load(x + i), b = vf_load(x + i + VEC_WIDTH);
            const vf c = vf_load(x + i + 2 * VEC_WIDTH), d = vf_load(x + i + 3 * VEC_WIDTH);
            acc0 = vf_add(acc0, vf_sub(a, a));
            acc1 = vf_add(acc1, vf_sub(b, b));
            acc2 = vf_add(acc2, vf_sub(c, c));
            acc3 = vf_add(acc3, vf_sub(d, d));
        }
        for (; i < end; i += VEC_WIDTH) {
            /* Partial loads fill the lanes past the end with zeros. */
            const vf a = vf_load_n(x + i, vec_lanes(end, i));
            acc0 = vf_add(acc0, vf_sub(a, a));
        }
        const vf acc = vf_add(vf_add(acc0, acc1), vf_add(acc2, acc3));
        if (vf_reduce_add(acc) == 0.0f)
            continue;
        for (size_t k = start; k < end; k++)
            if (!isfinite(x[k]))
                return k;
    }
    return n;
}
