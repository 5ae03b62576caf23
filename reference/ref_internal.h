/* Declarations the reference shares with the rest of the library; internal.
 * The reference includes nothing from src/: src/ builds on it (src/internal.h
 * includes this header), not the other way round. */
#ifndef DESCENT_REF_INTERNAL_H
#define DESCENT_REF_INTERNAL_H

#include "descent.h"

#if defined(__GNUC__)
#define DESCENT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DESCENT_PRINTF(fmt, args)
#endif

/* Records a one-line message for descent_last_error() and returns `status`,
 * so that callers can write `return descent_fail(DESCENT_ERR_..., ...)`
 * (src/error.c). */
descent_status descent_fail(descent_status status, const char *fmt, ...)
    DESCENT_PRINTF(2, 3);

/* The MLP's (reference/mlp.c), used by the fast MLP (src/mlp.c) too.
 *
 * Validates the shape and the arguments of a loss_grad/forward call:
 * batch >= 1, x and params not NULL, and for loss_grad (want_loss) labels
 * in [0, outputs) for cross-entropy or targets present for MSE.  `fn` names
 * the caller in the message. */
descent_status descent_mlp_check_call(const char *fn, const descent_mlp_shape *shape,
                                      const float *params, int batch, const float *x,
                                      int want_loss, const int *labels, const float *targets,
                                      const float *loss_out_or_out);

/* One example's loss and dloss/dz_L (the last layer's output z, `outputs`
 * values) into g, with PyTorch's mean reduction over `batch` examples:
 * cross-entropy (softmax over z, `label`) returns the example's loss;
 * MSE (`targets`, the example's row) returns 0, its sum of squares being
 * added up by the caller.  The reference and the fast MLP both use it, so
 * their loss gradients are the same bits. */
float descent_mlp_output_gradient(const descent_mlp_shape *s, int batch, const float *z,
                                  int label, const float *targets, float *g);

/* Its two formulas with libm, which the scalar variant's MLP kernels
 * (kernels/scalar.c) run too: act(z) for a hidden layer, and one example's
 * softmax cross-entropy (loss returned, its gradient over `outputs` logits
 * into g, divided by `batch`). */
float descent_mlp_activate(descent_activation act, float z);
float descent_mlp_softmax_cross_entropy(int outputs, const float *z, int label, int batch,
                                        float *g);

/* Mixed precision (reference/precision.c, include/descent_precision.h):
 * arrays widened to fp32 exactly and rounded back to nearest even; bf16
 * rounded stochastically with the bits of global element first + k at
 * step t; and the argument check descent_mixed_step and the reference
 * share (`fn` names the caller). */
void descent_ref_widen(size_t n, descent_dtype from, const void *src, float *dst);
void descent_ref_narrow(size_t n, const float *src, descent_dtype to, void *dst);
void descent_ref_narrow_bf16_stochastic(size_t n, const float *src, uint16_t *dst,
                                        unsigned long long seed, long t, size_t first);
descent_status descent_mixed_check_call(const char *fn, descent_optim_kind kind,
                                        const descent_hparams *h, long t,
                                        const double *mu_product, size_t n, const void *param,
                                        const void *grad, void *const state[3],
                                        const descent_precision *p);

#endif
