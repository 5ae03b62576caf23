/* Adagrad — torch.optim.Adagrad.
 *
 *   clr <- lr/(1 + (t - 1)*lr_decay)      (no decay on step 1)
 *   g <- g + wd*p
 *   s <- s + g^2                          (s starts at initial_accumulator_value)
 *   p <- p - clr * g/(sqrt(s) + eps)
 *
 * s + g^2 is rounded once, fmaf(g, g, s), as PyTorch's addcmul_(g, g, value=1)
 * rounds it (g*g alone overflows at the same |g| either way).
 */
#include <math.h>

#include "descent.h"
#include "ref_util.h"

void descent_ref_adagrad(const descent_hparams *h, long t, size_t n,
                         float *param, const float *grad, float *sum)
{
    if (!h || (n > 0 && (!param || !grad || !sum)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    /* t - 1 in double, so that no t overflows */
    const float clr = (float)(h->lr / (1.0 + ((double)t - 1.0) * h->lr_decay));
    const float eps = (float)h->eps;
    const float wd = (float)h->weight_decay;

    for (size_t i = 0; i < n; i++) {
        float g = ref_ascent(h->maximize, grad[i]);
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        sum[i] = fmaf(g, g, sum[i]);
        const float std = sqrtf(sum[i]) + eps;
        param[i] = param[i] - clr * (g / std);
    }
}
