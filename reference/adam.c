/* Adam and AdamW — torch.optim.Adam / torch.optim.AdamW.
 *
 *   Adam:  g <- g + wd*p                 (L2 weight decay)
 *   AdamW: p <- p*(1 - lr*wd)            (decoupled decay, before the step)
 *   m <- b1*m + (1 - b1)*g
 *   v <- b2*v + (1 - b2)*g^2            (PyTorch's addcmul: ref_ema_square)
 *   vmax <- max(vmax, v)                 (amsgrad: over the raw v, not v-hat)
 *   denom <- sqrt(v or vmax)/sqrt(1 - b2^t) + eps   (eps after the correction)
 *   p <- p - lr/(1 - b1^t) * m/denom
 */
#include <math.h>

#include "descent.h"
#include "ref_util.h"

static void adam_family_step(const descent_hparams *h, long t, size_t n,
                             float *param, const float *grad, float *m,
                             float *v, float *vmax, int decoupled_decay)
{
    if (!h || (n > 0 && (!param || !grad || !m || !v || (h->amsgrad && !vmax))))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const double bias_correction1 = 1.0 - pow(h->beta1, (double)t);
    const double bias_correction2 = 1.0 - pow(h->beta2, (double)t);
    const float step_size = (float)(h->lr / bias_correction1);
    const float bias_correction2_sqrt = (float)sqrt(bias_correction2);
    const float beta1 = (float)h->beta1, one_minus_beta1 = (float)(1.0 - h->beta1);
    const float beta2 = (float)h->beta2, one_minus_beta2 = (float)(1.0 - h->beta2);
    const float eps = (float)h->eps;
    const float wd = (float)h->weight_decay;
    const float decay_factor = (float)(1.0 - h->lr * h->weight_decay);

    for (size_t i = 0; i < n; i++) {
        float g = ref_ascent(h->maximize, grad[i]);
        if (h->weight_decay != 0) {
            if (decoupled_decay)
                param[i] = param[i] * decay_factor;
            else
                g = g + wd * param[i];
        }
        m[i] = beta1 * m[i] + one_minus_beta1 * g;
        v[i] = ref_ema_square(beta2, v[i], one_minus_beta2, g);
        float second_moment = v[i];
        if (h->amsgrad)
            second_moment = vmax[i] = ref_max(vmax[i], v[i]);
        const float denom = sqrtf(second_moment) / bias_correction2_sqrt + eps;
        param[i] = param[i] - step_size * (m[i] / denom);
    }
}

void descent_ref_adam(const descent_hparams *h, long t, size_t n, float *param,
                      const float *grad, float *exp_avg, float *exp_avg_sq,
                      float *max_exp_avg_sq)
{
    adam_family_step(h, t, n, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, 0);
}

void descent_ref_adamw(const descent_hparams *h, long t, size_t n, float *param,
                       const float *grad, float *exp_avg, float *exp_avg_sq,
                       float *max_exp_avg_sq)
{
    adam_family_step(h, t, n, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, 1);
}
