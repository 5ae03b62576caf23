/* descent_mixed_step (include/descent_precision.h): the checks, the
 * variant and threads, the loss-scale check, and the step on the parallel
 * layer's mixed-precision driver (kernels/mixed.c). */
#include "../kernels/kernel.h"
#include "internal.h"

descent_status descent_mixed_step(descent_optim_kind kind, const descent_hparams *h, long t,
                                  double *mu_product, size_t n, void *param, const void *grad,
                                  void *const state[3], const descent_precision *p,
                                  const descent_exec *exec, int *found_inf)
{
    descent_status s = descent_mixed_check_call("descent_mixed_step", kind, h, t, mu_product, n,
                                                param, grad, state, p);
    if (s != DESCENT_OK)
        return s;
    if (exec && exec->threads < 0)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mixed_step: invalid thread count %d",
                            exec->threads);
    descent_isa isa;
    if ((s = descent_isa_resolve(exec ? exec->isa : DESCENT_ISA_BEST, &isa)) != DESCENT_OK)
        return s;
    const descent_isa_kernels *table = descent_isa_table(isa);
    const int threads = exec ? exec->threads : 0;
    if (found_inf) {
        const int found = descent_parallel_mixed_nonfinite(table, n, p->grad, grad, threads);
        if (found < 0)
            return descent_fail(DESCENT_ERR_NOMEM, "descent_mixed_step: no memory for the check");
        if ((*found_inf = found))
            return DESCENT_OK; /* skipped: nothing changes */
    }
    const descent_step step = {kind, h, t, mu_product ? *mu_product : 1.0};
    descent_parallel_mixed_step(table, &step, n, param, grad, state, p, threads);
    const descent_optim_info *info = descent_optim_info_of(kind);
    if (info->product_factor)
        *mu_product *= info->product_factor(h, t);
    return DESCENT_OK;
}
