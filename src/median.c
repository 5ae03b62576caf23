/* The project's one median (descent.h): the training loop's seeds, the
 * convergence benchmark and the benchmark harness's aggregates all use it. */
#include <math.h>
#include <stdlib.h>

#include "descent.h"

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double descent_median(double *values, size_t n)
{
    if (!values || n == 0)
        return NAN;
    qsort(values, n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}
