/* Lion — Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms",
 * in lion-pytorch's update order:
 *
 *   p <- p*(1 - lr*wd)                  (decoupled decay, first)
 *   c <- b1*m + (1 - b1)*g              (the interpolation the sign is taken of)
 *   p <- p - lr*sign(c)                 (sign(0) = 0)
 *   m <- b2*m + (1 - b2)*g              (the momentum keeps its own beta)
 *
 * sign() is torch.sign's: (c > 0) - (c < 0), so a NaN c gives 0 (the NaN
 * still flows into m, as in PyTorch).
 */
#include "descent.h"

static float lion_sign(float c)
{
    return (float)((c > 0.0f) - (c < 0.0f));
}

void descent_ref_lion(const descent_hparams *h, long t, size_t n, float *param,
                      const float *grad, float *exp_avg)
{
    (void)t; /* Lion has no bias correction: every step is the same */
    if (!h || (n > 0 && (!param || !grad || !exp_avg)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const float lr = (float)h->lr;
    const float beta1 = (float)h->beta1, one_minus_beta1 = (float)(1.0 - h->beta1);
    const float beta2 = (float)h->beta2, one_minus_beta2 = (float)(1.0 - h->beta2);
    const float decay_factor = (float)(1.0 - h->lr * h->weight_decay);

    for (size_t i = 0; i < n; i++) {
        const float g = grad[i];
        if (h->weight_decay != 0)
            param[i] = param[i] * decay_factor;
        const float c = beta1 * exp_avg[i] + one_minus_beta1 * g;
        param[i] = param[i] - lr * lion_sign(c);
        exp_avg[i] = beta2 * exp_avg[i] + one_minus_beta2 * g;
    }
}
