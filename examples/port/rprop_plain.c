/*
 * A port of Rprop in plain C, with exactly the signature of descent_ref_rprop
 * (include/descent.h): check it with
 *
 *     cc -O2 -fPIC -shared -Iinclude -o librprop_plain.so examples/port/rprop_plain.c
 *     build/descent validate --optimizer rprop ./librprop_plain.so:rprop_plain
 *
 * The contract: prev starts at zero, step_size at lr; grad is read only;
 * only elements 0..n-1 are touched.  Built with -DSIGN_OF_SIGNS it takes the
 * sign of g*prev as sign(g)*sign(prev), a tempting shortcut that differs
 * from PyTorch where the float32 product underflows to 0 (|g| ~ 1e-20 and
 * below): validate fails it (tests/cli_validate.sh).
 */
#include "descent.h"

static float sign_of(float x)
{
    return x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x; /* NaN stays NaN */
}

void rprop_plain(const descent_hparams *h, long t, size_t n, float *param, const float *grad,
                 float *prev, float *step_size)
{
    (void)t;
    const float etaminus = (float)h->etaminus, etaplus = (float)h->etaplus;
    const float lo = (float)h->step_size_min, hi = (float)h->step_size_max;
    for (size_t i = 0; i < n; i++) {
        float g = h->maximize ? -grad[i] : grad[i];
#ifdef SIGN_OF_SIGNS
        const float direction = sign_of(g) * sign_of(prev[i]);
#else
        const float direction = g * prev[i];
#endif
        float eta = step_size[i];
        eta = direction > 0 ? eta * etaplus : direction < 0 ? eta * etaminus
            : direction == 0 ? eta : direction * eta; /* NaN: NaN, as PyTorch */
        if (eta == eta) /* clamp as torch.clamp: NaN passes */
            eta = eta < lo ? lo : eta > hi ? hi : eta;
        step_size[i] = eta;
        if (direction < 0)
            g = 0;
        param[i] = param[i] - sign_of(g) * eta;
        prev[i] = g;
    }
}
