/* The project's one clock (descent.h): CLOCK_MONOTONIC, never stepped by
 * NTP or the user, so intervals are real durations. */
#include <time.h>

#include "descent.h"

double descent_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
