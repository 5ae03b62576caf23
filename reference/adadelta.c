/* Adadelta — torch.optim.Adadelta.
 *
 *   g <- g + wd*p
 *   v <- rho*v + (1 - rho)*g^2
 *   d <- sqrt(u + eps)/sqrt(v + eps) * g   (eps inside both roots; u is the old one)
 *   u <- rho*u + (1 - rho)*d^2
 *   p <- p - lr*d
 *
 * Both averages of squares are formed as PyTorch's addcmul forms them
 * (ref_ema_square): with g*g rounded on its own, |g| from ~1.8e19 made v
 * inf and froze the parameter, where PyTorch's v stays finite up to ~5.8e19.
 */
#include <math.h>

#include "descent.h"
#include "ref_util.h"

void descent_ref_adadelta(const descent_hparams *h, long t, size_t n,
                          float *param, const float *grad, float *square_avg,
                          float *acc_delta)
{
    (void)t; /* Adadelta keeps no bias correction */
    if (!h || (n > 0 && (!param || !grad || !square_avg || !acc_delta)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const float lr = (float)h->lr;
    const float rho = (float)h->rho, one_minus_rho = (float)(1.0 - h->rho);
    const float eps = (float)h->eps;
    const float wd = (float)h->weight_decay;

    for (size_t i = 0; i < n; i++) {
        float g = ref_ascent(h->maximize, grad[i]);
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        square_avg[i] = ref_ema_square(rho, square_avg[i], one_minus_rho, g);
        const float std = sqrtf(square_avg[i] + eps);
        const float delta = sqrtf(acc_delta[i] + eps) / std * g;
        acc_delta[i] = ref_ema_square(rho, acc_delta[i], one_minus_rho, delta);
        param[i] = param[i] - lr * delta;
    }
}
