/*
 * An SGD port whose Nesterov step uses the momentum buffer from before the
 * update (g + mu*b_old instead of g + mu*b_new), for tests/cli_validate.sh:
 * descent validate must fail its nesterov branch.  Without NESTEROV_OLD it
 * is a correct port.
 */
#include "descent.h"

void sgd_broken(const descent_hparams *h, long t, size_t n, float *param, const float *grad,
                float *momentum_buffer)
{
    const float lr = (float)h->lr, mu = (float)h->momentum, wd = (float)h->weight_decay;
    const float damp = (float)(1.0 - h->dampening);
    for (size_t i = 0; i < n; i++) {
        float g = h->maximize ? -grad[i] : grad[i];
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        if (h->momentum != 0) {
            float *b = &momentum_buffer[i];
            const float old = *b;
            *b = t == 1 ? g : mu * *b + damp * g;
#ifdef NESTEROV_OLD
            g = h->nesterov ? g + mu * old : *b;
#else
            (void)old;
            g = h->nesterov ? g + mu * *b : *b;
#endif
        }
        param[i] = param[i] - lr * g;
    }
}
