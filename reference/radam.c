/* RAdam — torch.optim.RAdam.
 *
 *   g <- g + wd*p
 *   m <- b1*m + (1 - b1)*g;   v <- b2*v + (1 - b2)*g^2;   m^ = m/(1 - b1^t)
 *   (v as PyTorch's addcmul forms it: ref_ema_square)
 *   rho_inf = 2/(1 - b2) - 1,  rho_t = rho_inf - 2t*b2^t/(1 - b2^t)
 *   rho_t > 5 (strict):  r = sqrt((rho_t-4)(rho_t-2)rho_inf / ((rho_inf-4)(rho_inf-2)rho_t))
 *                        p <- p - lr * m^ * sqrt(1 - b2^t)/(sqrt(v) + eps) * r
 *   otherwise:           p <- p - lr * m^            (no v, no eps)
 */
#include <math.h>

#include "descent.h"
#include "ref_util.h"

void descent_ref_radam(const descent_hparams *h, long t, size_t n, float *param,
                       const float *grad, float *exp_avg, float *exp_avg_sq)
{
    if (!h || (n > 0 && (!param || !grad || !exp_avg || !exp_avg_sq)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const double bias_correction1 = 1.0 - pow(h->beta1, (double)t);
    const double bias_correction2 = 1.0 - pow(h->beta2, (double)t);
    const double rho_inf = 2.0 / (1.0 - h->beta2) - 1.0;
    const double rho_t =
        rho_inf - 2.0 * (double)t * pow(h->beta2, (double)t) / bias_correction2;
    const int rectify = rho_t > 5.0;
    const float rect = rectify
        ? (float)sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                      ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
        : 0.0f;
    const float lr = (float)h->lr;
    const float bc1 = (float)bias_correction1;
    const float bc2_sqrt = (float)sqrt(bias_correction2);
    const float beta1 = (float)h->beta1, one_minus_beta1 = (float)(1.0 - h->beta1);
    const float beta2 = (float)h->beta2, one_minus_beta2 = (float)(1.0 - h->beta2);
    const float eps = (float)h->eps;
    const float wd = (float)h->weight_decay;

    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        exp_avg[i] = beta1 * exp_avg[i] + one_minus_beta1 * g;
        exp_avg_sq[i] = ref_ema_square(beta2, exp_avg_sq[i], one_minus_beta2, g);
        const float corrected_exp_avg = exp_avg[i] / bc1;
        if (rectify) {
            const float adaptive_lr = bc2_sqrt / (sqrtf(exp_avg_sq[i]) + eps);
            param[i] = param[i] - corrected_exp_avg * lr * adaptive_lr * rect;
        } else {
            param[i] = param[i] - corrected_exp_avg * lr;
        }
    }
}
