/*
 * A port of Adam in plain C, with exactly the signature of descent_ref_adam
 * (include/descent.h): check it with
 *
 *     cc -O2 -fPIC -shared -o libadam_plain.so examples/port/adam_plain.c -lm
 *     build/descent validate --optimizer adam ./libadam_plain.so:adam_plain
 *
 * Only descent_hparams comes from descent.h; the port links nothing of
 * descent.  The contract: exp_avg and exp_avg_sq start at zero,
 * max_exp_avg_sq is NULL unless amsgrad, grad is read only, only elements
 * 0..n-1 are touched.
 */
#include <math.h>

#include "descent.h"

void adam_plain(const descent_hparams *h, long t, size_t n, float *param, const float *grad,
                float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq)
{
    const double bias_correction1 = 1.0 - pow(h->beta1, (double)t);
    const float step_size = (float)(h->lr / bias_correction1);
    const float bc2_sqrt = (float)sqrt(1.0 - pow(h->beta2, (double)t));
    const float beta1 = (float)h->beta1, one_minus_beta1 = (float)(1.0 - h->beta1);
    const float beta2 = (float)h->beta2, one_minus_beta2 = (float)(1.0 - h->beta2);
    const float eps = (float)h->eps, wd = (float)h->weight_decay;
    for (size_t i = 0; i < n; i++) {
        float g = h->maximize ? -grad[i] : grad[i]; /* maximize: ascend */
#ifdef FUSED
        /* -DFUSED: every sum of a product as one fused multiply-add, as
         * PyTorch's CPU kernels form them (g.add(p, alpha=wd), lerp) */
        if (h->weight_decay != 0)
            g = fmaf(wd, param[i], g);
        exp_avg[i] = fmaf(one_minus_beta1, g, beta1 * exp_avg[i]);
#else
        if (h->weight_decay != 0)
            g = g + wd * param[i]; /* L2: Adam adds the decay to the gradient */
        exp_avg[i] = beta1 * exp_avg[i] + one_minus_beta1 * g;
#endif
        /* PyTorch's addcmul is one fused multiply-add */
        exp_avg_sq[i] = fmaf(one_minus_beta2 * g, g, beta2 * exp_avg_sq[i]);
        float second = exp_avg_sq[i];
        if (h->amsgrad) {
            const float m = max_exp_avg_sq[i];
            /* NaN propagates, as torch.maximum does */
            max_exp_avg_sq[i] = (m != m || second != second) ? (m != m ? m : second)
                                : (m > second ? m : second);
            second = max_exp_avg_sq[i];
        }
        const float denom = sqrtf(second) / bc2_sqrt + eps;
        param[i] = param[i] - step_size * (exp_avg[i] / denom);
    }
}
