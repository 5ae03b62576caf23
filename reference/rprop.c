/* Rprop — torch.optim.Rprop (resilient backpropagation): a per-element step
 * size that grows while the gradient keeps its sign and shrinks when it
 * flips; only the gradient's sign moves the parameter.
 *
 *   g <- -g                                   (maximize)
 *   s <- sign(g*prev)                         (the float32 product, as PyTorch:
 *                                              it underflows to 0 for tiny g)
 *   eta <- clamp(eta*etaplus  where s > 0,
 *                eta*etaminus where s < 0,
 *                eta          where s = 0;  step_size_min, step_size_max)
 *   g <- 0 where s < 0                        (no move now, and prev becomes 0)
 *   p <- p - sign(g)*eta
 *   prev <- g
 *
 * step_size (eta) starts at lr, prev at 0; t is not used.
 */
#include "descent.h"
#include "ref_util.h"

/* torch.sign: -1, 0 or 1, NaN for NaN. */
static float sign_of(float x)
{
    return x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x;
}

/* The factor the step size is multiplied by, from the sign of g*prev
 * (a NaN product gives NaN, as PyTorch's sign does and leaves in place). */
static float step_factor(float direction, float etaminus, float etaplus)
{
    return direction > 0 ? etaplus : direction < 0 ? etaminus : direction == 0 ? 1.0f
                                                                               : direction;
}

void descent_ref_rprop(const descent_hparams *h, long t, size_t n, float *param,
                       const float *grad, float *prev, float *step_size)
{
    (void)t;
    if (!h || (n > 0 && (!param || !grad || !prev || !step_size)))
        return; /* descent.h's NULL rule: a step without its arrays does nothing */
    const float etaminus = (float)h->etaminus, etaplus = (float)h->etaplus;
    const float step_min = (float)h->step_size_min, step_max = (float)h->step_size_max;

    for (size_t i = 0; i < n; i++) {
        float g = ref_ascent(h->maximize, grad[i]);
        const float direction = g * prev[i];
        step_size[i] = ref_clamp(step_size[i] * step_factor(direction, etaminus, etaplus),
                                 step_min, step_max);
        if (direction < 0)
            g = 0;
        param[i] = param[i] - sign_of(g) * step_size[i];
        prev[i] = g;
    }
}
