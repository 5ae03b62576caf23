/* Gradient clipping: torch.nn.utils.clip_grad_norm_ and clip_grad_value_
 * (PyTorch 1.13) over one flat gradient, through the chosen variant's
 * clipping kernels and the parallel layer (deterministic block order). */
#include <math.h>

#include "../kernels/kernel.h"
#include "internal.h"

/* The kernels of exec's variant (NULL exec: the best) and its threads. */
static descent_status clip_table(const descent_exec *exec, const descent_isa_kernels **table,
                                 int *threads)
{
    descent_isa isa;
    descent_status s = descent_isa_resolve(exec ? exec->isa : DESCENT_ISA_BEST, &isa);
    if (s != DESCENT_OK)
        return s;
    if (exec && exec->threads < 0)
        return descent_fail(DESCENT_ERR_INVALID, "invalid thread count %d", exec->threads);
    *table = descent_isa_table(isa);
    *threads = exec ? exec->threads : 0;
    return DESCENT_OK;
}

descent_status descent_clip_grad_norm(float *grad, size_t n, double max_norm,
                                      double norm_type, int error_if_nonfinite,
                                      const descent_exec *exec, float *total_norm)
{
    if (!grad && n > 0)
        return descent_fail(DESCENT_ERR_INVALID, "descent_clip_grad_norm: grad is NULL");
    if (!(max_norm >= 0))
        return descent_fail(DESCENT_ERR_INVALID, "clip_grad_norm: invalid max_norm %g", max_norm);
    if (!(norm_type > 0))
        return descent_fail(DESCENT_ERR_INVALID,
                            "clip_grad_norm: invalid norm_type %g (a number > 0, or inf)",
                            norm_type);
    const descent_isa_kernels *table;
    int threads;
    descent_status s = clip_table(exec, &table, &threads);
    if (s != DESCENT_OK)
        return s;
    const double sum = descent_parallel_norm_sum(table->norm_sum, n, grad, norm_type, threads);
    /* PyTorch returns the norm as a float32 tensor and scales with it */
    const float norm = (float)(isinf(norm_type) ? sum
                               : norm_type == 1.0 ? sum
                               : norm_type == 2.0 ? sqrt(sum)
                                                  : pow(sum, 1.0 / norm_type));
    if (total_norm)
        *total_norm = norm;
    if (error_if_nonfinite && !isfinite(norm))
        return descent_fail(DESCENT_ERR_NONFINITE,
                            "The total norm of order %g for gradients is non-finite, so it "
                            "cannot be clipped", norm_type);
    const float coef = (float)max_norm / (norm + 1e-6f);
    /* clamp(coef, max=1): a NaN coefficient stays NaN and scales too */
    if (coef < 1.0f || coef != coef)
        descent_parallel_scale(table->scale, n, grad, coef, threads);
    return DESCENT_OK;
}

descent_status descent_clip_grad_value(float *grad, size_t n, double clip_value,
                                       const descent_exec *exec)
{
    if (!grad && n > 0)
        return descent_fail(DESCENT_ERR_INVALID, "descent_clip_grad_value: grad is NULL");
    if (clip_value != clip_value)
        return descent_fail(DESCENT_ERR_INVALID, "clip_grad_value: clip_value is NaN");
    const descent_isa_kernels *table;
    int threads;
    descent_status s = clip_table(exec, &table, &threads);
    if (s != DESCENT_OK)
        return s;
    const float c = (float)clip_value;
    descent_parallel_clamp(table->clamp, n, grad, -c, c, threads);
    return DESCENT_OK;
}
