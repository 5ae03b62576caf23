/* The agreement metric (agreement.h). */
#include "agreement.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int agreement_init(agreement *a, size_t n, int arrays, const float *const want[])
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->arrays = arrays;
    a->track = calloc((size_t)arrays * 3 * (n + 1), sizeof(double));
    if (!a->track)
        return -1;
    for (int k = 0; k < arrays; k++)
        for (size_t i = 0; want[k] && i < n; i++) {
            double *tr = &a->track[((size_t)k * (n + 1) + i) * 3];
            tr[0] = fabs(want[k][i]);
            tr[2] = want[k][i];
        }
    return 0;
}

long long agreement_ulps(float x, float y)
{
    if (!isfinite(x) || !isfinite(y))
        return (isfinite(x) == isfinite(y)) ? 0 : INT64_MAX;
    int32_t ix, iy;
    memcpy(&ix, &x, sizeof ix);
    memcpy(&iy, &y, sizeof iy);
    /* to a monotonic integer line: negative floats below positive ones */
    const long long ox = ix < 0 ? (long long)INT32_MIN - ix : ix;
    const long long oy = iy < 0 ? (long long)INT32_MIN - iy : iy;
    return ox > oy ? ox - oy : oy - ox;
}

/* |got - want| as a fraction of scale; non-finite only agrees with non-finite. */
static double ratio_of(float got, float want, double scale)
{
    if (!isfinite(got) || !isfinite(want))
        return isfinite(got) == isfinite(want) ? 0 : INFINITY;
    const double err = fabs((double)got - (double)want);
    if (!isfinite(scale)) /* the element was not finite at an earlier step */
        return 0;
    return scale > 0 ? err / scale : (err > 0 ? INFINITY : 0);
}

void agreement_step(agreement *a, long t, const float *const got[], const float *const want[])
{
    const size_t n = a->n;
    for (int k = 0; k < a->arrays; k++) {
        if (!want[k] || !got[k])
            continue;
        const float *g = got[k], *w = want[k];
        for (size_t i = 0; i < n; i++) {
            double *tr = &a->track[((size_t)k * (n + 1) + i) * 3];
            tr[0] = fmax(tr[0], fabs(w[i]));
            tr[1] += fabs((double)w[i] - tr[2]);
            tr[2] = w[i];
            if (isfinite(tr[0]))
                a->array_max[k] = fmax(a->array_max[k], tr[0]);
        }
        for (size_t i = 0; i < n; i++) {
            const double *tr = &a->track[((size_t)k * (n + 1) + i) * 3];
            const double scale = k == 0 ? tr[0] + tr[1] : a->array_max[k];
            const double ratio = ratio_of(g[i], w[i], scale);
            if (ratio > a->worst) {
                a->worst = ratio, a->worst_step = t, a->worst_index = i, a->worst_array = k;
                a->worst_got = g[i], a->worst_want = w[i];
                a->worst_ulp = agreement_ulps(g[i], w[i]);
            }
        }
    }
}

void agreement_free(agreement *a)
{
    free(a->track);
    a->track = NULL;
}
