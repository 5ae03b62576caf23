/* ASGD — torch.optim.ASGD (averaged SGD, Polyak-Ruppert averaging with a
 * decaying step).
 *
 *   g <- -g                                   (maximize)
 *   g <- g + wd*p
 *   p <- p*(1 - lambd*eta_t)
 *   p <- p - eta_t*g
 *   ax <- p                 if mu_t = 1
 *   ax <- ax + mu_t*(p - ax) otherwise
 *
 * eta_t and mu_t are what PyTorch stores after step t-1, float32 tensors:
 * eta_1 = lr, eta_t = lr/(1 + lambd*lr*(t-1))^alpha; mu_1 = 1,
 * mu_t = 1/max(1, (t-1) - t0).  So averaging starts once t-1 > t0 + 1.
 */
#include <math.h>

#include "descent.h"
#include "ref_util.h"

float descent_asgd_eta(const descent_hparams *h, long t)
{
    if (!h)
        return 0;
    if (t <= 1)
        return (float)h->lr;
    return (float)(h->lr / pow(1.0 + h->lambd * h->lr * (double)(t - 1), h->alpha));
}

float descent_asgd_mu(const descent_hparams *h, long t)
{
    if (!h)
        return 0;
    if (t <= 1)
        return 1.0f;
    return (float)(1.0 / fmax(1.0, (double)(t - 1) - h->t0));
}

void descent_ref_asgd(const descent_hparams *h, long t, size_t n, float *param,
                      const float *grad, float *ax)
{
    if (!h || (n > 0 && (!param || !grad || !ax)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const float eta = descent_asgd_eta(h, t), mu = descent_asgd_mu(h, t);
    /* 1 - lambd*eta in double from the float32 eta, then rounded: PyTorch's
     * param.mul_(1 - lambd * eta.item()). */
    const float decay = (float)(1.0 - h->lambd * (double)eta);
    const float wd = (float)h->weight_decay;

    for (size_t i = 0; i < n; i++) {
        float g = ref_ascent(h->maximize, grad[i]);
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        param[i] = param[i] * decay;
        param[i] = param[i] - eta * g;
        ax[i] = mu != 1.0f ? ax[i] + (param[i] - ax[i]) * mu : param[i];
    }
}
