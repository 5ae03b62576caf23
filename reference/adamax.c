/* Adamax — torch.optim.Adamax (Adam with the infinity norm).
 *
 *   g <- g + wd*p
 *   m <- b1*m + (1 - b1)*g
 *   u <- max(b2*u, |g| + eps)              (eps inside the max)
 *   p <- p - lr/(1 - b1^t) * m/u
 */
#include <math.h>

#include "descent.h"
#include "ref_util.h"

void descent_ref_adamax(const descent_hparams *h, long t, size_t n,
                        float *param, const float *grad, float *exp_avg,
                        float *exp_inf)
{
    if (!h || (n > 0 && (!param || !grad || !exp_avg || !exp_inf)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const float clr = (float)(h->lr / (1.0 - pow(h->beta1, (double)t)));
    const float beta1 = (float)h->beta1, one_minus_beta1 = (float)(1.0 - h->beta1);
    const float beta2 = (float)h->beta2;
    const float eps = (float)h->eps;
    const float wd = (float)h->weight_decay;

    for (size_t i = 0; i < n; i++) {
        float g = ref_ascent(h->maximize, grad[i]);
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        exp_avg[i] = beta1 * exp_avg[i] + one_minus_beta1 * g;
        exp_inf[i] = ref_max(beta2 * exp_inf[i], fabsf(g) + eps);
        param[i] = param[i] - clr * (exp_avg[i] / exp_inf[i]);
    }
}
