/* Declarations shared inside libdescent; not part of the public API. */
#ifndef DESCENT_INTERNAL_H
#define DESCENT_INTERNAL_H

#include "descent.h"

/* descent_fail (the error recorder) and the MLP functions shared with the
 * reference. */
#include "../reference/ref_internal.h"

/* For the *_from_name functions: the index of `name` among names[0..count),
 * or -1 after recording "unknown WHAT 'NAME' (expected a, b or c)" with
 * `status`. */
int descent_name_index(const char *what, const char *const *names, int count, const char *name,
                       descent_status status);

/* What each hyperparameter accepts (the rule column of
 * DESCENT_HPARAM_KEYS, include/descent_optimizers.h). */
typedef enum hparam_rule {
    HPARAM_NONNEG,      /* 0 <= x < inf */
    HPARAM_UNIT_OPEN,   /* 0 <= x < 1   */
    HPARAM_UNIT_CLOSED, /* 0 <= x <= 1  */
    HPARAM_FINITE,      /* any finite x */
    HPARAM_BOOL         /* an int flag  */
} hparam_rule;

/* Allocation of float arrays aligned to a cache line (64 bytes), so that
 * vector kernels never split a load across lines at the array start. */
float *descent_alloc_floats(size_t n);
void descent_free_floats(float *p);

/* Sets the step counter, for tests: its limit, LONG_MAX steps, cannot be
 * reached by stepping. */
void descent_optimizer_set_step_count(descent_optimizer *opt, long t);
/* What a schedule's cycle_momentum moves: SGD's and RMSprop's momentum, the
 * other optimizers' beta1 (descent_train). */
descent_status descent_optimizer_set_momentum(descent_optimizer *opt, double momentum);

/* Philox4x32-10 (src/grad_noise.c): four random words from a counter and
 * a key; exposed for its known-answer test. */
#include <stdint.h>
void descent_philox4x32(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

#endif
