/* SGD — torch.optim.SGD.  With momentum = 0 this is plain (full-batch)
 * gradient descent or stochastic/mini-batch SGD, depending on the batch the
 * gradient came from.
 *
 *   g <- g + wd*p                          (weight decay, L2)
 *   b <- g                         at t = 1 (no dampening on the first step)
 *   b <- mu*b + (1 - dampening)*g  at t > 1
 *   g <- g + mu*b  (Nesterov, with the updated b)   else   g <- b
 *   p <- p - lr*g
 */
#include "descent.h"
#include "ref_util.h"

void descent_ref_sgd(const descent_hparams *h, long t, size_t n, float *param,
                     const float *grad, float *momentum_buffer)
{
    if (!h || (n > 0 && (!param || !grad || (h->momentum != 0 && !momentum_buffer))))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const float lr = (float)h->lr;
    const float wd = (float)h->weight_decay;
    const float mu = (float)h->momentum;
    const float one_minus_dampening = (float)(1.0 - h->dampening);

    for (size_t i = 0; i < n; i++) {
        float g = ref_ascent(h->maximize, grad[i]);
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        if (h->momentum != 0) {
            float *b = &momentum_buffer[i];
            *b = (t == 1) ? g : mu * *b + one_minus_dampening * g;
            g = h->nesterov ? g + mu * *b : *b;
        }
        param[i] = param[i] - lr * g;
    }
}
