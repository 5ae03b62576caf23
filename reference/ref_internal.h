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

#endif
