/* RMSprop — torch.optim.RMSprop.
 *
 *   g <- g + wd*p
 *   v <- alpha*v + (1 - alpha)*g^2
 *   centered: gbar <- alpha*gbar + (1 - alpha)*g;  v~ = v - gbar^2   else v~ = v
 *   d <- g/(sqrt(v~) + eps)                       (eps outside the root)
 *   momentum: b <- mu*b + d;  p <- p - lr*b       else p <- p - lr*d
 *
 * The two products of squares are formed as PyTorch's CPU addcmul forms
 * them, one fused multiply-add each: v <- fma((1 - alpha)*g, g, alpha*v)
 * (ref_ema_square) and v~ = fma(-gbar, gbar, v).  A product is then never
 * rounded, nor overflows, on its own: g*g alone is inf from |g| ~ 1.8e19,
 * where ((1 - alpha)*g)*g is still finite up to ~1.8e20; and once v is inf,
 * inf - gbar^2 stays inf (a zero step, as in PyTorch) where inf - inf would
 * be NaN.
 */
#include <math.h>

#include "descent.h"
#include "ref_util.h"

void descent_ref_rmsprop(const descent_hparams *h, long t, size_t n,
                         float *param, const float *grad, float *square_avg,
                         float *momentum_buffer, float *grad_avg)
{
    (void)t; /* RMSprop keeps no bias correction */
    if (!h || (n > 0 && (!param || !grad || !square_avg || (h->momentum > 0 && !momentum_buffer) ||
                         (h->centered && !grad_avg))))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const float lr = (float)h->lr;
    const float alpha = (float)h->alpha, one_minus_alpha = (float)(1.0 - h->alpha);
    const float eps = (float)h->eps;
    const float wd = (float)h->weight_decay;
    const float mu = (float)h->momentum;

    for (size_t i = 0; i < n; i++) {
        float g = ref_ascent(h->maximize, grad[i]);
        if (h->weight_decay != 0)
            g = g + wd * param[i];
        square_avg[i] = ref_ema_square(alpha, square_avg[i], one_minus_alpha, g);
        float variance = square_avg[i];
        if (h->centered) {
            grad_avg[i] = alpha * grad_avg[i] + one_minus_alpha * g;
            variance = fmaf(-grad_avg[i], grad_avg[i], square_avg[i]);
        }
        const float avg = sqrtf(variance) + eps;
        if (h->momentum > 0) {
            momentum_buffer[i] = mu * momentum_buffer[i] + g / avg;
            param[i] = param[i] - lr * momentum_buffer[i];
        } else {
            param[i] = param[i] - lr * (g / avg);
        }
    }
}
