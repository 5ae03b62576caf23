/*
 * Adam ports with one mistake each, chosen by a -D flag, for
 * tests/cli_validate.sh: descent validate must exit 1 on every one and
 * name the failed check.  Without a flag this is a correct port.
 *
 *   EPS_IN_SQRT   sqrt(v/bc2 + eps) instead of sqrt(v)/sqrt(bc2) + eps
 *   TAIL          the last n % 16 elements left unprocessed
 *   WRITE_PAST    writes element n
 *   READ_BEFORE   reads grad[-1]
 *   WRITES_GRAD   stores the decayed gradient into grad
 *   NO_AMSGRAD    ignores amsgrad
 *   NAN_TO_ZERO   replaces a NaN gradient by 0
 *   LR_OFF        lr 0.2% too large
 *   L2_DECOUPLED  weight decay as AdamW's decoupled decay
 *   NULL_STATE    touches max_exp_avg_sq when amsgrad = 0 (it is NULL)
 *   HANG          an infinite loop at n = 45
 *   CRASH         abort() at n = 23
 */
#include <math.h>
#include <stdlib.h>

#include "descent.h"

void adam_broken(const descent_hparams *h, long t, size_t n, float *param, const float *grad,
                 float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq)
{
#ifdef LR_OFF
    const double lr = h->lr * 1.002;
#else
    const double lr = h->lr;
#endif
    const float step_size = (float)(lr / (1.0 - pow(h->beta1, (double)t)));
    const float bc2_sqrt = (float)sqrt(1.0 - pow(h->beta2, (double)t));
    const float beta1 = (float)h->beta1, one_minus_beta1 = (float)(1.0 - h->beta1);
    const float beta2 = (float)h->beta2, one_minus_beta2 = (float)(1.0 - h->beta2);
    const float eps = (float)h->eps, wd = (float)h->weight_decay;
    size_t end = n;
#ifdef TAIL
    end = n - n % 16;
#endif
#ifdef HANG
    while (n == 45)
        __asm__ volatile("");
#endif
#ifdef CRASH
    if (n == 23)
        abort();
#endif
#ifdef READ_BEFORE
    if (n > 0)
        end += (size_t)(((volatile const float *)grad)[-1] == 12345.0f);
#endif
    for (size_t i = 0; i < end; i++) {
        float g = h->maximize ? -grad[i] : grad[i];
#ifdef NAN_TO_ZERO
        if (g != g)
            g = 0;
#endif
        if (h->weight_decay != 0) {
#ifdef L2_DECOUPLED
            param[i] = param[i] * (float)(1.0 - h->lr * h->weight_decay);
#else
            g = g + wd * param[i];
#endif
        }
#ifdef WRITES_GRAD
        ((float *)grad)[i] = g;
#endif
        exp_avg[i] = beta1 * exp_avg[i] + one_minus_beta1 * g;
        exp_avg_sq[i] = fmaf(one_minus_beta2 * g, g, beta2 * exp_avg_sq[i]);
        float second = exp_avg_sq[i];
#ifdef NO_AMSGRAD
        const int amsgrad = 0;
#elif defined NULL_STATE
        const int amsgrad = 1;
#else
        const int amsgrad = h->amsgrad;
#endif
        if (amsgrad) {
            const float m = max_exp_avg_sq[i];
            max_exp_avg_sq[i] = (m != m || second != second) ? (m != m ? m : second)
                                : (m > second ? m : second);
            second = max_exp_avg_sq[i];
        }
#ifdef EPS_IN_SQRT
        const float denom = sqrtf(second / (bc2_sqrt * bc2_sqrt) + eps);
#else
        const float denom = sqrtf(second) / bc2_sqrt + eps;
#endif
        param[i] = param[i] - step_size * (exp_avg[i] / denom);
    }
#ifdef WRITE_PAST
    if (n > 0)
        param[n] = param[n - 1];
#endif
}
